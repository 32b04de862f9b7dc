from django.urls import path

from apps.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("neu/", views.create_view, name="create"),
    path("<uuid:patient_uuid>/", views.detail_view, name="detail"),
    path("<uuid:patient_uuid>/bearbeiten/", views.edit_view, name="edit"),
]
