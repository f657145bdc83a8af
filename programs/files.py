"""Private files: stored outside the public media root (``storages["private"]``)
and sent only by views that have checked who is asking."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from wagtail.utils import sendfile_streaming_backend

#: Upload folders of the default storage that hold files readers may be refused
#: (Wagtail documents: their serve view checks the page audiences).
PRIVATE_MEDIA_FOLDERS = ("documents/",)


def private_storage():
    """The storage of files that must never be public by URL (a callable, so
    migrations do not freeze the location)."""
    return storages["private"]


def private_file_response(file, *, filename: str, content_type: str | None = None) -> HttpResponse:
    """``file`` (a stored private file) as a download. Behind nginx with
    ``PRIVATE_FILES_ACCEL_PREFIX`` set, the web server sends the bytes
    (X-Accel-Redirect to an internal location mapped to PRIVATE_MEDIA_ROOT)."""
    prefix = settings.PRIVATE_FILES_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type or "application/octet-stream")
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{file.name}"
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        response = FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class MediaStorage(FileSystemStorage):
    """The default storage: MEDIA_ROOT (public by URL behind a web server),
    except the ``PRIVATE_MEDIA_FOLDERS``, kept under PRIVATE_MEDIA_ROOT and only
    ever sent by views that checked the reader. Models keep the default
    storage, so Wagtail's own document model and migrations are unchanged."""

    def _is_private(self, name: str) -> bool:
        return str(name).replace("\\", "/").lstrip("/").startswith(PRIVATE_MEDIA_FOLDERS)

    def path(self, name):
        if self._is_private(name):
            return private_storage().path(name)
        return super().path(name)

    def _save(self, name, content):
        if self._is_private(name):
            return private_storage()._save(name, content)
        return super()._save(name, content)

    def url(self, name):
        if self._is_private(name):
            # Wagtail falls back on its permission-checked serve view.
            raise NotImplementedError("Private media files have no public URL.")
        return super().url(name)


def sendfile(request, filename, **kwargs):
    """SENDFILE_BACKEND for Wagtail's document serve view: behind nginx the web
    server sends private files (as ``private_file_response`` does), otherwise
    Django streams them."""
    prefix = settings.PRIVATE_FILES_ACCEL_PREFIX
    private_root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    path = Path(filename).resolve()
    if prefix and path.is_relative_to(private_root):
        response = HttpResponse(content_type=kwargs.get("mimetype") or "application/octet-stream")
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{path.relative_to(private_root).as_posix()}"
    else:
        response = sendfile_streaming_backend.sendfile(request, filename, **kwargs)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
