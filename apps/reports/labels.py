"""German labels and hints for oBDS elements (a code's format and example: apps/obds/formats.py).

Labels come from the element names (``Primaertumor_Topographie_ICD_O`` → „Primärtumor Topographie ICD-O“) unless
a plainer word is listed here. Hints stand next to fields where reporters often err (registry feedback on the
paper forms); the XSD's own documentation is the hint everywhere else.
"""

from __future__ import annotations

import re

TNM = ("cTNM", "pTNM", "TNM")

GENERIC = {"Code", "Version", "Datum", "Dosis", "Einheit", "Name", "Typ", "Art", "Wert"}  # named with their parent

LABELS = {
    "Primaertumor_ICD-Code": "ICD-10-Code",
    "Primaertumor_ICD-Version": "ICD-10-Version",
    "Morphologie_ICD_O-Code": "Morphologie-Code (ICD-O)",
    "Morphologie_ICD_O-Version": "ICD-O-Version",
    "Primaertumor_Topographie_ICD_O-Code": "Topographie-Code (ICD-O)",
    "Primaertumor_Topographie_ICD_O-Version": "ICD-O-Version",
    "ICD-Code": "ICD-10-Code",
    "ICD-Version": "ICD-10-Version",
    "Meldebegruendung": "Meldebegründung",
    "Einwilligung_nicht_meldepflichtig": "Einwilligung (nicht meldepflichtige Diagnose)",
    "Eigene_Leistung": "Eigene Leistung",
    "Tumorzuordnung": "Tumor",
    "Primaertumor_ICD": "Diagnose nach ICD-10",
    "Diagnosedatum": "Diagnosedatum",
    "Datumsgenauigkeit": "Genauigkeit des Datums",
    "Morphologie_ICD_O": "Morphologie (ICD-O)",
    "Primaertumor_Topographie_ICD_O": "Topographie (ICD-O)",
    "Primaertumor_Diagnosetext": "Diagnose als Text",
    "Primaertumor_Topographie_Freitext": "Topographie als Text",
    "Menge_Fruehere_Tumorerkrankung": "Frühere Tumorerkrankungen",
    "Fruehere_Tumorerkrankung": "Frühere Tumorerkrankung",
    "Menge_FM": "Fernmetastasen",
    "Fernmetastase": "Fernmetastase",
    "cTNM": "cTNM (klinisch)",
    "pTNM": "pTNM (pathologisch)",
    "TNM": "TNM",
    "c_p_u_Praefix_T": "Präfix T (c/p/u)",
    "c_p_u_Praefix_N": "Präfix N (c/p/u)",
    "c_p_u_Praefix_M": "Präfix M (c/p/u)",
    "y_Symbol": "y-Symbol",
    "r_Symbol": "r-Symbol",
    "a_Symbol": "a-Symbol",
    "m_Symbol": "m-Symbol",
    "UICC_Stadium": "UICC-Stadium",
    "Menge_Weitere_Klassifikation": "Weitere Klassifikationen",
    "Menge_Genetik": "Genetische Varianten",
    "Genetische_Variante": "Genetische Variante",
    "Allgemeiner_Leistungszustand": "Allgemeiner Leistungszustand (ECOG oder Karnofsky)",
    "LK_untersucht": "Untersuchte Lymphknoten",
    "LK_befallen": "Befallene Lymphknoten",
    "Sentinel_LK_untersucht": "Untersuchte Sentinel-Lymphknoten",
    "Sentinel_LK_befallen": "Befallene Sentinel-Lymphknoten",
    "Tumor_Histologiedatum": "Datum der Histologie",
    "Histologie_EinsendeNr": "Einsendenummer",
    "Menge_OPS": "Operationen (OPS)",
    "OPS": "OPS-Kode",
    "Menge_Operateur": "Operateure",
    "Menge_Komplikation": "Komplikationen",
    "Komplikation_nein_oder_unbekannt": "Keine oder unbekannte Komplikation",
    "Kuerzel": "Kürzel",
    "Menge_Bestrahlung": "Bestrahlungen",
    "Stellung_OP": "Stellung zur Operation",
    "Ende_Grund": "Grund des Therapieendes",
    "Grad_maximal2_oder_unbekannt": "Höchstens Grad 2 oder unbekannt",
    "Menge_Nebenwirkung": "Nebenwirkungen ab Grad 3",
    "Menge_Substanz": "Substanzen",
    "Menge_Todesursachen": "Todesursachen",
    "Todesursache_ICD": "Todesursache (ICD-10)",
    "Tod_tumorbedingt": "Tod tumorbedingt",
    "Menge_Typ_Therapieempfehlung": "Empfohlene Therapien",
    "Typ_Therapieempfehlung": "Empfohlene Therapie",
    "Abweichung_Patientenwunsch": "Abweichung auf Patientenwunsch",
    "Untersuchungsdatum_Verlauf": "Untersuchungsdatum",
    "Gesamtbeurteilung_Tumorstatus": "Gesamtbeurteilung des Tumorstatus",
    "Menge_Zusatzitem": "Zusatzangaben",
    "Zusatzitem": "Zusatzangabe",
    "Modul_Allgemein": "Modul Allgemein",
    "Modul_Mamma": "Organmodul Brust (Mamma)",
    "Modul_Darm": "Organmodul Darm",
    "Modul_Prostata": "Organmodul Prostata",
    "Modul_Malignes_Melanom": "Organmodul Malignes Melanom",
    "Modul_DKKR": "Modul Kinderkrebsregister (DKKR)",
    "Menge_GPOH_Therapiestudien": "GPOH-Therapiestudien",
    "Menge_Syndrome": "Syndrome",
    "Ident_Nummern": "Kennnummern",
    "IKNR": "IK-Nummer",
    "LANR": "Lebenslange Arztnummer (LANR)",
    "BSNR": "Betriebsstättennummer (BSNR)",
    "ZANR": "Zahnarztnummer (ZANR)",
    "strukturiert": "Anschrift in Feldern",
    "unstrukturiert": "Anschrift als Zeilen",
    "Strasse": "Straße",
    "NU": "Nein oder unbekannt",
    **{f"{contact}-N": "Nein" for contact in ("Sozialdienstkontakt", "Psychoonkologiekontakt")},
    "Anmerkung": "Anmerkung",
    "CodeVersion2021": "Zielgebiet-Kode (Version 2021)",
    "CodeVersion2014": "Zielgebiet-Kode (Version 2014)",
    "Rate_Type": "Dosisleistung",
    "Metabolisch_Typ": "Art der metabolischen Therapie",
    "Interstitiell_endokavitaer": "Interstitiell oder endokavitär",
    "MedDRA_Code": "MedDRA-Kode",
    "Seite_Zielgebiet": "Seite des Zielgebiets",
}

HINTS = {
    "Meldebegruendung": "Meist „I“: Die Patientin oder der Patient wurde informiert und hat nicht widersprochen.",
    "Eigene_Leistung": "„J“, wenn Ihre Einrichtung die gemeldete Leistung selbst erbracht hat.",
    "Tumorzuordnung-Primaertumor_ICD-Code": "ICD-10-GM mit Punkt, z. B. C50.4 oder D05.1.",
    "Tumorzuordnung-Primaertumor_ICD-Version": "z. B. 10 2025 GM",
    "Tumorzuordnung-Diagnosedatum": "Datum der ersten Sicherung der Diagnose, meist das Datum der Histologie.",
    "Tumorzuordnung-Seitenlokalisation": "Bei paarigen Organen (Brust, Lunge, Niere …) L, R oder B; sonst „T“.",
    "Morphologie_ICD_O-Code": "Vier Ziffern, Schrägstrich, Dignität: z. B. 8500/3 (bösartig) oder 8500/2 (in situ).",
    "Primaertumor_Topographie_ICD_O-Code": "z. B. C50.4; muss zum ICD-10-Kode passen.",
    "Diagnosesicherung": "Die höchste Sicherung zum Diagnosedatum; „7“ heißt histologisch gesichert.",
    "Datumsgenauigkeit": "„exakt“, wenn der Tag bekannt ist; sonst geschätzt.",
    **{f"{tnm}-T": "Ohne Präfix, z. B. 2, 1a, is; das Präfix c/p/u hat ein eigenes Feld." for tnm in TNM},
    **{f"{tnm}-N": "z. B. 0, 1, 2a" for tnm in TNM},
    **{f"{tnm}-M": "0 oder 1; bei 1 bitte die Fernmetastasen angeben." for tnm in TNM},
    "Einzeldosis-Dosis": "In Gy je Sitzung; kleiner als die Gesamtdosis.",
    "Gesamtdosis-Dosis": "Summe aller Sitzungen, z. B. 50,4",
    "OPS-Code": "OPS mit Punkt, z. B. 5-870.a2",
    "ATC-Code": "ATC-Kode, z. B. L01XC03",
    "GleasonScore-ScoreErgebnis": "Summe aus primärem und sekundärem Grad.",
    "PSA": "In ng/ml, Dezimalkomma erlaubt.",
    "Sterbedatum": "Datum laut Todesbescheinigung.",
}

_UMLAUTS = (("Ae", "Ä"), ("Oe", "Ö"), ("Ue", "Ü"), ("ae", "ä"), ("oe", "ö"), ("ue", "ü"))


def label_for(key: str) -> str:
    """The label of the element at ``key`` (its path joined with ``-``)."""
    found = _by_suffix(LABELS, key)
    if found:
        return found
    parts = [part for part in key.split("-") if not part.isdigit()]
    if parts[-1] in GENERIC and len(parts) > 1:
        return f"{label_for('-'.join(parts[:-1]))}: {parts[-1]}"
    words = parts[-1]
    words = words.replace("_ICD_O", " ICD-O").replace("_", " ")
    for plain, umlaut in _UMLAUTS:
        words = words.replace(plain, umlaut)
    return re.sub(r"(?<=[a-zäöü])(?=[A-ZÄÖÜ][a-zäöü])", " ", words)  # CamelCase → words


def _by_suffix(table: dict[str, str], key: str) -> str:
    """The entry for the longest ``-``-separated tail of ``key`` (list positions left out)."""
    parts = [part for part in key.split("-") if not part.isdigit()]
    for start in range(len(parts)):
        found = table.get("-".join(parts[start:]))
        if found:
            return found
    return ""


def hint_for(key: str, documentation: str) -> str:
    return _by_suffix(HINTS, key) or _short(documentation)


def _short(text: str, limit: int = 220) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def option_label(value: str, description: str, limit: int = 90) -> str:
    if not description or description == value:
        return value
    description = description.removeprefix(f"{value} = ").removeprefix(f"{value}: ")
    return _short(f"{value} – {description}", limit)
