from django.urls import path

from apps.reports import views

app_name = "reports"
urlpatterns = [
    path("patienten/<uuid:patient_uuid>/meldung/", views.start_view, name="start"),
    path("entwuerfe/", views.drafts_view, name="drafts"),
    path("entwuerfe/<uuid:draft_uuid>/", views.resume_view, name="resume"),
    path("entwuerfe/<uuid:draft_uuid>/pruefen/", views.check_view, name="check"),
    path("entwuerfe/<uuid:draft_uuid>/loeschen/", views.delete_view, name="delete"),
    path("entwuerfe/<uuid:draft_uuid>/<slug:step>/", views.step_view, name="step"),
    path("meldungen/", views.sent_view, name="sent"),
    path("meldungen/meldungen.csv", views.sent_csv_view, name="sent_csv"),
    path("meldungen/<uuid:report_uuid>/", views.report_view, name="report"),
    path("meldungen/<uuid:report_uuid>/korrektur/", views.correct_view, name="correct"),
    path("meldungen/<uuid:report_uuid>/xml/", views.xml_view, name="xml"),
    path("codes/<slug:name>/", views.codes_view, name="codes"),
]
