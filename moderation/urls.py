from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:case_id>/decide/", views.decide, name="decide"),
    path("flag/<int:content_type_id>/<str:ref>/", views.flag, name="flag"),
    path("act/<int:content_type_id>/<str:ref>/", views.act, name="act"),
    path("audit/", views.audit_log, name="audit_log"),
    path("notices/", views.notices, name="notices"),
]
