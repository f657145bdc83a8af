"""Content translation with wagtail-localize: the locales, PO files, the
fallback mark, the translation status, and what the Localization group may do."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client, TestCase
from django.urls import reverse
from wagtail.models import Locale
from wagtail_localize.models import LocaleSynchronization

from content.models import SectionPage
from programs.models import Tier
from tests.content.localization import (
    download_po,
    page_translation,
    publish_translation,
    submit_for_translation,
    translate_page,
    upload_po,
)
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.content import publish_page, republish

pytestmark = pytest.mark.django_db


def staff_client(group_name):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    client = Client()
    client.force_login(user)
    return client


def partner_client(**organization_fields):
    client = Client()
    client.force_login(PartnerUserFactory(organization=OrganizationFactory(**organization_fields), roles=["sales"]))
    return client


def refused(response) -> bool:
    """Wagtail's admin answers a permission error with a redirect to its dashboard."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def pricing_section(home_page, **fields):
    fields.setdefault("intro", "<p>Prices change on the first of the month.</p>")
    return publish_page(home_page, SectionPage, title="Pricing", slug="pricing", **fields)


def test_english_french_german_spanish_and_japanese_follow_the_english_tree():
    assert set(Locale.objects.values_list("language_code", flat=True)) == {"en", "fr", "de", "es", "ja"}
    synchronized = LocaleSynchronization.objects.select_related("locale", "sync_from")
    assert {(sync.locale.language_code, sync.sync_from.language_code) for sync in synchronized} == {
        ("fr", "en"),
        ("de", "en"),
        ("es", "en"),
        ("ja", "en"),
    }


def test_a_po_export_and_import_changes_the_french_page(home_page):
    section = pricing_section(home_page)
    translator = staff_client("Localization")
    translation = submit_for_translation(translator, section, "fr")

    po = download_po(translator, translation)
    assert {entry.msgid for entry in po} >= {"Pricing", "Prices change on the first of the month."}
    for entry in po:
        entry.msgstr = {
            "Pricing": "Tarifs",
            "pricing": "tarifs",
            "Prices change on the first of the month.": "Les tarifs changent le premier du mois.",
        }.get(entry.msgid, "")
    upload_po(translator, translation, po)
    publish_translation(translator, translation)

    page = partner_client(preferred_language="fr").get("/fr/tarifs/")
    assert page.status_code == 200
    assert "Les tarifs changent le premier du mois." in page.text
    assert "<h1>Tarifs</h1>" in page.text


def test_untranslated_texts_fall_back_to_english_with_a_mark(home_page):
    section = pricing_section(home_page, intro="<p>Prices change on the first of the month.</p><p>Ask your CAM.</p>")
    translate_page(section, "fr", {"Pricing": "Tarifs", "Prices change on the first of the month.": "Nouveaux prix."})

    page = partner_client().get("/fr/pricing/")

    assert page.status_code == 200
    assert "Nouveaux prix." in page.text and "Ask your CAM." in page.text
    assert "Certaines parties de cette page ne sont pas encore traduites" in page.text


def test_the_localization_team_sees_progress_and_changed_sources(home_page):
    section = pricing_section(home_page, intro="<p>Prices change on the first of the month.</p><p>Ask your CAM.</p>")
    translate_page(section, "fr", {"Pricing": "Tarifs", "pricing": "tarifs"})
    translator = staff_client("Localization")
    url = reverse("content_translation_status")

    report = translator.get(url)
    assert report.status_code == 200
    row = report.text[report.text.index(">Pricing<") :]
    row = row[: row.index("</tr>")]
    assert 'data-locale="fr">\n                50 %' in row
    assert 'data-locale="de">\n                Not started' in row
    assert "out of date" not in row

    assert 'data-summary="fr">\n                0 of 2 translated' in report.text  # the home page and Pricing

    republish(section, intro="<p>Prices change every quarter.</p>")
    assert "1 out of date" in translator.get(url).text
    row = translator.get(url).text
    row = row[row.index(">Pricing<") :]
    assert "out of date" in row[: row.index("</tr>")]

    assert refused(staff_client("Finance").get(url))


def test_translators_translate_but_do_not_author_pages_or_see_partner_records(home_page):
    section = pricing_section(home_page)
    translator = staff_client("Localization")

    for url in (
        reverse("wagtailadmin_pages:edit", args=[section.pk]),
        reverse("wagtailadmin_pages:add_subpage", args=[home_page.pk]),
        reverse("wagtailsnippets_programs_partnerorganization:list"),
        "/admin/deals/registrations/",
    ):
        assert refused(translator.get(url)), url

    translator.post(reverse("wagtailadmin_pages:unpublish", args=[section.pk]))
    section.refresh_from_db()
    assert section.live

    translation = submit_for_translation(translator, section, "de")
    french_edit = translator.get(reverse("wagtailadmin_pages:edit", args=[translation.get_target_instance().pk]))
    assert french_edit.status_code == 200


def test_translators_translate_a_tiers_public_name_and_description():
    gold = TierFactory(name="Gold", description="Our best partners.", discount_percent=20)
    translator = staff_client("Localization")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = translator.post(
            reverse("wagtail_localize:submit_snippet_translation", args=["programs", "tier", gold.pk]),
            {"locales": [Locale.objects.get(language_code="fr").pk]},
        )
    assert response.status_code == 302
    translation = page_translation(gold, "fr")
    po = download_po(translator, translation)
    assert {entry.msgid for entry in po} == {"Gold", "Our best partners."}  # not its colour
    for entry in po:
        entry.msgstr = {"Gold": "Or", "Our best partners.": "Nos meilleurs partenaires."}.get(entry.msgid, "")
    upload_po(translator, translation, po)
    french = Tier.objects.get(translation_key=gold.translation_key, locale__language_code="fr")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = translator.post(
            reverse("wagtailsnippets_programs_tier:edit", args=[french.pk]), {"action": "publish"}
        )
    assert response.status_code in (200, 302)

    french.refresh_from_db()
    assert (french.name, french.description) == ("Or", "Nos meilleurs partenaires.")
    assert french.discount_percent == gold.discount_percent and french.rank == gold.rank
    # The English tier, with its rules, stays out of the translator's reach.
    assert refused(translator.get(reverse("wagtailsnippets_programs_tier:edit", args=[gold.pk])))


def test_the_audience_follows_the_source_page_into_its_translations(home_page):
    gold, silver = TierFactory(name="Gold"), TierFactory(name="Silver")
    section = pricing_section(home_page, audience_tiers=[gold])
    translate_page(section, "fr", {"Pricing": "Tarifs", "pricing": "tarifs"})

    assert partner_client(tier=gold).get("/fr/tarifs/").status_code == 200
    assert partner_client(tier=silver).get("/fr/tarifs/").status_code == 404

    section = republish(section, audience_tiers=[silver])
    translate_page(section, "fr", {"Pricing": "Tarifs", "pricing": "tarifs"})  # "Sync translated pages"
    assert partner_client(tier=gold).get("/fr/tarifs/").status_code == 404
    assert partner_client(tier=silver).get("/fr/tarifs/").status_code == 200


def test_every_page_type_can_be_submitted_for_translation(home_page):
    from content.models import AnnouncementPage, CobrandTemplatePage, FormPage, LibraryPage
    from tests.content.test_cobranding import flyer
    from tests.factories.content import publish_asset

    section = pricing_section(home_page)
    library = publish_page(section, LibraryPage, title="Library", slug="library", intro="<p>All assets.</p>")
    pages = [
        section,
        library,
        publish_asset(library, title="Price list"),
        publish_page(section, AnnouncementPage, title="News", slug="news", summary="New prices."),
        publish_page(section, FormPage, title="Contact", slug="contact", intro="<p>Write to us.</p>"),
        flyer(section),
    ]
    for page in pages:
        translated = translate_page(page, "de", {})
        assert translated.locale.language_code == "de" and translated.live, page
    german_flyer = CobrandTemplatePage.objects.get(locale__language_code="de")
    assert [field.name for field in german_flyer.free_fields.all()] == ["headline"]


def test_a_translated_form_keeps_its_recipients_and_answer_keys(home_page):
    from content.models import FormField, FormPage

    form = FormPage(title="Contact", slug="contact", to_address="channel@acme.example", subject="Partner question")
    form.form_fields = [FormField(label="Your question", field_type="multiline", required=True)]
    home_page.add_child(instance=form)
    form.save_revision().publish()

    german = translate_page(
        FormPage.objects.get(pk=form.pk), "de", {"Your question": "Ihre Frage", "Partner question": "Partnerfrage"}
    )

    assert (german.to_address, german.subject) == ("channel@acme.example", "Partnerfrage")
    assert [(field.label, field.clean_name) for field in german.form_fields.all()] == [("Ihre Frage", "your_question")]
    page = partner_client().get(german.url)
    assert page.status_code == 200 and "Ihre Frage" in page.text
