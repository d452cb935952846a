"""The services map (decision 0048): how to refer, a contact, the day the waiting time was last
confirmed, and several life domains per service (a row each) instead of one. The single
`domain` column stays until 0006 has carried it over and 0007 removes it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("houses", "0005_privacy_signals_and_retention_bounds"),
        ("plans", "0004_action_house_newest_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ServiceDomain",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "domain",
                    models.CharField(
                        choices=[
                            ("housing", "Housing"),
                            ("finances", "Finances"),
                            ("daytime", "Work and daytime activity"),
                            ("mental_health", "Mental health"),
                            ("physical_health", "Physical health"),
                            ("addiction", "Addiction"),
                            ("family", "Family relations"),
                            ("social_network", "Social network"),
                            ("justice", "Justice and safety"),
                            ("parenting", "Parenting"),
                            ("education", "Education"),
                        ],
                        max_length=20,
                        verbose_name="life domain",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="service",
            name="contact_email",
            field=models.EmailField(
                blank=True, max_length=254, verbose_name="contact e-mail address"
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="contact_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="contact person"),
        ),
        migrations.AddField(
            model_name="service",
            name="contact_phone",
            field=models.CharField(blank=True, max_length=30, verbose_name="contact telephone"),
        ),
        migrations.AddField(
            model_name="service",
            name="how_to_refer",
            field=models.TextField(blank=True, verbose_name="how to refer"),
        ),
        migrations.AddField(
            model_name="service",
            name="waiting_confirmed_on",
            field=models.DateField(blank=True, null=True, verbose_name="waiting time confirmed on"),
        ),
        migrations.AlterField(
            model_name="service",
            name="region",
            field=models.CharField(blank=True, max_length=200, verbose_name="region"),
        ),
        migrations.AddIndex(
            model_name="service",
            index=models.Index(fields=["house", "active"], name="service_house_active"),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.UniqueConstraint(
                fields=("house", "organisation", "name"), name="service_name_per_organisation"
            ),
        ),
        migrations.AddField(
            model_name="servicedomain",
            name="service",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="domain_rows",
                to="plans.service",
            ),
        ),
        migrations.AddIndex(
            model_name="servicedomain",
            index=models.Index(fields=["domain", "service"], name="service_domain_lookup"),
        ),
        migrations.AddConstraint(
            model_name="servicedomain",
            constraint=models.UniqueConstraint(
                fields=("service", "domain"), name="service_domain_once"
            ),
        ),
        migrations.AlterField(
            model_name="service",
            name="domain",
            field=models.CharField(
                blank=True, default="", max_length=20, verbose_name="life domain"
            ),
        ),
    ]
