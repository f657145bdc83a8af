"""Every status change and edit leaves an event with actor, time and before/after."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from deals.models import DealEvent, DealRegistration, DealStatus
from deals.services import deal_approve, deal_outcome_confirm, deal_update, deal_update_stage
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.deals import RoutingRuleFactory, register_deal

pytestmark = pytest.mark.django_db


def test_an_edit_by_channel_ops_records_before_and_after_and_rechecks_conflicts():
    reviewer = UserFactory()
    register_deal(OrganizationFactory(), company_name="Globex Corporation", domain="globex.com")
    deal = register_deal(OrganizationFactory(), company_name="Initech", domain="initech.com")
    assert not deal.has_conflict

    deal_update(deal=deal, actor=reviewer, company_name="Globex Corp", domain="https://globex.com", notes="Merged")

    deal.refresh_from_db()
    edit = deal.events.get(kind="edited")
    assert edit.actor == reviewer
    assert edit.before == {"company_name": "Initech", "domain": "initech.com", "notes": ""}
    assert edit.after == {"company_name": "Globex Corp", "domain": "globex.com", "notes": "Merged"}
    assert deal.has_conflict and deal.events.filter(kind="conflict").exists()


def test_an_edit_with_bad_input_changes_nothing():
    deal = register_deal(OrganizationFactory())
    events = DealEvent.objects.count()

    with pytest.raises(ValidationError):
        deal_update(deal=deal, actor=None, domain="not a domain")
    with pytest.raises(ValidationError):
        deal_update(deal=deal, actor=None, currency="XXX1")

    assert DealRegistration.objects.get().domain == "acme.com"
    assert DealEvent.objects.count() == events


def test_every_transition_of_a_registration_is_in_its_trail():
    RoutingRuleFactory(max_value=1, max_value_currency="USD")  # matches nothing here
    seller, reviewer = UserFactory(), UserFactory()
    deal = register_deal(OrganizationFactory(), seller)
    deal_approve(deal=deal, actor=reviewer)
    deal_update_stage(deal=deal, actor=seller, stage="negotiation")
    deal_update_stage(deal=deal, actor=seller, stage="lost")
    reviewer.user_permissions.add(Permission.objects.get(codename="confirm_deal_outcome"))
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)  # a fresh permission cache
    deal_outcome_confirm(deal=deal, actor=reviewer)

    trail = [(e.kind, e.from_status, e.to_status, e.actor) for e in deal.events.all()]

    assert trail == [
        ("submitted", "", "submitted", seller),
        ("routed", "submitted", "under_review", None),
        ("approved", "under_review", "approved", reviewer),
        ("stage", "approved", "approved", seller),
        ("outcome_reported", "approved", "reported_lost", seller),
        ("outcome_confirmed", "reported_lost", "lost", reviewer),
    ]
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST
    with pytest.raises(ValidationError):
        deal_update_stage(deal=deal, actor=seller, stage="proposal")
