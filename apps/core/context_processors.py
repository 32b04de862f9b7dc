from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, str]:
    return {"registry_name": settings.REGISTRY_NAME}
