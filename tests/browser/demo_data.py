"""The demo program the browser tests walk: ``seed_demo`` plus the few records
a partner would have after using the portal for a while, made through the
apps' own services (a registration channel ops approved, a lead offered, a
course started), and a search index built from it."""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Locale

from content import services as content_services
from content.models import CoursePage
from deals import services as deal_services
from deals.models import DealRegistration, Lead
from deals.services.leads import lead_assign
from incentives.models import LedgerLine, Statement
from mdf.selectors import current_allocation
from programs.models import PartnerOrganization, ProductLine

#: The organization whose people the page checks sign in as (one per role).
PAGE_CHECK_ORGANIZATION = "northwind"
#: Each task test signs in as its own demo user, so tests that change
#: something (a registration, an enrollment) never change another's start.
TASK_USERS = {
    "deal_register": "northwind.sales",
    "deal_status": "contoso.sales",
    "cobrand_email": "northwind.marketing",
    "data_sheet": "contoso.marketing",
    "tier_status": "northwind.owner",
    "course_enroll": "contoso.technical",
    "certification_progress": "northwind.technical",
    "learning_path": "fabrikam.technical",
    "mdf_request": "contoso.owner",
    "support_case": "contoso.finance",
    "earnings": "northwind.finance",
    # Tailspin Cloud SAS reads the portal in French.
    "french_deal_register": "tailspin.sales",
    "french_tier_status": "tailspin.owner",
    "french_deal_status": "tailspin.sales",
    "french_course_enroll": "tailspin.technical",
    "french_certification_progress": "tailspin.owner",
    "french_mdf_request": "tailspin.marketing",
    "french_cobrand_email": "tailspin.marketing",
    "french_data_sheet": "tailspin.marketing",
    "french_scorecard": "tailspin.owner",
    "french_support_case": "tailspin.finance",
}
#: The registration ``contoso.sales`` submitted and channel ops approved.
APPROVED_DEAL_COMPANY = "Lakeside Health Partners"
#: The registration ``tailspin.sales`` submitted and channel ops approved.
FRENCH_APPROVED_DEAL_COMPANY = "Clinique du Parc Lyon"


@dataclass(frozen=True)
class DemoProgram:
    """Ids of the records the tests open (objects would go stale between tests)."""

    northwind_deal_id: int
    northwind_lead_id: int
    approved_deal_id: int
    started_course_id: int
    #: the current MDF allocation, incentive accruals and a statement of the
    #: organization the page checks sign in as
    mdf_allocation_id: int
    statement_id: int

    @staticmethod
    def user(username: str):
        return get_user_model().objects.get(username=username)

    @staticmethod
    def role_user(role: str):
        return get_user_model().objects.get(username=f"{PAGE_CHECK_ORGANIZATION}.{role}")


def _register(username: str, company: str) -> int:
    user = DemoProgram.user(username)
    organization = PartnerOrganization.objects.get(memberships__user=user)
    deal = deal_services.deal_register(
        organization=organization,
        submitted_by=user,
        idempotency_key=f"browser-demo-{company}",
        company_name=company,
        country=organization.country,
        contact_name="Dana Whitfield",
        product_lines=list(ProductLine.objects.filter(locale=Locale.get_default())[:1]),
        estimated_value=Decimal("48000.00"),
        currency="USD",
        expected_close_date=timezone.localdate() + datetime.timedelta(days=60),
    )
    return deal.pk


def demo_program_create() -> DemoProgram:
    call_command("seed_demo", stdout=io.StringIO())
    admin = get_user_model().objects.get(username="admin")

    approved_deal_id = _register(TASK_USERS["deal_status"], APPROVED_DEAL_COMPANY)
    deal_services.deal_approve(deal=DealRegistration.objects.get(pk=approved_deal_id), actor=admin)
    french_deal_id = _register(TASK_USERS["french_deal_status"], FRENCH_APPROVED_DEAL_COMPANY)
    deal_services.deal_approve(deal=DealRegistration.objects.get(pk=french_deal_id), actor=admin)

    northwind = PartnerOrganization.objects.get(name__startswith="Northwind")
    lead = Lead.objects.filter(organization=northwind).first()
    if lead is None:
        lead = lead_assign(lead=Lead.objects.order_by("pk").first(), organization=northwind, actor=admin)

    course = CoursePage.objects.live().get(title="Storage essentials", locale=Locale.get_default())
    for progress_user in ("certification_progress", "french_certification_progress"):
        content_services.course_start(course=course, user=DemoProgram.user(TASK_USERS[progress_user]))

    allocation = current_allocation(organization=northwind)
    assert allocation is not None, "seed_demo should give every active partner an MDF allocation"
    assert LedgerLine.objects.filter(organization=northwind).exists(), "seed_demo should accrue incentives"
    statement = Statement.objects.filter(organization=northwind).order_by("-period_end").first()
    assert statement is not None, "seed_demo should draft incentive statements"

    call_command("search_reindex", stdout=io.StringIO())
    return DemoProgram(
        northwind_deal_id=_register(f"{PAGE_CHECK_ORGANIZATION}.owner", "Harbor Freight Analytics"),
        northwind_lead_id=lead.pk,
        approved_deal_id=approved_deal_id,
        started_course_id=course.pk,
        mdf_allocation_id=allocation.pk,
        statement_id=statement.pk,
    )
