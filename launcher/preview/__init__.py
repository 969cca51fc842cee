"""The preview: a whole launch as one self-contained HTML page, for people to review.

A view over a plan (content → plan → *preview*), beside the terminal view in
:mod:`launcher.plan.view`: ``page`` renders profile and post cards that resemble each
platform, with the page's template, style and script in ``assets/``. It sends nothing.
"""
