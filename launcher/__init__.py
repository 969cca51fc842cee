"""launcher: from a confirmed event to live, localized accounts and first posts in minutes."""

__version__ = "0.1.0"
