import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_start_page_speaks_german(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "<h1>Meldeportal</h1>" in html
    assert 'href="#inhalt"' in html


def test_pages_forbid_inline_scripts_and_framing(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_start_page_refuses_posts(client):
    assert client.post("/").status_code == 405


def test_healthz_is_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


@pytest.fixture
def unreachable_database():
    connection.close()
    original_port = connection.settings_dict["PORT"]
    original_host = connection.settings_dict["HOST"]
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    yield
    connection.close()
    connection.settings_dict.update(HOST=original_host, PORT=original_port)


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_503_when_the_database_is_gone(client, unreachable_database):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "Datenbank" in response.content.decode()
