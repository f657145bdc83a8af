"""A hit's snippet: the query's words marked in the first of the body, the
summary and the title that holds one (search.selectors), on the real
Elasticsearch."""

import pytest

from search.selectors import portal_search

pytestmark = pytest.mark.django_db


def snippets(user, query: str) -> dict[str, str]:
    return {hit.object_id: hit.snippet for hit in portal_search(user=user, query=query).hits}


def test_the_words_are_marked_in_the_body_where_it_holds_them(indexed, vendor_staff):
    indexed(
        "terms",
        title="Warranty terms",
        summary="What partners need to know.",
        body="The extended warranty covers parts and labour for three years.",
    )

    assert snippets(vendor_staff, "warranty labour") == {
        "terms": "The extended <mark>warranty</mark> covers parts and <mark>labour</mark> for three years."
    }


def test_the_summary_then_the_title_where_the_body_does_not_hold_them(indexed, vendor_staff):
    indexed("summarised", title="Renewals guide", summary="How a warranty renewal is quoted.", body="Steps.")
    indexed("titled", title="Warranty terms", summary="For partners.", body="Parts and labour.")

    assert snippets(vendor_staff, "warranty") == {
        "summarised": "How a <mark>warranty</mark> renewal is quoted.",
        "titled": "<mark>Warranty</mark> terms",
    }


def test_only_the_words_a_field_holds_are_marked_in_it(indexed, vendor_staff):
    # "warranty" is in the title only: the body's fragment marks "labour" alone.
    indexed("terms", title="Warranty terms", body="Parts and labour for three years.")

    assert snippets(vendor_staff, "warranty labour") == {"terms": "Parts and <mark>labour</mark> for three years."}


def test_markup_in_the_text_is_escaped_around_the_marks(indexed, vendor_staff):
    indexed("escaped", title="Terms", body="Read <b>warranty</b> & returns.")

    assert snippets(vendor_staff, "warranty") == {
        "escaped": "Read &lt;b&gt;<mark>warranty</mark>&lt;&#x2F;b&gt; &amp; returns."
    }
