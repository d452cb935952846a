"""The single life domain of a service is gone: its domains are rows (0005, 0006)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("plans", "0006_service_domains_carry_over")]

    operations = [migrations.RemoveField(model_name="service", name="domain")]
