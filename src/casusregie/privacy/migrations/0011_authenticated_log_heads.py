"""Chain heads and checkpoints get a sequence number and a signature (decision 0038): the schema
step; 0012_sign_log_heads fills them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0010_look_up_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="logcheckpoint",
            name="last_removed_seq",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="logcheckpoint",
            name="mac",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="loghead",
            name="last_seq",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="loghead",
            name="mac",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
