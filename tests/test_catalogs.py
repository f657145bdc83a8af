"""The French and German catalogs are complete: extracting the interface
strings again (``make messages``) into a copy of the project finds none that
the committed catalogs lack, leave untranslated or mark fuzzy."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

REPO = Path(__file__).resolve().parent.parent
#: languages whose partner-facing interface must be complete
COMPLETE_LANGUAGES = ("fr", "de")
#: what ``make messages`` passes to makemessages (kept in step with the Makefile)
MAKEMESSAGES_ARGS = [
    "--no-location",
    "--no-wrap",
    "--ignore=.venv/*",
    "--ignore=.services/*",
    "--ignore=tests/*",
    "--ignore=bench/*",
    "--ignore=*/migrations/*",
]
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", ".services", "media", "static", "__pycache__", "*.mo", "db.sqlite3"
)


def extracted_catalog(tmp_path: Path, language: str) -> polib.POFile:
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
    return polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_every_interface_string_is_translated(tmp_path, language):
    catalog = extracted_catalog(tmp_path, language)

    assert len(catalog) > 100
    missing = [entry.msgid for entry in catalog if not entry.obsolete and not entry.translated()]
    fuzzy = [entry.msgid for entry in catalog if "fuzzy" in entry.flags and not entry.obsolete]
    assert missing == [], f"{len(missing)} strings are not translated into {language}; run make messages"
    assert fuzzy == [], f"{len(fuzzy)} {language} translations are marked fuzzy"


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_the_committed_catalog_is_complete_and_compiles(language):
    path = REPO / "locale" / language / "LC_MESSAGES" / "django.po"
    catalog = polib.pofile(str(path))

    assert [entry.msgid for entry in catalog.untranslated_entries()] == []
    assert [entry.msgid for entry in catalog.fuzzy_entries()] == []
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
