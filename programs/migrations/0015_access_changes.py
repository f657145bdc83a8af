"""AccessChange and the PostgreSQL triggers that write it (programs.access_reads).

A row-level trigger records whose rows changed (a user's, an organization's);
a statement-level one records a change that concerns everyone. TRUNCATE has
no rows: it concerns everyone too. Triggers, not Django signals, so that
``QuerySet.update()``, bulk deletes, other processes and plain SQL are seen
as well. SQLite (the embedded default) keeps no copy to revoke: no triggers.
"""

import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

#: table → (whose rows: "user" or "organization", the column naming them);
#: None: a change to the table concerns every signed-in person
WATCHED_TABLES = {
    "auth_user": ("user", "id"),
    "auth_user_groups": ("user", "user_id"),
    "auth_user_user_permissions": ("user", "user_id"),
    "programs_membership": ("user", "user_id"),
    "programs_personcertification": ("user", "user_id"),
    "programs_partnerorganization": ("organization", "id"),
    "auth_group": None,
    "auth_group_permissions": None,
    "auth_permission": None,
    "django_content_type": None,
    "programs_tier": None,
    "programs_partnertype": None,
    "programs_certification": None,
}

ROW_FUNCTION = """
CREATE OR REPLACE FUNCTION programs_access_change_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_id bigint;
BEGIN
    -- The old and the new row: a membership moved to another person
    -- changes what both read.
    FOR changed_id IN
        SELECT DISTINCT (changed.row_data ->> TG_ARGV[1])::bigint
        FROM (
            SELECT CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END AS row_data
            UNION ALL
            SELECT CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END
        ) AS changed
        WHERE changed.row_data IS NOT NULL
    LOOP
        IF TG_ARGV[0] = 'user' THEN
            INSERT INTO programs_accesschange (user_id) VALUES (changed_id);
        ELSE
            INSERT INTO programs_accesschange (organization_id) VALUES (changed_id);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
"""

EVERYONE_FUNCTION = """
CREATE OR REPLACE FUNCTION programs_access_change_everyone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO programs_accesschange (user_id, organization_id) VALUES (NULL, NULL);
    RETURN NULL;
END
$$;
"""


def _trigger_statements(table: str, watched) -> list[str]:
    statements = [
        f"CREATE TRIGGER programs_access_change_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION programs_access_change_everyone()"
    ]
    if watched is None:
        statements.append(
            f"CREATE TRIGGER programs_access_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION programs_access_change_everyone()"
        )
    else:
        whose, column = watched
        statements.append(
            f"CREATE TRIGGER programs_access_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION programs_access_change_row('{whose}', '{column}')"
        )
    return statements


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(ROW_FUNCTION)
    schema_editor.execute(EVERYONE_FUNCTION)
    for table, watched in WATCHED_TABLES.items():
        for statement in _trigger_statements(table, watched):
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in WATCHED_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS programs_access_change ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS programs_access_change_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS programs_access_change_row()")
    schema_editor.execute("DROP FUNCTION IF EXISTS programs_access_change_everyone()")


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0014_merge_language_choices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessChange",
            fields=[
                ("seq", models.BigAutoField(primary_key=True, serialize=False)),
                ("user_id", models.BigIntegerField(null=True)),
                ("organization_id", models.BigIntegerField(null=True)),
                ("changed_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
