"""Vendor staff (non-superusers) work cases in the Wagtail admin."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from support.models import Case, CaseStatus
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.support import CaseCategoryFactory, SlaTargetFactory, open_case, pdf_file

pytestmark = pytest.mark.django_db

QUEUE = "/admin/support/cases/"


def member_of(group_name, **fields):
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def channel_ops():
    return member_of("Channel ops")


def listed(client, cases, **filters):
    html = client.get(QUEUE, filters).content.decode()
    return {case for case in cases if f'href="{QUEUE}{case.pk}/"' in html}


def test_the_queue_filters_by_category_priority_status_sla_and_assignee(client, channel_ops):
    SlaTargetFactory(priority="urgent", first_response_hours=Decimal("1"), resolution_hours=Decimal("4"))
    billing = CaseCategoryFactory(code="incentives", name="Incentives")
    organization = OrganizationFactory()
    person = PartnerUserFactory(organization=organization)
    technical = open_case(organization, person)
    money = open_case(organization, person, category=billing, priority="high")
    urgent = open_case(organization, person, priority="urgent")
    Case.objects.filter(pk=urgent.pk).update(first_response_due_at=urgent.opened_at.replace(year=2020))
    client.force_login(channel_ops)
    client.post(f"{QUEUE}{money.pk}/", {"action": "assign", "assignee": channel_ops.pk})
    cases = (technical, money, urgent)

    assert listed(client, cases) == set(cases)
    assert listed(client, cases, category=billing.pk) == {money}
    assert listed(client, cases, priority="urgent") == {urgent}
    assert listed(client, cases, sla="breached") == {urgent}
    assert listed(client, cases, assignee=channel_ops.pk) == {money}
    assert listed(client, cases, unassigned="true") == {technical, urgent}
    assert listed(client, cases, status="new") == set(cases)


def test_a_cam_sees_only_the_portfolio(client):
    cam = member_of("Channel account managers")
    mine = OrganizationFactory(channel_account_manager=cam)
    own_case = open_case(mine, PartnerUserFactory(organization=mine))
    other_case = open_case(OrganizationFactory(), PartnerUserFactory())
    client.force_login(cam)

    assert listed(client, [own_case, other_case]) == {own_case}
    assert client.get(f"{QUEUE}{other_case.pk}/").status_code == 404
    assert client.get(f"{QUEUE}{own_case.pk}/").status_code == 200


def test_staff_answer_publicly_and_note_internally(client, channel_ops):
    organization = OrganizationFactory()
    partner = PartnerUserFactory(organization=organization)
    case = open_case(organization, partner)
    client.force_login(channel_ops)

    note = client.post(
        f"{QUEUE}{case.pk}/", {"action": "reply", "body": "Check the CDN first.", "internal": "on"}, follow=True
    )
    assert "Internal note added." in note.content.decode()
    answer = client.post(
        f"{QUEUE}{case.pk}/", {"action": "reply", "body": "Fixed, please retry.", "attachments": [pdf_file()]}
    )
    assert answer.status_code == 302

    html = client.get(f"{QUEUE}{case.pk}/").content.decode()
    assert "Check the CDN first." in html and "Fixed, please retry." in html and "Internal note" in html
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert [(m.body, m.is_internal) for m in case.messages.all()] == [
        ("Check the CDN first.", True),
        ("Fixed, please retry.", False),
    ]


def test_an_invalid_attachment_is_explained_and_nothing_is_stored(client, channel_ops):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = open_case(OrganizationFactory(), PartnerUserFactory())
    client.force_login(channel_ops)

    response = client.post(
        f"{QUEUE}{case.pk}/",
        {"action": "reply", "body": "See file", "attachments": [SimpleUploadedFile("fix.pdf", b"not a pdf")]},
    )

    assert response.status_code == 400
    assert "does not match its .pdf extension" in response.content.decode()
    assert not case.messages.exists()


def test_status_change_and_merge_from_the_case_page(client, channel_ops):
    organization = OrganizationFactory()
    partner = PartnerUserFactory(organization=organization)
    original = open_case(organization, partner)
    duplicate = open_case(organization, partner, subject="Same problem")
    client.force_login(channel_ops)

    client.post(f"{QUEUE}{original.pk}/", {"action": "status", "status": "waiting", "note": "Asked for logs"})
    original.refresh_from_db()
    assert original.status == CaseStatus.WAITING_ON_PARTNER
    event = original.events.get(kind="status")
    assert (event.actor, event.note) == (channel_ops, "Asked for logs")

    bad = client.post(f"{QUEUE}{duplicate.pk}/", {"action": "merge", "into": duplicate.pk})
    assert "A case cannot be merged into itself." in bad.content.decode()
    client.post(f"{QUEUE}{duplicate.pk}/", {"action": "merge", "into": original.pk})
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original and duplicate.status == CaseStatus.CLOSED


def test_staff_without_case_permissions_cannot_open_the_queue(client, vendor_staff):
    case = open_case(OrganizationFactory(), PartnerUserFactory())
    client.force_login(vendor_staff)
    # Wagtail sends staff without the permission back to the dashboard.
    for url in (QUEUE, f"{QUEUE}{case.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/admin/", url


def test_channel_ops_configure_categories_sla_targets_and_holidays(client, channel_ops):
    client.force_login(channel_ops)
    for url in (
        "/admin/snippets/support/casecategory/",
        "/admin/snippets/support/slatarget/add/",
        "/admin/snippets/support/supportholiday/add/",
        "/admin/settings/support/supportsettings/",
    ):
        assert client.get(url, follow=True).status_code == 200, url
