from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
]
