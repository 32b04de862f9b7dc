"""Which schema versions the registry accepts (ACCEPTED_SCHEMA_VERSIONS), each possibly until a date."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings

from apps.obds.plausibility.engine import german

ENTRY = re.compile(
    r"(?P<format>oBDS|ADT/GEKID)\s+(?P<version>[0-9][0-9.]*\*?)(?:\s+bis\s+(?P<until>\d{4}-\d{2}-\d{2}))?"
)


@dataclass(frozen=True)
class Accepted:
    format: str
    version: str  # exact, or a prefix ending in "*"
    until: datetime.date | None

    def covers(self, format: str, version: str, day: datetime.date) -> bool:
        if format != self.format or (self.until is not None and day > self.until):
            return False
        if self.version.endswith("*"):
            return version.startswith(self.version[:-1])
        return version == self.version

    def __str__(self) -> str:
        return f"{self.format} {self.version}" + (f" bis {german(self.until)}" if self.until else "")


def parse(setting: str) -> list[Accepted]:
    """``"oBDS 3.0.4; ADT/GEKID 2.2.* bis 2027-06-30"``; raises ValueError naming the entry it cannot read."""
    accepted = []
    for entry in (part.strip() for part in setting.split(";")):
        if not entry:
            continue
        found = ENTRY.fullmatch(entry)
        if found is None:
            raise ValueError(f"ACCEPTED_SCHEMA_VERSIONS: cannot read {entry!r} (e.g. 'ADT/GEKID 2.2.* bis 2027-06-30')")
        until = datetime.date.fromisoformat(found["until"]) if found["until"] else None
        accepted.append(Accepted(found["format"], found["version"], until))
    return accepted


def refusal(format: str, version: str, day: datetime.date) -> str | None:
    """None when the registry takes this version on ``day``; otherwise the German reason."""
    accepted = parse(settings.ACCEPTED_SCHEMA_VERSIONS)
    if any(rule.covers(format, version, day) for rule in accepted):
        return None
    listed = ", ".join(str(rule) for rule in accepted)
    return (
        f"Das Register nimmt {format} in der Schema-Version „{version or 'ohne Angabe'}“ nicht (mehr) an. "
        f"Angenommen werden: {listed}."
    )
