"""Compare signal pseudonyms byte by byte on PostgreSQL (collation "C").

A pseudonym is 64 lower-case hexadecimal characters: every collation orders and matches them
the same way, but a language collation (nl_NL.UTF-8, en_US.UTF-8, even C.UTF-8 before
PostgreSQL 17) compares through the C library instead of memcmp. Every insert into the unique
index and every look-up pays that (decision 0034). SQLite (tests, development) compares bytes
already and knows no collation "C", so the model does not declare it: this migration sets it
on PostgreSQL only. Rebuilds the unique index (about a minute for ten million signals)."""

from django.db import migrations

TABLE = "signals_signal"


def bytewise(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'ALTER TABLE {TABLE} ALTER COLUMN pseudonym TYPE varchar(64) COLLATE "C"'
        )


def by_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'ALTER TABLE {TABLE} ALTER COLUMN pseudonym TYPE varchar(64) COLLATE "default"'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("signals", "0005_exchange_nonces"),
    ]

    operations = [migrations.RunPython(bytewise, by_default, elidable=False)]
