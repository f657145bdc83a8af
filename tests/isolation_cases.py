"""Cross-tenant cases for every partner-facing URL that takes an id.

``tests/test_tenant_isolation.py`` enumerates the URL patterns: a pattern with
a path parameter must have a case here (or an exemption with its reason),
so a new endpoint without an isolation test fails the suite.

A case is a function taking organization A (the victim) and returning the
URL kwargs of one of A's objects; the test then requests it as a user of
organization B and expects 404.
"""

from collections.abc import Callable

#: url name -> (HTTP method, factory(organization_a) -> url kwargs)
CASES: dict[str, tuple[str, Callable]] = {}

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


def isolation_case(url_name: str, method: str = "get"):
    def register(factory: Callable) -> Callable:
        CASES[url_name] = (method, factory)
        return factory

    return register


def _victim_deal(organization):
    from tests.factories.deals import register_deal

    return {"pk": register_deal(organization).pk}


isolation_case("deals:detail")(_victim_deal)
isolation_case("deals:stage", "post")(_victim_deal)
isolation_case("deals:extend", "post")(_victim_deal)
isolation_case("deals:respond", "post")(_victim_deal)
isolation_case("deals_api:deal-detail")(_victim_deal)


def _victim_lead(organization):
    from tests.factories.deals import offered_lead

    return {"pk": offered_lead(organization).pk}


for _name, _method in (
    ("deals:lead_detail", "get"),
    ("deals:lead_accept", "post"),
    ("deals:lead_decline", "post"),
    ("deals:lead_convert", "post"),
    ("deals_api:lead-detail", "get"),
    ("deals_api:lead-accept", "post"),
    ("deals_api:lead-decline", "post"),
    ("deals_api:lead-convert", "post"),
):
    isolation_case(_name, _method)(_victim_lead)


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
