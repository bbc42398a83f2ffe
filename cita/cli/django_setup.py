"""Start Django for the commands that need it (never imported by `cita draw compute/verify/new-seed`)."""

from __future__ import annotations

import os
from pathlib import Path

from cita.db import cita_home

SECRETS_FILE = "secrets.env"


def load_env_file(path: Path) -> None:
    """Read `NAME=value` lines into the environment, never overriding what is already set."""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        os.environ.setdefault(name.strip(), value.strip())


def load_dev_env() -> None:
    """Load the development secrets file when there is one (`cita demo` writes it)."""
    secrets_file = cita_home() / SECRETS_FILE
    if secrets_file.exists():
        load_env_file(secrets_file)


def setup() -> None:
    """Load the development secrets file when there is one, then start Django."""
    load_dev_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cita.settings")
    import django

    django.setup()
