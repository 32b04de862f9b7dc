"""docker-compose.yml gives every service what production settings demand (no Docker engine runs here)."""

from pathlib import Path
from typing import Any

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
REQUIRED = [
    "SECRET_KEY",
    "DATABASE_URL",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEYS",
    "FILE_ENCRYPTION_KEYS",
    "OTP_ENCRYPTION_KEYS",
]


def compose() -> Any:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_web_worker_and_migrations_get_every_production_secret():
    config = compose()
    for name in ("web", "worker", "migrate"):
        service = config["services"][name]
        environment = service["environment"]
        assert environment["MELDEPORTAL_ENV"] == "production"
        assert "ALLOWED_HOSTS" in environment
        for variable in REQUIRED:
            secret_path = environment.get(f"{variable}_FILE", "")
            assert secret_path.startswith("/run/secrets/"), f"{name} lacks {variable}"
            assert secret_path.removeprefix("/run/secrets/") in service["secrets"]
            assert secret_path.removeprefix("/run/secrets/") in config["secrets"]


def test_the_web_runs_gunicorn_and_the_worker_the_task_queue():
    config = compose()
    assert "gunicorn" in (BASE_DIR / "Dockerfile").read_text()
    assert "command" not in config["services"]["web"]  # the image's CMD: gunicorn
    assert config["services"]["worker"]["command"][:3] == ["python", "manage.py", "db_worker"]
    assert config["services"]["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
