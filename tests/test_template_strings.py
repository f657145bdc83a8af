"""Partner-facing templates hold no text outside {% translate %} and
{% blocktranslate %}: anything a partner reads goes through the catalogs."""

import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

REPO = Path(__file__).resolve().parent.parent
#: templates partners see (vendor admin templates live under templates/<app>/admin/)
PARTNER_TEMPLATES = sorted(
    path
    for pattern in ("*/templates/**/*.html", "*/templates/**/*.txt", "site/*/templates/**/*.html")
    for path in REPO.glob(pattern)
    if "/admin/" not in path.as_posix() and ".venv" not in path.parts
)
#: literal text that is the same in every language
ALLOWED = {"©", "HTML", "PDF", "PNG", "home-page"}  # home-page: a CSS class (body_class block)
TEXT_ATTRIBUTES = re.compile(r"""\b(?:title|alt|placeholder|aria-label)\s*=\s*(["'])(.*?)\1""", re.S)
LETTERS = re.compile(r"[^\W\d_]{2,}")
MARK = "\x00"


def untranslated_text(source: str) -> list[str]:
    """Literal text of ``source`` outside translation tags: text between HTML
    tags and the values of text attributes (title, alt, placeholder, aria-label)."""
    parts = []
    in_translation_block = False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans"):
                in_translation_block = True
            elif name in ("endblocktranslate", "endblocktrans"):
                in_translation_block = False
        if token.token_type == TokenType.TEXT and not in_translation_block:
            parts.append(token.contents)
        else:
            parts.append(MARK)
    text = re.sub(r"<(script|style)\b.*?</\1>", MARK, "".join(parts), flags=re.S | re.I)
    found = [value for _quote, value in TEXT_ATTRIBUTES.findall(text) if LETTERS.search(value.replace(MARK, " "))]
    text = re.sub(r"<!DOCTYPE[^>]*>|<[^>]*>", MARK, text)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    for piece in text.split(MARK):
        piece = " ".join(piece.split())
        if piece and LETTERS.search(piece) and piece not in ALLOWED:
            found.append(piece)
    return found


def test_partner_templates_are_found():
    names = {path.name for path in PARTNER_TEMPLATES}
    assert {"base.html", "dashboard.html", "deal_form.html", "library_page.html", "login.html"} <= names


@pytest.mark.parametrize("path", PARTNER_TEMPLATES, ids=lambda path: str(path.relative_to(REPO)))
def test_partner_template_has_no_untranslated_text(path):
    assert untranslated_text(path.read_text()) == []


def test_the_check_finds_literal_text():
    assert untranslated_text('<p>Hello {{ name }}</p><img alt="Logo">{% translate "Fine" %}') == ["Logo", "Hello"]
    assert untranslated_text('<a class="card" href="{% url "x" %}" title="{% translate "Go" %}">{{ page }}</a>') == []
