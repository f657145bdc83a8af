"""Tier evaluation against constructed figures, with versioned rules."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from wagtail.models import Locale

from programs.metrics import DealFigures, register_deal_metrics_source
from programs.models import AgreementAcceptance, PartnerAgreement, ProgramSettings, TierChange, TierChangeMode
from programs.services.certifications import certification_record
from programs.services.tiers import (
    tier_change_approve,
    tier_change_reject,
    tier_evaluate,
    tier_progress,
    tier_rules_at,
    tier_rules_record,
)
from tests.factories import CertificationFactory, OrganizationFactory, PartnerUserFactory, TierFactory

pytestmark = pytest.mark.django_db

WON = {}


@pytest.fixture(autouse=True)
def deal_figures(monkeypatch):
    """Won deals per organization, as the deals app will report them."""
    WON.clear()

    def source(organization, start, end, currency):
        revenue, deals = WON.get(organization.pk, (Decimal("0"), 0))
        return DealFigures(won_revenue=revenue, won_deals=deals)

    monkeypatch.setattr("programs.metrics._deal_sources", [])
    register_deal_metrics_source(source)
    return WON


def make_tier(name, rank, *, revenue="0", deals=0, people=0, agreement=False, **fields):
    tier = TierFactory(
        name=name,
        rank=rank,
        min_won_revenue=Decimal(revenue),
        min_won_deals=deals,
        min_certified_people=people,
        requires_signed_agreement=agreement,
        **fields,
    )
    tier_rules_record(tier=tier)
    return tier


@pytest.fixture
def ladder():
    return {
        "registered": make_tier("Registered", 1),
        "silver": make_tier("Silver", 2, revenue="100000", deals=3),
        "gold": make_tier("Gold", 3, revenue="500000", deals=10, people=2),
    }


def test_a_partner_meeting_higher_requirements_is_promoted(ladder):
    organization = OrganizationFactory(tier=ladder["registered"])
    WON[organization.pk] = (Decimal("150000.00"), 4)

    change = tier_evaluate(organization=organization, reason="Deal won")

    organization.refresh_from_db()
    assert organization.tier == ladder["silver"]
    assert change.status == "applied"
    assert (change.from_tier, change.to_tier) == (ladder["registered"], ladder["silver"])
    assert change.metrics["won_revenue"] == "150000.00"
    assert change.reason == "Deal won"
    assert tier_evaluate(organization=organization) is None, "a second run changes nothing"


def test_a_partner_falling_below_is_demoted(ladder):
    organization = OrganizationFactory(tier=ladder["gold"])
    WON[organization.pk] = (Decimal("120000"), 3)

    tier_evaluate(organization=organization)

    organization.refresh_from_db()
    assert organization.tier == ladder["silver"]
    assert TierChange.objects.get(organization=organization).from_tier == ladder["gold"]


def test_approval_mode_proposes_to_the_cam_who_approves_or_rejects(ladder, vendor_staff):
    ProgramSettings.objects.update_or_create(defaults={"tier_change_mode": TierChangeMode.APPROVAL})
    organization = OrganizationFactory(tier=ladder["registered"])
    WON[organization.pk] = (Decimal("150000"), 5)

    proposal = tier_evaluate(organization=organization)
    again = tier_evaluate(organization=organization)

    organization.refresh_from_db()
    assert proposal.status == "proposed" and again.pk == proposal.pk
    assert organization.tier == ladder["registered"], "nothing changes before the CAM decides"
    tier_change_approve(change=proposal, actor=vendor_staff)
    organization.refresh_from_db()
    assert organization.tier == ladder["silver"]
    proposal.refresh_from_db()
    assert (proposal.decided_by, proposal.status) == (vendor_staff, "applied")

    WON[organization.pk] = (Decimal("0"), 0)
    demotion = tier_evaluate(organization=organization)
    tier_change_reject(change=demotion, actor=vendor_staff, reason="Seasonal dip, keep Silver")
    organization.refresh_from_db()
    assert organization.tier == ladder["silver"]
    with pytest.raises(ValueError, match="reason"):
        tier_change_reject(change=tier_evaluate(organization=organization), actor=vendor_staff, reason=" ")


def test_a_rule_change_mid_period_keeps_the_old_rule_for_earlier_dates(ladder):
    organization = OrganizationFactory(tier=ladder["registered"])
    WON[organization.pk] = (Decimal("150000"), 4)
    before_change = timezone.now()
    silver = ladder["silver"]
    with time_machine.travel(before_change + dt.timedelta(days=30)):
        silver.min_won_revenue = Decimal("200000")
        silver.save()
        tier_rules_record(tier=silver)

        assert [rules.min_won_revenue for rules in tier_rules_at(at=before_change) if rules.name == "Silver"] == [
            Decimal("100000")
        ]
        assert tier_evaluate(organization=organization) is None, "today's rule needs 200,000"
        change = tier_evaluate(organization=organization, at=before_change + dt.timedelta(seconds=1))
        assert change.to_tier == silver, "the rule in force back then needed 100,000"


def test_unchanged_rules_record_no_new_version(ladder):
    assert tier_rules_record(tier=ladder["silver"]) is None


def test_what_is_missing_for_the_next_tier_is_spelled_out(ladder):
    PartnerAgreement.objects.create(version="2026.1", title="Partner agreement", body="<p>Terms</p>")
    gold = ladder["gold"]
    gold.requires_signed_agreement = True
    gold.save()
    gold.required_certifications.add(CertificationFactory(code="storage-engineer"))
    gold.save()
    tier_rules_record(tier=gold)
    organization = OrganizationFactory(tier=ladder["silver"])
    WON[organization.pk] = (Decimal("380000"), 12)
    person = PartnerUserFactory(organization=organization, roles=["technical"])
    certification_record(
        organization=organization,
        user=person,
        certification=CertificationFactory(code="cloud-architect"),
        earned_at=timezone.now(),
    )

    progress = tier_progress(organization=organization)

    assert progress.current.name == "Silver" and progress.next.name == "Gold"
    assert progress.missing == [
        "$120,000.00 more won revenue",
        "1 more certified person",
        "Certification: Storage Engineer",
        "Sign the partner agreement",
    ]
    AgreementAcceptance.objects.create(organization=organization, agreement=PartnerAgreement.objects.get(), user=person)
    assert "Sign the partner agreement" not in tier_progress(organization=organization).missing


def test_expired_certifications_do_not_count(ladder):
    organization = OrganizationFactory(tier=ladder["silver"])
    WON[organization.pk] = (Decimal("600000"), 12)
    certification = CertificationFactory()
    for expired in (False, True):
        person = PartnerUserFactory(organization=organization)
        certification_record(
            organization=organization,
            user=person,
            certification=certification,
            earned_at=timezone.now() - dt.timedelta(days=800),
            expires_at=timezone.now() - dt.timedelta(days=1) if expired else None,
        )

    assert tier_progress(organization=organization).missing == ["1 more certified person"]


def test_only_the_tiers_counted_certifications_make_people_certified(ladder):
    gold = ladder["gold"]
    storage = CertificationFactory(code="storage-engineer")
    gold.counted_certifications.add(storage)
    gold.save()
    tier_rules_record(tier=gold)
    organization = OrganizationFactory(tier=ladder["silver"])
    WON[organization.pk] = (Decimal("600000"), 12)
    engineer, seller = PartnerUserFactory(organization=organization), PartnerUserFactory(organization=organization)
    now = timezone.now()
    for person, certification in (
        (engineer, storage),
        (engineer, CertificationFactory()),
        (seller, CertificationFactory()),
    ):
        certification_record(organization=organization, user=person, certification=certification, earned_at=now)

    progress = tier_progress(organization=organization)

    assert progress.metrics.certified_people == 2
    assert progress.missing == ["1 more certified person"], "only the storage engineer counts for Gold"


def test_a_newer_proposal_supersedes_a_stale_one(ladder):
    ProgramSettings.objects.update_or_create(defaults={"tier_change_mode": TierChangeMode.APPROVAL})
    organization = OrganizationFactory(tier=ladder["registered"])
    WON[organization.pk] = (Decimal("150000"), 4)
    to_silver = tier_evaluate(organization=organization)

    WON[organization.pk] = (Decimal("0"), 0)
    assert tier_evaluate(organization=organization) is None, "the figures support no change any more"
    to_silver.refresh_from_db()
    assert to_silver.status == "superseded"
    with pytest.raises(ValueError, match="proposed"):
        tier_change_approve(change=to_silver, actor=None)

    WON[organization.pk] = (Decimal("150000"), 4)
    again = tier_evaluate(organization=organization)
    ProgramSettings.objects.update(tier_change_mode=TierChangeMode.AUTO)
    applied = tier_evaluate(organization=organization, reason="Deal won")

    again.refresh_from_db()
    organization.refresh_from_db()
    assert (again.status, applied.status, organization.tier) == ("superseded", "applied", ladder["silver"])
    assert list(TierChange.objects.filter(organization=organization, status="proposed")) == []


def test_approving_a_proposal_made_for_another_starting_tier_is_refused(ladder, vendor_staff):
    ProgramSettings.objects.update_or_create(defaults={"tier_change_mode": TierChangeMode.APPROVAL})
    organization = OrganizationFactory(tier=ladder["registered"])
    WON[organization.pk] = (Decimal("150000"), 4)
    proposal = tier_evaluate(organization=organization)
    # Moved by other means (say, a data fix) after the proposal was made.
    organization.tier = ladder["gold"]
    organization.save()

    with pytest.raises(ValueError, match="changed since"):
        tier_change_approve(change=proposal, actor=vendor_staff)
    organization.refresh_from_db()
    assert organization.tier == ladder["gold"]


def test_translations_of_a_tier_are_not_extra_rungs(ladder):
    french = Locale.objects.get_or_create(language_code="fr")[0]
    argent = ladder["silver"].copy_for_translation(french)
    argent.name = "Argent"
    argent.save()

    assert tier_rules_record(tier=argent) is None
    assert [rules.name for rules in tier_rules_at(at=timezone.now())] == ["Registered", "Silver", "Gold"]


def test_the_tier_page_speaks_the_partners_language(client, ladder):

    french = Locale.objects.get_or_create(language_code="fr")[0]
    for key, name in (("silver", "Argent"), ("registered", "Enregistré")):
        translation = ladder[key].copy_for_translation(french)
        translation.name = name
        translation.save()
    organization = OrganizationFactory(tier=ladder["registered"])
    WON[organization.pk] = (Decimal("40000"), 1)
    user = PartnerUserFactory(organization=organization)
    client.force_login(user)

    html = client.get("/fr/tier/").content.decode()

    assert "Enregistré" in html and "Argent" in html
    assert "60\u202f000,00" in html or "60\xa0000,00" in html, "amounts use the French number format"


def test_the_partner_tier_page_shows_what_is_missing(client, ladder):
    from tests.factories import PASSWORD

    organization = OrganizationFactory(tier=ladder["registered"])
    WON[organization.pk] = (Decimal("40000"), 1)
    user = PartnerUserFactory(organization=organization, roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)

    html = client.get("/tier/").content.decode()
    dashboard = client.get("/dashboard/").content.decode()

    assert re.search(
        r'<span class="tier-badge" style="background:#[0-9a-fA-F]{6};color:#[0-9a-fA-F]{6}">Registered</span>', html
    )
    assert "Commission rate" in html
    assert "To reach Silver:" in html
    assert "$60,000.00 more won revenue" in html
    assert "2 more won deals" in html
    assert "$60,000.00 more won revenue" in dashboard


def test_the_tier_page_needs_a_partner_login(client):
    assert client.get("/tier/")["Location"] == "/login/?next=/tier/"


def retire(tier, *, at=None):
    tier.retired = True
    tier.save()
    return tier_rules_record(tier=tier, effective_from=at)


def test_a_retired_tier_leaves_the_ladder_from_its_retirement_on(ladder):
    organization = OrganizationFactory(tier=ladder["gold"])
    WON[organization.pk] = (Decimal("600000"), 12)
    for _n in range(2):
        certification_record(
            organization=organization,
            user=PartnerUserFactory(organization=organization),
            certification=CertificationFactory(),
            earned_at=timezone.now() - dt.timedelta(days=60),
        )
    before = timezone.now()
    with time_machine.travel(before + dt.timedelta(days=30)):
        version = retire(ladder["gold"])

        assert version.rules["retired"] is True
        assert [rules.name for rules in tier_rules_at(at=timezone.now())] == ["Registered", "Silver"]
        assert [rules.name for rules in tier_rules_at(at=before)] == ["Registered", "Silver", "Gold"]
        progress = tier_progress(organization=organization)
        assert (progress.current.name, progress.current_tier, progress.next) == ("Gold", ladder["gold"], None)

        change = tier_evaluate(organization=organization, reason="Nightly evaluation")

    organization.refresh_from_db()
    assert (change.from_tier, change.to_tier, organization.tier) == (ladder["gold"], ladder["silver"], ladder["silver"])
    assert tier_rules_record(tier=ladder["gold"]) is None, "retiring again records nothing"


def test_versions_recorded_before_tiers_could_be_retired_still_count(ladder):
    silver_version = ladder["silver"].rule_versions.get()
    silver_version.rules.pop("retired")
    silver_version.save()

    assert "Silver" in [rules.name for rules in tier_rules_at(at=timezone.now())]
    assert tier_rules_record(tier=ladder["silver"]) is None, "the missing key is no rule change"


def test_a_rejected_proposal_is_not_proposed_again_until_the_figures_change(ladder, vendor_staff):
    ProgramSettings.objects.update_or_create(defaults={"tier_change_mode": TierChangeMode.APPROVAL})
    organization = OrganizationFactory(tier=ladder["registered"])
    WON[organization.pk] = (Decimal("150000"), 5)
    proposal = tier_evaluate(organization=organization, reason="Nightly evaluation")
    tier_change_reject(change=proposal, actor=vendor_staff, reason="Wait for the Q3 figures")
    WON[organization.pk] = (Decimal("150000.00"), 5)

    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        next_night = tier_evaluate(organization=organization, reason="Nightly evaluation")
    WON[organization.pk] = (Decimal("180000"), 6)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        after_more_deals = tier_evaluate(organization=organization, reason="Nightly evaluation")

    assert next_night is None, "the same figures get the same answer"
    assert after_more_deals.status == "proposed" and after_more_deals.pk != proposal.pk
    assert after_more_deals.to_tier == ladder["silver"]
    assert Decimal(after_more_deals.metrics["won_revenue"]) == Decimal("180000")
    assert list(TierChange.objects.filter(organization=organization).values_list("status", flat=True)) == [
        "proposed",
        "rejected",
    ]


def test_a_rule_change_after_a_rejection_lets_the_move_be_proposed_again(ladder, vendor_staff):
    ProgramSettings.objects.update_or_create(defaults={"tier_change_mode": TierChangeMode.APPROVAL})
    organization = OrganizationFactory(tier=ladder["registered"])
    WON[organization.pk] = (Decimal("150000"), 5)
    tier_change_reject(change=tier_evaluate(organization=organization), actor=vendor_staff, reason="Not yet")
    assert tier_evaluate(organization=organization) is None

    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        silver = ladder["silver"]
        silver.commission_rate = Decimal("12")
        silver.save()
        tier_rules_record(tier=silver)
        proposal = tier_evaluate(organization=organization)

    assert proposal is not None and proposal.status == "proposed"
