"""Start-up configuration, migrations in sync, and the deployment checklist under production settings."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection

from cita.core.crypto import new_key_ring_entry
from tests.draws.test_beacon import QUICKNET_KEY


def run_cita(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cita", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def production_env(home: str) -> dict[str, str]:
    """Production settings: DEBUG off, every secret set, https base URL, this test database."""
    db = connection.settings_dict
    host = db["HOST"]
    url = (
        f"postgresql://{db['USER']}@/{db['NAME']}?host={host}"
        if host.startswith("/")
        else (f"postgresql://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITA_")}
    env.update(
        DJANGO_SETTINGS_MODULE="cita.settings",
        DATABASE_URL=url,
        CITA_SECRET_KEY="p" * 20 + "Q8x!vZ2#kL9@mN4$rT7^wY1&" * 2,
        CITA_DATA_KEY=new_key_ring_entry("p1"),
        CITA_INDEX_KEY=new_key_ring_entry("pi1"),
        CITA_SIGNING_KEY=new_key_ring_entry("ps1"),
        CITA_BASE_URL="https://cita.example.org",
        CITA_BEACON_URL="https://api.drand.sh/v2/beacons/quicknet",
        CITA_BEACON_PUBLIC_KEY=QUICKNET_KEY,
        CITA_BEACON_SCHEME="bls-unchained-g1-rfc9380",
        # An empty home: no development secrets file to fall back on.
        CITA_HOME=home,
    )
    return env


def test_a_missing_secret_stops_start_up_with_one_clear_line(tmp_path):
    env = production_env(str(tmp_path))
    del env["CITA_DATA_KEY"]
    del env["CITA_SIGNING_KEY"]
    result = run_cita("manage", "check", env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "CITA_DATA_KEY" in lines[0]
    assert "CITA_SIGNING_KEY" in lines[0]


def test_without_a_beacon_start_up_stops_unless_debug_is_on(tmp_path):
    """Issue 14, item 7: without a beacon whoever holds the seed knows every draw key while the window is
    open; only development (CITA_DEBUG) may run without one."""
    env = production_env(str(tmp_path))
    del env["CITA_BEACON_URL"]
    result = run_cita("manage", "check", env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "CITA_BEACON_URL" in lines[0]
    env["CITA_DEBUG"] = "1"
    result = run_cita("manage", "check", env=env)
    assert result.returncode == 0, result.stderr


def test_without_the_beacons_public_key_start_up_stops_unless_debug_is_on(tmp_path):
    """Issue 14, item 7: without the chain's public key whoever can change the beacon's answer (a look-alike
    server, a proxy) chooses the draw's randomness; outside development the key is required."""
    env = production_env(str(tmp_path))
    del env["CITA_BEACON_PUBLIC_KEY"]
    result = run_cita("manage", "check", env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "CITA_BEACON_PUBLIC_KEY" in lines[0]
    # A key of the wrong length for its scheme (drand mainnet's G1 key under quicknet) is named too.
    env["CITA_BEACON_PUBLIC_KEY"] = QUICKNET_KEY[:96]
    result = run_cita("manage", "check", env=env)
    assert result.returncode != 0
    assert "not a bls-unchained-g1-rfc9380 public key" in result.stderr.strip().splitlines()[0]
    del env["CITA_BEACON_PUBLIC_KEY"]
    env["CITA_DEBUG"] = "1"
    result = run_cita("manage", "check", env=env)
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_the_deployment_checklist_is_clean_under_production_settings(tmp_path):
    result = run_cita(
        "manage", "check", "--deploy", "--fail-level", "WARNING", env=production_env(str(tmp_path))
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_models_and_migrations_are_in_sync():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_replica_and_pgbouncer_settings_come_from_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITA_")}
    env.update(
        CITA_DEBUG="1",
        DJANGO_SETTINGS_MODULE="cita.settings",
        DATABASE_URL="postgresql://app@primary.internal:6432/cita",
        DATABASE_REPLICA_URL="postgresql://app@replica.internal:5432/cita",
        CITA_PGBOUNCER="1",
        CITA_REPLICA_MAX_LAG_SECONDS="5",
        CITA_REPLICA_STICKY_SECONDS="30",
    )
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({a: [d['HOST'], d['DISABLE_SERVER_SIDE_CURSORS'],"
        " d['OPTIONS'].get('connect_timeout'), d.get('TEST', {}).get('MIRROR')]"
        " for a, d in s.DATABASES.items()} | {'routers': s.DATABASE_ROUTERS,"
        " 'limits': [s.CITA_REPLICA_MAX_LAG_SECONDS, s.CITA_REPLICA_STICKY_SECONDS]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "default": ["primary.internal", True, None, None],
        "replica": ["replica.internal", True, "2", "default"],
        "limits": [5.0, 30],
        "routers": ["cita.core.replica.ReplicaRouter"],
    }
