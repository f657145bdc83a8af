"""A document is served at its Wagtail URL only to readers of a live page
that uses it (Wagtail's reference index knows which) and to vendor staff."""

import pytest
from django.test import Client, TestCase

from content.models import SectionPage
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.content import document, publish_page

pytestmark = pytest.mark.django_db


def linking_to(doc) -> str:
    return f'<p>Read <a linktype="document" id="{doc.pk}">the sheet</a>.</p>'


@pytest.fixture
def documents(home_page):
    gold = TierFactory(name="Gold")
    gated_doc = document(title="Gold margins", content=b"%PDF-1.4 gold margins", filename="gold-margins.pdf")
    public_doc = document(title="Storage sheet", content=b"%PDF-1.4 storage", filename="storage-sheet.pdf")
    unused_doc = document(title="Unused", content=b"%PDF-1.4 unused", filename="unused.pdf")
    # The reference index is written when the publication commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        publish_page(home_page, SectionPage, title="Gold corner", intro=linking_to(gated_doc), audience_tiers=[gold])
    with TestCase.captureOnCommitCallbacks(execute=True):
        publish_page(home_page, SectionPage, title="Open corner", intro=linking_to(public_doc))
    return {"gold": gold, "gated": gated_doc, "public": public_doc, "unused": unused_doc}


def partner(**organization_fields) -> Client:
    client = Client()
    client.force_login(PartnerUserFactory(organization=OrganizationFactory(**organization_fields), roles=["sales"]))
    return client


def served(response) -> bool:
    if response.status_code != 200:
        return False
    return b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_document_linked_from_a_gated_page_is_served_to_its_audience_only(documents, vendor_staff):
    url = documents["gated"].url
    staff = Client()
    staff.force_login(vendor_staff)

    assert served(partner(tier=documents["gold"]).get(url))
    assert served(staff.get(url))
    assert partner(tier=TierFactory(name="Silver")).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_a_document_linked_from_a_page_for_every_partner_is_served_to_partners(documents):
    url = documents["public"].url

    assert served(partner(tier=TierFactory(name="Silver")).get(url))
    assert served(partner().get(url))
    assert Client().get(url).status_code == 302


def test_a_document_no_live_page_uses_is_served_to_staff_only(documents, vendor_staff):
    url = documents["unused"].url
    staff = Client()
    staff.force_login(vendor_staff)

    assert partner(tier=documents["gold"]).get(url).status_code == 404
    assert served(staff.get(url))
