"""The code formats of the official XSDs in plain words, so that neither a physician nor a documentation clerk has
to read a regular expression. Keyed by the pattern exactly as the XSDs write it; a pattern not listed here (a
future schema version's) is shown as it stands."""

from __future__ import annotations

FORMATS = {  # pattern → (the format in words, an example that fits it)
    r"[A-Z]\d\d(\.\d(\d)?)?": ("ein ICD-10-Code: ein Großbuchstabe, zwei Ziffern, dann wahlweise Punkt und eine oder "
                               "zwei Ziffern", "C50.4"),
    r"[CD]\d\d(\.\d(\d)?)?": ("ein ICD-10-Code aus Kapitel C oder D", "C50.4"),
    r"[CD]\d\d(\.\d(\d)?)?|M72.4": ("ein ICD-10-Code aus Kapitel C oder D, oder M72.4", "C50.4"),
    r"[E|G|I|K|M|R|T]\d\d(\.\d(\d)?)?": ("ein ICD-10-Code, der mit E, G, I, K, M, R oder T beginnt", "K52.0"),
    r"C\d\d\.\d(\d)?": ("ein Topographie-Code (ICD-O): C, zwei Ziffern, Punkt und eine oder zwei Ziffern", "C50.4"),
    r"\d\d\d\d/\d": ("ein Morphologie-Code (ICD-O): vier Ziffern, Schrägstrich und eine Ziffer", "8500/3"),
    r"(10 20\d{2} ((GM)|(WHO))|Sonstige)": ("„10“, das Jahr und GM oder WHO, oder „Sonstige“", "10 2025 GM"),
    r"[135689]-\d\d[0-9a-hj-km-z](\.([0-9a-hj-kmnp-z]){1,2}){0,1}([RLB]){0,1}": ("ein OPS-Code", "5-870.a2"),
    r"200[4-9]|20[12]\d": ("eine Jahreszahl von 2004 bis 2029", "2025"),
    r"[A-Z]\d\d[A-Z][A-Z]\d\d": ("ein ATC-Code: Großbuchstabe, zwei Ziffern, zwei Großbuchstaben, zwei Ziffern",
                                 "L01XC03"),
    r"[A-Z]\d{9}": ("ein Großbuchstabe und neun Ziffern", "A123456780"),
    r"\d{9}": ("genau neun Ziffern", "260326822"),
    r"10\d{7}": ("neun Ziffern, die mit 10 beginnen", "109519005"),
    r"16\d{7}|950\d{6}": ("neun Ziffern, die mit 16 oder 950 beginnen", "168141347"),
    r"\d{8}": ("genau acht Ziffern", "10028813"),
    r"\d{5}": ("genau fünf Ziffern", "35392"),
    r"(\d{5})?": ("genau fünf Ziffern oder nichts", "35392"),
    r"[A-Z]{2}": ("zwei Großbuchstaben", "DE"),
    r"\d(\d)?(\d)?|U": ("eine Zahl mit einer bis drei Ziffern, oder U für unbekannt", "12"),
    r"0|[1-9](\d)?|[DNU]": ("eine Zahl von 0 bis 99 ohne führende Null, oder D, N oder U", "3"),
    r"[1-9](\d)?|[DNU]": ("eine Zahl von 1 bis 99, oder D, N oder U", "3"),
    r"(is.*)|([a01234X].*)": ("ein Wert, der mit a, 0, 1, 2, 3, 4, X oder is beginnt", "2a"),
    r"[0123X].*": ("ein Wert, der mit 0, 1, 2, 3 oder X beginnt", "1a"),
    r"[01X].*": ("ein Wert, der mit 0, 1 oder X beginnt", "1b"),
    r"[m](,is){0,1}|(is)|[2-9](,is){0,1}|[1-9][0-9]{1,2}(,is){0,1}": (
        "m, is oder eine Zahl ab 2, wahlweise mit „,is“ dahinter", "m"),
    r"(([0-2]\d)|(3[01]))\.((0\d)|(1[0-2]))\.(18|19|20)\d\d": ("ein Datum als TT.MM.JJJJ", "01.03.2024"),
}  # fmt: skip


def described(pattern: str) -> str:
    """„ein Großbuchstabe und neun Ziffern, z. B. A123456780“, or "" for a pattern not listed."""
    words, example = FORMATS.get(pattern, ("", ""))
    return f"{words}, z. B. {example}" if words else ""
