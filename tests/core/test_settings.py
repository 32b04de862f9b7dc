"""Start-up with good and bad configuration, each in a fresh process as an operator would start it."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from apps.core.keyring import new_key_entry

BASE_DIR = Path(__file__).resolve().parents[2]


def production_environment(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    environment = {
        "PATH": os.environ["PATH"],
        "MELDEPORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "ALLOWED_HOSTS": "meldeportal.krebsregister.example",
        "FIELD_ENCRYPTION_KEYS": new_key_entry("f1"),
        "BLIND_INDEX_KEYS": new_key_entry("b1"),
        "FILE_ENCRYPTION_KEYS": new_key_entry("d1"),
        "OTP_ENCRYPTION_KEYS": new_key_entry("o1"),
        "VAR_DIR": str(tmp_path),
    }
    for name, value in changes.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


def manage(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=BASE_DIR,
    )


def test_production_settings_pass_the_deployment_check(tmp_path):
    result = manage(production_environment(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS"),
        ({"BLIND_INDEX_KEYS": "b1:AAAA"}, "BLIND_INDEX_KEYS"),
        (
            {"OTP_ENCRYPTION_KEYS_FILE": "/nonexistent/otp.keys", "OTP_ENCRYPTION_KEYS": None},
            "OTP_ENCRYPTION_KEYS_FILE",
        ),
        ({"SECRET_KEY": "zu-kurz"}, "SECRET_KEY"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:///meldeportal.db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "kein url"}, "DATABASE_URL"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"MELDEPORTAL_ENV": "prod"}, "MELDEPORTAL_ENV"),
    ],
)
def test_bad_configuration_stops_with_one_line_naming_the_setting(tmp_path, changes, named):
    result = manage(production_environment(tmp_path, **changes), "check")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Meldeportal-Konfigurationsfehler:")
    assert named in lines[0]


def test_a_key_shared_between_purposes_is_refused(tmp_path):
    shared = new_key_entry("x1")
    result = manage(
        production_environment(tmp_path, FIELD_ENCRYPTION_KEYS=shared, FILE_ENCRYPTION_KEYS=shared), "check"
    )
    assert result.returncode != 0
    assert "same key" in result.stderr


def test_keys_can_come_from_files(tmp_path):
    key_file = tmp_path / "fields.keys"
    key_file.write_text(f"# aktiver Schlüssel zuerst\n{new_key_entry('f2')}\n{new_key_entry('f1')}\n")
    environment = production_environment(tmp_path, FIELD_ENCRYPTION_KEYS=None, FIELD_ENCRYPTION_KEYS_FILE=str(key_file))
    result = manage(environment, "check")
    assert result.returncode == 0, result.stderr


def test_an_unreachable_database_is_reported_in_one_line(tmp_path):
    environment = production_environment(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:1/meldeportal")
    result = manage(environment, "migrate", "--noinput")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith("Datenbank nicht erreichbar (DATABASE_URL)")
    assert "Traceback" not in result.stderr


def test_development_generates_its_own_keys_once(tmp_path):
    environment = production_environment(tmp_path, MELDEPORTAL_ENV="development", ALLOWED_HOSTS=None)
    for name in (
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "BLIND_INDEX_KEYS",
        "FILE_ENCRYPTION_KEYS",
        "OTP_ENCRYPTION_KEYS",
    ):
        environment.pop(name)
    assert manage(environment, "check").returncode == 0
    keys = {path.name: path.read_text() for path in (tmp_path / "keys").iterdir()}
    assert set(keys) == {"secret_key", "fields.keys", "blind_index.keys", "files.keys", "otp.keys"}
    assert all(oct(path.stat().st_mode)[-3:] == "600" for path in (tmp_path / "keys").iterdir())
    assert manage(environment, "check").returncode == 0
    assert keys == {path.name: path.read_text() for path in (tmp_path / "keys").iterdir()}
