import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from wagtail.models import Locale

from mdf.models import ActivityType, AllocationMethod, ApprovalAction, ApprovalRule, MdfProgram
from mdf.services.allocations import allocation_create


class ActivityTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityType
        django_get_or_create = ("code", "locale")

    code = "webinar"
    name = factory.LazyAttribute(lambda kind: kind.code.replace("-", " ").capitalize())
    locale = factory.LazyFunction(Locale.get_default)


class MdfProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MdfProgram

    name = factory.Sequence(lambda n: f"MDF Q{n % 4 + 1}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=80))
    budget = Decimal("100000.00")
    currency = "USD"
    allocation_method = AllocationMethod.MANUAL
    reimbursement_percent = Decimal("50")
    claim_deadline_days = 30


class ApprovalRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalRule

    name = factory.Sequence(lambda n: f"MDF rule {n}")
    sort_order = factory.Sequence(lambda n: n)
    action = ApprovalAction.AUTO_APPROVE


def auto_approve_all():
    """A rule approving every request at once (tests about money, not review)."""
    return ApprovalRuleFactory(name="Approve everything", action=ApprovalAction.AUTO_APPROVE)


def allocated(organization, amount=Decimal("10000.00"), program=None, actor=None):
    """An allocation of ``amount`` to ``organization`` in a running program."""
    program = program or MdfProgramFactory()
    return allocation_create(
        program=program, organization=organization, amount=Decimal(amount), actor=actor, reason="Test allocation"
    )


def request_fields(**overrides) -> dict:
    """Valid keyword arguments for ``mdf.services.requests.request_submit`` (organization aside)."""
    today = timezone.localdate()
    fields = {
        "activity_type": ActivityTypeFactory(),
        "title": "Storage webinar",
        "description": "A webinar for 200 IT managers.",
        "starts_on": today + datetime.timedelta(days=5),
        "ends_on": today + datetime.timedelta(days=6),
        "planned_cost": Decimal("4000.00"),
        "requested_amount": Decimal("2000.00"),
        "expected_leads": 40,
        "expected_pipeline": Decimal("80000.00"),
    }
    fields.update(overrides)
    return fields


def submit_request(organization, submitted_by=None, **overrides):
    from mdf.services.requests import request_submit

    return request_submit(organization=organization, submitted_by=submitted_by, **request_fields(**overrides))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(name="invoice.pdf", content=PDF, content_type="application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def activities_to_link():
    """Two organizations with allocations; the first has an approved activity
    ("Storage webinar") and a pending one ("Pending fair"), the other an
    approved one ("Their roadshow"): what a deal may and may not be linked to."""
    from mdf.models import FundRequest, RequestStatus
    from tests.factories import OrganizationFactory
    from tests.factories.deals import RoutingRuleFactory

    auto_approve_all()
    RoutingRuleFactory(name="Standard")
    organization, other = OrganizationFactory(country="US"), OrganizationFactory(country="US")
    for org in (organization, other):
        allocated(org)
    own = submit_request(organization, title="Storage webinar")
    pending = submit_request(organization, title="Pending fair")
    FundRequest.objects.filter(pk=pending.pk).update(status=RequestStatus.PENDING)
    foreign = submit_request(other, title="Their roadshow")
    return {"own": own, "pending": pending, "foreign": foreign, "organization": organization}
