"""Channel ops and CAMs in the Wagtail admin, as non-superusers."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from programs.metrics import DealFigures, register_deal_metrics_source
from programs.models import Tier, TierRuleVersion
from programs.services.tiers import tier_evaluate, tier_rules_record
from tests.factories import PASSWORD, OrganizationFactory, TierFactory, UserFactory

pytestmark = pytest.mark.django_db


def staff_in(group_name):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_channel_ops_create_a_tier_that_the_next_evaluation_uses(client, monkeypatch):
    monkeypatch.setattr("programs.metrics._deal_sources", [])
    register_deal_metrics_source(lambda org, start, end, currency: DealFigures(Decimal("900000"), 30))
    base = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    tier_rules_record(tier=base)
    organization = OrganizationFactory(tier=base)
    ops = staff_in("Channel ops")
    assert client.login(username=ops.username, password=PASSWORD)

    response = client.post(
        "/admin/snippets/programs/tier/add/",
        {
            "name": "Diamond",
            "rank": "9",
            "colour": "#0ea5e9",
            "description": "",
            "min_won_revenue": "750000",
            "min_won_deals": "20",
            "min_certified_people": "0",
            "requires_signed_agreement": "",
            "commission_rate": "18",
            "deal_protection_days": "180",
            "mdf_allocation_percent": "4",
            "discount_percent": "10",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    diamond = Tier.objects.get(name="Diamond")
    version = TierRuleVersion.objects.get(tier=diamond)
    assert version.created_by == ops
    assert version.rules["min_won_revenue"] == "750000.00"
    change = tier_evaluate(organization=organization)
    assert change.to_tier == diamond


def test_a_cam_sees_only_their_portfolio(client):
    cam = staff_in("Channel account managers")
    mine = OrganizationFactory(name="Portfolio Partner", channel_account_manager=cam)
    other = OrganizationFactory(name="Someone Elses Partner")
    assert client.login(username=cam.username, password=PASSWORD)

    listing = client.get("/admin/snippets/programs/partnerorganization/").content.decode()
    own_edit = client.get(f"/admin/snippets/programs/partnerorganization/edit/{mine.pk}/")
    other_edit = client.get(f"/admin/snippets/programs/partnerorganization/edit/{other.pk}/")

    assert "Portfolio Partner" in listing
    assert "Someone Elses Partner" not in listing
    assert own_edit.status_code == 200
    assert other_edit.status_code in (302, 403, 404)
    assert "Someone Elses Partner" not in other_edit.content.decode()


def test_channel_ops_see_every_organization_and_export_them(client):
    ops = staff_in("Channel ops")
    OrganizationFactory(name="Alpha Partner")
    OrganizationFactory(name="Beta Partner", status="suspended")
    assert client.login(username=ops.username, password=PASSWORD)

    listing = client.get("/admin/snippets/programs/partnerorganization/", {"status": "suspended"}).content.decode()
    export = client.get("/admin/snippets/programs/partnerorganization/", {"export": "csv"})

    assert "Beta Partner" in listing and "Alpha Partner" not in listing
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    assert "Alpha Partner" in body and "Beta Partner" in body


def test_membership_roles_are_picked_from_the_role_list(client):
    ops = staff_in("Channel ops")
    organization = OrganizationFactory()
    person = UserFactory()
    assert client.login(username=ops.username, password=PASSWORD)

    refused = client.post(
        "/admin/snippets/programs/membership/add/",
        {"organization": organization.pk, "user": person.pk, "roles": ["wizard"], "is_active": "on"},
    )
    accepted = client.post(
        "/admin/snippets/programs/membership/add/",
        {"organization": organization.pk, "user": person.pk, "roles": ["sales", "finance"], "is_active": "on"},
    )

    assert refused.status_code == 200
    assert "not one of the available choices" in refused.content.decode()
    assert accepted.status_code == 302
    person.refresh_from_db()
    assert person.membership.roles == ["sales", "finance"]


def test_a_cam_decides_proposed_tier_changes_of_their_portfolio_only(client, monkeypatch):
    from programs.models import ProgramSettings, TierChangeMode

    monkeypatch.setattr("programs.metrics._deal_sources", [])
    register_deal_metrics_source(lambda org, start, end, currency: DealFigures(Decimal("200000"), 5))
    ProgramSettings.objects.update_or_create(defaults={"tier_change_mode": TierChangeMode.APPROVAL})
    base = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    silver = TierFactory(name="Silver", rank=2, min_won_revenue=Decimal("100000"), requires_signed_agreement=False)
    for tier in (base, silver):
        tier_rules_record(tier=tier)
    cam = staff_in("Channel account managers")
    mine = OrganizationFactory(tier=base, channel_account_manager=cam)
    other = OrganizationFactory(tier=base)
    my_proposal, other_proposal = tier_evaluate(organization=mine), tier_evaluate(organization=other)
    client.force_login(cam)

    listing = client.get("/admin/snippets/programs/tierchange/").content.decode()
    foreign = client.post(f"/admin/programs/tier-changes/{other_proposal.pk}/decide/", {"approve": "1"})
    approved = client.post(f"/admin/programs/tier-changes/{my_proposal.pk}/decide/", {"approve": "1"})

    assert f"/admin/programs/tier-changes/{my_proposal.pk}/decide/" in listing
    assert foreign.status_code == 404
    assert approved.status_code == 302
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.tier, other.tier) == (silver, base)
