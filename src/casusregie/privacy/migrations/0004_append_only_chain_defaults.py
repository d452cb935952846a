"""Existing houses get the starting register and working method; existing log rows are chained;
on PostgreSQL triggers make the audit trail and the processing log append-only."""

from typing import Any

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION casusregie_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('casusregie.log_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'casusregie: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_auditevent_append_only BEFORE UPDATE OR DELETE ON privacy_auditevent
    FOR EACH ROW EXECUTE FUNCTION casusregie_append_only();
CREATE TRIGGER privacy_processinglogentry_append_only
    BEFORE UPDATE OR DELETE ON privacy_processinglogentry
    FOR EACH ROW EXECUTE FUNCTION casusregie_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS privacy_auditevent_append_only ON privacy_auditevent;
DROP TRIGGER IF EXISTS privacy_processinglogentry_append_only ON privacy_processinglogentry;
DROP FUNCTION IF EXISTS casusregie_append_only();
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    from casusregie.privacy import chain, register

    House = apps.get_model("houses", "House")
    Activity = apps.get_model("privacy", "ProcessingActivity")
    Method = apps.get_model("privacy", "WorkingMethod")
    LogHead = apps.get_model("privacy", "LogHead")
    for house in House.objects.all():
        if not Activity.objects.filter(house=house).exists():
            for d in register.DEFAULTS:
                Activity.objects.create(
                    house=house,
                    code=d.code,
                    name=d.name,
                    purpose=d.purpose,
                    legal_basis=d.legal_basis,
                    controllers=register.CONTROLLERS,
                    data_subjects=d.data_subjects,
                    data_categories=register.DATA_CATEGORIES,
                    recipients=d.recipients,
                    retention=d.retention,
                    security=register.SECURITY,
                )
        if not Method.objects.filter(house=house).exists():
            Method.objects.create(
                house=house,
                version=1,
                title=register.DEFAULT_METHOD_TITLE,
                text=register.DEFAULT_METHOD_TEXT,
            )
    for kind, name in ((chain.AUDIT, "AuditEvent"), (chain.LOG, "ProcessingLogEntry")):
        model = apps.get_model("privacy", name)
        heads: dict[int, str] = {}
        for row in model.objects.order_by("pk").iterator():
            house_id = row.house_id or chain.NO_HOUSE
            prev = heads.get(house_id, "")
            row.prev_hash = prev
            row.chain_hash = chain.digest(row, prev, kind)
            model.objects.filter(pk=row.pk).update(
                prev_hash=row.prev_hash, chain_hash=row.chain_hash
            )
            heads[house_id] = row.chain_hash
        for house_id, last in heads.items():
            LogHead.objects.update_or_create(
                house_id=house_id, kind=kind, defaults={"last_hash": last}
            )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_privacy_kernel")]

    operations = [migrations.RunPython(forwards, backwards)]
