from django.urls import include, path

from apps.core import views as core_views

urlpatterns = [
    path("", core_views.start, name="start"),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("apps.accounts.urls")),
    path("vertrauensstelle/pakete/", include("apps.uploads.review_urls")),
    path("vertrauensstelle/", include("apps.registry.urls")),
    path("patienten/", include("apps.patients.urls")),
    path("", include("apps.reports.urls")),
    path("pakete/", include("apps.uploads.urls")),
]
