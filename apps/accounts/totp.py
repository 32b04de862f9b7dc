"""TOTP per RFC 6238 as authenticator apps speak it: SHA-1, 6 digits, 30-second steps, ±1 step accepted."""

from __future__ import annotations

import base64
import re
import secrets
from io import BytesIO
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django_otp.oath import TOTP

ISSUER = "Meldeportal"
STEP_SECONDS = 30
DIGITS = 6
# One step either side covers phone clocks up to ~30 s off and slow typing (RFC 6238 §5.2 recommends at most one).
TOLERANCE_STEPS = 1
SECRET_BYTES = 20  # 160 bits, as RFC 4226 §4 recommends
CODE = re.compile(r"[0-9]{6}")  # ASCII digits only: Python's int() would also take "١٢٣٤٥٦"


def new_secret() -> str:
    return secrets.token_hex(SECRET_BYTES)


def base32_secret(secret_hex: str) -> str:
    """The secret as authenticator apps take it for manual entry, in groups of four."""
    text = base64.b32encode(bytes.fromhex(secret_hex)).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_uri(secret_hex: str, username: str) -> str:
    label = quote(f"{ISSUER}:{username}", safe="")
    query = urlencode(
        {
            "secret": base32_secret(secret_hex).replace(" ", ""),
            "issuer": ISSUER,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def qr_code_data_uri(uri: str) -> str:
    """The QR code as an SVG data URI for an <img>: no inline styles, so the page's CSP stays strict."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def normalise_code(raw: str) -> str | None:
    """Spaces are allowed ("123 456"); anything else but six ASCII digits is refused."""
    code = raw.replace(" ", "").strip()
    return code if CODE.fullmatch(code) else None


def matching_step(secret_hex: str, code: str, last_t: int, now: float) -> int | None:
    """The time step the code belongs to, if it is valid now and newer than ``last_t`` (single use)."""
    totp = TOTP(bytes.fromhex(secret_hex), step=STEP_SECONDS, digits=DIGITS)
    totp.time = now
    if not totp.verify(int(code), tolerance=TOLERANCE_STEPS, min_t=last_t + 1):
        return None
    return int(totp.t())


def code_at(secret_hex: str, now: float) -> str:
    """The code an authenticator app shows at ``now`` (for tests and the enrolment check)."""
    totp = TOTP(bytes.fromhex(secret_hex), step=STEP_SECONDS, digits=DIGITS)
    totp.time = now
    return f"{totp.token():06d}"
