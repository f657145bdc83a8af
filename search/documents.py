"""The portal search index: one index behind an alias, one document per
searchable object (pages now; assets and templates register their own kinds).

The Elasticsearch distribution the project runs has only core analysis, so
language handling uses core filters: lowercase, per-language stop words and
hunspell stemming with the Debian dictionaries that scripts/services.sh puts
in the node's config/hunspell/ (a production cluster needs them too).
Japanese text falls to the standard tokenizer, which splits CJK text into
single characters, so Japanese queries match Japanese content by phrase.
"""

from django.conf import settings
from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    Integer,
    Keyword,
    Object,
    Text,
    analyzer,
    token_filter,
)

from .engine import index_name

#: language code -> (stop word list of the core ``stop`` filter, hunspell
#: locale) where the core and the node's dictionaries offer them
KNOWN_ANALYSIS = {
    "en": ("_english_", "en_US"),
    "fr": ("_french_", "fr_FR"),
    "de": ("_german_", "de_DE"),
    "es": ("_spanish_", "es_ES"),
    "ar": ("_arabic_", None),
}
#: Every portal language gets its fields. One without stop words or a
#: dictionary here (Japanese, or a language added to the settings later) falls
#: back to the standard tokenizer and lower-casing: exact words match, word
#: forms do not. A language added to LANGUAGES needs ``search_reindex``.
LANGUAGE_ANALYSIS = {code: KNOWN_ANALYSIS.get(code, (None, None)) for code, _name in settings.LANGUAGES}


def language_analyzer(language: str):
    stopwords, hunspell_locale = LANGUAGE_ANALYSIS[language]
    filters = ["lowercase"]
    if stopwords:
        filters.append(token_filter(f"portal_stop_{language}", "stop", stopwords=stopwords))
    if hunspell_locale:
        filters.append(token_filter(f"portal_stem_{language}", "hunspell", locale=hunspell_locale, dedup=True))
    return analyzer(f"portal_{language}", tokenizer="standard", filter=filters)


def _localized_fields() -> Object:
    return Object(
        properties={
            language: Object(
                properties={
                    "title": Text(analyzer=language_analyzer(language)),
                    "body": Text(analyzer=language_analyzer(language)),
                }
            )
            for language in LANGUAGE_ANALYSIS
        }
    )


class PortalDocument(Document):
    kind = Keyword()
    object_id = Keyword()
    url = Keyword(index=False)
    #: the current version's file, for a download straight from the results
    download_url = Keyword(index=False)
    language = Keyword()
    #: the languages this object also exists in (live translations), so a
    #: reader's search falls back to the source only where no translation exists
    translations = Keyword()
    title = Text(analyzer="standard", index_prefixes={}, fields={"raw": Keyword(ignore_above=256)})
    summary = Text(analyzer="standard")
    body = Text(analyzer="standard")
    #: the same text analysed for its own language (only that language's
    #: sub-object is filled)
    localized = _localized_fields()
    #: who may see the document, one field per audience dimension; "*" means
    #: everyone (see search.audience)
    audience_tiers = Keyword()
    audience_roles = Keyword()
    audience_partner_types = Keyword()
    audience_regions = Keyword()
    audience_certifications = Keyword()
    product_lines = Keyword()
    partner_types = Keyword()
    asset_type = Keyword()
    family_id = Keyword()
    version_label = Keyword()
    effective_at = Date()
    updated_at = Date()
    review_by = Date()
    popularity = Integer()
    #: when the document was built for the index (see search.together)
    indexed_at = Date()
    #: tombstone of an unpublished or deleted object (keeps its version)
    deleted = Boolean()

    class Index:
        name = index_name("documents")
        settings = {
            "number_of_shards": 1,
            "number_of_replicas": 0,
            "refresh_interval": "1s",
            # Newest first within each segment: of documents with equal text
            # scores in a segment the newer ranks first, so the recency
            # rescore's window (the best text matches, see search.selectors)
            # holds the newest of them, and "newest first" lists can stop
            # early. Across a rebuild's segments (search.services) equal
            # scores go to the earlier segment's documents.
            "sort.field": "effective_at",
            "sort.order": "desc",
            "sort.missing": "_last",
        }


def document_id(kind: str, object_id: str) -> str:
    return f"{kind}:{object_id}"
