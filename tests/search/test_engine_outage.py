"""Stopping the real Elasticsearch loses no update: the outbox waits."""

import os
import subprocess

import pytest

from content.models import SectionPage
from search.models import IndexOutboxEntry
from search.selectors import documents_search
from search.services import outbox_drain
from tests.conftest import REPO

SERVICES = REPO / "scripts" / "services.sh"
# A JVM restart on a loaded 2-core machine can take minutes; the script's
# default (90 s) is for a developer's machine. The wait is for cluster health.
RESTART_ENV = {**os.environ, "PRM_SERVICES_TIMEOUT": "600"}


@pytest.mark.django_db
def test_pages_published_while_the_engine_is_stopped_are_indexed_once_it_is_back(search_indexes, home_page):
    outbox_drain(refresh=True)  # the index exists before the outage
    subprocess.run([SERVICES, "stop", "elasticsearch"], check=True, capture_output=True)
    try:
        pages = []
        for title in ("Outage pricing alpha", "Outage pricing beta", "Outage pricing gamma"):
            page = home_page.add_child(instance=SectionPage(title=title))
            page.save_revision().publish()
            pages.append(page)
        during = outbox_drain()
        assert during.failed == 3
        assert IndexOutboxEntry.objects.filter(processed_at=None, attempts=1).count() == 3
    finally:
        restart = subprocess.run([SERVICES, "start", "elasticsearch"], capture_output=True, text=True, env=RESTART_ENV)
        assert restart.returncode == 0, f"Elasticsearch did not come back: {restart.stdout}{restart.stderr}"

    IndexOutboxEntry.objects.update(next_attempt_at=IndexOutboxEntry.objects.earliest("id").created_at)
    after = outbox_drain(refresh=True)

    assert after.failed == 0
    hits = documents_search(query="outage pricing", size=10)
    assert sorted(hit.object_id for hit in hits) == sorted(str(page.pk) for page in pages)
    assert not IndexOutboxEntry.objects.filter(processed_at=None).exists()
