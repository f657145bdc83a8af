"""What a serving process does once it has loaded the portal."""

import gc

from django.urls import get_resolver


def freeze_loaded_objects() -> None:
    """Keep what the process loaded to serve out of the garbage collector's
    full collections.

    Django, Wagtail, the apps' modules, the URL configuration and the views
    it imports live as long as the process (about 330,000 objects the
    collector tracks). Each full collection walked all of them: a pause of
    100-160 ms every few hundred requests at load 5, on whichever request
    was running. Frozen, a full collection walks only what requests created
    since (Python's ``gc.freeze``; objects are still freed by reference
    counting)."""
    get_resolver().url_patterns  # noqa: B018 - imports the URL configuration's views
    gc.collect()
    gc.freeze()
