"""The Vertrauensstelle reads the audit trail in German: every action the code records has a label."""

import ast
import re
from pathlib import Path

from apps.core.models import AuditEvent
from apps.registry.audit_labels import ACTIONS, SYSTEM_JOBS, action_label, actor_label, event_note

APPS = Path(__file__).resolve().parents[2] / "apps"
ACTION = re.compile(r"[a-z]+(\.[a-z_]+)?")
SYSTEM_JOB = re.compile(r"system:[a-z_]+")


def recorded_actions() -> set[str]:
    """Each action a ``record_event``/``audit_event`` call in apps/ names: its first argument, or the strings the
    function assigns to the name passed there."""
    found: set[str] = set()
    for path in APPS.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for function in [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]:
            for call in [node for node in ast.walk(function) if isinstance(node, ast.Call)]:
                name = getattr(call.func, "id", getattr(call.func, "attr", ""))
                if name not in ("record_event", "audit_event") or not call.args:
                    continue
                first = call.args[0]
                if isinstance(first, ast.Constant):
                    found.add(str(first.value))
                elif isinstance(first, ast.Name):
                    found.update(_assigned_strings(function, first.id))
    return found


def _assigned_strings(function: ast.FunctionDef, name: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(getattr(target, "id", "") == name for target in node.targets):
            strings = [part.value for part in ast.walk(node.value) if isinstance(part, ast.Constant)]
            found.update(text for text in strings if isinstance(text, str) and ACTION.fullmatch(text))
    return found


def test_every_recorded_action_has_a_german_label_and_no_label_is_stale():
    actions = recorded_actions()
    assert len(actions) > 30 and {"user.deactivated", "user.reactivated", "logout"} <= actions  # the scan works
    assert sorted(actions - ACTIONS.keys()) == []
    assert sorted(ACTIONS.keys() - actions) == []


def test_every_system_job_the_code_names_has_a_german_name():
    named: set[str] = set()
    for path in APPS.rglob("*.py"):
        if path.name == "audit_labels.py":  # the labels themselves
            continue
        strings = [node.value for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Constant)]
        named.update(text for text in strings if isinstance(text, str) and SYSTEM_JOB.fullmatch(text))
    assert "system:worker" in named  # the scan works
    assert sorted(named ^ SYSTEM_JOBS.keys()) == []


def test_a_system_job_and_an_unknown_action_show_plainly():
    assert actor_label("system:worker") == "System (Paketprüfung)"
    assert actor_label("a.aerztin") == "a.aerztin" and actor_label("") == "–"
    assert action_label("package.released") == "Freigabe erteilt"
    assert action_label("etwas.neues") == "etwas.neues"  # never hidden


def test_the_note_is_the_reason_or_the_status_in_german():
    assert event_note(AuditEvent(action="user.unlocked", details={"grund": "Rückruf"})) == "Rückruf"
    assert event_note(AuditEvent(action="package.processed", details={"status": "teilweise"})) == (
        "Teilweise angenommen"
    )
    assert event_note(AuditEvent(action="institution.upload_status", details={"status": "testphase"})) == "Testphase"
    assert event_note(AuditEvent(action="package.original_downloaded", details={})) == ""
