from django.urls import include, path

app_name = "events"

urlpatterns: list = [
    # Exchange visits and the cadence tracker (events.visit_urls).
    path("", include("events.visit_urls")),
]
