"""Ids beyond what the database holds (2**63 and above) are a 404 on every
partner-facing URL, never a server error: the project's URLs take integer ids
through one bounded converter (``<id:pk>``), so such an id matches no URL.

(On PostgreSQL Django's own range guard hides most of the damage; on the
embedded SQLite default the asset, course and co-branding routes, whose page
ids are compared through the parent link, answered 500.)"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter
from django.urls.exceptions import Resolver404

from tests.factories import OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db

TOO_BIG = str(2**63)
#: the vendor admin is Wagtail's own, with its own integer routes
SKIPPED_PREFIXES = ("admin/",)
#: views of these packages are the project's; the others are Wagtail's or Django's
PROJECT_PACKAGES = (
    "content",
    "deals",
    "programs",
    "search",
    "home",
    "portal",
    "mdf",
    "incentives",
    "support",
    "training",
)


def _callback_module(pattern: URLPattern) -> str:
    callback = pattern.callback
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    return view.__module__


def integer_routes(resolver=None, prefix="", converters=None):
    """(url with every integer parameter set to 2**63, module of the view)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if route.startswith(SKIPPED_PREFIXES):
            continue
        found = {**(converters or {}), **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            yield from integer_routes(pattern, route, found)
        elif any(isinstance(converter, IntConverter) for converter in found.values()):
            url = route
            for name, converter in found.items():
                value = TOO_BIG if isinstance(converter, IntConverter) else "start"
                url = re.sub(rf"<(?:[a-z_]+:)?{name}>", value, url)
            yield "/" + url, _callback_module(pattern)


def project_routes():
    return [url for url, module in integer_routes() if module.split(".")[0] in PROJECT_PACKAGES]


def test_the_project_routes_with_integer_ids_are_found():
    routes = project_routes()
    for url in (
        f"/deals/{TOO_BIG}/",
        f"/content/assets/{TOO_BIG}/download/",
        f"/content/courses/{TOO_BIG}/start/",
        f"/content/cobrand/{TOO_BIG}/generate/",
        f"/team/{TOO_BIG}/deactivate/",
        f"/api/v1/deals/{TOO_BIG}/",
        f"/api/v2/pages/{TOO_BIG}/",
    ):
        assert url in routes, routes


def test_no_project_url_matches_an_id_beyond_the_database_range():
    matched = []
    for url in project_routes():
        try:
            match = resolve(url)
        except Resolver404:
            continue
        # Wagtail's page serving catches what no route matched (and finds no page).
        if match.url_name != "wagtail_serve":
            matched.append(url)
    assert not matched, "bound these ids with <id:…>: " + ", ".join(matched)


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_partner_url_answers_404_for_an_id_beyond_the_database_range(method):
    partner = Client(raise_request_exception=False)
    partner.force_login(PartnerUserFactory(organization=OrganizationFactory(), roles=["owner"]))
    answers = {url: getattr(partner, method)(url).status_code for url, _module in integer_routes()}
    assert {url: status for url, status in answers.items() if status != 404} == {}
