from django.conf import settings
from django.http import HttpRequest

from apps.accounts.pending import SESSION_KEY


def portal(request: HttpRequest) -> dict[str, object]:
    return {
        "registry_name": settings.REGISTRY_NAME,
        "pending_login": bool(getattr(request, "session", None) and request.session.get(SESSION_KEY)),
    }
