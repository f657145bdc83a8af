"""Interface strings in the admin: a Localization team member rewords a
partner button in French and partners read it on their next request (the
version travels through the real Redis cache); every change is recorded and
reverts; the screen belongs to the Localization group."""

import re
import uuid

import polib
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from interface_strings import overrides
from interface_strings.catalogs import string_key
from interface_strings.models import StringChange, StringTranslation
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory

pytestmark = pytest.mark.django_db

BUTTON = "Register a deal"
CATALOG_FRENCH = "Enregistrer une affaire"
NEW_FRENCH = "Déclarer une opportunité"
INDEX = "/admin/interface-strings/"


def staff_client(group_name: str) -> tuple[Client, object]:
    # An explicit user name: the factory's get-or-create could hand back another test user.
    user = UserFactory(username=f"staff-{uuid.uuid4().hex[:12]}", first_name="Léa", last_name="Martin")
    user.groups.add(Group.objects.get(name=group_name))
    client = Client()
    client.force_login(user)
    return client, user


@pytest.fixture
def translator():
    return staff_client("Localization")


@pytest.fixture
def partner():
    client = Client()
    client.force_login(PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"]))
    return client


@pytest.fixture(autouse=True)
def applied_translations_follow_the_database():
    """A test's rollback removes its publications; the layer follows on the next check."""
    yield
    overrides.ensure_current()


def edit_url(language: str, msgid: str) -> str:
    return f"{INDEX}{language}/{string_key(msgid=msgid)}/"


def refused(response) -> bool:
    """Wagtail's admin answers a permission error with a redirect to its dashboard."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def test_a_french_button_reworded_in_the_admin_shows_on_the_next_request_and_reverts(
    translator, partner, django_capture_on_commit_callbacks
):
    client, user = translator
    assert CATALOG_FRENCH in partner.get("/fr/dashboard/").content.decode()

    listing = client.get(INDEX, {"language": "fr", "q": BUTTON})
    assert listing.status_code == 200
    assert edit_url("fr", BUTTON) in listing.content.decode()
    assert CATALOG_FRENCH in listing.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url("fr", BUTTON), {"form_0": NEW_FRENCH, "publish": ""}, follow=True)
    assert "Published: partners read the new wording on their next page." in response.content.decode()

    # The version every server checks is in the real Redis cache.
    assert overrides.cache.get(overrides.VERSION_KEY) == overrides.published_version() != "0"
    dashboard = partner.get("/fr/dashboard/").content.decode()
    assert NEW_FRENCH in dashboard
    assert CATALOG_FRENCH not in dashboard
    assert "Register a deal" in partner.get("/dashboard/").content.decode()  # English unchanged

    change = StringChange.objects.get(action=StringChange.Action.PUBLISHED)
    assert (change.user, change.before, change.after, change.live) == (user, None, [NEW_FRENCH], True)
    history = client.get(edit_url("fr", BUTTON)).content.decode()
    assert "Léa Martin" in history and NEW_FRENCH in history

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{INDEX}changes/{change.pk}/revert/", follow=True)
    assert "Reverted: partners read the earlier wording on their next page." in response.content.decode()
    dashboard = partner.get("/fr/dashboard/").content.decode()
    assert CATALOG_FRENCH in dashboard and NEW_FRENCH not in dashboard
    reverted = StringChange.objects.get(action=StringChange.Action.REVERTED)
    assert (reverted.user, reverted.before, reverted.after) == (user, [NEW_FRENCH], None)


def test_a_draft_is_not_shown_until_the_language_is_published(translator, partner, django_capture_on_commit_callbacks):
    client, _user = translator
    response = client.post(edit_url("fr", BUTTON), {"form_0": NEW_FRENCH, "save": ""}, follow=True)
    assert "Draft saved." in response.content.decode()
    assert CATALOG_FRENCH in partner.get("/fr/dashboard/").content.decode()

    drafts = client.get(INDEX, {"language": "fr", "state": "draft"}).content.decode()
    assert "Publish 1 French draft" in drafts
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{INDEX}fr/publish/", follow=True)
    assert "1 draft published: partners read it on their next page." in response.content.decode()
    assert NEW_FRENCH in partner.get("/fr/dashboard/").content.decode()


def test_a_translation_that_drops_a_placeholder_is_refused_and_nothing_is_stored(translator):
    client, _user = translator
    msgid = "%(count)s of %(total)s"
    source = "Hello %(name)s"
    # Any catalog string with a named placeholder will do: find one.
    catalog = polib.pofile("locale/fr/LC_MESSAGES/django.po")
    entry = next(e for e in catalog if re.search(r"%\(\w+\)s", e.msgid) and not e.msgid_plural and not e.msgctxt)
    msgid, source = entry.msgid, entry.msgstr

    response = client.post(edit_url("fr", msgid), {"form_0": "Sans valeur", "publish": ""})

    assert response.status_code == 200
    assert "Keep %(" in response.content.decode()
    assert StringTranslation.objects.count() == 0
    assert source  # the catalog's translation stays in force


def test_po_export_and_import_for_agencies(translator, partner, django_capture_on_commit_callbacks):
    client, user = translator
    exported = client.get(f"{INDEX}fr/export/")
    assert exported.status_code == 200
    assert exported["Content-Disposition"] == 'attachment; filename="portal-fr.po"'
    catalog = polib.pofile(exported.content.decode())
    assert catalog.find(BUTTON).msgstr == CATALOG_FRENCH

    catalog.find(BUTTON).msgstr = NEW_FRENCH
    upload = SimpleUploadedFile("agency-fr.po", str(catalog).encode(), content_type="text/x-gettext-translation")
    response = client.post(f"{INDEX}fr/import/", {"po_file": upload}, follow=True)

    assert "Imported: 1 changed translations are drafts to review and publish" in response.content.decode()
    row = StringTranslation.objects.get(language="fr", msgid=BUTTON)
    assert (row.draft, row.published) == ([NEW_FRENCH], None)
    assert StringChange.objects.get().action == StringChange.Action.IMPORTED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{INDEX}fr/publish/")
    assert NEW_FRENCH in partner.get("/fr/dashboard/").content.decode()

    german = SimpleUploadedFile("agency-de.po", exported.content.replace(b"Language: fr", b"Language: de"))
    response = client.post(f"{INDEX}fr/import/", {"po_file": german}, follow=True)
    assert "This file is for the language “de”, not “fr”." in response.content.decode()
    not_po = SimpleUploadedFile("notes.po", b"\xff\xfe not a catalog")
    response = client.post(f"{INDEX}fr/import/", {"po_file": not_po}, follow=True)
    assert "could not be read as a PO file" in response.content.decode()


def test_a_po_file_with_one_bad_translation_imports_nothing(translator):
    client, _user = translator
    catalog = polib.pofile(client.get(f"{INDEX}fr/export/").content.decode())
    catalog.find(BUTTON).msgstr = NEW_FRENCH
    placeholder = next(
        entry
        for entry in catalog
        if re.search(r"%\(\w+\)s", entry.msgid) and not entry.msgid_plural and "fuzzy" not in entry.flags
    )
    placeholder.msgstr = "Sans valeur"
    # After the good one: the good draft is written before the bad entry is met.
    catalog.remove(placeholder)
    catalog.append(placeholder)
    upload = SimpleUploadedFile("agency-fr.po", str(catalog).encode())

    response = client.post(f"{INDEX}fr/import/", {"po_file": upload}, follow=True)

    assert "Nothing was imported." in response.content.decode()
    assert "Keep %(" in response.content.decode()
    assert StringTranslation.objects.count() == 0
    assert StringChange.objects.count() == 0


def test_strings_a_release_adds_appear_untranslated(translator, settings, tmp_path):
    client, _user = translator
    folder = tmp_path / "locale"
    for language in ("fr", "es"):
        catalog = polib.POFile()
        catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
        catalog.append(polib.POEntry(msgid="Track your rebates in real time", msgstr=""))
        (folder / language / "LC_MESSAGES").mkdir(parents=True)
        catalog.save(str(folder / language / "LC_MESSAGES" / "django.po"))
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, folder]

    for language in ("fr", "es"):
        query = {"language": language, "state": "untranslated", "q": "rebates in real"}
        listing = client.get(INDEX, query).content.decode()
        assert "Track your rebates in real time" in listing
        assert edit_url(language, "Track your rebates in real time") in listing


def test_only_the_localization_group_reaches_the_strings_screen(translator, partner):
    client, _user = translator
    change_url = edit_url("fr", BUTTON)
    assert client.get(INDEX).status_code == 200
    assert client.get(change_url).status_code == 200
    assert "Interface strings" in client.get("/admin/").content.decode()

    for group in ("Channel ops", "Channel account managers", "Finance", "Marketing"):
        outsider, _user = staff_client(group)
        assert refused(outsider.get(INDEX)), group
        assert refused(outsider.get(change_url)), group
        assert refused(outsider.get(f"{INDEX}fr/export/")), group
        assert refused(outsider.post(change_url, {"form_0": NEW_FRENCH, "publish": ""})), group
        assert refused(outsider.post(f"{INDEX}fr/publish/")), group
        assert "Interface strings" not in outsider.get("/admin/").content.decode()
    assert StringTranslation.objects.count() == 0

    for response in (partner.get(INDEX), partner.get(change_url), Client().get(INDEX)):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
