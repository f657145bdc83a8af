import socket

import pytest
from django.utils import timezone

from content.models import SectionPage
from search.models import SearchQueryLog
from search.selectors import documents_search
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_search_answers_from_the_database_with_a_notice_when_the_engine_is_down(client, settings, home_page):
    home_page.add_child(instance=SectionPage(title="Renewal playbook")).save_revision().publish()
    user = PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{_closed_port()}"

    response = client.get("/search/", {"q": "renewal"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "reduced mode" in html
    assert "Renewal playbook" in html
    assert client.get("/search/api/", {"q": "renewal"}).json()["engine"] == "database"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_queries_and_zero_result_queries_are_logged_for_the_content_team(
    client, celery_worker, search_indexes, home_page, wait_for
):
    # The worker indexes the page and writes the log after each request.
    home_page.add_child(instance=SectionPage(title="Storage price list")).save_revision().publish()
    wait_for(lambda: documents_search(query="storage price list"), timeout=60, message="the page in results")
    organization = OrganizationFactory()
    user = PartnerUserFactory(organization=organization, roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)
    searched_from = timezone.now()

    client.get("/search/", {"q": "Price  List"})
    client.get("/search/", {"q": "quantum widgets"})

    def logged():
        entries = SearchQueryLog.objects.all()
        return {(entry.normalized_query, entry.results, entry.organization_id) for entry in entries}

    expected = {("price list", 1, organization.pk), ("quantum widgets", 0, organization.pk)}
    wait_for(lambda: logged() == expected, timeout=60, message=f"the log to read {expected}")
    assert logged() == expected
    # Logged at the time of the search, not when the worker got to it.
    assert all(searched_from <= entry.created_at <= timezone.now() for entry in SearchQueryLog.objects.all())


def test_the_search_api_reports_the_engines_share_of_its_time(client, indexed, engine_requests):
    indexed("doc", title="Storage price list")
    user = PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)

    def searched(query: str) -> tuple[dict[str, str], int]:
        """The Server-Timing metrics (name -> parameters) and the total found."""
        engine_requests.clear()
        response = client.get("/search/api/", {"q": query})
        assert response.status_code == 200
        metrics = dict(part.strip().split(";", 1) for part in response["Server-Timing"].split(","))
        return metrics, response.json()["total"]

    def requests_counted(metrics: dict[str, str]) -> int:
        return int(metrics["engine-requests"].removeprefix('desc="').removesuffix('"'))

    first, total = searched("price list")
    assert total == 1
    assert set(first) == {"engine", "engine-wait", "engine-requests", "view"}
    took, wait, view = (float(first[name].removeprefix("dur=")) for name in ("engine", "engine-wait", "view"))
    # The engine's took is part of the view's wait for its answers, which is
    # part of the view.
    assert 0 <= took <= wait <= view
    assert wait > 0
    # Every request counts, the words asked about on another thread too.
    assert requests_counted(first) == len(engine_requests)

    # Once the process knows the words: one request where every word is
    # found together; where they are not, one more in which any one word
    # suffices, and the next time only that one (search.together learns it
    # once the response has gone, which the view's figures leave out).
    searched("zebra")
    alone, _ = searched("price list")
    sent_alone = len(engine_requests)
    fallback, total = searched("price zebra")
    assert total == 1
    assert requests_counted(alone) == sent_alone == 1
    assert requests_counted(fallback) == 2
    assert [request.kind for request in engine_requests] == ["msearch", "msearch", "search"]
    again, total = searched("price zebra")
    assert total == 1
    assert requests_counted(again) == len(engine_requests) == 1


def test_channel_ops_edit_synonyms_and_read_zero_result_queries_in_the_admin(client):
    from django.contrib.auth.models import Group, Permission

    from tests.factories import UserFactory

    group = Group.objects.create(name="Search editors")
    group.permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "add_synonymset", "view_searchquerylog"])
    )
    editor = UserFactory()
    editor.groups.add(group)
    SearchQueryLog.objects.create(query="quantum widgets", normalized_query="quantum widgets", results=0)
    SearchQueryLog.objects.create(query="price list", normalized_query="price list", results=4)
    assert client.login(username=editor.username, password=PASSWORD)

    created = client.post("/admin/snippets/search/synonymset/add/", {"terms": "price list, rate card", "language": ""})
    refused = client.post("/admin/snippets/search/synonymset/add/", {"terms": "lonely", "language": ""})
    report = client.get("/admin/snippets/search/searchquerylog/", {"results": "0"})

    from search.models import SynonymSet

    assert created.status_code == 302
    assert list(SynonymSet.objects.values_list("terms", flat=True)) == ["price list, rate card"]
    assert refused.status_code == 200
    assert "at least two" in refused.content.decode()
    assert report.status_code == 200
    assert "quantum widgets" in report.content.decode()
    assert "price list" not in report.content.decode()


def test_without_a_search_engine_the_portal_searches_the_database(client, settings, home_page):
    from search.models import IndexOutboxEntry

    settings.ELASTICSEARCH_URL = None
    page = home_page.add_child(instance=SectionPage(title="Embedded default guide"))
    page.save_revision().publish()
    user = PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)

    payload = client.get("/search/api/", {"q": "embedded"}).json()

    assert not IndexOutboxEntry.objects.filter(object_id=str(page.pk)).exists(), "no outbox without a search engine"
    assert payload["engine"] == "database"
    assert payload["notice"] == ""
    assert [hit["title"] for hit in payload["hits"]] == ["Embedded default guide"]


def test_the_database_fallback_shows_only_pages_the_partner_may_open(client, settings, home_page):
    from tests.factories import TierFactory
    from tests.factories.content import publish_page

    settings.ELASTICSEARCH_URL = None
    silver, gold = TierFactory(name="Silver"), TierFactory(name="Gold")
    publish_page(home_page, SectionPage, title="Quasar onboarding")
    gold_section = publish_page(home_page, SectionPage, title="Quasar gold desk", audience_tiers=[gold])
    publish_page(gold_section, SectionPage, title="Quasar gold rebates")
    silver_user = PartnerUserFactory(organization=OrganizationFactory(tier=silver), roles=["sales"])
    gold_user = PartnerUserFactory(organization=OrganizationFactory(tier=gold), roles=["sales"])

    def titles(user):
        assert client.login(username=user.username, password=PASSWORD)
        return {hit["title"] for hit in client.get("/search/api/", {"q": "quasar"}).json()["hits"]}

    assert titles(silver_user) == {"Quasar onboarding"}
    assert titles(gold_user) == {"Quasar onboarding", "Quasar gold desk", "Quasar gold rebates"}
