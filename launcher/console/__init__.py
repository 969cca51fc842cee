"""The web console: a small site where people sign in, review and decide, from a phone.

Where it sits in the flow: on top, beside the CLI, calling the same library functions
(:mod:`launcher.people.actions`) with the same roles and four eyes. A person signs in with
their password (argon2) and, for the approver and emergency roles, a one-time code (TOTP);
only then does the server unlock the signing key it keeps for that person (encrypted with a
key derived from their password) and sign their decisions with it. Pages: launches awaiting
approval with their full preview (the page ``launcher preview`` writes, in a sandboxed
frame), approve or reject with a reason, a launch's status with its halt button, the audit
log. Served by uvicorn (``launcher serve``), bound to 127.0.0.1 unless told otherwise, meant
to sit behind the organisation's reverse proxy with TLS.

- :mod:`.config`: the settings' ``console`` section (light: no web framework imported);
- :mod:`.users`: enrolment, password hashes, TOTP secrets, the encrypted keys;
- :mod:`.sessions`: sessions, CSRF tokens and sign-in rate limiting, in memory;
- :mod:`.app`: the Starlette application, its pages and actions;
- :mod:`.server`: running it under uvicorn.
"""
