"""Language-prefixed URLs, the switcher, and the partner's own language."""

import pytest

from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


def test_english_is_at_the_root_and_french_under_fr(client, home_page):
    english = client.get("/login/").content.decode()
    french = client.get("/fr/login/").content.decode()

    assert "Log in to the partner portal" in english
    assert "Connexion au portail partenaires" in french
    assert '<html lang="fr">' in french


def test_a_german_partner_continues_in_german_after_logging_in(client):
    organization = OrganizationFactory(preferred_language="de")
    user = PartnerUserFactory(organization=organization, roles=["sales"])

    response = client.post("/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/de/dashboard/"
    assert response.cookies["django_language"].value == "de"


def test_a_personal_language_overrides_the_organization_default(client):
    user = PartnerUserFactory(organization=OrganizationFactory(preferred_language="de"), roles=["sales"])
    user.membership.preferred_language = "fr"
    user.membership.save()

    response = client.post("/login/", {"username": user.username, "password": PASSWORD})

    assert response["Location"] == "/fr/dashboard/"


def test_the_switcher_moves_to_the_same_page_in_another_language(client):
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/search/"})

    assert response.status_code == 302
    assert response["Location"] == "/de/search/"
