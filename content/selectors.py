"""Read queries of the content area, always through the reader's audience."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page, ReferenceIndex
from wagtail_localize.models import StringSegment, Translation, TranslationSource

from programs.audience import Reader
from programs.tenancy import partner_context, scoped

from .audience import audience_groups, reader_for, visible_pages
from .filters import LibraryFilter
from .models import (
    AnnouncementPage,
    AssetPage,
    AssetVersion,
    CobrandGeneration,
    CobrandTemplatePage,
    CourseEnrollment,
    CoursePage,
)


def menu_pages(request, root: Page):
    """Top-level pages of the portal the reader may see, for the navigation."""
    return visible_pages(root.get_children().live().in_menu(), reader_for(request))


def child_pages(request, page: Page):
    return visible_pages(page.get_children().live().specific(), reader_for(request))


def breadcrumb_pages(request, page: Page):
    """The pages above ``page`` (the portal home first) for its breadcrumbs:
    none when the reader may not see the page itself."""
    reader = reader_for(request)
    if not visible_pages(Page.objects.filter(pk=page.pk), reader).exists():
        return []
    return list(visible_pages(page.get_ancestors().filter(depth__gt=1).live(), reader).specific())


def document_readable(request, document) -> bool:
    """May the reader open ``document`` at its Wagtail URL: vendor staff, or
    a reader of at least one live page that uses it (in its body, rich text
    or a chooser, as Wagtail's reference index records)."""
    reader = reader_for(request)
    if reader.sees_everything:
        return True
    using_pages = ReferenceIndex.get_references_to(document).filter(
        base_content_type=ContentType.objects.get_for_model(Page)
    )
    page_ids = [int(object_id) for object_id in using_pages.values_list("object_id", flat=True).distinct()]
    return visible_pages(Page.objects.live().filter(pk__in=page_ids), reader).exists()


def current_assets(request):
    """Live assets the reader may see, with their current version."""
    current = AssetVersion.objects.filter(superseded_at__isnull=True).select_related("document", "image")
    return (
        visible_pages(AssetPage.objects.live(), reader_for(request))
        .select_related("asset_type")
        .prefetch_related(Prefetch("versions", queryset=current, to_attr="current_versions"))
    )


#: the library counts the assets a reader may see up to this many past the
#: page shown, then says "more than": each asset counted costs the database
#: the reader's audience check (650,000 visible assets took 2.2 s to count,
#: on every page of the library)
LIBRARY_COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator counting at most ``cap`` objects, or as many as reach one
    page past the page asked for (``page_number``), whichever is more. Where
    more are there (``is_capped``), ``count`` is that many: "more than", and
    enough for the pager's next page."""

    def __init__(self, object_list, per_page, *, cap: int, page_number=None):
        super().__init__(object_list, per_page)
        self.cap = cap
        try:
            requested = max(int(page_number), 1)
        except (TypeError, ValueError):
            requested = 1
        self._count_limit = max(cap, (requested + 1) * per_page)

    @cached_property
    def _counted(self) -> int:
        # The order does not change a count: without it the database stops
        # at the limit instead of sorting every row first.
        return self.object_list.order_by()[: self._count_limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self._count_limit)

    @property
    def is_capped(self) -> bool:
        return self._counted > self._count_limit


def library_assets(*, page, request) -> dict:
    language_code = page.locale.language_code
    # Always bound (an empty query too) so the default language and order apply.
    filterset = LibraryFilter(request.GET, queryset=current_assets(request), language_code=language_code)
    assets = filterset.qs
    page_number = request.GET.get("page")
    paginator = CappedPaginator(assets, page.per_page, cap=LIBRARY_COUNT_CAP, page_number=page_number)
    page_of_assets = paginator.get_page(page_number)
    return {"filter": filterset, "assets": page_of_assets, "paginator": paginator}


def recently_updated_assets(request, *, limit: int = 5):
    """The reader's newest assets in their language, each marked
    ``downloadable`` (a current version exists): the dashboard card only asks
    that, so the library's read of every current version is left out."""
    language_code = translation.get_language() or "en"
    current = AssetVersion.objects.filter(asset=OuterRef("pk"), superseded_at__isnull=True)
    assets = (
        current_assets(request)
        .filter(locale__language_code=language_code)
        .prefetch_related(None)
        .annotate(downloadable=Exists(current))
    )
    return assets.order_by("-last_published_at", "-pk")[:limit]


def latest_announcements(request, *, limit: int = 5):
    language_code = translation.get_language() or "en"
    announcements = AnnouncementPage.objects.live().filter(locale__language_code=language_code)
    return visible_pages(announcements, reader_for(request)).order_by("-date", "-pk")[:limit]


def cobrand_page_context(*, template: CobrandTemplatePage, request) -> dict:
    from .services import cobrand_values, placeholders

    partner = partner_context(request.user)
    organization = partner.organization if partner else None
    free_fields = list(template.free_fields.all())
    values = cobrand_values(template=template, organization=organization, free_values={})
    generations = CobrandGeneration.objects.none()
    if organization is not None:
        generations = CobrandGeneration.objects.filter(template=template, organization=organization)[:5]
    return {
        "free_fields": free_fields,
        "personalized_text": placeholders.fill(template.text, values, html=False),
        "generations": generations,
    }


def generation_get(user, generation_id) -> CobrandGeneration:
    """A co-branded output of the user's organization (or their own), else 404."""
    from django.db.models import Q
    from django.http import Http404

    from programs.tenancy import scoped

    generations = CobrandGeneration.objects.select_related("template")
    visible = scoped(generations, user) | generations.filter(Q(user=user) & Q(organization__isnull=True))
    try:
        return visible.distinct().get(pk=generation_id)
    except CobrandGeneration.DoesNotExist as missing:
        raise Http404("No such co-branded file.") from missing


def pages_restricted_to_tier(*, tier, reader: Reader | None = None) -> list[tuple[str, str]]:
    """Live pages whose own audience lists ``tier``, in tree order, as
    (title, url) pairs: what reaching the tier unlocks.

    With ``reader`` (a partner as they would be in that tier), only the
    pages whose whole audience (ancestors included) admits them, so a page
    also reserved for another role, partner type or region is not promised.
    Pages are those of the default locale, shown in the active language
    when a live translation exists."""
    key = str(tier.translation_key)
    listing = [group.lists for group in audience_groups() if key in group.lists.get("tiers", ())]
    if not listing:
        return []
    pages = (
        Page.objects.live().filter(audience_rule__audience__in=listing, locale=Locale.get_default()).order_by("path")
    )
    if reader is not None:
        pages = visible_pages(pages, reader)
    unlocked = []
    for page in pages:
        translated = page.localized
        shown = translated if translated.live else page
        url = shown.get_url()
        if url:
            unlocked.append((shown.title, url))
    return unlocked


def course_enrollment(user, course):
    """The user's own progress in ``course`` (None until they start it)."""
    return scoped(CourseEnrollment.objects.filter(course_key=course.translation_key, user=user), user).first()


def courses_for(request) -> list[tuple]:
    """Live courses the reader may see in the current language, each with the
    reader's enrollment: ``[(course, enrollment or None), ...]``."""
    language_code = translation.get_language() or "en"
    courses = visible_pages(
        CoursePage.objects.live().filter(locale__language_code=language_code), reader_for(request)
    ).order_by("title")
    enrollments = {
        enrollment.course_key: enrollment
        for enrollment in scoped(CourseEnrollment.objects.filter(user=request.user), request.user)
    }
    return [(course, enrollments.get(course.translation_key)) for course in courses]


def organization_has_started_a_course(organization) -> bool:
    return CourseEnrollment.objects.filter(organization=organization).exists()


# --- Translation status ------------------------------------------------------


@dataclass(frozen=True)
class TranslationState:
    """How far one page is translated into one locale."""

    locale: Locale
    #: None: not submitted for translation (the locale shows the source page)
    percent: int | None
    #: the source page was published again since its texts were last sent for translation
    out_of_date: bool
    translation: Translation | None


def translation_status(*, pages=None) -> list[tuple[Page, list[TranslationState]]]:
    """Every source-language page with its state in each other locale, for the
    localization team (a handful of queries whatever the number of pages)."""
    source_locale = Locale.get_default()
    locales = list(Locale.objects.exclude(pk=source_locale.pk).order_by("language_code"))
    if pages is None:
        pages = Page.objects.filter(locale=source_locale, depth__gt=1, alias_of__isnull=True).order_by("path")
    pages = list(pages)
    sources = {
        source.object_id: source
        for source in TranslationSource.objects.filter(
            locale=source_locale, object_id__in=[page.translation_key for page in pages]
        )
    }
    translations = {
        (translation.source_id, translation.target_locale_id): translation
        for translation in Translation.objects.filter(source__in=sources.values(), enabled=True)
    }
    segments = StringSegment.objects.filter(source__in=sources.values())
    totals = dict(segments.values_list("source_id").annotate(count=Count("pk")))
    done = {
        (row["source_id"], row["string__translations__locale_id"]): row["count"]
        for row in segments.filter(
            string__translations__context_id=F("context_id"), string__translations__has_error=False
        )
        .values("source_id", "string__translations__locale_id")
        .annotate(count=Count("pk", distinct=True))
    }
    rows = []
    for page in pages:
        source = sources.get(page.translation_key)
        states = []
        for locale in locales:
            translation = translations.get((source.pk, locale.pk)) if source else None
            if translation is None:
                states.append(TranslationState(locale, None, False, None))
                continue
            total = totals.get(source.pk, 0)
            percent = round(100 * done.get((source.pk, locale.pk), 0) / total) if total else 100
            out_of_date = bool(page.last_published_at and page.last_published_at > source.last_updated_at)
            states.append(TranslationState(locale, percent, out_of_date, translation))
        rows.append((page, states))
    return rows


@dataclass(frozen=True)
class LocaleSummary:
    """One locale over every source page: how many are fully translated, how
    many were started, how many changed in the source since."""

    locale: Locale
    translated: int
    started: int
    out_of_date: int
    pages: int


def translation_summary(rows) -> list[LocaleSummary]:
    """Per locale totals of :func:`translation_status` rows."""
    if not rows:
        return []
    summaries = []
    for index, state in enumerate(rows[0][1]):
        states = [row_states[index] for _page, row_states in rows]
        summaries.append(
            LocaleSummary(
                locale=state.locale,
                translated=sum(1 for item in states if item.percent == 100),
                started=sum(1 for item in states if item.percent is not None),
                out_of_date=sum(1 for item in states if item.out_of_date),
                pages=len(states),
            )
        )
    return summaries


def fallback_language(page) -> str | None:
    """The language of the text ``page`` shows when it is not the reader's
    (WCAG 3.1.2): the source language of an untranslated page (Wagtail keeps an
    alias of the source page in each locale) or the locale of a page shown in
    place of a missing translation; None when the page is in the reader's language."""
    if page is None or not hasattr(page, "alias_of_id"):
        return None
    language = page.locale.language_code
    if page.alias_of_id is not None:
        source = Page.objects.select_related("locale").filter(pk=page.alias_of_id).first()
        if source is not None:
            language = source.locale.language_code
    reader_language = translation.get_language() or ""
    if translation.get_language_info(language)["code"] == reader_language or language == reader_language:
        return None
    return language


def translation_notice(page: Page) -> str:
    """What a reader should know about the language of ``page``: shown in the
    source language (not translated yet) or partly so; empty when fully translated."""
    if page.alias_of_id is not None:
        source = Page.objects.select_related("locale").filter(pk=page.alias_of_id).first()
        if source is not None and source.locale_id != page.locale_id:
            return _("This page is not translated into %(language)s yet; it is shown in %(source)s.") % {
                "language": page.locale.get_display_name(),
                "source": source.locale.get_display_name(),
            }
        return ""
    translation = (
        Translation.objects.select_related("source__locale")
        .filter(source__object_id=page.translation_key, target_locale_id=page.locale_id, enabled=True)
        .first()
    )
    if translation is None:
        return ""
    total, translated = translation.get_progress()
    if translated < total:
        return _("Parts of this page are not translated into %(language)s yet; they are shown in %(source)s.") % {
            "language": page.locale.get_display_name(),
            "source": translation.source.locale.get_display_name(),
        }
    return ""
