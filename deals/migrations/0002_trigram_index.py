"""pg_trgm and the trigram index serving the conflict check, on PostgreSQL
only: SQLite (the embedded default) matches names exactly and by prefix."""

from django.db import migrations

ACTIVE = "('submitted', 'under_review', 'more_info', 'approved')"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Partial: only registrations that still compete are ever matched.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS deal_active_name_trgm_idx ON deals_dealregistration "
        f"USING gin (normalized_name gin_trgm_ops) WHERE status IN {ACTIVE}"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other apps may use it.
    schema_editor.execute("DROP INDEX IF EXISTS deal_active_name_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
