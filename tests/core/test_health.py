import pytest


@pytest.mark.django_db
def test_healthz_answers_json_while_the_process_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_the_database_and_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "unapplied_migrations": 0}


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abcdef0123456789")
    assert response["X-Request-ID"] == "abcdef0123456789"
    assert len(client.get("/healthz", HTTP_X_REQUEST_ID="bad id!")["X-Request-ID"]) == 16


@pytest.mark.django_db
def test_readyz_asks_the_database_once_and_names_an_unapplied_migration(client, django_assert_num_queries):
    """Issue 14, item 10: /readyz built a migration executor (the whole graph from disk, a table check and
    the applied list) on every call; the migrations in the code are read once per process."""
    from django.db import connection

    client.get("/readyz")  # the first call of the process may read the migrations from disk
    with django_assert_num_queries(1):
        assert client.get("/readyz").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'draws' AND name = '0006_passed_over'")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "unapplied_migrations": 1}


@pytest.mark.django_db
def test_healthz_answers_before_the_stack_without_reading_a_session(client, django_assert_num_queries):
    """Issue 19: a load balancer asks /healthz many times a second; it is answered before the sessions, the
    actor, the language and the access log, even when a signed-in browser asks it."""
    from tests.conftest import sign_in_applicant
    from tests.factories.registrations import registered_group

    sign_in_applicant(client, registered_group())
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert "no-store" in response["Cache-Control"]
    assert "Content-Language" not in response
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
