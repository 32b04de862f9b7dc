"""Which official XSD judges a package, compiled once per process from OBDS_SCHEMA_DIR."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from lxml import etree  # type: ignore[import-untyped]  # lxml-stubs 0.5 lags lxml 6 (no keep_tail, doctype)

OBDS_NS = "http://www.basisdatensatz.de/oBDS/XML"
ADT_NS = "http://www.gekid.de/namespace"
# The newest XSD of a family accepts every Schema_Version of that family (see ../shared/obds/SOURCES.md).
FAMILIES = {
    f"{{{OBDS_NS}}}oBDS": ("oBDS", "oBDS_v3.0.4.xsd"),
    f"{{{ADT_NS}}}ADT_GEKID": ("ADT/GEKID", "ADT_GEKID_v2.2.3.xsd"),
}
REFUSED_ROOTS = {
    f"{{{OBDS_NS}}}oBDS_RKI": "Das ist das Lieferformat des Registers an das RKI, keine Meldung.",
}


class SchemaRefused(Exception):
    """The root element names no format the portal accepts; the message is German."""


@dataclass(frozen=True)
class SchemaChoice:
    format: str
    version: str
    schema: etree.XMLSchema
    filename: str  # in OBDS_SCHEMA_DIR


@functools.cache
def compiled(filename: str) -> etree.XMLSchema:
    """The XSD, compiled once; local imports only, never the network (lxml's XMLSchema is thread-safe)."""
    path = Path(settings.OBDS_SCHEMA_DIR) / filename
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def schema_for(root_tag: str, schema_version: str) -> SchemaChoice:
    if root_tag in REFUSED_ROOTS:
        raise SchemaRefused(REFUSED_ROOTS[root_tag])
    family = FAMILIES.get(root_tag)
    if family is None:
        local = etree.QName(root_tag).localname
        raise SchemaRefused(f"Das Wurzelelement „{local}“ ist kein oBDS- oder ADT/GEKID-Meldungspaket.")
    name, filename = family
    return SchemaChoice(name, schema_version, compiled(filename), filename)
