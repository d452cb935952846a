"""Each level of an escalation ladder now says whom it notifies. Ladders saved before get the
default targets by position: process director, house manager, then the administrative table."""

from django.db import migrations

TARGETS = ["process_director", "house_manager", "partner_manager", "administrative"]


def add_targets(apps, schema_editor):
    House = apps.get_model("houses", "House")
    for house in House.objects.all():
        ladder = house.escalation_ladder or []
        changed = False
        for step in ladder:
            if isinstance(step, dict) and "notify" not in step:
                index = min(step.get("level", 1) - 1, len(TARGETS) - 1)
                step["notify"] = TARGETS[max(index, 0)]
                changed = True
        if changed:
            house.escalation_ladder = ladder
            house.save(update_fields=["escalation_ladder"])


class Migration(migrations.Migration):
    dependencies = [("houses", "0003_house_plan_stall_weeks")]

    operations = [migrations.RunPython(add_targets, migrations.RunPython.noop)]
