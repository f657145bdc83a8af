"""Wagtail documents now live under PRIVATE_MEDIA_ROOT (programs.files.MediaStorage):
move the files stored before under the public MEDIA_ROOT."""

import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations


def move_documents(apps, schema_editor):
    public = Path(settings.MEDIA_ROOT) / "documents"
    private = Path(settings.PRIVATE_MEDIA_ROOT) / "documents"
    if not public.is_dir():
        return
    for source in public.rglob("*"):
        if source.is_file():
            target = private / source.relative_to(public)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(source, target)


class Migration(migrations.Migration):
    dependencies = [("programs", "0010_data_rights")]

    operations = [migrations.RunPython(move_documents, migrations.RunPython.noop, elidable=True)]
