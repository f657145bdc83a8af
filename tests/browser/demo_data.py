"""The demo program the browser tests walk: ``seed_demo`` plus the few records
a partner would have after using the portal for a while, made through the
apps' own services (a registration channel ops approved, a lead offered, a
course started), and a search index built from it."""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Locale

from content import services as content_services
from content.models import CoursePage
from deals import services as deal_services
from deals.models import DealRegistration, Lead
from deals.services.leads import lead_accept, lead_assign
from incentives.models import LedgerLine, Statement
from incentives.services.disputes import dispute_open
from mdf.models import FundRequest
from mdf.selectors import current_allocation
from programs.models import PartnerOrganization, PersonCertification, ProductLine
from programs.services.team import colleague_invite
from support.models import CasePriority
from support.selectors import categories_offered
from support.services.cases import case_open, case_share
from training import services as training_services
from training.demo import DEMO_ASSESSED_COURSE_TITLE, DEMO_CERTIFICATION_CODE, DEMO_PATH_TITLE
from training.models import LearningPathPage

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
    #: a lead Northwind accepted: its page carries the conversion form
    northwind_accepted_lead_id: int
    approved_deal_id: int
    started_course_id: int
    #: the current MDF allocation, incentive accruals and a statement of the
    #: organization the page checks sign in as
    mdf_allocation_id: int
    statement_id: int
    #: a request of that organization that went all the way to a paid claim
    mdf_request_id: int
    #: a case its owner opened and shared with every colleague
    support_case_id: int
    #: the demo learning path, and its assessed course, which the
    #: organization's owner passed (so earning the path's certification)
    learning_path_id: int
    assessed_course_id: int
    passed_attempt_id: int
    certificate_code: str
    #: an approved request of that organization with no claim yet (its claim
    #: form), and one the channel manager sent back for changes (its edit form)
    claimable_request_id: int
    request_to_change_id: int
    #: two lines on its statement: one undisputed (its dispute form) and one
    #: its owner disputed
    ledger_line_id: int
    dispute_id: int
    #: the one-time link of a colleague its owner invited
    invitation_path: str

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


def _path_certified(user, *, essentials: CoursePage):
    """``user`` completes the demo learning path (its assessment answered
    right): the passed attempt and the certificate's public code."""
    content_services.course_start(course=essentials, user=user)
    content_services.course_complete(course=essentials, user=user)
    assessed = CoursePage.objects.live().get(title=DEMO_ASSESSED_COURSE_TITLE, locale=Locale.get_default())
    attempt = training_services.assessment_start(course=assessed, user=user)
    questions = list(assessed.questions)
    right_answers = {
        position: [index for index, choice in enumerate(questions[position].value["choices"]) if choice["correct"]]
        for position, _choices in attempt.order
    }
    attempt = training_services.assessment_submit(attempt=attempt, answers=right_answers)
    assert attempt.passed, "the demo's right answers should pass its assessment"
    held = PersonCertification.objects.get(user=user, certification__code=DEMO_CERTIFICATION_CODE)
    return attempt, held.verification_code


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

    # An accepted lead shows the form registering it as a deal (with the MDF activity choice).
    other_lead = Lead.objects.exclude(pk=lead.pk).order_by("pk").first()
    accepted_lead = lead_accept(
        lead=lead_assign(lead=other_lead, organization=northwind, actor=admin), actor=DemoProgram.role_user("owner")
    )

    course = CoursePage.objects.live().get(title="Storage essentials", locale=Locale.get_default())
    for progress_user in ("certification_progress", "french_certification_progress"):
        content_services.course_start(course=course, user=DemoProgram.user(TASK_USERS[progress_user]))

    allocation = current_allocation(organization=northwind)
    assert allocation is not None, "seed_demo should give every active partner an MDF allocation"
    assert LedgerLine.objects.filter(organization=northwind).exists(), "seed_demo should accrue incentives"
    statement = Statement.objects.filter(organization=northwind).order_by("-period_end").first()
    assert statement is not None, "seed_demo should draft incentive statements"

    request = FundRequest.objects.filter(organization=northwind, title="Data protection seminar").first()
    assert request is not None, "seed_demo should give the MDF demo partner requests in every state"
    owner = DemoProgram.role_user("owner")
    case = case_open(
        organization=northwind,
        opened_by=owner,
        category=categories_offered().first(),
        priority=CasePriority.NORMAL,
        subject="Replication lag after the firmware update",
        description="Since the update the replica runs two hours behind.",
    )
    for colleague in get_user_model().objects.filter(membership__organization=northwind).exclude(pk=owner.pk):
        case_share(case=case, actor=owner, user=colleague)
    attempt, certificate_code = _path_certified(owner, essentials=course)
    statement_lines = list(LedgerLine.objects.filter(statement=statement).order_by("pk")[:2])
    assert len(statement_lines) == 2, "seed_demo's statements should carry several lines"
    undisputed_line, disputed_line = statement_lines
    dispute = dispute_open(line=disputed_line, user=owner, comment="The rate should be 5 % for this deal.")
    _invitation, invitation_url = colleague_invite(
        organization=northwind,
        email="new.colleague@example.com",
        roles=["sales"],
        actor=owner,
        base_url="http://testserver",
    )

    call_command("search_reindex", stdout=io.StringIO())
    return DemoProgram(
        northwind_deal_id=_register(f"{PAGE_CHECK_ORGANIZATION}.owner", "Harbor Freight Analytics"),
        northwind_lead_id=lead.pk,
        northwind_accepted_lead_id=accepted_lead.pk,
        approved_deal_id=approved_deal_id,
        started_course_id=course.pk,
        mdf_allocation_id=allocation.pk,
        statement_id=statement.pk,
        mdf_request_id=request.pk,
        support_case_id=case.pk,
        learning_path_id=LearningPathPage.objects.get(title=DEMO_PATH_TITLE, locale=Locale.get_default()).pk,
        assessed_course_id=attempt.course_id,
        passed_attempt_id=attempt.pk,
        certificate_code=certificate_code,
        claimable_request_id=FundRequest.objects.get(organization=northwind, title="Backup webinar").pk,
        request_to_change_id=FundRequest.objects.get(organization=northwind, title="Roadshow").pk,
        ledger_line_id=undisputed_line.pk,
        dispute_id=dispute.pk,
        invitation_path=urlsplit(invitation_url).path,
    )
