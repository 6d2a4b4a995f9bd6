from django.urls import path

from tandem.metrics import views, views_reports

app_name = "metrics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tables/<slug:figure_id>.csv", views.table_csv, name="table_csv"),
    path("records/<slug:metric_id>/", views.records, name="records"),
    path("snapshot/", views.snapshot_state, name="snapshot_state"),
    path("snapshot/refresh/", views.refresh, name="refresh"),
    path("reports/", views_reports.report_page, name="reports"),
    path("reports/report.csv", views_reports.report_csv_download, name="report_csv"),
    path("reports/report.pdf", views_reports.report_pdf_download, name="report_pdf"),
    path("reports/refresh/", views_reports.report_refresh, name="report_refresh"),
    path(
        "reports/calls.csv", views_reports.export_download, {"name": "calls"}, name="report_calls"
    ),
    path(
        "reports/encounters.csv",
        views_reports.export_download,
        {"name": "encounters"},
        name="report_encounters",
    ),
]
