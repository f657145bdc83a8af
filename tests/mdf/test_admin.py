"""The "Market development funds" menu group, as non-superuser staff."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from mdf.models import Allocation, AllocationMethod, LedgerEntry, LedgerKind
from mdf.selectors import allocation_balance
from tests.factories import OrganizationFactory, TierFactory, UserFactory
from tests.factories.deals import DealRegistrationFactory
from tests.factories.mdf import MdfProgramFactory, allocated, auto_approve_all, submit_request

pytestmark = pytest.mark.django_db


def staff(group_name):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.mark.parametrize("group_name", ["Finance", "Channel ops"])
def test_finance_and_channel_ops_see_the_menu_group(client, group_name):
    client.force_login(staff(group_name))
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Market development funds" in page
    for url_name in (
        "wagtailsnippets_mdf_mdfprogram:list",
        "wagtailsnippets_mdf_fundrequest:list",
        "wagtailsnippets_mdf_claim:list",
        "wagtailsnippets_mdf_ledgerentry:list",
        "mdf_admin_report",
    ):
        assert client.get(reverse(url_name)).status_code == 200, url_name


def test_marketing_staff_do_not_see_it(client):
    client.force_login(staff("Marketing"))
    assert "Market development funds" not in client.get(reverse("wagtailadmin_home")).content.decode()
    assert client.get(reverse("wagtailsnippets_mdf_fundrequest:list")).status_code in (302, 403)
    assert client.get(reverse("mdf_admin_report")).status_code in (302, 403)


def test_channel_ops_generate_allocations_by_tier_then_adjust_one(client):
    gold, silver = TierFactory(name="Gold"), TierFactory(name="Silver")
    program = MdfProgramFactory(allocation_method=AllocationMethod.FIXED_PER_TIER, budget=Decimal("20000"))
    program.tier_terms.create(tier=gold, fixed_amount=Decimal("8000"))
    program.tier_terms.create(tier=silver, fixed_amount=Decimal("3000"))
    program.save()  # child rows of a clusterable model are stored with their parent
    alpha, beta = OrganizationFactory(tier=gold), OrganizationFactory(tier=silver)
    OrganizationFactory(tier=None)
    ops = staff("Channel ops")
    client.force_login(ops)

    response = client.post(reverse("mdf_admin_generate", args=[program.pk]))
    assert response.status_code == 302
    amounts = {
        allocation.organization_id: allocation_balance(allocation=allocation).allocated
        for allocation in Allocation.objects.filter(program=program)
    }
    assert amounts == {alpha.pk: Decimal("8000.00"), beta.pk: Decimal("3000.00")}
    # Running it again allocates nobody twice.
    client.post(reverse("mdf_admin_generate", args=[program.pk]))
    assert Allocation.objects.filter(program=program).count() == 2

    allocation = Allocation.objects.get(organization=beta)
    response = client.post(
        reverse("mdf_admin_allocation", args=[allocation.pk]), {"amount": "-500", "reason": "Missed the QBR"}
    )
    assert response.status_code == 302
    line = LedgerEntry.objects.get(kind=LedgerKind.ADJUSTED)
    assert (line.amount, line.actor, line.reason) == (Decimal("-500.00"), ops, "Missed the QBR")

    response = client.post(reverse("mdf_admin_allocation", args=[allocation.pk]), {"amount": "10000", "reason": "x"})
    assert response.status_code == 400
    assert "above the program" in response.content.decode()


def test_generation_by_revenue_uses_the_tiers_mdf_percentage(client):
    import datetime

    from deals.models import DealStatus

    gold = TierFactory(name="Gold", mdf_allocation_percent=Decimal("2.5"))
    program = MdfProgramFactory(allocation_method=AllocationMethod.REVENUE_PERCENT)
    partner = OrganizationFactory(tier=gold)
    closed_on = program.starts_on - datetime.timedelta(days=10)
    for amount, on in (("100000", closed_on), ("40000", closed_on), ("999999", program.starts_on)):
        DealRegistrationFactory(
            organization=partner,
            estimated_value=Decimal(amount),
            currency="USD",
            expected_close_date=on,
            status=DealStatus.WON,
            final_amount=Decimal(amount),
            closed_on=on,
        )
    client.force_login(staff("Finance"))
    client.post(reverse("mdf_admin_generate", args=[program.pk]))
    allocation = Allocation.objects.get(program=program, organization=partner)
    assert allocation_balance(allocation=allocation).allocated == Decimal("3500.00")  # 2.5 % of 140,000


def test_a_cam_sees_and_reviews_only_their_portfolio(client):
    cam, other_cam = staff("Channel account managers"), staff("Channel account managers")
    mine = OrganizationFactory(name="Mine Ltd", channel_account_manager=cam)
    theirs = OrganizationFactory(name="Theirs Ltd", channel_account_manager=other_cam)
    allocated(mine)
    allocated(theirs)
    my_request = submit_request(mine, title="My webinar")
    their_request = submit_request(theirs, title="Their webinar")
    client.force_login(cam)
    listing = client.get(reverse("wagtailsnippets_mdf_fundrequest:list")).content.decode()
    assert "My webinar" in listing and "Their webinar" not in listing
    assert client.get(reverse("mdf_admin_request", args=[my_request.pk])).status_code == 200
    assert client.get(reverse("mdf_admin_request", args=[their_request.pk])).status_code == 404
    response = client.post(reverse("mdf_admin_request", args=[their_request.pk]), {"approve": "1"})
    assert response.status_code == 404
    their_request.refresh_from_db()
    assert their_request.status == "pending"


def test_ledger_and_history_are_read_only(client):
    auto_approve_all()
    organization = OrganizationFactory()
    allocated(organization)
    submit_request(organization)
    client.force_login(staff("Channel ops"))
    line = LedgerEntry.objects.first()
    assert client.get(reverse("wagtailsnippets_mdf_ledgerentry:edit", args=[line.pk])).status_code in (302, 403)
    assert client.get(reverse("wagtailsnippets_mdf_ledgerentry:inspect", args=[line.pk])).status_code == 200


def test_channel_ops_open_every_mdf_form_and_page(client):
    from decimal import Decimal as D

    from mdf.services.claims import claim_submit
    from tests.factories.mdf import upload

    auto_approve_all()
    organization = OrganizationFactory()
    allocation = allocated(organization)
    claim = claim_submit(
        request=submit_request(organization),
        submitted_by=None,
        actual_cost=D("4000"),
        claimed_amount=D("2000"),
        proofs=[upload()],
    )
    client.force_login(staff("Channel ops"))
    for url in (
        reverse("wagtailsnippets_mdf_mdfprogram:add"),
        reverse("wagtailsnippets_mdf_mdfprogram:edit", args=[allocation.program_id]),
        reverse("wagtailsnippets_mdf_activitytype:add"),
        reverse("wagtailsnippets_mdf_approvalrule:add"),
        reverse("wagtailsnippets_mdf_allocation:list"),
        reverse("wagtailsnippets_mdf_mdfevent:list"),
        reverse("mdf_admin_allocation", args=[allocation.pk]),
        reverse("mdf_admin_claim", args=[claim.pk]),
        reverse("mdf_admin_request", args=[claim.request_id]),
        reverse("mdf_admin_report") + "?by=tier",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("mdf_admin_claim", args=[claim.pk])).content.decode()
    assert "invoice.pdf" in page and "Approve" in page
