from django.conf import settings
from django.db import migrations


def names_from_profiles(apps, schema_editor):
    """The Wagtail admin names people by ``get_full_name()``: give every member who
    chose a display name that name (``services.profile_update`` keeps it since)."""
    Profile = apps.get_model("community", "Profile")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for user_id, name in Profile.objects.exclude(display_name="").values_list(
        "user_id", "display_name"
    ):
        first = name.strip()[:150]
        User.objects.filter(pk=user_id).exclude(first_name=first, last_name="").update(
            first_name=first, last_name=""
        )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0005_organisation_timezone"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(names_from_profiles, migrations.RunPython.noop)]
