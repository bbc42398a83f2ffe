"""The least-privilege application role (issue 14, item 10), against the real database: the web server and
worker connect as a role that owns no table, so it writes rows as usual but cannot switch the audit
trigger off, nor update, delete or truncate audit rows (docs/operations.md, "Database roles")."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection, transaction

from cita.audit.models import AuditEvent
from cita.audit.selectors import audit_chain_verify
from cita.audit.services import audit_chain_extend, audit_record
from cita.cli.serve import serve_environment
from cita.core.actors import system
from cita.core.db_grants import grant_after_migrate
from cita.db import app_environment, app_role_ensure, app_role_name, url_with_user
from cita.ports.models import Port

pytestmark = pytest.mark.django_db(transaction=True)
ROLE = "cita_test_app"  # roles are the server's: one for every test database, made once
ACTOR = system("test")
REFUSED = r"permission denied|must be owner"


def owner_url() -> str:
    """A URL of the test database as the role that owns its tables (the one the tests connect as)."""
    db = connection.settings_dict
    host = db["HOST"]
    if host.startswith("/"):
        return f"postgresql://{db['USER']}@/{db['NAME']}?host={host}"
    return f"postgresql://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def app_url(monkeypatch: pytest.MonkeyPatch) -> str:
    """The application role, made on the server and granted its rows by the migration's own step."""
    password = secrets.token_urlsafe(16)
    app_role_ensure(owner_url(), role=ROLE, password=password)
    url = url_with_user(owner_url(), user=ROLE, password=password)
    monkeypatch.setenv("CITA_APP_DATABASE_URL", url)
    assert app_role_name() == ROLE
    grant_after_migrate(using="default")
    return url


@pytest.fixture
def as_app_role(app_url: str) -> Iterator[None]:
    """Django's connection as the application role for the test, the owner's again afterwards."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["USER"] = ROLE
    connection.settings_dict["PASSWORD"] = app_url.split(":", 2)[2].split("@", 1)[0]
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def test_the_app_role_cannot_switch_the_audit_trigger_off_nor_change_audit_rows(app_url):
    with transaction.atomic():
        audit_record(actor=ACTOR, action="test.kept")
    audit_chain_extend()
    with psycopg.connect(app_url, autocommit=True) as app:
        assert app.execute("SELECT current_user").fetchone() == (ROLE,)
        for statement in (
            "ALTER TABLE audit_auditevent DISABLE TRIGGER USER",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete",
            "DROP TRIGGER audit_event_no_update_delete ON audit_auditevent",
            "ALTER TABLE registrations_applicant DISABLE TRIGGER ALL",
            "UPDATE audit_auditevent SET actor = 'x'",
            "DELETE FROM audit_auditevent",
            "TRUNCATE audit_auditevent",
            "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())",
        ):
            # Refused for want of privilege, not by the append-only trigger (whose error has the same code).
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match=REFUSED):
                app.execute(statement)
        assert app.execute("SELECT action FROM audit_auditevent").fetchall() == [("test.kept",)]


@pytest.mark.usefixtures("as_app_role")
def test_as_the_app_role_cita_writes_rows_and_chains_the_audit_log():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (ROLE,)
    with transaction.atomic():
        port = Port.objects.create(
            code="TST", name="Test port", city="Testville", address="1 Main St", time_zone="America/Tijuana"
        )
        audit_record(actor=ACTOR, action="test.app_role", object_type="port", object_id=str(port.pk))
    Port.objects.filter(pk=port.pk).update(name="Renamed")
    assert audit_chain_extend() == 1  # the sequencer's update of the chain columns is allowed
    assert audit_chain_verify().ok
    Port.objects.filter(pk=port.pk).delete()
    assert AuditEvent.objects.filter(action="test.app_role").exists()


def test_the_web_server_and_worker_connect_as_the_app_role_when_one_is_set():
    owner = "postgresql://owner:o@db.example:5432/cita"
    app = url_with_user(owner, user="cita_app", password="p w/@")
    assert app == "postgresql://cita_app:p%20w%2F%40@db.example:5432/cita"
    assert app_environment({"DATABASE_URL": owner, "CITA_APP_DATABASE_URL": app})["DATABASE_URL"] == app
    assert app_environment({"DATABASE_URL": owner})["DATABASE_URL"] == owner
    both = {"DATABASE_URL": owner, "CITA_APP_DATABASE_URL": app}
    assert serve_environment(both)["DATABASE_URL"] == app  # `cita serve`; `cita worker` calls the same
    socket = "postgresql://postgres:@/cita?host=/tmp/pg"
    assert (
        url_with_user(socket, user="cita_app", password="x") == "postgresql://cita_app:x@/cita?host=/tmp/pg"
    )
