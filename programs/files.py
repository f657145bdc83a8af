"""Private files: stored outside the public media root (``storages["private"]``)
and sent only by views that have checked who is asking."""

from django.conf import settings
from django.core.files.storage import storages
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header


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
