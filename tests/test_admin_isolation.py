"""The tenant-isolation idea on the admin side: a channel account manager (a
non-superuser in the "Channel account managers" group) requests every admin
URL that takes an id of a partner-owned row with another portfolio's ids and
gets 403 or 404; their own portfolio's row is found (the positive control:
a URL that 404s for everyone fails). Listings, their filters and the forms'
choosers name only the CAM's organizations."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from content.models import CobrandGeneration, CourseEnrollment, CoursePage
from deals.models import LeadEvent
from incentives.models import AccrualHold, Enrollment, LedgerLine
from mdf.models import LedgerEntry, MdfEvent
from mdf.services.claims import claim_submit
from programs.models import PartnerOrganization, PersonCertification, TierChange, TierChangeStatus
from search.models import SearchQueryLog
from tests.content.test_cobranding import flyer
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.content import publish_page
from tests.factories.deals import offered_lead, register_deal
from tests.factories.incentives import incentive_program, statement_with_line
from tests.factories.mdf import allocated, auto_approve_all, submit_request, upload
from tests.factories.programs import CertificationFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

#: partner-owned models that are vendor configuration, not a partner's records
NOT_PARTNER_RECORDS = {
    "deals.leaddistributionrule": "a routing rule may name the organization it offers leads to; channel ops only",
    "programs.partnerapplication": "reviewed before any organization (and so any portfolio) exists; "
    "the organization is filled in on approval",
}
#: admin URL names (not snippet views) taking an id, outside partner records
EXEMPT = {
    "programs_application_review": "applications come before any organization or portfolio exists",
    "mdf_admin_generate": "an MDF program spans every organization (channel ops and finance); "
    "its allocations are tested per portfolio (mdf_admin_allocation, tests/mdf/test_admin.py)",
}


def _admin_patterns(patterns=None, prefix="", namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _admin_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if route.startswith("admin/") and getattr(pattern.pattern, "converters", None):
                yield route, f"{namespace}{pattern.name}"


def _partner_owned(model) -> bool:
    if model is PartnerOrganization:
        return True
    field = next((f for f in model._meta.fields if f.name == "organization"), None)
    return field is not None and field.related_model is PartnerOrganization


def _model_of(route: str):
    """The model of a snippet (or snippet chooser) admin route, else None."""
    parts = route.split("/")
    if parts[1] != "snippets":
        return None
    app_label, model_name = parts[3:5] if parts[2] == "choose" else parts[2:4]
    return apps.get_model(app_label, model_name)


def partner_record_urls():
    """(url name, model or None) for every admin URL taking an id of a partner record."""
    found = {}
    for route, name in _admin_patterns():
        model = _model_of(route)
        if model is not None:
            if _partner_owned(model) and model._meta.label_lower not in NOT_PARTNER_RECORDS:
                found[name] = model
        elif route.startswith(("admin/programs/", "admin/deals/", "admin/content/", "admin/mdf/", "admin/analytics/")):
            found[name] = None
    return found


# --- one row of each partner-owned model for an organization -----------------


def _membership(organization, world):
    return PartnerUserFactory(organization=organization).membership


def _certification(organization, world):
    user = PartnerUserFactory(organization=organization)
    return PersonCertification.objects.create(
        organization=organization, user=user, certification=CertificationFactory(), earned_at=timezone.now()
    )


def _tier_change(organization, world):
    return TierChange.objects.create(
        organization=organization,
        to_tier=world["tier"],
        status=TierChangeStatus.PROPOSED,
        metrics={},
        reason="Won revenue over the threshold",
    )


def _webhook_endpoint(organization, world):
    return WebhookEndpoint.objects.create(
        organization=organization, url=f"https://crm.example/hook/{organization.name}", secret="s" * 32
    )


def _webhook_delivery(organization, world):
    return WebhookDelivery.objects.create(
        organization=organization,
        endpoint=_webhook_endpoint(organization, world),
        event_type="deal.approved",
        payload={},
    )


def _lead_event(organization, world):
    offered_lead(organization)
    return LeadEvent.objects.filter(organization=organization).first()


def _cobrand_generation(organization, world):
    return CobrandGeneration.objects.create(template=world["flyer"], organization=organization)


def _enrollment(organization, world):
    return CourseEnrollment.objects.create(
        organization=organization,
        user=PartnerUserFactory(organization=organization),
        course=world["course"],
        course_key=world["course"].translation_key,
    )


def _assessment_attempt(organization, world):
    from tests.factories.training import publish_course
    from training.services import assessment_start

    if "assessed_course" not in world:
        world["assessed_course"] = publish_course(world["course"].get_parent(), title="Assessed")
    course = world["assessed_course"]
    return assessment_start(course=course, user=PartnerUserFactory(organization=organization, roles=["technical"]))


def _certification_event(organization, world):
    from training.models import CertificationEvent, CertificationEventKind

    held = _certification(organization, world)
    return CertificationEvent.objects.create(held=held, organization=organization, kind=CertificationEventKind.EARNED)


def _deal_with_attachment(organization, world):
    deal = register_deal(organization)
    deal.attachment.save("brief.pdf", ContentFile(b"%PDF-1.4 brief"))
    return deal


def _mdf_request(organization, world):
    auto_approve_all()
    allocated(organization)
    return submit_request(organization)


def _mdf_claim(organization, world):
    request = _mdf_request(organization, world)
    return claim_submit(
        request=request,
        submitted_by=None,
        actual_cost=Decimal("3000.00"),
        claimed_amount=Decimal("1500.00"),
        proofs=[upload()],
    )


def _mdf_ledger_entry(organization, world):
    allocated(organization)
    return LedgerEntry.objects.filter(organization=organization).first()


def _mdf_event(organization, world):
    _mdf_request(organization, world)
    return MdfEvent.objects.filter(organization=organization).first()


def _incentive_line(organization, world):
    statement_with_line(organization)
    return LedgerLine.objects.filter(organization=organization).first()


def _incentive_enrollment(organization, world):
    program = incentive_program("spiff", name=f"SPIFF for {organization.name}", default_rate="0")
    return Enrollment.objects.create(organization=organization, program=program)


def _incentive_hold(organization, world):
    program = incentive_program("rebate", name=f"Rebate for {organization.name}", steps=[("1000", "2")])
    return AccrualHold.objects.create(
        organization=organization,
        program=program,
        subject="rebate:2026-03-31",
        earned_on=datetime.date(2026, 3, 31),
        reason="Waits for an exchange rate.",
    )


ROWS = {
    "mdf.allocation": lambda organization, world: allocated(organization),
    "deals.dealregistration with attachment": _deal_with_attachment,
    "mdf.fundrequest": _mdf_request,
    "mdf.claim": _mdf_claim,
    "mdf.ledgerentry": _mdf_ledger_entry,
    "mdf.mdfevent": _mdf_event,
    "incentives.ledgerline": _incentive_line,
    "incentives.enrollment": _incentive_enrollment,
    "incentives.accrualhold": _incentive_hold,
    "programs.partnerorganization": lambda organization, world: organization,
    "programs.membership": _membership,
    "programs.personcertification": _certification,
    "programs.tierchange": _tier_change,
    "deals.dealregistration": lambda organization, world: register_deal(organization),
    "deals.lead": lambda organization, world: offered_lead(organization),
    "deals.leadevent": _lead_event,
    "webhooks.webhookendpoint": _webhook_endpoint,
    "webhooks.webhookdelivery": _webhook_delivery,
    "content.cobrandgeneration": _cobrand_generation,
    "content.courseenrollment": _enrollment,
    "training.assessmentattempt": _assessment_attempt,
    "training.certificationevent": _certification_event,
    "search.searchquerylog": lambda organization, world: SearchQueryLog.objects.create(
        query="backup", normalized_query="backup", results=0, organization=organization
    ),
}
#: custom admin views -> the model of their id
CUSTOM_VIEWS = {
    "programs_tier_change_decide": "programs.tierchange",
    "dealregistration:edit": "deals.dealregistration",
    "lead:edit": "deals.lead",
    "dealregistration:attachment": "deals.dealregistration with attachment",
    "dealregistration:reopen": "deals.dealregistration",
    "mdf_admin_allocation": "mdf.allocation",
    "mdf_admin_request": "mdf.fundrequest",
    "mdf_admin_claim": "mdf.claim",
    "analytics_admin_scorecard": "programs.partnerorganization",
    "analytics_admin_scorecard_pdf": "programs.partnerorganization",
}


def refused(response, *, by_permission=False) -> bool:
    """403/404, or Wagtail's answer to a missing permission: back to the
    dashboard (302 to /admin/). The CAM's own rows may only be refused so, for
    views the group has no permission for (audit logs are read-only; people are
    edited by channel ops), never with a 404."""
    no_permission = response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )
    return no_permission if by_permission else no_permission or response.status_code == 404


def _model_label(name, model):
    return model._meta.label_lower if model is not None else CUSTOM_VIEWS.get(name)


def test_every_admin_url_taking_a_partner_records_id_has_a_case():
    uncovered = [
        name
        for name, model in partner_record_urls().items()
        if name not in EXEMPT and _model_label(name, model) not in ROWS
    ]
    assert not uncovered, "Add a row factory (ROWS/CUSTOM_VIEWS) or an exemption for: " + ", ".join(uncovered)


@pytest.fixture
def world(home_page):
    cam = UserFactory(username="cam-portfolio")
    cam.groups.add(Group.objects.get(name="Channel account managers"))
    other_cam = UserFactory(username="cam-elsewhere")
    other_cam.groups.add(Group.objects.get(name="Channel account managers"))
    return {
        "cam": cam,
        "mine": OrganizationFactory(name="Portfolio Partner", channel_account_manager=cam),
        "theirs": OrganizationFactory(name="Someone Elses Partner", channel_account_manager=other_cam),
        "tier": TierFactory(name="Gold"),
        "flyer": flyer(home_page),
        "course": publish_page(home_page, CoursePage, title="Storage basics", duration_minutes=30),
    }


def _cases():
    return sorted((name, model) for name, model in partner_record_urls().items() if name not in EXEMPT)


def _kwargs(name, row):
    pk = str(row.pk) if isinstance(row.pk, uuid.UUID) else row.pk
    return {"pk": pk}


@pytest.mark.parametrize(("url_name", "model"), _cases(), ids=[name for name, _model in _cases()])
def test_a_cam_cannot_reach_another_portfolios_rows_in_the_admin(world, url_name, model):
    label = _model_label(url_name, model)
    client = Client()
    client.force_login(world["cam"])
    own = reverse(url_name, kwargs=_kwargs(url_name, ROWS[label](world["mine"], world)))
    other = reverse(url_name, kwargs=_kwargs(url_name, ROWS[label](world["theirs"], world)))

    own_response = client.get(own)
    other_response = client.get(other)

    assert refused(other_response), f"GET {other} answered {other_response.status_code} to a CAM"
    assert "Someone Elses Partner" not in other_response.content.decode()
    assert own_response.status_code == 200 or refused(own_response, by_permission=True), (
        f"GET {own} answered {own_response.status_code} for the CAM's own portfolio"
    )


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/admin/deals/registrations/", lambda org, world: register_deal(org)),
        ("/admin/deals/leads/", lambda org, world: offered_lead(org)),
        ("/admin/snippets/deals/leadevent/", _lead_event),
        ("/admin/snippets/webhooks/webhookdelivery/", _webhook_delivery),
        ("/admin/snippets/content/cobrandgeneration/", _cobrand_generation),
        ("/admin/snippets/programs/membership/", _membership),
        ("/admin/snippets/programs/personcertification/", _certification),
        ("/admin/snippets/programs/tierchange/", _tier_change),
        ("/admin/reports/course-progress/", _enrollment),
        ("/admin/snippets/choose/programs/partnerorganization/", lambda org, world: org),
        ("/admin/snippets/choose/webhooks/webhookendpoint/", _webhook_endpoint),
    ],
)
def test_listings_filters_and_choosers_name_only_the_portfolio(world, url, make):
    make(world["mine"], world)
    make(world["theirs"], world)
    client = Client()
    client.force_login(world["cam"])

    response = client.get(url)

    assert response.status_code == 200, url
    text = response.content.decode()
    assert "Portfolio Partner" in text
    assert "Someone Elses Partner" not in text


def test_membership_and_certification_forms_offer_only_the_portfolio(world):
    cam = world["cam"]
    cam.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_membership", "change_membership", "add_personcertification"])
    )
    outsider = PartnerUserFactory(organization=world["theirs"], first_name="Olga", last_name="Outsider")
    PartnerUserFactory(organization=world["mine"], first_name="Mia", last_name="Member")
    vendor = UserFactory(first_name="Vera", last_name="Vendor")
    vendor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client()
    client.force_login(cam)

    membership_form = client.get("/admin/snippets/programs/membership/add/").context["form"]
    certification_form = client.get("/admin/snippets/programs/personcertification/add/").context["form"]

    assert list(membership_form.fields["organization"].queryset) == [world["mine"]]
    assert outsider not in membership_form.fields["user"].queryset
    assert vendor not in membership_form.fields["user"].queryset
    assert list(certification_form.fields["organization"].queryset) == [world["mine"]]
    people = {user.get_full_name() for user in certification_form.fields["user"].queryset}
    assert "Mia Member" in people and "Olga Outsider" not in people

    # Posting another portfolio's ids anyway is refused, with nothing stored.
    refused = client.post(
        "/admin/snippets/programs/personcertification/add/",
        {
            "organization": world["theirs"].pk,
            "user": outsider.pk,
            "certification": CertificationFactory().pk,
            "earned_at": "2026-11-30 10:00",
        },
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["organization"]
    assert not PersonCertification.objects.filter(organization=world["theirs"]).exists()


def test_cams_review_their_portfolios_deals_without_being_superusers(world):
    deal = register_deal(world["mine"])
    client = Client()
    client.force_login(world["cam"])

    response = client.post(f"/admin/deals/registrations/{deal.pk}/", {"action": "approve", "reason": ""})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == "approved"
    assert not world["cam"].is_superuser
