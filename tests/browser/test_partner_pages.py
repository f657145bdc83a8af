"""Every partner page type, for every demo role that may open it, on a phone:
no serious or critical axe-core finding, nothing wider than the screen,
every control at least 44 px. A page type added to the portal gets a line
in ``PAGE_TYPES``."""

from dataclasses import dataclass
from typing import Callable

import pytest
from wagtail.models import Page

from content.models import AnnouncementPage, AssetPage, CobrandTemplatePage, CoursePage, FormPage, LibraryPage
from programs.models import PartnerRole
from training.models import LearningPathPage

from .checks import assert_phone_ready
from .demo_data import DemoProgram

ALL_ROLES = tuple(role.value for role in PartnerRole)
REGISTER_ROLES = ("owner", "sales")
MDF_ROLES = ("owner", "marketing", "finance")
MDF_REQUEST_ROLES = ("owner", "marketing")
EARNINGS_ROLES = ("owner", "sales", "finance")
STATEMENT_ROLES = ("owner", "finance")
#: The Technical section (where the demo learning path and its assessed course live) is for them.
TECHNICAL_ROLES = ("owner", "technical")


def _english(model, **filters) -> Page:
    return model.objects.live().filter(locale__language_code="en", **filters).first()


@dataclass(frozen=True)
class PageType:
    name: str
    url: Callable[[DemoProgram], str]
    roles: tuple[str, ...] = ALL_ROLES
    status: int = 200


PAGE_TYPES = [
    PageType("dashboard", lambda demo: "/dashboard/"),
    PageType("tier", lambda demo: "/tier/"),
    PageType("deal list", lambda demo: "/deals/"),
    PageType("deal form", lambda demo: "/deals/new/", REGISTER_ROLES),
    PageType("deal", lambda demo: f"/deals/{demo.northwind_deal_id}/"),
    PageType("lead list", lambda demo: "/deals/leads/", REGISTER_ROLES),
    PageType("lead", lambda demo: f"/deals/leads/{demo.northwind_lead_id}/", REGISTER_ROLES),
    PageType("accepted lead", lambda demo: f"/deals/leads/{demo.northwind_accepted_lead_id}/", REGISTER_ROLES),
    PageType("home", lambda demo: "/"),
    PageType("section", lambda demo: _english(Page, slug="announcements").url),
    PageType("announcement", lambda demo: _english(AnnouncementPage).url),
    PageType("library", lambda demo: _english(LibraryPage).url),
    PageType("asset", lambda demo: _english(AssetPage, title="Cloud Backup data sheet").url),
    PageType(
        "co-branded template",
        lambda demo: _english(CobrandTemplatePage, slug="backup-review-email").url,
        ("owner", "marketing"),
    ),
    PageType("form", lambda demo: _english(FormPage).url, ("owner", "marketing")),
    PageType("course list", lambda demo: "/content/courses/"),
    # Open to every role (the technical section's courses are not).
    PageType("course", lambda demo: _english(CoursePage, title="Storage essentials").url),
    PageType("search results", lambda demo: "/search/?q=storage"),
    PageType("preferences", lambda demo: "/preferences/"),
    PageType("team", lambda demo: "/team/"),
    PageType("organization profile", lambda demo: "/profile/", ("owner", "marketing")),
    PageType("agreement", lambda demo: "/agreement/", ("owner",)),
    PageType("API tokens", lambda demo: "/api-tokens/"),
    PageType("page not found", lambda demo: "/no-such-page/", status=404),
    PageType("MDF home", lambda demo: "/mdf/", MDF_ROLES),
    PageType("MDF ledger", lambda demo: f"/mdf/allocations/{demo.mdf_allocation_id}/", MDF_ROLES),
    PageType("MDF request form", lambda demo: "/mdf/requests/new/", MDF_REQUEST_ROLES),
    PageType("earnings", lambda demo: "/incentives/", EARNINGS_ROLES),
    PageType("statements", lambda demo: "/incentives/statements/", STATEMENT_ROLES),
    PageType("statement", lambda demo: f"/incentives/statements/{demo.statement_id}/", STATEMENT_ROLES),
    PageType("support cases", lambda demo: "/support/"),
    PageType("support case form", lambda demo: "/support/new/"),
    PageType("notifications", lambda demo: "/support/notifications/"),
    PageType("MDF request", lambda demo: f"/mdf/requests/{demo.mdf_request_id}/", MDF_ROLES),
    PageType("support case", lambda demo: f"/support/{demo.support_case_id}/"),
    PageType("scorecard", lambda demo: "/scorecard/", ("owner",)),
    PageType("training", lambda demo: "/training/"),
    PageType("training team", lambda demo: "/training/team/", ("owner",)),
    PageType("learning path", lambda demo: LearningPathPage.objects.get(pk=demo.learning_path_id).url, TECHNICAL_ROLES),
    PageType("lesson", lambda demo: f"/content/courses/{demo.assessed_course_id}/lessons/1/", TECHNICAL_ROLES),
    # The owner passed it (attempts and result shown); the technician has not started.
    PageType("assessment", lambda demo: f"/training/courses/{demo.assessed_course_id}/assessment/", TECHNICAL_ROLES),
    PageType("assessment result", lambda demo: f"/training/attempts/{demo.passed_attempt_id}/", ("owner",)),
    PageType("menu", lambda demo: "/menu/"),
    PageType("notification settings", lambda demo: "/support/notifications/settings/"),
    PageType("data export", lambda demo: "/data-export/", ("owner",)),
    PageType("MDF request to change", lambda demo: f"/mdf/requests/{demo.request_to_change_id}/", MDF_ROLES),
    PageType("MDF claim form", lambda demo: f"/mdf/requests/{demo.claimable_request_id}/claim/", MDF_REQUEST_ROLES),
    # Owner and finance see its dispute form; sales only the line.
    PageType("earnings line", lambda demo: f"/incentives/lines/{demo.ledger_line_id}/", EARNINGS_ROLES),
    PageType("incentive programs", lambda demo: "/incentives/programs/", EARNINGS_ROLES),
    PageType("disputes", lambda demo: "/incentives/disputes/", STATEMENT_ROLES),
    PageType("dispute", lambda demo: f"/incentives/disputes/{demo.dispute_id}/", STATEMENT_ROLES),
]
#: What a visitor sees before signing in.
PUBLIC_PAGE_TYPES = [
    PageType("log in", lambda demo: "/login/"),
    PageType("apply", lambda demo: "/apply/"),
    PageType("home", lambda demo: "/"),
    PageType("certificate verification", lambda demo: f"/verify/{demo.certificate_code}/"),
    PageType("unknown certificate", lambda demo: "/verify/NO-SUCH-CODE/", status=404),
    PageType("application sent", lambda demo: "/apply/thanks/"),
    PageType("invitation", lambda demo: demo.invitation_path),
    PageType("unusable invitation", lambda demo: "/invitations/no-such-token/", status=410),
]


@pytest.mark.parametrize(
    ("role", "page_type"),
    [
        pytest.param(role, page_type, id=f"{role}-{page_type.name}")
        for role in ALL_ROLES
        for page_type in PAGE_TYPES
        if role in page_type.roles
    ],
)
def test_partner_page_on_a_phone(page, sign_in, demo, role, page_type):
    sign_in(demo.role_user(role))
    response = page.goto(page_type.url(demo))
    assert response.status == page_type.status, f"{page_type.name} answered {response.status} for {role}"
    assert_phone_ready(page, f"{page_type.name} as {role}")


@pytest.mark.parametrize("page_type", PUBLIC_PAGE_TYPES, ids=lambda page_type: page_type.name)
def test_public_page_on_a_phone(page, demo, page_type):
    response = page.goto(page_type.url(demo))
    assert response.status == page_type.status, f"{page_type.name} answered {response.status}"
    assert_phone_ready(page, page_type.name)
