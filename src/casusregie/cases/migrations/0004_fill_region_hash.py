"""Fill the regional pseudonym of existing subjects with a BSN, when a region key is set
(decision 0025). Without a key there is nothing to fill; setting a key later needs
`casusregie fill_region_hashes` (signals app), which runs the same function."""

from django.db import migrations


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from casusregie.signals.pseudonym import fill_region_hashes

    fill_region_hashes(apps.get_model("cases", "Subject"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_subject_region_hash")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
