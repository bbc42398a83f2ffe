"""Test settings: the real settings, with throwaway keys made for this run and plain static storage.

The database is real PostgreSQL: the embedded server, or DATABASE_URL's server when set. pytest-django
creates a fresh test database on it and drops it at the end.
"""

import hashlib
import os
from pathlib import Path

from cita.core.crypto import new_key_ring_entry

# Keys made for this test run only; the same in every xdist worker of the run via the environment.
os.environ.setdefault("CITA_SECRET_KEY", "test-secret-key-" + "k" * 40)
os.environ.setdefault("CITA_DATA_KEY", new_key_ring_entry("t1"))
os.environ.setdefault("CITA_INDEX_KEY", new_key_ring_entry("ti1"))
os.environ.setdefault("CITA_SIGNING_KEY", new_key_ring_entry("ts1"))
os.environ.setdefault("CITA_AUDIT_HEAD_KEY", new_key_ring_entry("ta1"))
os.environ.setdefault("CITA_BASE_URL", "http://testserver")
# Start-up wants a beacon and its chain's public key (issue 14, item 7); the tests run draws without them
# unless a test sets them (tests/draws/test_beacon.py runs a real drand-style HTTP server). The key is drand
# mainnet's (pedersen-bls-chained, the default scheme).
os.environ.setdefault("CITA_BEACON_URL", "http://beacon.invalid")
os.environ.setdefault(
    "CITA_BEACON_PUBLIC_KEY",
    "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31",
)

from cita.settings import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CITA_BEACON_URL = ""
CITA_BEACON_PUBLIC_KEY = ""
# The test database's name: CITA_TEST_DATABASE, else one per checkout, so that two checkouts testing against
# the same server (DATABASE_URL) never take each other's database (two runs in one checkout need the former).
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": os.environ.get("CITA_TEST_DATABASE")
    or "test_cita_" + hashlib.sha256(str(Path(__file__).resolve().parent).encode()).hexdigest()[:8]
}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Tests move the frozen clock across the days of a cycle with one applicant session; the idle timeout's
# own test (tests/web/test_contact_takeover.py) sets the production default of 24 hours.
CITA_APPLICANT_IDLE_HOURS = 24 * 365
