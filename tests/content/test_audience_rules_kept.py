"""Each process keeps the pages' audience rules (350,279 of them took a second
to read) until a rule changes or a page moves: publishing other pages leaves
them kept, and every change that can move a page in or out of a reader's view
reaches the very next request."""

import re

import pytest

from content import audience
from content.models import SectionPage
from tests.factories import PartnerUserFactory
from tests.factories.content import publish_page, republish

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule_reads(monkeypatch) -> list[int]:
    reads = []
    read = audience._audience_rules_read

    def counted():
        reads.append(1)
        return read()

    monkeypatch.setattr(audience, "_audience_rules_read", counted)
    return reads


def section_titles(client, page) -> list[str]:
    response = client.get(page.url)
    assert response.status_code == 200
    cards = re.search(r'<ul class="card-list">.*?</ul>', response.content.decode(), re.S)
    return (
        re.findall(r'<div class="link-card">.*?<a href="[^"]*"[^>]*>([^<]*)</a>', cards.group(0), re.S) if cards else []
    )


def test_publishing_pages_leaves_the_rules_kept_and_a_new_rule_applies_at_once(client, home_page, rule_reads):
    solutions = publish_page(home_page, SectionPage, title="Solutions")
    publish_page(solutions, SectionPage, title="Storage", audience_roles=["sales"])
    client.force_login(PartnerUserFactory(roles=["marketing"]))
    assert section_titles(client, solutions) == []
    assert len(rule_reads) == 1

    publish_page(solutions, SectionPage, title="Networking")
    republish(solutions, title="Our solutions")

    assert section_titles(client, solutions) == ["Networking"]
    assert len(rule_reads) == 1, "the pages published changed no rule"

    networking = solutions.get_children().get(title="Networking").specific
    republish(networking, audience_roles=["sales"])

    assert section_titles(client, solutions) == []
    assert len(rule_reads) == 2


def test_a_gated_page_moved_deeper_stays_hidden_where_it_lands(client, home_page, rule_reads):
    solutions = publish_page(home_page, SectionPage, title="Solutions")
    storage = publish_page(solutions, SectionPage, title="Storage")
    playbook = publish_page(home_page, SectionPage, title="Sales playbook", audience_roles=["sales"])
    marketer, seller = PartnerUserFactory(roles=["marketing"]), PartnerUserFactory(roles=["sales"])
    client.force_login(marketer)
    assert section_titles(client, storage) == []

    playbook.move(storage, pos="last-child")

    # The rule now lies a level deeper than any rule did: a process keeping
    # the rules' old depths would not look for it there.
    assert section_titles(client, storage) == []
    assert client.get(playbook.specific_class.objects.get(pk=playbook.pk).url).status_code == 404
    assert len(rule_reads) == 2
    client.force_login(seller)
    assert section_titles(client, storage) == ["Sales playbook"]
