"""Read queries of the content area, always through the reader's audience."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.utils import translation
from wagtail.models import Locale, Page

from programs.audience import Reader
from programs.tenancy import partner_context, scoped

from .audience import audience_rules_by_path, effective_audience, reader_for, visible_pages
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


def current_assets(request):
    """Live assets the reader may see, with their current version."""
    current = AssetVersion.objects.filter(superseded_at__isnull=True).select_related("document", "image")
    return (
        visible_pages(AssetPage.objects.live(), reader_for(request))
        .select_related("asset_type")
        .prefetch_related(Prefetch("versions", queryset=current, to_attr="current_versions"))
    )


def library_assets(*, page, request) -> dict:
    language_code = page.locale.language_code
    # Always bound (an empty query too) so the default language and order apply.
    filterset = LibraryFilter(request.GET, queryset=current_assets(request), language_code=language_code)
    assets = filterset.qs
    paginator = Paginator(assets, page.per_page)
    page_of_assets = paginator.get_page(request.GET.get("page"))
    return {"filter": filterset, "assets": page_of_assets, "paginator": paginator}


def recently_updated_assets(request, *, limit: int = 5):
    language_code = translation.get_language() or "en"
    assets = current_assets(request).filter(locale__language_code=language_code)
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
    rules = audience_rules_by_path()
    paths = [path for path, audience in rules.items() if key in (audience or {}).get("tiers", ())]
    if not paths:
        return []
    pages = Page.objects.live().filter(path__in=paths, locale=Locale.get_default()).order_by("path")
    unlocked = []
    for page in pages:
        if reader is not None and not reader.may_see(effective_audience(page, rules=rules)):
            continue
        translated = page.localized
        shown = translated if translated.live else page
        url = shown.get_url()
        if url:
            unlocked.append((shown.title, url))
    return unlocked


def course_enrollment(user, course):
    """The user's own progress in ``course`` (None until they start it)."""
    return scoped(CourseEnrollment.objects.filter(course=course, user=user), user).first()


def courses_for(request) -> list[tuple]:
    """Live courses the reader may see in the current language, each with the
    reader's enrollment: ``[(course, enrollment or None), ...]``."""
    language_code = translation.get_language() or "en"
    courses = visible_pages(
        CoursePage.objects.live().filter(locale__language_code=language_code), reader_for(request)
    ).order_by("title")
    enrollments = {
        enrollment.course_id: enrollment
        for enrollment in scoped(CourseEnrollment.objects.filter(user=request.user), request.user)
    }
    return [(course, enrollments.get(course.pk)) for course in courses]


def organization_has_started_a_course(organization) -> bool:
    return CourseEnrollment.objects.filter(organization=organization).exists()
