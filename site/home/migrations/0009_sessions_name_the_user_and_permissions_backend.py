"""Stored sessions name the backend that loads their user: those of logins
before portal.permissions.UserAndPermissionsBackend replaced Django's
ModelBackend in AUTHENTICATION_BACKENDS would no longer load, signing every
partner out. This renames it in each unexpired session (and back)."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations
from django.utils import timezone

# As they were when this migration was written (a migration keeps its own copy).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
USER_AND_PERMISSIONS_BACKEND = "portal.permissions.UserAndPermissionsBackend"


def _rename(apps, old: str, new: str) -> None:
    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=1000):
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) == old:
            data[BACKEND_SESSION_KEY] = new
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


def forwards(apps, schema_editor):
    _rename(apps, MODEL_BACKEND, USER_AND_PERMISSIONS_BACKEND)


def backwards(apps, schema_editor):
    _rename(apps, USER_AND_PERMISSIONS_BACKEND, MODEL_BACKEND)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0008_staff_backup_codes"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
