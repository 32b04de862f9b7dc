from django.urls import path

from apps.uploads import review_views

app_name = "review"
urlpatterns = [
    path("", review_views.list_view, name="list"),
    path("<uuid:package_uuid>/", review_views.detail_view, name="detail"),
    path("<uuid:package_uuid>/original/", review_views.original_view, name="original"),
]
