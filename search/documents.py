"""The portal search index: one index behind an alias, one document per
searchable object (pages now; assets and templates register their own kinds).

The Elasticsearch distribution the project runs has only core analysis, so
language handling uses core filters (lowercase, per-language stop words);
Japanese text falls to the standard tokenizer's CJK unigrams.
"""

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

#: language code -> stop word list of the core ``stop`` filter (None: none)
LANGUAGE_STOPWORDS = {"en": "_english_", "fr": "_french_", "de": "_german_", "es": "_spanish_", "ja": None}


def language_analyzer(language: str):
    filters = ["lowercase"]
    stopwords = LANGUAGE_STOPWORDS[language]
    if stopwords:
        filters.append(token_filter(f"portal_stop_{language}", "stop", stopwords=stopwords))
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
            for language in LANGUAGE_STOPWORDS
        }
    )


class PortalDocument(Document):
    kind = Keyword()
    object_id = Keyword()
    url = Keyword(index=False)
    language = Keyword()
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
    #: tombstone of an unpublished or deleted object (keeps its version)
    deleted = Boolean()

    class Index:
        name = index_name("documents")
        settings = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}


def document_id(kind: str, object_id: str) -> str:
    return f"{kind}:{object_id}"
