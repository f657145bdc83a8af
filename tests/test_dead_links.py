"""No dead ends: every link a demo partner can see on a partner page leads
somewhere for that partner (no 4xx, no 5xx), in English and in French."""

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

#: one user per role at a Gold partner, the owner of an entry-tier one, a French partner in French
DEMO_WALKS = [
    ("northwind.owner", "/dashboard/"),
    ("northwind.sales", "/dashboard/"),
    ("northwind.marketing", "/dashboard/"),
    ("northwind.technical", "/dashboard/"),
    ("northwind.finance", "/dashboard/"),
    ("adatum.owner", "/dashboard/"),
    ("tailspin.owner", "/fr/dashboard/"),
    ("tailspin.sales", "/fr/dashboard/"),
]
#: links out of the partner portal (vendor admin, state-changing logout) or files
NOT_PARTNER_PAGES = ("/admin/", "/logout/", "/documents/", "/static/", "/media/", "/i18n/", "/api/")
HREF = re.compile(r"""<a\b[^>]*\bhref="([^"#][^"]*)\"""", re.I)
MAX_PAGES_PER_USER = 200


def links_on(html: str, base: str) -> set[str]:
    found = set()
    for href in HREF.findall(html):
        href = href.replace("&amp;", "&")
        if href.startswith(("mailto:", "tel:", "javascript:")):
            continue
        url = urldefrag(urljoin(base, href)).url
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith(NOT_PARTNER_PAGES) and "/download/" not in path:
            found.add(path)
    return found


def walk(client, start: str) -> tuple[list[str], int]:
    """Every page reachable from ``start`` by following links: the dead ones
    as 'url (status) ← from', and how many pages were visited."""
    dead, seen = [], {start}
    queue = deque([(start, "start")])
    while queue and len(seen) <= MAX_PAGES_PER_USER:
        url, source = queue.popleft()
        response = client.get(url)
        if response.status_code in (301, 302):
            target = response["Location"]
            if target not in seen and not target.startswith(NOT_PARTNER_PAGES):
                seen.add(target)
                queue.append((target, url))
            continue
        if response.status_code >= 400:
            dead.append(f"{url} ({response.status_code}) ← {source}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in links_on(response.content.decode(), url):
            # Query strings (pages of a listing, facets, sort orders) only repeat a page's links.
            if link not in seen and "?" not in link:
                seen.add(link)
                queue.append((link, url))
    return dead, len(seen)


def test_no_link_on_any_partner_page_is_dead_for_any_demo_role(client, search_indexes):
    from django.contrib.auth import get_user_model

    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    dead = {}
    for username, start in DEMO_WALKS:
        client.force_login(get_user_model().objects.get(username=username))
        found, visited = walk(client, start)
        assert visited > 20, f"{username} reached only {visited} pages: the walk is not following links"
        if found:
            dead[f"{username} from {start}"] = found
        client.logout()
    assert dead == {}


def test_onboarding_steps_for_another_role_are_named_not_linked(client):
    from programs.models import OrganizationStatus, PartnerAgreement
    from tests.factories import OrganizationFactory, PartnerUserFactory

    PartnerAgreement.objects.create(version="1", title="Partner agreement", body="<p>Terms</p>")
    organization = OrganizationFactory(status=OrganizationStatus.ONBOARDING)
    client.force_login(PartnerUserFactory(organization=organization, roles=["marketing"]))

    html = client.get("/dashboard/").text

    assert "Accept the partner agreement" in html
    assert 'href="/agreement/"' not in html  # the owner accepts it
    assert 'href="/deals/new/"' not in html  # sales and owners register deals
    assert 'href="/profile/"' in html  # marketing completes the profile
