"""Authentication by canonical user name: "Bob", "bob " and "ＢＯＢ" are one account and one lock counter."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest


def canonical_username(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip().casefold()


class CanonicalUsernameBackend(ModelBackend):
    """Django's ModelBackend (timing-equal for unknown names, refuses inactive users) on canonical names."""

    def authenticate(  # type: ignore[override]  # django-stubs types the keyword-only variant
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> AbstractBaseUser | None:
        if username is None or password is None:
            return None
        return super().authenticate(request, username=canonical_username(username), password=password, **kwargs)
