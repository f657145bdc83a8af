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

from .checks import phone_page_problems
from .demo_data import DemoProgram

ALL_ROLES = tuple(role.value for role in PartnerRole)
REGISTER_ROLES = ("owner", "sales")
MDF_ROLES = ("owner", "marketing", "finance")
EARNINGS_ROLES = ("owner", "sales", "finance")
STATEMENT_ROLES = ("owner", "finance")


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
    PageType("MDF request form", lambda demo: "/mdf/requests/new/", ("owner", "marketing")),
    PageType("earnings", lambda demo: "/incentives/", EARNINGS_ROLES),
    PageType("statements", lambda demo: "/incentives/statements/", STATEMENT_ROLES),
    PageType("statement", lambda demo: f"/incentives/statements/{demo.statement_id}/", STATEMENT_ROLES),
    PageType("support cases", lambda demo: "/support/"),
    PageType("support case form", lambda demo: "/support/new/"),
    PageType("notifications", lambda demo: "/support/notifications/"),
]
#: What a visitor sees before signing in.
PUBLIC_PAGE_TYPES = [
    PageType("log in", lambda demo: "/login/"),
    PageType("apply", lambda demo: "/apply/"),
    PageType("home", lambda demo: "/"),
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
    problems = phone_page_problems(page)
    assert not problems, f"{page_type.name} ({page.url}) as {role}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page_type", PUBLIC_PAGE_TYPES, ids=lambda page_type: page_type.name)
def test_public_page_on_a_phone(page, demo, page_type):
    response = page.goto(page_type.url(demo))
    assert response.status == page_type.status, f"{page_type.name} answered {response.status}"
    problems = phone_page_problems(page)
    assert not problems, f"{page_type.name} ({page.url}):\n" + "\n".join(problems)
