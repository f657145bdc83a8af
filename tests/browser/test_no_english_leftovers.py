"""No English leftovers: every partner view, in French, for every demo role
that may open it, shows no text from the English catalog where the French
catalog has a translation (a string left out of gettext, or formatted before
the language was known, shows up here). Wagtail pages are left out: their
text is content, translated (or shown in English with a note) through
wagtail-localize."""

import glob
from html.parser import HTMLParser

import polib
import pytest
from django.test import Client
from django.utils.translation import override
from wagtail.models import Locale, Page

from tests.conftest import REPO

from .test_partner_pages import ALL_ROLES, PAGE_TYPES

#: page types served by Wagtail (content, not interface)
CONTENT_PAGE_TYPES = {"home", "section", "announcement", "library", "asset", "co-branded template", "form", "course"}

#: tags inside a sentence (a search highlight splits none)
INLINE_TAGS = ("mark", "em", "strong", "b", "i", "abbr", "code")
#: attributes people read (or hear)
READ_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")


def english_with_french_translation() -> set[str]:
    """Whole English strings the French catalogs translate differently
    (strings with placeholders are left to the catalog tests)."""
    strings = set()
    for path in [REPO / "locale/fr/LC_MESSAGES/django.po", *glob.glob(str(REPO / "*/locale/fr/LC_MESSAGES/django.po"))]:
        for entry in polib.pofile(str(path)):
            if entry.obsolete or entry.msgid_plural or not entry.msgstr or entry.msgstr == entry.msgid:
                continue
            if "%" in entry.msgid or "{" in entry.msgid or len(entry.msgid) < 3:
                continue
            strings.add(entry.msgid)
    return strings


class ReadText(HTMLParser):
    """The text a French reader gets: text and read attributes, outside
    scripts and outside elements marked as another language (the language
    switcher names each language in itself)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.languages: list[tuple[str, str | None]] = []
        self.skip = 0
        self.buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag not in INLINE_TAGS:
            self.flush()
        if tag in ("script", "style", "template"):
            self.skip += 1
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source"):
            self.languages.append((tag, attributes.get("lang")))
        if self.foreign():
            return
        self.texts.extend(attributes[name] for name in READ_ATTRIBUTES if attributes.get(name))
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.texts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag not in INLINE_TAGS:
            self.flush()
        if tag in ("script", "style", "template"):
            self.skip = max(self.skip - 1, 0)
        for index in range(len(self.languages) - 1, -1, -1):
            if self.languages[index][0] == tag:
                del self.languages[index:]
                break

    def foreign(self) -> bool:
        declared = [language for _tag, language in self.languages if language]
        return bool(declared) and not declared[-1].startswith("fr")

    def handle_data(self, data):
        if not self.skip and not self.foreign():
            self.buffer.append(data)

    def flush(self):
        text = "".join(self.buffer)
        self.buffer = []
        if text.strip():
            self.texts.append(text)


def french_url(url: str) -> str:
    """The French address of a portal view or of a page's French translation."""
    path = url.split("?")[0]
    for candidate in Page.objects.live().filter(locale__language_code="en"):
        if candidate.url == path and path != "/":
            translation = candidate.get_translation_or_none(Locale.objects.get(language_code="fr"))
            if translation is not None and translation.live:
                return translation.url + url[len(path) :]
            break
    return f"/fr{url}"


@pytest.fixture(scope="module")
def english_strings():
    return english_with_french_translation()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_partner_pages_in_french_show_no_english_catalog_string(demo, role, english_strings):
    client = Client()
    client.force_login(demo.role_user(role))
    leftovers = []
    for page_type in PAGE_TYPES:
        if role not in page_type.roles or page_type.name in CONTENT_PAGE_TYPES:
            continue
        with override("en"):
            url = french_url(page_type.url(demo))
        response = client.get(url, follow=True)
        assert response.status_code == page_type.status, (page_type.name, url, response.status_code)
        reader = ReadText()
        reader.feed(response.content.decode())
        reader.close()
        reader.flush()
        found = sorted({text.strip() for text in reader.texts if text.strip() in english_strings})
        leftovers.extend(f"{page_type.name} ({url}): {text!r}" for text in found)
    assert leftovers == [], f"English left on French pages for {role}:\n" + "\n".join(leftovers)
