"""Lead distribution by the admin's rules, the partner's answer within the
SLA, reassignment of declined and lapsed leads, conversion into a deal."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from deals.models import (
    Campaign,
    DealProgramSettings,
    DealRegistration,
    DistributionAction,
    Lead,
    LeadDistributionRule,
    LeadEventKind,
    LeadOfferOutcome,
    LeadStatus,
)
from deals.services.leads import (
    lead_accept,
    lead_assign,
    lead_convert,
    lead_create,
    lead_decline,
    lead_reassign,
    leads_reassign_due,
)
from programs.models import OrganizationStatus
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.deals import RoutingRuleFactory
from tests.factories.programs import PartnerTypeFactory, ProductLineFactory, RegionFactory, TierFactory

pytestmark = pytest.mark.django_db


def rule(**fields) -> LeadDistributionRule:
    relations = {name: fields.pop(name, []) for name in ("regions", "partner_types", "tiers", "product_lines")}
    created = LeadDistributionRule.objects.create(name=fields.pop("name", "Rule"), **fields)
    for name, values in relations.items():
        getattr(created, name).set(values)
    created.save()  # parental many-to-many values are written on save
    return created


def new_lead(**fields) -> Lead:
    return lead_create(
        created_by=None, **{"company_name": "Initech", "country": "US", "domain": "initech.example", **fields}
    )


def test_round_robin_offers_leads_in_turn_among_matching_active_organizations():
    emea, americas = RegionFactory(code="emea"), RegionFactory(code="americas")
    first, second, third = (OrganizationFactory(region=americas) for _ in range(3))
    OrganizationFactory(region=emea)  # wrong region
    OrganizationFactory(region=americas, status=OrganizationStatus.SUSPENDED)
    rule(name="Americas", regions=[americas], countries="US, CA")

    offered = [new_lead(company_name=f"Customer {n}").organization for n in range(7)]

    assert offered == [first, second, third, first, second, third, first]
    assert LeadDistributionRule.objects.get().last_organization_id == first.pk


def test_rules_apply_in_order_with_lead_and_partner_conditions():
    storage, network = ProductLineFactory(code="storage"), ProductLineFactory(code="network")
    msp = PartnerTypeFactory(code="msp")
    gold = TierFactory(name="Gold")
    gold_msp = OrganizationFactory(partner_type=msp, tier=gold)
    reseller = OrganizationFactory()
    named = OrganizationFactory(name="Named Partner")
    rule(name="Storage to gold MSPs", sort_order=1, product_lines=[storage], partner_types=[msp], tiers=[gold])
    rule(name="Germany", sort_order=2, countries="DE", action=DistributionAction.ORGANIZATION, organization=named)
    rule(name="Everything else", sort_order=3, partner_types=[PartnerTypeFactory(code="reseller")])

    assert new_lead(product_lines=[storage]).organization == gold_msp
    assert new_lead(country="DE", product_lines=[network]).organization == named
    lead = new_lead(country="FR", product_lines=[network])
    assert lead.organization == reseller
    assert lead.distribution_rule.name == "Everything else"


def test_without_a_matching_rule_the_lead_waits_for_channel_ops():
    rule(countries="DE")

    lead = new_lead(country="US")

    assert lead.status == LeadStatus.NEW and lead.organization is None
    assert list(lead.events.values_list("kind", flat=True)) == [LeadEventKind.CREATED, LeadEventKind.UNASSIGNED]


def test_an_offer_is_due_after_the_sla_hours_set_in_the_admin():
    settings = DealProgramSettings.load()
    settings.lead_sla_hours = 24
    settings.save()
    rule()
    organization = OrganizationFactory()

    lead = new_lead()

    assert lead.organization == organization and lead.status == LeadStatus.OFFERED
    assert lead.respond_by - lead.offered_at == datetime.timedelta(hours=24)
    offer = lead.offers.get()
    assert offer.outcome == LeadOfferOutcome.PENDING and offer.respond_by == lead.respond_by


def test_decline_needs_a_reason_and_the_lead_moves_to_the_next_organization_never_back():
    first, second = OrganizationFactory(), OrganizationFactory()
    rule()
    lead = new_lead()
    assert lead.organization == first
    user = PartnerUserFactory(organization=first, roles=["sales"])

    with pytest.raises(ValidationError) as refused:
        lead_decline(lead=lead, actor=user, reason="  ")
    assert "reason" in refused.value.message_dict

    lead_decline(lead=lead, actor=user, reason="Not our territory")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.DECLINED and lead.organization == first

    assert leads_reassign_due() == 1
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED and lead.organization == second

    lead_decline(lead=lead, actor=PartnerUserFactory(organization=second, roles=["owner"]), reason="Too small")
    lead_reassign(lead=lead)
    lead.refresh_from_db()
    # Both matching organizations declined: nobody is left, channel ops decide.
    assert lead.organization is None and lead.status == LeadStatus.DECLINED
    declined = lead.events.get(kind=LeadEventKind.DECLINED, organization=first)
    assert declined.actor == user and declined.before["status"] == "offered" and declined.after["status"] == "declined"
    assert declined.note == "Not our territory"


def test_a_lapsed_offer_is_reassigned_by_the_sweep_with_frozen_time():
    first, second = OrganizationFactory(), OrganizationFactory()
    rule()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        lead = new_lead()
    assert lead.organization == first

    with time_machine.travel(start + datetime.timedelta(hours=47), tick=False):
        assert leads_reassign_due() == 0
    with time_machine.travel(start + datetime.timedelta(hours=48, seconds=1), tick=False):
        with pytest.raises(ValidationError):
            lead_accept(lead=lead, actor=PartnerUserFactory(organization=first, roles=["sales"]))
        assert leads_reassign_due() == 1

    lead.refresh_from_db()
    assert lead.organization == second and lead.status == LeadStatus.OFFERED
    assert lead.offers.get(organization=first).outcome == LeadOfferOutcome.LAPSED
    lapsed = lead.events.get(kind=LeadEventKind.LAPSED)
    assert lapsed.actor is None and lapsed.organization == first
    assert (lapsed.from_status, lapsed.to_status) == ("offered", "expired")


def test_an_accepted_lead_converts_into_a_deal_keeping_its_campaign():
    RoutingRuleFactory()  # auto-approve: routing still applies to converted leads
    organization = OrganizationFactory()
    rule()
    campaign = Campaign.objects.create(name="Spring webinar", code="spring-webinar")
    storage = ProductLineFactory(code="storage")
    lead = new_lead(
        campaign=campaign,
        product_lines=[storage],
        contact_name="Bill Lumbergh",
        estimated_value=Decimal("12000.00"),
        currency="EUR",
    )
    user = PartnerUserFactory(organization=organization, roles=["sales"])

    with pytest.raises(ValidationError):
        lead_convert(lead=lead, actor=user, expected_close_date=timezone.localdate() + datetime.timedelta(days=30))
    lead_accept(lead=lead, actor=user)
    deal = lead_convert(lead=lead, actor=user, expected_close_date=timezone.localdate() + datetime.timedelta(days=30))

    assert deal.organization == organization and deal.campaign == campaign and deal.source_lead == lead
    assert deal.estimated_value == Decimal("12000.00") and deal.currency == "EUR"
    assert deal.status == "approved"
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    again = lead_convert(lead=lead, actor=user, expected_close_date=timezone.localdate() + datetime.timedelta(days=9))
    assert again == deal and DealRegistration.objects.count() == 1


def test_conversion_without_the_fields_a_deal_needs_gives_field_errors_and_stores_nothing():
    organization = OrganizationFactory()
    rule()
    lead = new_lead()  # no value, no contact, no product line
    user = PartnerUserFactory(organization=organization, roles=["sales"])
    lead_accept(lead=lead, actor=user)

    with pytest.raises(ValidationError) as refused:
        lead_convert(lead=lead, actor=user, expected_close_date=timezone.localdate() + datetime.timedelta(days=30))

    assert {"product_lines", "contact_name"} <= set(refused.value.message_dict)
    assert not DealRegistration.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED


def test_channel_ops_assign_by_hand_and_withdraw_the_pending_offer():
    first, chosen = OrganizationFactory(), OrganizationFactory()
    rule(action=DistributionAction.ORGANIZATION, organization=first)
    lead = new_lead()

    lead_assign(lead=lead, organization=chosen, actor=None, note="Key account")

    lead.refresh_from_db()
    assert lead.organization == chosen
    assert lead.offers.get(organization=first).outcome == LeadOfferOutcome.WITHDRAWN
    assert lead.offers.get(organization=chosen).outcome == LeadOfferOutcome.PENDING


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"domain": "not a domain"}, "domain"),
        ({"estimated_value": Decimal("-5"), "currency": "USD"}, "estimated_value"),
        ({"estimated_value": Decimal("100"), "currency": "ZZZ"}, "currency"),
        ({"estimated_value": Decimal("100")}, "currency"),
        ({"company_name": ""}, "company_name"),
        ({"contact_email": "nope"}, "contact_email"),
    ],
)
def test_bad_input_is_refused_with_a_field_error_and_nothing_stored(fields, field):
    rule()
    OrganizationFactory()

    with pytest.raises(ValidationError) as refused:
        new_lead(**fields)

    assert field in refused.value.message_dict
    assert not Lead.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_distributions_share_the_round_robin_fairly():
    import threading

    from django.db import connections

    organizations = [OrganizationFactory() for _ in range(3)]
    rule()
    threads_count = 9
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def create(number):
        try:
            barrier.wait(timeout=30)
            new_lead(company_name=f"Simultaneous {number}")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    counts = [Lead.objects.filter(organization=organization).count() for organization in organizations]
    assert counts == [3, 3, 3]
