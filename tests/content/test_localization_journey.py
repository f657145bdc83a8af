"""The localization issue's "done when": a member of the Localization group
(not a superuser) translates a new Gold section and its co-branded flyer into
French only in the admin (PO files through wagtail-localize); a French Gold
partner reads the section under /fr/, finds it in French through the search
(in English, marked, before it was translated) and downloads the flyer in
French; a Silver partner still reaches neither, in French either."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, rich_text, streamfield

from content.models import CobrandTemplatePage, SectionPage
from content.rendering import pdf_text
from tests.content.localization import page_translation, publish_translation, submit_for_translation, translate_with_po
from tests.content.test_channel_marketer_journey import add_page
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory

FRENCH = {
    "Gold corner": "Espace Gold",
    "For Gold partners only.": "Réservé aux partenaires Gold.",
    "Gold flyer": "Prospectus Gold",
    "Your storage partner:": "Votre partenaire stockage :",
    "Headline": "Titre",
    "gold-corner": "espace-gold",
    "gold-flyer": "prospectus-gold",
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_translator_brings_a_gold_section_to_french_gold_partners(celery_worker, search_indexes, home_page, wait_for):
    gold, silver = TierFactory(name="Gold"), TierFactory(name="Silver")
    marketer = UserFactory()
    marketer.groups.add(Group.objects.get(name="Marketing"))
    marketing = Client()
    marketing.force_login(marketer)
    add_page(
        marketing,
        "sectionpage",
        home_page,
        {
            "title": "Gold corner",
            "slug": "gold-corner",
            "intro": rich_text("<p>For Gold partners only.</p>"),
            "body": streamfield([]),
            "show_in_menus": "on",
            "audience_tiers": [gold.pk],
        },
    )
    section = SectionPage.objects.get(slug="gold-corner", locale__language_code="en")
    add_page(
        marketing,
        "cobrandtemplatepage",
        section,
        {
            "title": "Gold flyer",
            "slug": "gold-flyer",
            "kind": "flyer",
            "summary": "",
            "html": "<p>Your storage partner:</p><p>{{ partner.name }}</p><h1>{{ field.headline }}</h1>",
            "css": "@page { size: A6; } body { font-family: DejaVu Sans; }",
            "text": "",
            "image_width": 600,
            "image_height": "",
            "free_fields": inline_formset([{"name": "headline", "label": "Headline", "max_length": 30, "default": ""}]),
        },
    )
    flyer = CobrandTemplatePage.objects.get(slug="gold-flyer", locale__language_code="en")

    # The synchronized French tree shows the new section at once, in English, marked as such.
    french_gold = Client()
    french_gold.force_login(
        PartnerUserFactory(
            organization=OrganizationFactory(name="Orly Stockage", tier=gold, preferred_language="fr"),
            roles=["marketing"],
        )
    )
    before = french_gold.get("/fr/gold-corner/")
    assert before.status_code == 200
    assert "For Gold partners only." in before.text
    assert "pas encore traduite" in before.text
    # The section and its flyer reach the index one outbox row at a time: wait for both.
    # ("gold": both titles hold it; every word of a longer query is required)
    english_hits = {("Gold corner", True), ("Gold flyer", True)}
    wait_for(
        lambda: hit_titles(french_gold, "gold") == english_hits,
        timeout=30,
        message=f"{english_hits} in French search",
    )

    translator = UserFactory()
    translator.groups.add(Group.objects.get(name="Localization"))
    localization = Client()
    localization.force_login(translator)
    submit_for_translation(localization, section, "fr", include_subtree=True)
    for source in (section, flyer):
        translation = page_translation(source, "fr")
        assert translate_with_po(localization, translation, FRENCH) == []
        publish_translation(localization, translation)

    page = french_gold.get("/fr/espace-gold/")
    assert page.status_code == 200
    assert "Réservé aux partenaires Gold." in page.text and "Espace Gold" in page.text
    assert "For Gold partners only." not in page.text
    assert "traduite" not in page.text  # nothing is left in English
    french_flyer = CobrandTemplatePage.objects.get(translation_key=flyer.translation_key, locale__language_code="fr")
    assert "Prospectus Gold" in french_gold.get(french_flyer.url).text
    found = wait_for(
        lambda: [hit for hit in search_hits(french_gold, "espace gold") if hit["title"] == "Espace Gold"],
        timeout=30,
        message="the French section in French search",
    )
    assert found[0]["in_other_language"] is False and found[0]["url"].startswith("/fr/")
    # The French flyer is indexed after the section: the English originals are hidden once both are.
    wait_for(
        lambda: {"Espace Gold", "Prospectus Gold"} <= {title for title, _ in hit_titles(french_gold, "gold")},
        timeout=30,
        message="the French section and flyer in French search",
    )
    assert not {"Gold corner", "Gold flyer"} & {title for title, _ in hit_titles(french_gold, "gold")}

    started = french_gold.post(
        reverse("content:cobrand_generate", args=[french_flyer.pk]), {"field_headline": "Sauvegardes rapides"}
    )
    assert started.status_code == 202, started.content
    status_url = started.json()["status_url"]
    done = wait_for(
        lambda: (state := french_gold.get(status_url).json())["status"] in ("done", "failed") and state,
        timeout=30,
        message="the French flyer",
    )
    assert done["status"] == "done", done
    text = " ".join(pdf_text(b"".join(french_gold.get(done["pdf_url"]).streaming_content)).split())
    assert "Votre partenaire stockage" in text and "Orly Stockage" in text and "Sauvegardes rapides" in text

    silver_partner = Client()
    silver_partner.force_login(
        PartnerUserFactory(organization=OrganizationFactory(tier=silver, preferred_language="fr"), roles=["marketing"])
    )
    for url in ("/fr/espace-gold/", french_flyer.url):
        assert silver_partner.get(url).status_code == 404, url
    assert search_hits(silver_partner, "espace gold") == []
    assert silver_partner.post(reverse("content:cobrand_generate", args=[french_flyer.pk])).status_code == 404


def search_hits(client, query) -> list[dict]:
    return client.get("/fr/search/api/", {"q": query}).json()["hits"]


def hit_titles(client, query) -> set[tuple[str, bool]]:
    return {(hit["title"], hit["in_other_language"]) for hit in search_hits(client, query)}
