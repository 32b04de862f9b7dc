from django.urls import path

from apps.registry import audit_views, views

app_name = "registry"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("gesperrt/", views.locked_view, name="locked"),
    path("protokoll/", audit_views.audit_view, name="audit"),
    path("protokoll/protokoll.csv", audit_views.audit_csv_view, name="audit_csv"),
    path("einrichtungen/neu/", views.institution_create_view, name="institution_create"),
    path("einrichtungen/<uuid:institution_uuid>/", views.institution_view, name="institution"),
    path("einrichtungen/<uuid:institution_uuid>/benutzer/neu/", views.user_create_view, name="user_create"),
    path("personal/neu/", views.user_create_view, name="staff_create"),
    path("benutzer/<uuid:user_uuid>/", views.user_view, name="user"),
    path("benutzer/<uuid:user_uuid>/<slug:action>/", views.user_action_view, name="user_action"),
]
