"""The tier page lists the portal pages each tier unlocks (content answers
through the ``tier_unlocked_pages`` hook)."""

import re

import pytest
from django.urls import reverse

from content.models import AnnouncementPage, SectionPage
from programs.services.tiers import tier_rules_record
from tests.factories import OrganizationFactory, PartnerTypeFactory, PartnerUserFactory, TierFactory
from tests.factories.content import publish_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder():
    tiers = {}
    for rank, name in enumerate(("Registered", "Silver", "Gold", "Platinum"), start=1):
        tiers[name] = TierFactory(name=name, rank=rank, requires_signed_agreement=False)
        tier_rules_record(tier=tiers[name])
    return tiers


def section(html: str, heading: str) -> str:
    match = re.search(rf'<section class="card tier-unlocks">\s*<h2>{heading}</h2>.*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_a_silver_partner_sees_what_silver_gives_and_gold_unlocks(client, ladder, home_page):
    gold, silver = ladder["Gold"], ladder["Silver"]
    deal_desk = publish_page(home_page, SectionPage, title="Gold deal desk", audience_tiers=[gold])
    playbook = publish_page(home_page, SectionPage, title="Silver playbook", audience_tiers=[silver])
    publish_page(home_page, SectionPage, title="Silver and Gold webinars", audience_tiers=[silver, gold])
    publish_page(home_page, SectionPage, title="Platinum pricing", audience_tiers=[ladder["Platinum"]])
    publish_page(home_page, AnnouncementPage, title="Partner news")
    # Not promised: a page Gold alone does not open, a draft, a page under a section for another role.
    publish_page(
        home_page,
        SectionPage,
        title="Gold MSP corner",
        audience_tiers=[gold],
        audience_partner_types=[PartnerTypeFactory(code="msp")],
    )
    publish_page(home_page, SectionPage, title="Gold draft", audience_tiers=[gold]).unpublish()
    finance = publish_page(home_page, SectionPage, title="Finance corner", audience_roles=["finance"])
    publish_page(finance, SectionPage, title="Gold rebates", audience_tiers=[gold])
    organization = OrganizationFactory(tier=silver, partner_type=PartnerTypeFactory(code="reseller"))
    client.force_login(PartnerUserFactory(organization=organization, roles=["sales"]))

    html = client.get(reverse("programs:tier_progress")).text

    gold_unlocks = section(html, "Gold unlocks")
    silver_unlocks = section(html, "Silver unlocks")
    # Pages of the next tier are named with what unlocks them, not linked (they would be a 404).
    assert "<a " not in gold_unlocks
    assert re.findall(r'class="locked">.*?<span>([^<]+)</span>', gold_unlocks, re.S) == [
        "Gold deal desk",
        "Silver and Gold webinars",
    ]
    assert "Available when your company reaches Gold." in gold_unlocks
    assert re.findall(r">([^<]+)</a>", silver_unlocks) == ["Silver playbook", "Silver and Gold webinars"]
    assert f'<a class="title" href="{playbook.url}">Silver playbook</a>' in silver_unlocks
    for title in ("Platinum pricing", "Partner news", "Gold MSP corner", "Gold draft", "Gold rebates"):
        assert title not in html, title
    # The promise holds: once in Gold, the partner opens the page.
    assert client.get(deal_desk.url).status_code == 404
    organization.tier = gold
    organization.save()
    assert client.get(deal_desk.url).status_code == 200


def test_tiers_without_reserved_pages_show_no_unlocks_section(client, ladder, home_page):
    publish_page(home_page, AnnouncementPage, title="Partner news")
    client.force_login(PartnerUserFactory(organization=OrganizationFactory(tier=ladder["Silver"])))

    html = client.get(reverse("programs:tier_progress")).text

    assert "tier-unlocks" not in html
