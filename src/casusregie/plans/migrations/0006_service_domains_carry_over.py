"""Data step of the services map (decision 0048): each existing service keeps its one life
domain as its first domain row, and counts its waiting time as confirmed on the day it was last
changed."""

from django.db import migrations


def carry_over(apps, schema_editor):
    Service = apps.get_model("plans", "Service")
    ServiceDomain = apps.get_model("plans", "ServiceDomain")
    rows = []
    for service in Service.objects.all().only("pk", "domain", "updated_at").iterator():
        if service.domain:
            rows.append(ServiceDomain(service_id=service.pk, domain=service.domain))
        Service.objects.filter(pk=service.pk).update(waiting_confirmed_on=service.updated_at.date())
    ServiceDomain.objects.bulk_create(rows, batch_size=500)


def carry_back(apps, schema_editor):
    Service = apps.get_model("plans", "Service")
    ServiceDomain = apps.get_model("plans", "ServiceDomain")
    for row in ServiceDomain.objects.order_by("service_id", "pk").iterator():
        Service.objects.filter(pk=row.service_id, domain="").update(domain=row.domain)


class Migration(migrations.Migration):
    dependencies = [("plans", "0005_services_map")]

    operations = [migrations.RunPython(carry_over, carry_back)]
