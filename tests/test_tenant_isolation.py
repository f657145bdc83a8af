"""Another organization's id is a 404 on every partner-facing URL."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory
from tests.isolation_cases import CASES, EXEMPT, NON_PARTNER_PREFIXES

ALL_ROLES = ["owner", "sales", "marketing", "technical", "finance"]


def _parameterised_patterns(patterns=None, prefix="", namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner_namespace = namespace
            if pattern.namespace:
                inner_namespace = f"{namespace}{pattern.namespace}:"
            yield from _parameterised_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner_namespace)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            takes_parameters = getattr(pattern.pattern, "converters", None) or pattern.pattern.regex.groups
            if takes_parameters and not route.lstrip("^").startswith(NON_PARTNER_PREFIXES):
                yield route, f"{namespace}{pattern.name}" if pattern.name else route


def test_every_partner_url_taking_an_id_has_an_isolation_case():
    uncovered = [
        f"{route} (name {name!r})"
        for route, name in _parameterised_patterns()
        if name not in CASES and name not in EXEMPT
    ]
    assert not uncovered, "Add a case to tests/isolation_cases.py for: " + ", ".join(uncovered)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(CASES))
def test_another_organizations_object_is_not_found_but_its_owner_finds_it(client, url_name):
    method, make_kwargs, owner_status = CASES[url_name]
    victim = OrganizationFactory()
    owner = PartnerUserFactory(organization=victim, roles=ALL_ROLES)
    url = reverse(url_name, kwargs=make_kwargs(victim))
    intruder = PartnerUserFactory(organization=OrganizationFactory(), roles=ALL_ROLES)
    assert client.login(username=intruder.username, password=PASSWORD)

    response = getattr(client, method)(url)

    assert response.status_code == 404, f"{method.upper()} {url} answered {response.status_code} to another tenant"
    # The positive control: the same request by the object's own organization
    # succeeds, so the 404 above is the isolation, not a broken URL.
    client.logout()
    assert client.login(username=owner.username, password=PASSWORD)
    response = getattr(client, method)(url)
    assert response.status_code == owner_status, (
        f"{method.upper()} {url} answered {response.status_code} to its own organization, not {owner_status}"
    )
