"""Settings for the test suite: the normal settings in the `test` environment.

`DATABASE_URL` still decides the database, so the same suite runs on SQLite (the default,
in memory) and on PostgreSQL (CI sets `DATABASE_URL=postgres://...`).
"""

import os

os.environ.setdefault("CASUSREGIE_ENV", "test")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

from .settings import *  # noqa: F403

# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
