"""Proof-of-performance files live outside MEDIA_ROOT, which a web server may
serve publicly: they are read only through mdf.views' permission-checked view."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


class PrivateStorage(LazyObject):
    def _setup(self):
        root = getattr(settings, "PRIVATE_MEDIA_ROOT", None) or Path(settings.MEDIA_ROOT).parent / "private-media"
        self._wrapped = FileSystemStorage(location=root, base_url=None)


def private_storage():
    # A callable keeps the location out of migrations.
    return _storage


_storage = PrivateStorage()
