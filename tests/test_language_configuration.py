"""Adding a language is configuration: a locale added in the admin appears in
the partners' language switcher and on the strings screen, without code; search
analyses every portal language, with a plain fallback where the engine has no
stemmer for it."""

import uuid

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.models import Locale

from search.documents import LANGUAGE_ANALYSIS
from search.services import documents_index_ensure
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db

ARABIC_OPTION = '<option value="ar" lang="ar">العربيّة</option>'


def test_a_locale_added_in_the_admin_appears_in_the_switcher_and_on_the_strings_screen():
    partner = Client()
    partner.force_login(PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"]))
    translator = UserFactory(username=f"translator-{uuid.uuid4().hex[:12]}")
    translator.groups.add(Group.objects.get(name="Localization"))
    localization = Client()
    localization.force_login(translator)
    assert ARABIC_OPTION not in partner.get("/menu/").text
    assert '<option value="ar">' not in localization.get("/admin/interface-strings/").text

    admin = Client()
    admin.force_login(UserFactory(username=f"admin-{uuid.uuid4().hex[:12]}", is_superuser=True, is_staff=True))
    response = admin.post("/admin/locales/new/", {"language_code": "ar"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Locale.objects.filter(language_code="ar").exists()

    assert ARABIC_OPTION in partner.get("/menu/").text
    arabic = partner.get("/ar/dashboard/").text
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "تسجيل صفقة" in arabic
    assert '<option value="ar">' in localization.get("/admin/interface-strings/").text
    assert localization.get("/admin/interface-strings/", {"language": "ar"}).status_code == 200


def test_every_portal_language_is_analysed_with_a_plain_fallback_without_a_stemmer(settings, search_indexes):
    assert set(LANGUAGE_ANALYSIS) == {code for code, _name in settings.LANGUAGES}
    assert LANGUAGE_ANALYSIS["ja"] == (None, None)
    index = documents_index_ensure()

    def tokens(language: str, text: str) -> list[str]:
        analysed = search_indexes.indices.analyze(index=index, field=f"localized.{language}.body", text=text)
        return [token["token"] for token in analysed["tokens"]]

    # Arabic: the engine's Arabic stop words, no stemmer (the words stay whole).
    assert tokens("ar", "هذه الشروط الجديدة") == ["الشروط", "الجديدة"]
    # English: stop words and hunspell stemming.
    assert tokens("en", "The partners") == ["partner"]
