from django.urls import path

from apps.uploads import views

app_name = "uploads"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("<uuid:package_uuid>/", views.detail_view, name="detail"),
    path("<uuid:package_uuid>/pruefbericht.csv", views.report_csv_view, name="report_csv"),
]
