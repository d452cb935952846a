"""Look-up limits (decision 0039): counters per person and per organisation per clock hour, and
two kinds of usage signal for unusual numbers of look-ups of people."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0009_subject_hash_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="usagesignal",
            name="kind",
            field=models.CharField(
                choices=[
                    ("break_glass", "Emergency access"),
                    ("many_cases", "Many cases read without taking part"),
                    ("off_hours", "Reads outside working hours"),
                    ("export", "Export of personal data"),
                    ("lookups", "Many look-ups of people"),
                    ("org_lookups", "Organisation at its look-up limit"),
                ],
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="LookUpCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=40)),
                ("hour", models.DateTimeField()),
                ("count", models.PositiveIntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("key", "hour"), name="lookup_count_once")
                ],
            },
        ),
    ]
