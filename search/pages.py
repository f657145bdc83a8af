"""Wagtail pages as portal search documents."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.html import strip_tags
from wagtail.models import Page, Site

from content.extraction import is_extractable

from . import registry
from .audience import audience_fields
from .models import AttachmentText
from .services import attachment_texts_request

#: the registered name of page documents (PAGE_KIND below)
PAGE_KIND_NAME = "page"

#: fields of specific page classes whose text is searchable, in order
TEXT_FIELDS = ("intro", "summary", "body")


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "render_as_block"):  # StreamField
        # Rendering even an empty stream runs the template machinery.
        return strip_tags(str(value.render_as_block())) if len(value) else ""
    return strip_tags(str(value))


def searchable_pages():
    """Live pages below the root, except aliases: the copies wagtail-localize
    keeps in each language tree until a page is translated show the source's
    text, so readers find the source itself (marked as in another language)."""
    return Page.objects.live().filter(depth__gt=1, alias_of__isnull=True)


def build_page(object_id: str) -> dict | None:
    return build_pages([object_id]).get(str(object_id))


def build_pages(object_ids) -> dict[str, dict]:
    """Documents of the live pages among ``object_ids``, by id, in a few queries
    per page type: a page class may widen its query with ``search_queryset``
    and shares ``context`` (e.g. audience rules loaded once) across the batch."""
    ids = [int(object_id) for object_id in object_ids]
    live = searchable_pages().filter(pk__in=ids).values_list("pk", "content_type_id", "path")
    by_type: dict[int, list[int]] = {}
    paths = []
    for pk, content_type_id, path in live:
        by_type.setdefault(content_type_id, []).append(pk)
        paths.append(path)
    context: dict = {"translations": _live_translations(ids), "page_paths": paths}
    documents = {}
    for content_type_id, pks in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class() or Page
        queryset = model.objects.filter(pk__in=pks).select_related("locale")
        if hasattr(model, "search_queryset"):
            queryset = model.search_queryset(queryset)
        for page in with_site_root_paths(list(queryset), fresh=True):
            documents[str(page.pk)] = _page_document(page, context)
    _add_attachment_texts(documents)
    return documents


#: where a page document carries its attached file's name until the text replaces it
ATTACHMENT_KEY = "_attachment_file"


def _add_attachment_texts(documents: dict[str, dict]) -> None:
    """Append each attached file's extracted text to its document's body, in
    one query per batch; files not extracted yet are requested (their pages
    are indexed again once the text is known)."""
    files: dict[str, list[str]] = {}
    for object_id, document in documents.items():
        name = document.pop(ATTACHMENT_KEY, "")
        if name and is_extractable(name):
            files.setdefault(name, []).append(object_id)
    if not files:
        return
    known = dict(
        AttachmentText.objects.filter(file_name__in=files)
        .exclude(outcome=AttachmentText.Outcome.PENDING)
        .values_list("file_name", "text")
    )
    for name, object_ids in files.items():
        for object_id in object_ids:
            document = documents[object_id]
            text = known.get(name, "")
            if text:
                document["body"] = f"{document['body']} {text}"
                for localized in document["localized"].values():
                    localized["body"] = f"{localized['body']} {text}"
    attachment_texts_request(
        file_names={
            name: [f"{PAGE_KIND_NAME}:{object_id}" for object_id in object_ids]
            for name, object_ids in files.items()
            if name not in known
        }
    )


def with_site_root_paths(pages: list, *, fresh: bool = False) -> list:
    """``pages``, each told the sites once (Wagtail caches them on the object
    it is given), so their URLs cost one lookup per batch instead of per page.

    ``fresh`` reads the sites from the database: the index keeps URLs long
    after a worker process's cache could have gone stale (e.g. a language's
    home page added since)."""
    if fresh:
        Site.clear_site_root_paths_cache()
    site_root_paths = Site.get_site_root_paths()
    for page in pages:
        page._wagtail_cached_site_root_paths = site_root_paths
    return pages


def _live_translations(page_ids: list[int]) -> dict:
    """translation key -> languages of its live pages, for a batch."""
    keys = Page.objects.filter(pk__in=page_ids).values("translation_key")
    translations: dict = {}
    for key, language in (
        searchable_pages().filter(translation_key__in=keys).values_list("translation_key", "locale__language_code")
    ):
        translations.setdefault(key, set()).add(language)
    return translations


def _page_document(specific, context: dict) -> dict:
    page = specific
    language = page.locale.language_code
    summary = _text(getattr(specific, "summary", "") or getattr(specific, "intro", "") or page.search_description)
    body = " ".join(_text(getattr(specific, name, "")) for name in TEXT_FIELDS if name != "summary")
    # Page types add their own fields (assets: type, version, file text…).
    extra = specific.search_document_fields(context) if hasattr(specific, "search_document_fields") else {}
    attachment_file = extra.pop("attachment_file", "")
    return {
        "url": page.url or "",
        "language": language,
        # a page and its translations, shown once per reader (see search.selectors)
        "family_id": str(page.translation_key),
        "translations": sorted(context["translations"].get(page.translation_key, set()) - {language}),
        "title": page.title,
        "summary": summary,
        "body": body,
        "localized": {language: {"title": page.title, "body": f"{summary} {body}"}},
        **audience_fields(page_audience(specific, context)),
        "effective_at": page_effective_at(specific),
        "updated_at": page.last_published_at,
        **extra,
        ATTACHMENT_KEY: attachment_file,
    }


def page_effective_at(page) -> datetime.datetime | None:
    """The moment a page's recency counts from: the date field its type names
    in ``search_effective_date_field`` (an announcement's own date, an
    asset's effective date), else its first publication."""
    field_name = getattr(type(page), "search_effective_date_field", None)
    value = getattr(page, field_name, None) if field_name else None
    if value is None:
        return page.first_published_at
    if not isinstance(value, datetime.datetime):
        value = timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))
    return value


def page_audience(page, context: dict | None = None) -> dict | None:
    """The page's effective audience, if its type has one (content pages do)."""
    audience = getattr(page.specific, "search_audience", None)
    return audience(context) if callable(audience) else None


def _live_page_ids():
    return searchable_pages().order_by("pk").values_list("pk", flat=True).iterator()


def _live_page_count() -> int:
    return searchable_pages().count()


PAGE_KIND = registry.DocumentKind(
    name=PAGE_KIND_NAME, build=build_page, all_ids=_live_page_ids, count=_live_page_count, build_many=build_pages
)


def page_changed(sender=None, instance=None, **kwargs):
    """Wagtail page signals → outbox (same transaction as the change)."""
    from .services import index_enqueue

    page = instance if instance is not None else kwargs.get("page")
    if page is not None and page.pk:
        index_enqueue(kind=PAGE_KIND.name, object_id=page.pk)
        _translations_changed(page)


def _translations_changed(page) -> None:
    """A page's translations list it among their languages: they change too."""
    from .services import index_enqueue_many

    siblings = Page.objects.filter(translation_key=page.translation_key).exclude(pk=page.pk)
    index_enqueue_many(kind=PAGE_KIND.name, object_ids=list(siblings.values_list("pk", flat=True)))


def subtree_changed(sender=None, instance=None, **kwargs):
    """A page moved or its audience changed: every page below it changed too."""
    from .services import index_enqueue_many

    page = instance if instance is not None else kwargs.get("page")
    if page is None or not page.pk:
        return
    page = Page.objects.get(pk=page.pk)  # the path after a move
    ids = Page.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True)
    index_enqueue_many(kind=PAGE_KIND.name, object_ids=list(ids))


def pages_changed(sender=None, page_ids=(), **kwargs):
    from .services import index_enqueue_many

    index_enqueue_many(kind=PAGE_KIND.name, object_ids=list(page_ids))


def pages_created_outside_publishing(sender=None, **kwargs):
    """After ``migrate``: queue the live pages that never went through
    publishing. Data migrations (the home page) save through historical
    models, which send no signal, so without this they would wait for a
    full rebuild. Wagtail stamps ``first_published_at`` on every publication,
    so the pages without it are few and cheap to find."""
    from .services import index_enqueue_many

    ids = searchable_pages().filter(first_published_at__isnull=True).values_list("pk", flat=True)
    # Beat's drain (every 30 s) sends them: migrate must not need the broker.
    index_enqueue_many(kind=PAGE_KIND.name, object_ids=list(ids), drain_now=False)


def page_deleted(sender=None, instance=None, **kwargs):
    if isinstance(instance, Page) and type(instance) is Page:
        from .services import index_enqueue

        index_enqueue(kind=PAGE_KIND.name, object_id=instance.pk, operation="delete")
        _translations_changed(instance)
