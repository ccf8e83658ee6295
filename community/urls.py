from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
    path("directory/", views.member_directory, name="directory"),
    path("facilities/<int:pk>/", views.facility_profile, name="facility"),
]
