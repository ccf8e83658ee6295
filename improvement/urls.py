from django.urls import path

from . import views

app_name = "improvement"

urlpatterns = [
    path("", views.index, name="index"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("indicators/new/", views.indicator_edit, name="indicator_create"),
    path("indicators/<str:code>/", views.indicator_detail, name="indicator"),
    path("indicators/<str:code>/edit/", views.indicator_edit, name="indicator_edit"),
    path("f/<slug:slug>/", views.facility_detail, name="facility"),
    path("f/<slug:slug>/data/", views.measurement_entry, name="measurement_entry"),
    path("f/<slug:slug>/projects/new/", views.project_form, name="project_create"),
    path("f/<slug:slug>/<str:code>/", views.facility_chart, name="chart"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_status, name="import_status"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("changes/", views.registry, name="registry"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/edit/", views.project_form, name="project_edit"),
    path("projects/<int:pk>/share/", views.project_share, name="project_share"),
    path("projects/<int:pk>/ideas/new/", views.change_idea_create, name="idea_create"),
    path("projects/<int:pk>/story/", views.story_create, name="story_create"),
    path("ideas/<int:pk>/cycles/new/", views.cycle_form, name="cycle_create"),
    path("ideas/<int:pk>/spread/", views.change_idea_spread, name="idea_spread"),
    path("cycles/<int:cycle_pk>/", views.cycle_form, name="cycle_edit"),
    path("compare/", views.comparison_pick, name="comparison_pick"),
    path("d/<slug:slug>/<str:code>/", views.comparison, name="comparison"),
    path(
        "d/<slug:slug>/<str:code>/print/",
        views.comparison,
        {"printable": True},
        name="comparison_print",
    ),
    path("d/<slug:slug>/<str:code>/csv/", views.comparison_csv, name="comparison_csv"),
]
