"""What the upload's pass needs of each element it is handed (Absender, Meldedatum, Patient, Melder), as plain
values.

``read`` runs where the file is parsed: in the schema-check child process for a large file (apps.obds.alongside),
which parses and validates the file anyway, or in the worker itself. Its result crosses the pipe as it is, so it
holds only strings, numbers and bytes: a patient's Stammdaten and each of its Meldungen as the JSON they are stored
as (made once, here), and the lines the validation report names. Where the worker lags behind the child, the
child also runs the plausibility rules on a patient (``check``), on the data the worker would parse from that JSON.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import orjson
from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6

from apps.core.fields import json_bytes
from apps.obds.plausibility.engine import report_type
from apps.obds.schema_model import ElementSpec, load, to_data
from apps.obds.schemas import OBDS_NS
from apps.uploads.plausibility import Findings


class ReadElement(NamedTuple):
    """One element as read: its name, whether its file is oBDS (not ADT/GEKID), the file's Schema_Version, its
    line, and what the element holds (see ``read``)."""

    name: str
    obds: bool
    schema_version: str
    line: int
    value: Any


# The rules for one patient: its Stammdaten, its Meldungen (as patient_data reads them) and their JSON.
Check = Callable[[dict[str, Any], list[dict[str, Any]], list[bytes]], Findings]


class ReadPatient(NamedTuple):
    """An oBDS Patient: itself without its Meldungen (JSON), each Meldung's JSON, line and ``About`` (as a plain
    tuple: see ``_about``), and the rules' findings where the reading side ran them."""

    patient: bytes
    meldungen: list[bytes]
    lines: list[int]
    about: list[tuple[Any, ...]]  # About(*each)
    findings: Findings | None = None


MELDUNG = f"{{{OBDS_NS}}}Menge_Meldung/{{{OBDS_NS}}}Meldung"


def read(element: Any, check: Check | None = None) -> ReadElement:
    """Never raises: a Patient that does not fit the content model is read as None (the schema verdict, which
    comes after the element, then says why). An oBDS Patient comes with the findings of ``check`` where given."""
    root = element.getroottree().getroot()
    qname = etree.QName(element)
    obds = qname.namespace == OBDS_NS
    name = qname.localname
    line = element.sourceline or 0
    if name == "Patient":
        value: Any = _patient(element, check) if obds else sum(1 for _ in element.iter(f"{{{qname.namespace}}}Meldung"))
    elif name == "Melder":
        value = element.get("ID" if obds else "Melder_ID")
    elif name == "Meldedatum":
        value = element.text
    else:
        value = element.get("Absender_ID")
    return ReadElement(name, obds, root.get("Schema_Version", ""), line, value)


def _patient(element: Any, check: Check | None) -> ReadPatient | None:
    try:
        patient = to_data(element, _patient_spec())
        meldungen = patient.pop("Menge_Meldung", {}).get("Meldung", [])
        about = [_about(meldung) for meldung in meldungen]
    except (KeyError, ValueError, TypeError, IndexError, AttributeError):
        return None
    lines = [meldung.sourceline or 0 for meldung in element.iterfind(MELDUNG)]
    sent = ReadPatient(json_bytes(patient), [json_bytes(meldung) for meldung in meldungen], lines, about)
    return sent if check is None else _checked(sent, check)


def _about(meldung: dict[str, Any]) -> tuple[Any, ...]:
    """The fields of the Meldung's ``About`` (entries.About), in its order. A plain tuple crosses the pipe
    quicker than the NamedTuple, whose pickling calls Python for each: the 10 MB benchmark package's patients were
    pickled in 20.2 ms, with plain tuples in 11.6 ms (the child's share; loading 11.9 ms and 10.8 ms)."""
    kind = report_type(meldung)
    content = meldung.get(kind) if kind else None
    meldeanlass = content.get("Meldeanlass") if isinstance(content, dict) else None
    return (meldung.get("@Meldung_ID", ""), meldung.get("@Melder_ID"), kind or "unbekannt",
            meldung.get("Tumorzuordnung"), meldeanlass)  # fmt: skip


def _checked(sent: ReadPatient, check: Check) -> ReadPatient:
    """``sent`` with the findings of ``check``, made from the JSON the worker parses too: the same values, keys in
    the same order, so the same findings. Left unchecked where the rules fail: the worker then runs them itself
    and fails there as it would have."""
    try:
        patient, meldungen = patient_data(sent)
        return sent._replace(findings=check(patient.get("Patienten_Stammdaten", {}), meldungen, sent.meldungen))
    except Exception:  # the child must hand every element over; the worker gets the error
        return sent


@functools.cache
def _patient_spec() -> ElementSpec:
    return load().root.child("Menge_Patient").child("Patient")


def patient_data(sent: ReadPatient) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The patient (without Meldungen) and its Meldungen, as schema_model.to_data reads them."""
    return orjson.loads(sent.patient), [orjson.loads(text) for text in sent.meldungen]
