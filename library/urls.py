from django.urls import path

from . import feeds, views

app_name = "library"

urlpatterns = [
    path("feeds/latest.atom", feeds.LatestResourcesFeed(), name="feed"),
    path("feeds/tags/<slug:slug>.atom", feeds.TagFeed(), name="tag_feed"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("episodes/<int:pk>/transcript/", views.transcript, name="transcript"),
    path("case-studies/submit/", views.case_study_submit, name="case_study_submit"),
    path(
        "newsletter/subscribe/", views.newsletter_subscribe, name="newsletter_subscribe"
    ),
    path(
        "newsletter/confirm/<str:token>/",
        views.newsletter_confirm,
        name="newsletter_confirm",
    ),
    path(
        "newsletter/unsubscribe/<str:token>/",
        views.newsletter_unsubscribe,
        name="newsletter_unsubscribe",
    ),
    path(
        "newsletter/preferences/",
        views.newsletter_preferences,
        name="newsletter_preferences",
    ),
]
