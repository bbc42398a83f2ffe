"""Test settings: the real settings, with throwaway keys made for this run and plain static storage.

The database is real PostgreSQL: the embedded server, or DATABASE_URL's server when set. pytest-django
creates a fresh test database on it and drops it at the end.
"""

import os

from cita.core.crypto import new_key_ring_entry

# Keys made for this test run only; the same in every xdist worker of the run via the environment.
os.environ.setdefault("CITA_SECRET_KEY", "test-secret-key-" + "k" * 40)
os.environ.setdefault("CITA_DATA_KEY", new_key_ring_entry("t1"))
os.environ.setdefault("CITA_INDEX_KEY", new_key_ring_entry("ti1"))
os.environ.setdefault("CITA_SIGNING_KEY", new_key_ring_entry("ts1"))
os.environ.setdefault("CITA_BASE_URL", "http://testserver")

from cita.settings import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
