"""The schema check in a child process beside the Python checks gives exactly judge()'s verdict."""

from __future__ import annotations

import io
import multiprocessing.context
import time
from pathlib import Path
from typing import IO

import pytest
from django.conf import settings

from apps.institutions.models import Institution
from apps.obds.alongside import judge_alongside
from apps.obds.safe_xml import Rejected, Verdict, judge
from tests.uploads.packages import write_package

SAMPLES = Path(settings.OBDS_SCHEMA_DIR).parent / "samples"


def opener(data: bytes):
    return lambda: io.BytesIO(data)


def verdicts(data: bytes) -> tuple[object, object]:
    """(judge's verdict, judge_alongside's), each as plain values or the refusal's message."""
    return _plain(judge, data), _plain(_alongside, data)


def _alongside(source: IO[bytes]) -> Verdict:
    data = source.read()
    return judge_alongside(io.BytesIO(data), opener(data), tag, lambda read: None)


def tag(element: object, lagging: bool = False) -> str:
    return element.tag  # type: ignore[attr-defined,no-any-return]


def _plain(check, data: bytes) -> object:
    try:
        verdict = check(io.BytesIO(data))
    except Rejected as refused:
        return ("abgelehnt", refused.message)
    where = [(problem.message, problem.line, problem.path, problem.original, problem.patient_id, problem.meldung_id)
             for problem in verdict.problems]  # fmt: skip
    return (verdict.format, verdict.schema_version, where, verdict.found, verdict.kinds)


@pytest.mark.parametrize("path", sorted(SAMPLES.rglob("*.xml")), ids=lambda path: path.name)
def test_every_sample_gets_the_same_verdict_both_ways(path):
    direct, alongside = verdicts(path.read_bytes())
    assert direct == alongside


@pytest.fixture(scope="module")
def big_package() -> bytes:
    target = io.BytesIO()
    write_package(target, Institution(name="Klinikum", melder_id="KLINIK1"), 3 * 1024 * 1024)
    return target.getvalue()


@pytest.mark.parametrize(
    "damage",
    [lambda xml: xml, lambda xml: xml[: len(xml) // 2],
     lambda xml: xml.replace(b"<Geschlecht>W<", b"<Geschlecht>Q<", 1),
     lambda xml: xml.replace(b"<Geschlecht>W<", b"<Geschlecht>Q<"),
     lambda xml: xml.replace(b"</Menge_Melder>", b"<Unbekannt/></Menge_Melder>")],
    ids=["valid", "truncated", "error at the first patient", "errors in many patients", "error near the end"],
)  # fmt: skip
def test_a_large_package_gets_the_same_verdict_both_ways(big_package, damage, request):
    direct, alongside = verdicts(damage(big_package))
    assert direct == alongside
    assert (direct == ("oBDS", "3.0.4", [], 0, {})) is request.node.callspec.id.startswith("valid")


def test_an_error_found_early_stops_the_python_pass(big_package):
    broken = big_package.replace(b"<Geschlecht>W<", b"<Geschlecht>Q<", 1)
    seen: list[object] = []

    def slow_take(read: object) -> None:  # storing takes far longer per patient than libxml2
        seen.append(read)
        time.sleep(0.005)

    verdict = judge_alongside(io.BytesIO(broken), opener(broken), tag, slow_take)
    patients = broken.count(b"<Patient ")
    assert not verdict.valid and verdict.problem is not None and "Geschlecht" in verdict.problem.message
    assert len(seen) < patients / 2, (len(seen), patients)


def test_a_child_that_dies_is_an_error_not_a_verdict(big_package):
    def dying():
        raise SystemExit(3)  # the child ends before it can answer

    with pytest.raises(RuntimeError, match="died without a verdict"):
        judge_alongside(io.BytesIO(big_package), dying, tag, lambda read: None)


def test_without_a_process_to_spare_the_check_runs_in_this_one(big_package, monkeypatch):
    """The operating system refusing a fork cannot be arranged for real here, so start() is made to fail."""

    def refused(self):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", refused)
    seen: list[object] = []
    verdict = judge_alongside(io.BytesIO(big_package), opener(big_package), tag, seen.append)
    assert verdict.valid and len(seen) == big_package.count(b"<Patient ") + 3  # and Absender, Meldedatum, Melder


def test_each_element_arrives_as_read_and_in_file_order(big_package):
    seen: list[object] = []
    verdict = judge_alongside(io.BytesIO(big_package), opener(big_package), tag, seen.append)
    patients = big_package.count(b"<Patient ")
    names = [str(name).split("}")[1] for name in seen]
    assert verdict.valid and names == ["Absender", "Meldedatum", *["Patient"] * patients, "Melder"]


def test_a_take_that_gives_up_ends_the_child_at_once(big_package):
    """E.g. a schema version the registry does not take: the child, blocked on a full pipe, must not be waited for."""

    class GiveUp(Exception):
        pass

    def give_up(read: object) -> None:
        raise GiveUp

    started = time.monotonic()
    with pytest.raises(GiveUp):
        judge_alongside(io.BytesIO(big_package), opener(big_package), lambda element, lagging: "x" * 100_000, give_up)
    assert time.monotonic() - started < 1  # the join would wait a second for a child that cannot leave
    assert multiprocessing.active_children() == []


def test_the_child_is_told_while_this_process_lags_behind(big_package):
    """The child may then take on work of this process (for an upload: the rules); the pipe says how far behind."""
    told: list[bool] = []

    def take(taken: tuple[str, bool]) -> None:
        if not told:
            time.sleep(1)  # meanwhile the child reads on and fills the pipe
        told.append(taken[1])

    verdict = judge_alongside(
        io.BytesIO(big_package), opener(big_package), lambda element, lagging: ("x" * 50_000, lagging), take
    )
    assert verdict.valid and told[0] is False  # nothing waited yet
    behind = told.index(True)
    assert False in told[behind:]  # caught up again
