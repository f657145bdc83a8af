"""The French, German, Spanish, Japanese and Arabic catalogs are complete: extracting the interface
strings again (``make messages``) into a copy of the project finds none that
the committed catalogs lack, leave untranslated or mark fuzzy."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

REPO = Path(__file__).resolve().parent.parent
#: languages whose partner-facing interface must be complete
COMPLETE_LANGUAGES = ("fr", "de", "es", "ja", "ar")
#: what ``make messages`` passes to makemessages (kept in step with the Makefile)
MAKEMESSAGES_ARGS = [
    "--no-location",
    "--no-wrap",
    "--ignore=.venv/*",
    "--ignore=.services/*",
    "--ignore=tests/*",
    "--ignore=bench/*",
    "--ignore=*/migrations/*",
    "--ignore=node_modules/*",
]
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".services", "node_modules", "media", "static", "__pycache__", "*.mo", "db.sqlite3"
)


def catalog_paths(root: Path, language: str) -> list[Path]:
    """The project catalog and those of apps with their own ``locale/`` folder
    (makemessages puts an app's strings there once the folder exists)."""
    return [root / "locale" / language / "LC_MESSAGES" / "django.po"] + sorted(
        root.glob(f"*/locale/{language}/LC_MESSAGES/django.po")
    )


def extracted_catalogs(tmp_path: Path, language: str) -> list[polib.POFile]:
    copy = tmp_path / "portal"
    if not copy.exists():
        shutil.copytree(REPO, copy, ignore=COPY_IGNORE)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", f"--locale={language}", *MAKEMESSAGES_ARGS],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [polib.pofile(str(path)) for path in catalog_paths(copy, language)]


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_every_interface_string_is_translated(tmp_path, language):
    catalogs = extracted_catalogs(tmp_path, language)

    assert len(catalogs[0]) > 100
    for catalog in catalogs:
        missing = [entry.msgid for entry in catalog if not entry.obsolete and not entry.translated()]
        fuzzy = [entry.msgid for entry in catalog if "fuzzy" in entry.flags and not entry.obsolete]
        where = catalog.fpath
        assert missing == [], f"{len(missing)} strings are not translated into {language} in {where}: {missing[:5]}"
        assert fuzzy == [], f"{len(fuzzy)} {language} translations are marked fuzzy in {where}: {fuzzy[:5]}"


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_the_committed_catalogs_are_complete_and_compile(language):
    for path in catalog_paths(REPO, language):
        catalog = polib.pofile(str(path))

        assert [entry.msgid for entry in catalog.untranslated_entries()] == [], path
        assert [entry.msgid for entry in catalog.fuzzy_entries()] == [], path
        result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_every_plural_form_of_the_language_is_filled(language):
    """A plural string has as many translations as the language has plural forms
    (Arabic six): gettext shows an empty form as the English text."""
    for path in catalog_paths(REPO, language):
        catalog = polib.pofile(str(path))
        nplurals = int(re.search(r"nplurals=(\d+)", catalog.metadata["Plural-Forms"]).group(1))

        incomplete = [
            entry.msgid
            for entry in catalog
            if entry.msgid_plural
            and not entry.obsolete
            and sorted(index for index, text in entry.msgstr_plural.items() if text) != list(range(nplurals))
        ]
        assert incomplete == [], (
            f"{path}: {len(incomplete)} plural strings lack some of {nplurals} forms: {incomplete[:5]}"
        )
