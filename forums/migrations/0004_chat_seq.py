"""Per-room sequence numbers for chat messages, numbered in the order of their ids."""

from django.db import migrations, models


def number(apps, schema_editor):
    Room = apps.get_model("forums", "Room")
    ChatMessage = apps.get_model("forums", "ChatMessage")
    for room in Room.objects.all().iterator():
        seq = 0
        for message in ChatMessage.objects.filter(room=room).order_by("pk").only("pk"):
            seq += 1
            ChatMessage.objects.filter(pk=message.pk).update(seq=seq)
        Room.objects.filter(pk=room.pk).update(last_seq=seq)


class Migration(migrations.Migration):
    dependencies = [("forums", "0003_post_alias")]

    operations = [
        migrations.AddField(
            model_name="room",
            name="last_seq",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="chatmessage",
            name="seq",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(number, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="chatmessage",
            name="seq",
            field=models.PositiveIntegerField(editable=False),
        ),
        migrations.AddConstraint(
            model_name="chatmessage",
            constraint=models.UniqueConstraint(
                fields=("room", "seq"), name="forums_chat_room_seq"
            ),
        ),
    ]
