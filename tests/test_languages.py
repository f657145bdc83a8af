"""Language-prefixed URLs, the switcher, and the partner's own language."""

import pytest

from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


def test_english_is_at_the_root_and_french_under_fr(client, home_page):
    english = client.get("/login/").content.decode()
    french = client.get("/fr/login/").content.decode()

    assert "Log in to the partner portal" in english
    assert "Connexion au portail partenaires" in french
    assert '<html lang="fr" dir="ltr">' in french


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


def test_a_remembered_language_follows_unprefixed_links(client):
    organization = OrganizationFactory(preferred_language="de")
    user = PartnerUserFactory(organization=organization, roles=["sales"])
    client.post("/login/", {"username": user.username, "password": PASSWORD})

    response = client.get("/deals/?page=2")

    assert response.status_code == 302
    assert response["Location"] == "/de/deals/?page=2"
    assert client.get("/healthz/").status_code in (200, 503)  # not a partner page: never redirected


def test_choosing_english_again_stays_at_the_root(client):
    client.post("/i18n/setlang/", {"language": "fr", "next": "/deals/"})
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/fr/deals/"})

    assert response["Location"] == "/deals/"
    assert client.get("/apply/").status_code == 200


def test_the_switcher_finds_a_pages_translation_whatever_its_slug(client, home_page):
    from content.models import SectionPage
    from tests.content.localization import translate_page
    from tests.factories.content import publish_page

    section = publish_page(home_page, SectionPage, title="Pricing", slug="pricing")
    translate_page(section, "fr", {"Pricing": "Tarifs", "pricing": "tarifs"})
    client.force_login(PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"]))

    to_french = client.post("/i18n/setlang/", {"language": "fr", "next": "/pricing/"})
    to_english = client.post("/i18n/setlang/", {"language": "en", "next": "/fr/tarifs/"})

    assert to_french["Location"] == "/fr/tarifs/"
    assert to_english["Location"] == "/pricing/"
