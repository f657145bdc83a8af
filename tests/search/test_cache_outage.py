"""With the shared cache (Redis) unreachable, partners keep using the portal:
the cache answers as an empty one that keeps nothing (portal.cache.RedisCache),
so pages read the database, search asks the engine, a configuration change
saved meanwhile shows on the next page, and the public application form stays
open. Nothing here stops the shared Redis: the portal's cache is pointed at a
port nothing listens on (tests/test_health.py stops the real one)."""

import logging
import socket

import pytest
from django.core.cache import cache
from wagtail.models import Site

import portal.cache
from home.models import PortalBranding
from programs.models import PartnerApplication
from tests.factories import PASSWORD, PartnerUserFactory, application_form

pytestmark = pytest.mark.django_db

UNREACHABLE = "The shared cache is unreachable"


@pytest.fixture
def cache_unreachable(settings, monkeypatch):
    """``cache_unreachable()``: from now on the portal's cache is a Redis
    address that refuses connections (an outage this process has not logged yet)."""

    def unreachable():
        monkeypatch.setattr(portal.cache._OutageLog, "logged_at", float("-inf"))
        monkeypatch.setattr(portal.cache._OutageLog, "failed_since", 0)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{closed_port}/0"}}

    return unreachable


@pytest.fixture
def partner(client):
    user = PartnerUserFactory(roles=["owner"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def test_a_partner_reads_and_searches_the_portal_while_the_cache_is_unreachable(
    client, partner, indexed, found, cache_unreachable, caplog
):
    indexed("price", title="Price list", body="What partners pay for storage.")
    assert client.get("/dashboard/").status_code == 200  # configuration kept by the process before the outage
    cache_unreachable()

    for url in ("/dashboard/", "/deals/", "/mdf/", "/incentives/", "/training/", "/support/", "/scorecard/"):
        assert client.get(url).status_code == 200, url
    answer = client.get("/search/api/", {"q": "price"}).json()
    assert (answer["engine"], [hit["title"] for hit in answer["hits"]]) == ("elasticsearch", ["Price list"])
    # A typo: the words the index holds are asked of the engine, not the cache.
    assert [hit["title"] for hit in client.get("/search/api/", {"q": "storge"}).json()["hits"]] == ["Price list"]
    # Nothing found: the spelling suggestion is looked for, and not kept.
    assert client.get("/search/api/", {"q": "warrenty"}).json()["total"] == 0
    suggestions = client.get("/search/autocomplete/", {"q": "pri"}).json()
    assert "Price list" in str(suggestions)
    # Outside a request too (a task, a shell).
    assert found(partner, "price") == {"price"}
    assert UNREACHABLE in caplog.text


def test_a_new_vendor_name_saved_while_the_cache_is_unreachable_shows_on_the_next_page(
    client, partner, cache_unreachable
):
    assert "Globex Partner Network" not in client.get("/menu/").content.decode()
    cache_unreachable()
    assert client.get("/menu/").status_code == 200

    branding = PortalBranding.for_site(Site.objects.get(is_default_site=True))
    branding.vendor_name = "Globex Partner Network"
    branding.save()  # the new configuration generation is not kept anywhere

    assert "Globex Partner Network</a>" in client.get("/menu/").content.decode()


def test_the_application_form_takes_applications_while_the_cache_is_unreachable(client, cache_unreachable, caplog):
    cache_unreachable()
    submitted = client.post("/apply/", application_form(), follow=True)

    assert submitted.status_code == 200
    assert PartnerApplication.objects.get().company_name == "Globex Storage GmbH"
    assert "Rate limit apply not counted: the shared cache is unreachable" in caplog.text


def test_an_outage_is_logged_once_a_minute_per_process_with_the_failures_counted(
    cache_unreachable, caplog, monkeypatch
):
    now = [1000.0]
    monkeypatch.setattr(portal.cache.time, "monotonic", lambda: now[0])
    cache_unreachable()

    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        for _request in range(30):
            assert cache.get("vendor-name") is None
        now[0] += 59
        cache.set("vendor-name", "Contoso")
        assert [record.getMessage().count(UNREACHABLE) for record in caplog.records] == [1]

        now[0] += 1
        assert cache.get_many(["a", "b"]) == {}

    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2
    assert lines[1].endswith("30 more cache calls failed since the last such line")
