import os
import subprocess
import sys
from pathlib import Path

import pytest
from django_tasks import TaskResultStatus

from apps.core.tasks import ping
from tests.database import database_url_for_subprocess

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_runs_an_enqueued_task():
    result = ping.enqueue("Meldeportal")
    assert result.status == TaskResultStatus.READY

    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        env={**os.environ, "DATABASE_URL": database_url_for_subprocess()},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr

    finished = ping.get_result(result.id)
    assert finished.status == TaskResultStatus.SUCCESSFUL
    assert finished.return_value == "pong: Meldeportal"
