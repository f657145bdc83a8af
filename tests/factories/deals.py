import datetime
import uuid
from decimal import Decimal

import factory
from django.utils import timezone

from deals.models import DealRegistration, RoutingAction, RoutingRule
from tests.factories.programs import ProductLineFactory


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutingRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    sort_order = factory.Sequence(lambda n: n)
    action = RoutingAction.AUTO_APPROVE
    require_no_conflict = True


class DealRegistrationFactory(factory.django.DjangoModelFactory):
    """A registration stored as given (status, dates, amounts), without the
    services: for figures computed from stored deals (reports, rollups, ROI)."""

    class Meta:
        model = DealRegistration

    idempotency_key = factory.LazyFunction(lambda: uuid.uuid4().hex)
    company_name = "Customer"
    normalized_name = factory.LazyAttribute(lambda deal: deal.company_name.lower())
    country = "US"
    contact_name = "Pat"
    estimated_value = Decimal("1000")
    currency = "USD"
    expected_close_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))


def deal_fields(**overrides) -> dict:
    """Valid keyword arguments for ``deals.services.deal_register``."""
    fields = {
        "idempotency_key": uuid.uuid4().hex,
        "company_name": "Acme, Inc.",
        "domain": "acme.com",
        "country": "US",
        "contact_name": "Wile E. Coyote",
        "contact_email": "wile@acme.com",
        "product_lines": [ProductLineFactory()],
        "estimated_value": Decimal("25000.00"),
        "currency": "USD",
        "expected_close_date": timezone.localdate() + datetime.timedelta(days=60),
    }
    fields.update(overrides)
    return fields


def register_deal(organization, user=None, **overrides):
    """A registration made through the service, as a partner would."""
    from deals.services import deal_register

    return deal_register(organization=organization, submitted_by=user, **deal_fields(**overrides))


def offered_lead(organization, **fields):
    """A lead offered to ``organization`` by hand, as channel ops would."""
    from deals.services.leads import lead_assign, lead_create

    lead = lead_create(
        created_by=None,
        distribute=False,
        **{"company_name": "Initech", "country": "US", "domain": "initech.example", **fields},
    )
    return lead_assign(lead=lead, organization=organization, actor=None)


def outcome_confirmer(*, username: str = "channel-ops-confirmer"):
    """A vendor user whose word on a deal outcome counts (the permission the
    channel ops and CAM groups hold; given directly, as transactional tests
    flush the groups the migrations made)."""
    from django.contrib.auth.models import Permission

    from tests.factories.programs import UserFactory

    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="deals", codename="confirm_deal_outcome"))
    return user


def confirmed_outcome(deal, **corrections):
    """Confirm the outcome a partner reported, as channel ops would."""
    from django.contrib.auth import get_user_model

    from deals.services import deal_outcome_confirm

    user = get_user_model().objects.filter(username="channel-ops-confirmer").first() or outcome_confirmer()
    return deal_outcome_confirm(deal=deal, actor=user, **corrections)
