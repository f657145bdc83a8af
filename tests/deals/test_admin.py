"""The review queue in the Wagtail admin, used by non-superuser staff."""

import pytest
from django.contrib.auth.models import Group, Permission

from deals.models import DealStatus
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.deals import RoutingRuleFactory, register_deal

pytestmark = pytest.mark.django_db

QUEUE = "/admin/deals/registrations/"


def staff(*codenames):
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(codename__in=codenames),
    )
    return user


@pytest.fixture
def reviewer():
    """Channel ops: review every partner's registrations."""
    group = Group.objects.create(name="Deal reviewers")
    group.permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "change_dealregistration", "view_all_partner_records"])
    )
    user = UserFactory()
    user.groups.add(group)
    return user


def test_the_queue_filters_by_status_queue_organization_and_conflict(client, reviewer):
    northwind = OrganizationFactory(name="Northwind")
    first = register_deal(northwind, company_name="Alpha Corp", domain="alpha.com")
    conflicted = register_deal(OrganizationFactory(name="Contoso"), company_name="Alpha Corp", domain="alpha.com")
    RoutingRuleFactory()
    approved = register_deal(OrganizationFactory(), company_name="Approved Co", domain="approved.com")
    client.force_login(reviewer)

    def listed(**filters):
        html = client.get(QUEUE, filters).content.decode()
        return {deal for deal in (first, conflicted, approved) if f'href="{QUEUE}{deal.pk}/"' in html}

    assert listed() == {first, conflicted, approved}
    assert listed(has_conflict="true") == {conflicted}
    assert listed(status="approved") == {approved}
    assert listed(queue="conflicts") == {conflicted}
    assert listed(organization=northwind.pk) == {first}


def test_the_review_page_explains_the_conflict_and_shows_the_audit_trail(client, reviewer):
    register_deal(OrganizationFactory(name="Northwind"), company_name="ACME, Inc.")
    deal = register_deal(OrganizationFactory(), company_name="Acme Incorporated")
    client.force_login(reviewer)

    html = client.get(f"{QUEUE}{deal.pk}/").content.decode()

    assert "Northwind" in html
    assert "same domain acme.com, name 100% similar" in html
    assert "Audit trail" in html and "Possible conflict detected" in html


def test_approve_reject_and_request_more_information(client, reviewer):
    approve = register_deal(OrganizationFactory(), company_name="One", domain="one.com")
    reject = register_deal(OrganizationFactory(), company_name="Two", domain="two.com")
    ask = register_deal(OrganizationFactory(), company_name="Three", domain="three.com")
    client.force_login(reviewer)

    assert client.post(f"{QUEUE}{approve.pk}/", {"action": "approve"}).status_code == 302
    missing_reason = client.post(f"{QUEUE}{reject.pk}/", {"action": "reject", "reason": ""})
    assert missing_reason.status_code == 200 and "Give the partner a reason." in missing_reason.content.decode()
    client.post(f"{QUEUE}{reject.pk}/", {"action": "reject", "reason": "Direct account."})
    client.post(f"{QUEUE}{ask.pk}/", {"action": "more_info", "reason": "Budget confirmed?"})

    for deal in (approve, reject, ask):
        deal.refresh_from_db()
    assert approve.status == DealStatus.APPROVED and approve.protected_until
    assert (reject.status, reject.decision_reason) == (DealStatus.REJECTED, "Direct account.")
    assert (ask.status, ask.decision_reason) == (DealStatus.MORE_INFO_REQUESTED, "Budget confirmed?")
    assert {approve.events.last().actor, reject.events.last().actor, ask.events.last().actor} == {reviewer}


def test_a_second_approval_of_the_same_opportunity_is_refused(client, reviewer):
    first = register_deal(OrganizationFactory())
    second = register_deal(OrganizationFactory())
    client.force_login(reviewer)

    client.post(f"{QUEUE}{first.pk}/", {"action": "approve"})
    response = client.post(f"{QUEUE}{second.pk}/", {"action": "approve"})

    assert "already holds protection" in response.content.decode()
    second.refresh_from_db()
    assert second.status == DealStatus.UNDER_REVIEW


def test_extension_requests_are_decided_in_the_admin(client, reviewer):
    from deals.services import deal_request_extension

    RoutingRuleFactory()
    deal = register_deal(OrganizationFactory())
    deal_request_extension(deal=deal, actor=None, reason="Procurement delayed.")
    ends = deal.protected_until
    client.force_login(reviewer)

    client.post(f"{QUEUE}{deal.pk}/", {"action": "extension_approve"})

    deal.refresh_from_db()
    assert deal.extension_status == "approved"
    assert (deal.protected_until - ends).days == 30


def test_staff_without_the_change_permission_cannot_review(client):
    deal = register_deal(OrganizationFactory())
    viewer = staff("view_all_partner_records")
    client.force_login(viewer)

    assert client.get(QUEUE).status_code in (302, 403)
    assert client.post(f"{QUEUE}{deal.pk}/", {"action": "approve"}).status_code in (302, 403)
    deal.refresh_from_db()
    assert deal.status == DealStatus.UNDER_REVIEW


def test_a_cam_reviews_their_portfolio_only(client):
    cam = staff("change_dealregistration")
    mine = register_deal(OrganizationFactory(channel_account_manager=cam), company_name="Mine", domain="mine.com")
    theirs = register_deal(OrganizationFactory(), company_name="Theirs", domain="theirs.com")
    client.force_login(cam)

    listing = client.get(QUEUE).content.decode()

    assert "Mine" in listing and "Theirs" not in listing
    assert client.get(f"{QUEUE}{mine.pk}/").status_code == 200
    assert client.get(f"{QUEUE}{theirs.pk}/").status_code == 404


def test_routing_rules_are_edited_by_staff_with_snippet_permissions(client):
    editor = staff("add_routingrule", "change_routingrule")
    client.force_login(editor)

    listing = client.get("/admin/snippets/deals/routingrule/")
    refused = client.post(
        "/admin/snippets/deals/routingrule/add/",
        {"name": "Reject embargoed", "action": "reject", "reason": "", "sort_order": 0},
    )

    assert listing.status_code == 200
    assert refused.status_code == 200
    assert "Give the partner a reason for the rejection." in refused.content.decode()


def test_channel_ops_edit_details_and_the_conflict_check_runs_again(client, reviewer):
    register_deal(OrganizationFactory(name="Northwind"), company_name="Globex Corporation", domain="globex.com")
    deal = register_deal(OrganizationFactory(), company_name="Initech", domain="initech.com")
    client.force_login(reviewer)
    fields = {
        f"details-{name}": value
        for name, value in {
            "company_name": "Globex Corp.",
            "domain": "www.globex.com",
            "country": "US",
            "contact_name": "Jane Roe",
            "estimated_value": "25000.00",
            "currency": "USD",
            "expected_close_date": deal.expected_close_date.isoformat(),
        }.items()
    }

    bad = client.post(f"{QUEUE}{deal.pk}/", {**fields, "details-domain": "nope", "save_details": "1"})
    assert "Enter a website or e-mail domain such as acme.com." in bad.content.decode()
    assert not deal.events.filter(kind="edited").exists()
    response = client.post(f"{QUEUE}{deal.pk}/", {**fields, "save_details": "1"})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.company_name, deal.domain, deal.has_conflict) == ("Globex Corp.", "globex.com", True)
    edit = deal.events.get(kind="edited")
    assert edit.actor == reviewer and edit.before["company_name"] == "Initech"
