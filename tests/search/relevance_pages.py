"""The relevance library (tests/search/relevance_library.py) as real pages,
indexed the way the portal indexes them.

Assets go into a content library and announcements under the home page, in
bulk inserts, and a full rebuild (the ``search_reindex`` path) indexes them.
The rest goes through what editors do, and so through the outbox: data
sheets get their second version in the page editor (a new PDF and label;
the first version stays in the asset's history), withdrawn price lists are
unpublished, translations are added (see _Builder._translate) and the text
of each PDF comes from the extraction task.
"""

import datetime as dt
from dataclasses import dataclass, field
from html import escape

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Locale
from wagtail.rich_text import RichText

from content.models import AnnouncementPage, AssetPage, AssetType, LibraryPage
from content.rendering import render_pdf
from content.signals import pages_changed
from programs.models import ProductLine, Tier
from search.audience import fields_audience
from search.services import attachment_texts_extract_pending, documents_reindex, outbox_drain
from tests.factories.content import bulk_publish, publish_page, republish

#: asset type codes the library uses beyond the ones the migrations create
ASSET_TYPE_NAMES = {
    "solution-brief": "Solution brief",
    "guide": "Guide",
    "release-notes": "Release notes",
    "tool": "Tool",
    "playbook": "Playbook",
}


@dataclass
class LibraryPages:
    """Where each fixture entry went."""

    #: page id -> fixture id of what the page shows now (withdrawn pages too)
    entries: dict[str, str] = field(default_factory=dict)
    #: page id -> version labels the page had before its current one
    replaced_labels: dict[str, set[str]] = field(default_factory=dict)


def _day(source: dict) -> dt.date:
    return timezone.localdate(source["effective_at"])


def _body(text: str) -> list:
    return [("paragraph", RichText(f"<p>{escape(text)}</p>"))] if text else []


def _pdf(doc_id: str, source: dict) -> Document:
    """The asset's file: a PDF holding its body where the fixture says the body is the file's text."""
    html = f"<h1>{escape(source['title'])}</h1><p>{escape(source['body'])}</p>"
    return Document.objects.create(title=source["title"], file=ContentFile(render_pdf(html), name=f"{doc_id}.pdf"))


class _Builder:
    def __init__(self, documents: dict[str, dict], home_page):
        self.documents = documents
        self.home_page = home_page
        self.result = LibraryPages()
        self.page_ids: dict[str, int] = {}
        default = Locale.get_default()
        self.asset_types = {kind.code: kind for kind in AssetType.objects.filter(locale=default)}
        for code, name in ASSET_TYPE_NAMES.items():
            if code not in self.asset_types:
                self.asset_types[code] = AssetType.objects.create(code=code, name=name, locale=default)
        codes = {code for source in documents.values() for code in source.get("product_lines", [])}
        self.product_lines = {
            code: ProductLine.objects.get_or_create(code=code, locale=default, defaults={"name": code.title()})[0]
            for code in sorted(codes)
        }
        self.tiers = {str(tier.translation_key): tier for tier in Tier.objects.filter(locale=default)}
        # Assets whose files carry no text of their own share one file search cannot read.
        self.plain_file = Document.objects.create(
            title="Library file", file=ContentFile(b"PK\x05\x06" + bytes(18), name="library-file.zip")
        )

    def _audience(self, source: dict) -> dict:
        audience = fields_audience(source)
        unsupported = [name for name in ("partner_types", "regions", "certifications") if getattr(audience, name)]
        assert not unsupported, f"{source['object_id']}: the builder maps tiers and roles only, not {unsupported}"
        return {"audience_roles": sorted(audience.roles), "audience_tiers": [self.tiers[key] for key in audience.tiers]}

    def _fields(self, doc_id: str, source: dict, *, document: Document | None = None) -> tuple[type, dict]:
        published = source["effective_at"]
        common = {
            "title": source["title"],
            "slug": doc_id.replace(".", "-"),
            "first_published_at": published,
            **self._audience(source),
        }
        if not source.get("asset_type"):
            return AnnouncementPage, {
                **common,
                "date": _day(source),
                "summary": source["summary"],
                "body": _body(source["body"]),
            }
        in_file = source.get("body_in_file")
        return AssetPage, {
            **common,
            "asset_type": self.asset_types[source["asset_type"]],
            "summary": source["summary"],
            "body": [] if in_file else _body(source["body"]),
            "document": document or (_pdf(doc_id, source) if in_file else self.plain_file),
            "version_label": source.get("version_label") or "1.0",
            "effective_date": _day(source),
            "product_lines": [self.product_lines[code] for code in source.get("product_lines", [])],
        }

    def build(self) -> LibraryPages:
        documents = self.documents
        replaced = {source["replaced_by"]: doc_id for doc_id, source in documents.items() if source.get("replaced_by")}
        translations = [doc_id for doc_id, source in documents.items() if source.get("translation_of")]
        withdrawn = [
            doc_id for doc_id, source in documents.items() if source["deleted"] and not source.get("replaced_by")
        ]
        # First publication: every original as it was first published (a
        # replaced data sheet with its first version), withdrawn ones included.
        originals = [
            doc_id
            for doc_id, source in documents.items()
            if not source.get("translation_of") and not source.get("replaced_by")
        ]
        self.library = publish_page(self.home_page, LibraryPage, title="Content library")
        first_versions = {doc_id: replaced.get(doc_id, doc_id) for doc_id in originals}
        for parent, page_class in ((self.library, AssetPage), (self.home_page, AnnouncementPage)):
            chosen = [
                (doc_id, self._fields(doc_id, documents[first_versions[doc_id]]))
                for doc_id in originals
                if self._fields_class(documents[doc_id]) is page_class
            ]
            self._publish(parent, chosen)
        documents_reindex()
        self._extract_files()
        # Then the editors' work, each change through the outbox.
        for doc_id, first in replaced.items():
            self._replace(doc_id, first)
        for doc_id in withdrawn:
            AssetPage.objects.get(pk=self.page_ids[doc_id]).unpublish()
        self._extract_files()
        self._translate(translations)
        return self.result

    def _publish(self, parent, chosen: list[tuple[str, tuple[type, dict]]]) -> list:
        pages = bulk_publish(parent, [fields for _doc_id, fields in chosen])
        for (doc_id, _fields), page in zip(chosen, pages, strict=True):
            self.page_ids[doc_id] = page.pk
            self.result.entries[str(page.pk)] = doc_id
        return pages

    @staticmethod
    def _fields_class(source: dict) -> type:
        return AssetPage if source.get("asset_type") else AnnouncementPage

    def _replace(self, doc_id: str, first: str) -> None:
        """The second version, published from the page editor."""
        source = self.documents[doc_id]
        page = AssetPage.objects.get(pk=self.page_ids[doc_id])
        republish(
            page,
            title=source["title"],
            summary=source["summary"],
            document=_pdf(doc_id, source),
            version_label=source["version_label"],
            effective_date=_day(source),
        )
        self.result.replaced_labels.setdefault(str(page.pk), set()).add(self.documents[first]["version_label"])

    def _translate(self, doc_ids: list[str]) -> None:
        """Translations as ``copy_for_translation`` makes them: a copy of the
        source page in the language's tree (same translation key, the source's
        file, version, dates, product lines and audience) with the translated
        text. The language's library is copied that way; its assets are
        inserted in bulk (the copy costs over a second a page on a loaded
        machine) and indexed through the outbox, as any change outside
        publishing is."""
        by_language: dict[str, list[str]] = {}
        for doc_id in doc_ids:
            by_language.setdefault(self.documents[doc_id]["language"], []).append(doc_id)
        changed = []
        for language, ids in by_language.items():
            locale, _created = Locale.objects.get_or_create(language_code=language)
            library = self.library.copy_for_translation(locale, copy_parents=True, alias=False)
            library.save_revision().publish()
            chosen = []
            for doc_id in ids:
                source = self.documents[doc_id]
                original = AssetPage.objects.get(pk=self.page_ids[source["translation_of"]])
                kind, fields = self._fields(
                    doc_id, self.documents[source["translation_of"]], document=original.document
                )
                fields.update(
                    title=source["title"],
                    slug=original.slug,
                    translation_key=original.translation_key,
                    summary=source["summary"],
                    body=_body(source["body"]),
                    version_label=original.version_label,
                    effective_date=original.effective_date,
                )
                chosen.append((doc_id, (kind, fields)))
                changed.append(original.pk)
            changed += [page.pk for page in self._publish(library, chosen)]
        pages_changed.send(sender=AssetPage, page_ids=changed)
        _drain()

    @staticmethod
    def _extract_files() -> None:
        """Index what is queued, run the extraction task's work for every file
        that asked for its text, then index the pages waiting for it."""
        _drain()
        attachment_texts_extract_pending(limit=1000)
        _drain()


def _drain() -> None:
    while (drained := outbox_drain(refresh=True)).indexed + drained.superseded:
        pass


def build_library_pages(documents: dict[str, dict], *, home_page) -> LibraryPages:
    """Publish ``documents`` (fixture id -> entry) as pages and index them."""
    return _Builder(documents, home_page).build()
