"""Cross-tenant cases for every partner-facing URL that takes an id.

``tests/test_tenant_isolation.py`` enumerates the URL patterns: a pattern with
a path parameter must have a case here (or an exemption with its reason),
so a new endpoint without an isolation test fails the suite.

A case is a function taking organization A (the victim) and returning the
URL kwargs of one of A's objects; the test then requests it as a user of
organization B and expects 404, then as a user of A (holding every role) and
expects the owner's status (the positive control: a URL that answers 404 to
everyone fails). The owner's status is 200 for a GET and 302 (the action
done, or refused with a message) for a POST unless the case says otherwise.
"""

from collections.abc import Callable

#: url name -> (HTTP method, factory(organization_a) -> url kwargs, owner's status)
CASES: dict[str, tuple[str, Callable, int]] = {}
OWNER_STATUS = {"get": 200, "post": 302}

#: url names (or prefixes ending in ':') that take a parameter but are not
#: tenant-owned, with the reason.
EXEMPT: dict[str, str] = {
    "programs:invitation_accept": "a secret one-time token, not an id (tests/programs/test_onboarding.py)",
    "wagtail_serve": "vendor-published pages, not tenant-owned; audience rules decide who sees them",
    "wagtaildocs_serve": "vendor-published documents, not tenant-owned; audience rules decide who sees them",
    "wagtaildocs_authenticate_with_password": "Wagtail's password form for a restricted document",
    "wagtailcore_authenticate_with_password": "Wagtail's password form for a restricted page",
    "wagtailapi:pages:detail": "vendor-published pages; audience rules decide (tests/content/test_audience.py)",
    "content:asset_download": "a vendor-published asset; audience rules decide (tests/content/test_assets.py)",
    "content:version_download": "an asset's history; audience rules decide (tests/content/test_assets.py)",
    "content:cobrand_generate": "a vendor-published template; audience rules decide (tests/content/test_cobranding.py)",
    "content:course_progress": "a vendor-published course; audience rules decide, progress is the caller's own "
    "(tests/content/test_courses.py)",
}

#: URL prefixes outside the partner-facing surface.
NON_PARTNER_PREFIXES = (
    "admin/",  # Wagtail admin: vendor staff, permission-tested per feature
)


def isolation_case(url_name: str, method: str = "get", owner_status: int | None = None):
    def register(factory: Callable) -> Callable:
        CASES[url_name] = (method, factory, owner_status or OWNER_STATUS[method])
        return factory

    return register


def _victim_deal(organization):
    from tests.factories.deals import register_deal

    return {"pk": register_deal(organization).pk}


isolation_case("deals:detail")(_victim_deal)
# An empty form: the owner's deal is found and the form answers what is missing.
isolation_case("deals:stage", "post", owner_status=400)(_victim_deal)
isolation_case("deals:extend", "post", owner_status=400)(_victim_deal)
isolation_case("deals:respond", "post", owner_status=400)(_victim_deal)
isolation_case("deals_api:deal-detail")(_victim_deal)


def _victim_lead(organization):
    from tests.factories.deals import offered_lead

    return {"pk": offered_lead(organization).pk}


# Declining and converting need a reason or a deal: an empty form is a 400 for the owner.
for _name, _method, _owner_status in (
    ("deals:lead_detail", "get", 200),
    ("deals:lead_accept", "post", 302),
    ("deals:lead_decline", "post", 400),
    ("deals:lead_convert", "post", 400),
    ("deals_api:lead-detail", "get", 200),
    ("deals_api:lead-accept", "post", 200),
    ("deals_api:lead-decline", "post", 400),
    ("deals_api:lead-convert", "post", 400),
):
    isolation_case(_name, _method, owner_status=_owner_status)(_victim_lead)


@isolation_case("programs:member_deactivate", "post")
def _member_of(organization):
    from tests.factories import PartnerUserFactory

    return {"membership_id": PartnerUserFactory(organization=organization, roles=["sales"]).membership.pk}


@isolation_case("programs:invitation_revoke", "post")
def _invitation_of(organization):
    from programs.services.onboarding import invitation_create

    invitation, _url = invitation_create(
        organization=organization,
        email="someone@victim.example",
        roles=["sales"],
        invited_by=None,
        base_url="http://testserver",
    )
    return {"invitation_id": invitation.pk}


def _victim_generation(organization):
    from django.core.files.base import ContentFile

    from content.models import CobrandGeneration, CobrandTemplatePage, GenerationStatus
    from home.models import HomePage
    from tests.factories.content import publish_page

    template = publish_page(
        HomePage.objects.get(depth=2), CobrandTemplatePage, title="Flyer", html="<p>{{ partner.name }}</p>"
    )
    generation = CobrandGeneration.objects.create(
        template=template, organization=organization, status=GenerationStatus.DONE, progress=100
    )
    generation.pdf.save("flyer.pdf", ContentFile(b"%PDF-1.4 victim"))
    return {"generation_id": generation.pk}


isolation_case("content:generation_status")(_victim_generation)


@isolation_case("content:generation_file")
def _victim_generation_file(organization):
    return {**_victim_generation(organization), "kind": "pdf"}


@isolation_case("programs:api_token_revoke", "post")
def _api_token_of(organization):
    from wagtail.models import APIToken

    from tests.factories import PartnerUserFactory

    owner = PartnerUserFactory(organization=organization, roles=["owner"])
    token, _plaintext = APIToken.create_token(user=owner, name="Victim CRM")
    return {"token_id": token.pk}


def _victim_export(organization):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from programs.models import ExportStatus, OrganizationExport

    export = OrganizationExport.objects.create(
        organization=organization, status=ExportStatus.DONE, finished_at=timezone.now()
    )
    export.file.save("export.zip", ContentFile(b"PK"))
    return {"export_id": export.pk}


isolation_case("programs:data_export_download")(_victim_export)


def _victim_deal_with_attachment(organization):
    from django.core.files.base import ContentFile

    from tests.factories.deals import register_deal

    deal = register_deal(organization)
    deal.attachment.save("brief.pdf", ContentFile(b"%PDF-1.4 brief"))
    return {"pk": deal.pk}


isolation_case("deals:attachment")(_victim_deal_with_attachment)


def _victim_case(organization):
    from tests.factories import PartnerUserFactory
    from tests.factories.support import open_case, pdf_file

    opener = PartnerUserFactory(organization=organization, roles=["technical"])
    return open_case(organization, opener, attachments=[pdf_file()])


# An empty POST is the owner's bad input: 400 with the form's errors (an open case cannot be reopened).
for _name, _method, _owner_status in (
    ("support:case_detail", "get", None),
    ("support:case_reply", "post", 400),
    ("support:case_reopen", "post", 400),
    ("support:case_share", "post", 400),
):
    isolation_case(_name, _method, owner_status=_owner_status)(
        lambda organization: {"pk": _victim_case(organization).pk}
    )


@isolation_case("support:case_attachment")
def _victim_case_attachment(organization):
    case = _victim_case(organization)
    return {"case_pk": case.pk, "pk": case.attachments.get().pk}


# Opening a notification marks it read and goes on to what it is about.
@isolation_case("support:notification_open", owner_status=302)
def _victim_notification(organization):
    from programs.models import Membership
    from support.models import NotificationCategory
    from support.services.notifications import notification_send
    from tests.factories import PartnerUserFactory

    # Notifications are personal: the organization's first member (the test's owner) receives it.
    member = Membership.objects.filter(organization=organization).order_by("pk").first()
    recipient = member.user if member else PartnerUserFactory(organization=organization, roles=["owner"])
    notification = notification_send(
        recipient=recipient, category=NotificationCategory.CASE_UPDATE, title="Your case was answered", url="/support/"
    )
    return {"pk": notification.pk}


def _victim_statement(organization):
    from tests.factories.incentives import statement_with_line

    return statement_with_line(organization)


@isolation_case("incentives_api:statement-detail")
@isolation_case("incentives:statement_detail")
@isolation_case("incentives:statement_csv")
@isolation_case("incentives:statement_pdf")
def _incentive_statement_of(organization):
    return {"pk": _victim_statement(organization).pk}


@isolation_case("incentives_api:line-detail")
@isolation_case("incentives:line_detail")
def _incentive_line_of(organization):
    return {"pk": _victim_statement(organization).lines.get().pk}


@isolation_case("incentives:dispute_detail")
def _incentive_dispute_of(organization):
    from incentives.services.disputes import dispute_open
    from tests.factories import PartnerUserFactory

    line = _victim_statement(organization).lines.get()
    finance = PartnerUserFactory(organization=organization, roles=["finance"])
    return {"pk": dispute_open(line=line, user=finance, comment="Victim's dispute").pk}


EXEMPT["incentives:opt_in"] = (
    "a vendor-published SPIFF, not tenant-owned; the enrollment is always the caller's own organization "
    "(tests/incentives/test_views.py)"
)


def _victim_mdf_request(organization):
    from tests.factories.mdf import allocated, auto_approve_all, submit_request

    auto_approve_all()
    allocated(organization)
    return {"pk": submit_request(organization).pk}


# Uploading leads and linking a deal need a file or a deal: an empty form is a 400 for the owner.
for _name, _method, _owner_status in (
    ("mdf:request_detail", "get", 200),
    ("mdf:request_cancel", "post", 302),
    ("mdf:claim_new", "get", 200),
    ("mdf:leads_upload", "post", 400),
    ("mdf:deal_link", "post", 400),
    ("mdf_api:request-detail", "get", 200),
):
    isolation_case(_name, _method, owner_status=_owner_status)(_victim_mdf_request)


@isolation_case("mdf:ledger")
def _victim_mdf_allocation(organization):
    from tests.factories.mdf import allocated

    return {"allocation_id": allocated(organization).pk}


def _victim_mdf_claim(organization):
    from decimal import Decimal

    from mdf.services.claims import claim_submit
    from tests.factories.mdf import allocated, auto_approve_all, submit_request, upload

    auto_approve_all()
    allocated(organization)
    return claim_submit(
        request=submit_request(organization),
        submitted_by=None,
        actual_cost=Decimal("4000"),
        claimed_amount=Decimal("2000"),
        proofs=[upload()],
    )


@isolation_case("mdf:proof")
def _victim_mdf_proof(organization):
    return {"pk": _victim_mdf_claim(organization).proofs.get().pk}


@isolation_case("mdf_api:claim-detail")
def _victim_mdf_claim_detail(organization):
    return {"pk": _victim_mdf_claim(organization).pk}


# Confirming an outcome is for vendor users and the CRM integration: the
# owner's deal is found, and the partner is refused (403), never the deal.
isolation_case("deals_api:deal-confirm-outcome", "post", owner_status=403)(_victim_deal)
isolation_case("deals_api:deal-reject-outcome", "post", owner_status=403)(_victim_deal)


EXEMPT["content:course_lesson"] = (
    "a vendor-published course; audience rules decide, the progress recorded is the caller's own "
    "(tests/training/test_progress.py)"
)
EXEMPT["training:assessment"] = (
    "a vendor-published course's assessment; audience rules decide, the attempt started is the caller's own "
    "(tests/training/test_assessments.py)"
)
EXEMPT["verify_certificate"] = (
    "a public, unguessable verification code showing only name, certification and validity "
    "(tests/training/test_certifications.py)"
)


def _training_course():
    from wagtail.models import Locale

    from home.models import HomePage
    from tests.factories.training import publish_course

    return publish_course(HomePage.objects.get(depth=2, locale=Locale.get_default()), title="Isolation course")


@isolation_case("training:attempt")
def _victim_attempt(organization):
    from programs.models import Membership
    from training.services import assessment_start

    # the organization's first member is the test's owner: an attempt is its taker's own
    taker = Membership.objects.filter(organization=organization).earliest("pk").user
    return {"pk": assessment_start(course=_training_course(), user=taker).pk}


def _victim_certificate(organization):
    from django.utils import timezone

    from programs.services.certifications import certification_record
    from tests.factories import CertificationFactory, PartnerUserFactory

    technician = PartnerUserFactory(organization=organization, roles=["technical"])
    held = certification_record(
        organization=organization,
        user=technician,
        certification=CertificationFactory(code="isolation-cert"),
        earned_at=timezone.now(),
    )
    return {"pk": held.pk}


# An owner downloads the team's certificates.
isolation_case("training:certificate")(_victim_certificate)
isolation_case("training:badge")(_victim_certificate)
