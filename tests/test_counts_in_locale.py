"""Counts a reader sees (search results, library assets, facet buckets,
pages) are written with the reader's digit grouping, as money and dates are."""

import pytest
from django.template import Context, Template
from django.utils import translation

ASSET_COUNT = (
    "{% load humanize i18n %}"
    "{% blocktranslate count counter=number with shown=number|intcomma %}"
    "{{ shown }} asset{% plural %}{{ shown }} assets{% endblocktranslate %}"
)
RESULT_COUNT = (
    "{% load humanize i18n %}"
    "{% blocktranslate count counter=number with shown=number|intcomma query='pricing' %}"
    "{{ shown }} result for “{{ query }}”{% plural %}{{ shown }} results for “{{ query }}”{% endblocktranslate %}"
)


@pytest.mark.parametrize(
    ("language", "one", "assets", "results"),
    [
        ("en", "1 asset", "12,345 assets", "1,000,027 results for “pricing”"),
        ("fr", "1 ressource", "12\xa0345 ressources", "1\xa0000\xa0027 résultats pour « pricing »"),
        ("de", "1 Inhalt", "12.345 Inhalte", "1.000.027 Ergebnisse für „pricing“"),
        ("ja", "1 件の資料", "12,345 件の資料", "「pricing」の検索結果 1,000,027 件"),
    ],
)
def test_counts_are_grouped_as_the_reader_writes_numbers(language, one, assets, results):
    with translation.override(language):
        assert Template(ASSET_COUNT).render(Context({"number": 12345})) == assets
        assert Template(RESULT_COUNT).render(Context({"number": 1000027})) == results
        assert Template(ASSET_COUNT).render(Context({"number": 1})) == one
