from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "apps.uploads"
    label = "uploads"
    verbose_name = "WebUpload"

    def ready(self) -> None:
        from apps.uploads import checks  # noqa: F401  (registers the system check)
