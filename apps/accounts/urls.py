from django.urls import path

from apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("anmelden/", views.login_view, name="login"),
    path("anmelden/einrichten/", views.enrol_view, name="enrol"),
    path("anmelden/code/", views.code_view, name="code"),
    path("abmelden/", views.logout_view, name="logout"),
    path("konto/", views.account_view, name="account"),
    path("konto/bestaetigen/", views.reauth_view, name="reauth"),
    path("konto/passwort/", views.password_change_view, name="password_change"),
    path("konto/geraete/neu/", views.device_add_view, name="device_add"),
    path("konto/geraete/<uuid:device_uuid>/einrichten/", views.device_confirm_view, name="device_confirm"),
    path("konto/geraete/<uuid:device_uuid>/entfernen/", views.device_remove_view, name="device_remove"),
]
