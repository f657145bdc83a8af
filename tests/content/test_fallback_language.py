"""Page text shown in another language than the reader's (an untranslated page
falls back to English) carries that language, so screen readers pronounce it
right (WCAG 3.1.2); translated text carries none."""

import re

import pytest
from django.test import Client

from content.models import SectionPage
from tests.content.localization import translate_page
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.content import publish_page

pytestmark = pytest.mark.django_db


def french_reader():
    client = Client()
    client.force_login(PartnerUserFactory(organization=OrganizationFactory(preferred_language="fr"), roles=["sales"]))
    return client


def heading(html: str) -> str:
    return re.search(r"<h1[^>]*>.*?</h1>", html, re.S).group(0)


def pricing_section(home_page):
    return publish_page(
        home_page,
        SectionPage,
        title="Pricing",
        slug="pricing",
        show_in_menus=True,
        intro="<p>Prices change on the first of the month.</p>",
    )


def test_a_french_reader_sees_an_english_only_page_marked_english(home_page):
    pricing_section(home_page)

    page = french_reader().get("/fr/pricing/")

    assert page.status_code == 200
    assert heading(page.text) == '<h1 lang="en">Pricing</h1>'
    assert '<div class="intro" lang="en"><p>Prices change on the first of the month.</p></div>' in page.text
    assert '<span lang="en">Pricing</span>' in page.text  # the section in the navigation
    assert '<html lang="fr"' in page.text


def test_a_translated_page_has_no_language_of_its_own(home_page):
    section = pricing_section(home_page)
    translate_page(section, "fr", {"Pricing": "Tarifs", "Prices change on the first of the month.": "Nouveaux prix."})

    page = french_reader().get("/fr/pricing/")

    assert page.status_code == 200
    assert heading(page.text) == "<h1>Tarifs</h1>"
    assert '<div class="intro"><p>Nouveaux prix.</p></div>' in page.text
    assert '<span lang="en">' not in page.text


def test_an_english_reader_of_the_english_page_sees_no_language_mark(home_page):
    pricing_section(home_page)
    client = Client()
    client.force_login(PartnerUserFactory(organization=OrganizationFactory(preferred_language="en"), roles=["sales"]))

    page = client.get("/pricing/")

    assert page.status_code == 200
    assert heading(page.text) == "<h1>Pricing</h1>"
