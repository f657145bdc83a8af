"""Channel ops and CAMs in the Wagtail admin, as non-superusers."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

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
    # Nor do the organization filters of the related listings name other partners.
    for listing_url in ("membership", "tierchange", "personcertification"):
        page = client.get(f"/admin/snippets/programs/{listing_url}/")
        assert page.status_code == 200, listing_url
        assert "Portfolio Partner" in page.content.decode(), listing_url
        assert "Someone Elses Partner" not in page.content.decode(), listing_url


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
    spreadsheet = client.get("/admin/snippets/programs/partnerorganization/", {"export": "xlsx"})
    assert spreadsheet.status_code == 200
    assert spreadsheet["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")


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


TIER_FORM = {
    "name": "Silver",
    "rank": "2",
    "colour": "#9ca3af",
    "description": "",
    "min_won_revenue": "100000",
    "min_won_deals": "3",
    "min_certified_people": "1",
    "requires_signed_agreement": "on",
    "commission_rate": "10",
    "deal_protection_days": "90",
    "mdf_allocation_percent": "2",
    "discount_percent": "5",
}


def test_editing_a_tier_records_a_new_rule_version_and_keeps_the_old_one(client):
    from programs.models import Certification

    storage = Certification.objects.create(code="storage-engineer", name="Storage Engineer")
    cloud = Certification.objects.create(code="cloud-architect", name="Cloud Architect")
    ops = staff_in("Channel ops")
    client.force_login(ops)
    assert client.post("/admin/snippets/programs/tier/add/", TIER_FORM).status_code == 302
    silver = Tier.objects.get(name="Silver")

    response = client.post(
        f"/admin/snippets/programs/tier/edit/{silver.pk}/",
        {
            **TIER_FORM,
            "min_won_revenue": "150000",
            "counted_certifications": [storage.pk, cloud.pk],
            "required_certifications": [storage.pk],
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    first, second = TierRuleVersion.objects.filter(tier=silver).order_by("effective_from", "pk")
    assert first.rules["min_won_revenue"] == "100000.00" and first.rules["counted_certifications"] == []
    assert second.rules["min_won_revenue"] == "150000.00"
    assert second.rules["counted_certifications"] == ["cloud-architect", "storage-engineer"]
    assert second.rules["required_certifications"] == ["storage-engineer"]
    assert second.created_by == ops
    assert silver.revisions.count() == 2, "the tier keeps its revision history"


def test_tier_changes_and_rule_versions_cannot_be_edited_or_deleted_in_the_admin(client):
    from programs.models import TierChange

    tier = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    version = tier_rules_record(tier=tier)
    organization = OrganizationFactory()
    change = tier_evaluate(organization=organization)
    client.force_login(staff_in("Channel ops"))

    for model, pk in (("tierchange", change.pk), ("tierruleversion", version.pk)):
        listing = client.get(f"/admin/snippets/programs/{model}/").content.decode()
        assert f"/admin/snippets/programs/{model}/inspect/{pk}/" in listing
        assert f"/admin/snippets/programs/{model}/edit/{pk}/" not in listing
        assert client.get(f"/admin/snippets/programs/{model}/inspect/{pk}/").status_code == 200
        assert client.get(f"/admin/snippets/programs/{model}/edit/{pk}/").status_code in (302, 403)
        assert client.post(f"/admin/snippets/programs/{model}/delete/{pk}/").status_code in (302, 403)
        assert client.get(f"/admin/snippets/programs/{model}/add/").status_code in (302, 403)
    assert TierChange.objects.filter(pk=change.pk, to_tier=tier).exists()
    assert TierRuleVersion.objects.filter(pk=version.pk).exists()


def test_the_organization_form_shows_the_tier_but_only_evaluation_changes_it(client):
    from tests.factories import PartnerUserFactory

    registered = TierFactory(name="Registered", rank=1)
    gold = TierFactory(name="Gold", rank=3)
    cam = staff_in("Channel account managers")
    organization = OrganizationFactory(tier=registered, channel_account_manager=cam)
    partner_person = PartnerUserFactory(organization=organization, username="partner-person")
    client.force_login(cam)
    url = f"/admin/snippets/programs/partnerorganization/edit/{organization.pk}/"

    form_page = client.get(url).content.decode()
    response = client.post(
        url,
        {
            "name": "Renamed Partner",
            "status": "active",
            "partner_type": organization.partner_type_id,
            "region": organization.region_id,
            "channel_account_manager": cam.pk,
            "preferred_language": "en",
            "country": "GB",
            "tier": gold.pk,
        },
    )

    assert "Registered" in form_page
    assert f'value="{cam.pk}"' in form_page
    assert f'value="{partner_person.pk}"' not in form_page, "partner people are no account managers"
    assert response.status_code == 302, response.content.decode()[:3000]
    organization.refresh_from_db()
    assert (organization.name, organization.tier) == ("Renamed Partner", registered)


def test_channel_ops_can_pick_a_badge_image_for_a_tier(client):
    from wagtail.models import Collection
    from wagtail_factories import ImageFactory

    ImageFactory(title="Gold badge", collection=Collection.get_first_root_node())
    client.force_login(staff_in("Channel ops"))

    chooser = client.get("/admin/images/chooser/")

    assert chooser.status_code == 200
    assert "Gold badge" in chooser.content.decode()


def test_a_tier_with_history_is_not_deleted_but_can_be_retired(client):
    from programs.models import TierChange
    from programs.services.tiers import tier_rules_at

    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    gold = TierFactory(name="Gold", rank=3, requires_signed_agreement=False)
    for tier in (registered, gold):
        tier_rules_record(tier=tier)
    organization = OrganizationFactory(name="Gold Partner")
    tier_evaluate(organization=organization)
    organization.refresh_from_db()
    assert organization.tier == gold
    client.force_login(staff_in("Channel ops"))
    history = (TierRuleVersion.objects.filter(tier=gold).count(), TierChange.objects.filter(to_tier=gold).count())

    confirm = client.get(f"/admin/snippets/programs/tier/delete/{gold.pk}/", follow=True)
    delete = client.post(f"/admin/snippets/programs/tier/delete/{gold.pk}/", follow=True)
    bulk = client.post(f"/admin/bulk/programs/tier/delete/?id={gold.pk}", follow=True)

    for response in (confirm, delete, bulk):
        page = response.content.decode()
        assert "“Gold” cannot be deleted: it has rule versions, tier changes, partners in it" in page
        assert "Tick “retired” to retire it instead" in page
    assert confirm.redirect_chain[-1][0] == f"/admin/snippets/programs/tier/edit/{gold.pk}/"
    assert Tier.objects.filter(pk=gold.pk).exists()
    assert (
        TierRuleVersion.objects.filter(tier=gold).count(),
        TierChange.objects.filter(to_tier=gold).count(),
    ) == history

    retire = client.post(
        f"/admin/snippets/programs/tier/edit/{gold.pk}/",
        {**TIER_FORM, "name": "Gold", "rank": "3", "requires_signed_agreement": "", "retired": "on"},
    )

    assert retire.status_code == 302, retire.content.decode()[:2000]
    gold.refresh_from_db()
    assert gold.retired
    assert gold.rule_versions.order_by("-effective_from", "-pk").first().rules["retired"] is True
    assert [rules.name for rules in tier_rules_at(at=timezone.now())] == ["Registered"]
    listing = client.get("/admin/snippets/programs/tier/", {"retired": "true"}).content.decode()
    assert "Gold" in listing and "Registered" not in listing
    # The next evaluation moves the partner onto the remaining ladder.
    change = tier_evaluate(organization=organization)
    organization.refresh_from_db()
    assert (change.from_tier, change.to_tier, organization.tier) == (gold, registered, registered)


def test_a_tier_without_history_can_still_be_deleted(client):
    draft = TierFactory(name="Draft tier", rank=7)
    client.force_login(staff_in("Channel ops"))

    response = client.post(f"/admin/snippets/programs/tier/delete/{draft.pk}/")

    assert response.status_code == 302
    assert not Tier.objects.filter(pk=draft.pk).exists()


def test_a_successor_takes_the_rank_of_a_retired_tier(client):
    gold = TierFactory(name="Gold", rank=3, requires_signed_agreement=False)
    tier_rules_record(tier=gold)
    client.force_login(staff_in("Channel ops"))
    new_gold = {**TIER_FORM, "name": "Gold 2027", "rank": "3"}

    taken = client.post("/admin/snippets/programs/tier/add/", new_gold)
    Tier.objects.filter(pk=gold.pk).update(retired=True)
    added = client.post("/admin/snippets/programs/tier/add/", new_gold)

    assert taken.status_code == 200 and "Gold has this rank; retire it or pick another rank." in taken.content.decode()
    assert added.status_code == 302, added.content.decode()[:2000]
    assert Tier.objects.filter(rank=3).count() == 2
