"""Business rules of the content area: asset versions, downloads, stale
reminders and co-branded output."""

import base64
import logging
import mimetypes
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.users.models import UserProfile

from programs.languages import preferred_time_zone
from programs.models import PartnerOrganization
from programs.services.onboarding import first_action_record
from programs.tenancy import partner_context

from . import placeholders
from .models import (
    AssetDownload,
    AssetPage,
    AssetVersion,
    CobrandGeneration,
    CobrandTemplatePage,
    CourseEnrollment,
    CoursePage,
    GenerationStatus,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def asset_version_record(*, asset: AssetPage) -> AssetVersion:
    """Make the live asset's file its current version.

    A new file supersedes the previous version (kept in the history); the same
    file with a corrected label or date updates the current version in place."""
    current = AssetVersion.objects.select_for_update().filter(asset=asset, superseded_at__isnull=True).first()
    publisher = asset.live_revision.user if asset.live_revision_id and asset.live_revision else None
    details = {
        "document_id": asset.document_id,
        "image_id": asset.image_id,
        "video_url": asset.video_url or "",
        "effective_date": asset.effective_date,
    }
    if current is not None and current.file_key() == asset.file_key():
        if (current.label, current.effective_date) != (asset.version_label, asset.effective_date):
            current.label, current.effective_date = asset.version_label, asset.effective_date
            current.save(update_fields=["label", "effective_date"])
        version = current
    else:
        now = timezone.now()
        if current is not None:
            current.superseded_at = now
            current.save(update_fields=["superseded_at"])
        version = AssetVersion.objects.create(
            asset=asset, label=asset.version_label, published_at=now, published_by=publisher, **details
        )
    asset.__dict__.pop("current_version", None)
    return version


def asset_download_record(*, asset: AssetPage, version: AssetVersion, user) -> AssetDownload:
    partner = partner_context(user)
    return AssetDownload.objects.create(
        asset=asset,
        version=version,
        user=user,
        organization=partner.organization if partner else None,
        roles=sorted(partner.roles) if partner else [],
    )


def asset_popularity_refresh(*, since) -> int:
    """Tell search about assets downloaded since ``since`` (their popularity
    changed); returns how many."""
    from .signals import pages_changed

    downloads = AssetDownload.objects.filter(downloaded_at__gte=since)
    asset_ids = list(downloads.values_list("asset_id", flat=True).distinct())
    if asset_ids:
        pages_changed.send(sender=AssetPage, page_ids=asset_ids)
    return len(asset_ids)


def stale_assets(today=None):
    """Live assets past their review-by date."""
    today = today or timezone.localdate()
    return AssetPage.objects.live().filter(review_by__lt=today).order_by("review_by")


def stale_asset_reminders_send(*, today=None) -> int:
    """Email each stale asset's owner once per review-by date; returns how many went out."""
    sent = 0
    for asset in stale_assets(today).select_related("content_owner", "owner"):
        if asset.stale_reminder_sent_for == asset.review_by:
            continue
        owner = asset.content_owner or asset.owner
        if owner is None or not owner.email:
            logger.warning("Stale asset %s has no owner with an email address", asset.pk)
            continue
        with transaction.atomic():
            locked = AssetPage.objects.select_for_update().get(pk=asset.pk)
            if locked.stale_reminder_sent_for == locked.review_by:
                continue
            context = {"asset": locked, "edit_url": f"{settings.WAGTAILADMIN_BASE_URL}/admin/pages/{locked.pk}/edit/"}
            # Owners are vendor staff: their admin language (Account settings).
            with translation.override(UserProfile.get_for_user(owner).get_preferred_language()):
                send_mail(
                    subject=_("Content to review: %(title)s") % {"title": locked.title},
                    message=render_to_string("content/email/stale_asset.txt", context),
                    from_email=None,
                    recipient_list=[owner.email],
                )
            AssetPage.objects.filter(pk=locked.pk).update(stale_reminder_sent_for=locked.review_by)
            sent += 1
    return sent


# --- Co-branded templates -------------------------------------------------


def cobrand_values(*, template: CobrandTemplatePage, organization, free_values: dict[str, str]) -> dict[str, str]:
    """Placeholder values for ``organization``: its own details and the free fields."""
    from wagtail.models import Site

    from home.models import PortalBranding

    branding = PortalBranding.for_site(Site.objects.filter(is_default_site=True).first())
    address = ", ".join(
        part
        for part in (
            getattr(organization, "street_address", ""),
            " ".join(p for p in (getattr(organization, "postal_code", ""), getattr(organization, "city", "")) if p),
            getattr(organization, "country", ""),
        )
        if part
    )
    tier = getattr(organization, "tier", None)
    tier = tier.localized if tier is not None else None
    values = {
        "partner.name": getattr(organization, "name", "") or "",
        "partner.logo": _logo_data_uri(organization),
        "partner.email": getattr(organization, "contact_email", "") or "",
        "partner.phone": getattr(organization, "phone", "") or "",
        "partner.website": getattr(organization, "website", "") or "",
        "partner.address": address,
        "partner.colour": getattr(organization, "brand_colour", "") or branding.primary_colour,
        "partner.tier": tier.name if tier else "",
        # Numbers and dates in the active language: 12,5 % and 3. März 2027 in German.
        "partner.discount": f"{number_format(tier.discount_percent, use_l10n=True)}\u00a0%" if tier else "",
        "vendor.name": branding.vendor_name,
        "vendor.colour": branding.primary_colour,
        "date.today": date_format(timezone.localdate(), "DATE_FORMAT"),
    }
    for field in template.free_fields.all():
        values[f"field.{field.name}"] = free_values.get(field.name, field.default)
    return values


def _logo_data_uri(organization) -> str:
    logo = getattr(organization, "logo", None)
    if not logo:
        return ""
    content_type = mimetypes.guess_type(logo.name)[0] or "image/png"
    with logo.open("rb") as handle:
        return f"data:{content_type};base64,{base64.b64encode(handle.read()).decode()}"


def cobrand_free_values_clean(*, template: CobrandTemplatePage, submitted: dict[str, str]) -> dict[str, str]:
    """The partner's free field values, refused when a field is not offered or too long."""
    fields = {field.name: field for field in template.free_fields.all()}
    errors = {}
    for name in submitted:
        if name not in fields:
            errors[name] = _("%(name)s cannot be changed in this template.") % {"name": name}
    cleaned = {}
    for name, field in fields.items():
        value = (submitted.get(name) or "").strip()
        if len(value) > field.max_length:
            errors[name] = _("%(label)s: at most %(max)d characters (you entered %(length)d).") % {
                "label": field.label,
                "max": field.max_length,
                "length": len(value),
            }
        cleaned[name] = value or field.default
    if errors:
        raise ValidationError(errors)
    return cleaned


def cobrand_html(*, template: CobrandTemplatePage, values: dict[str, str]) -> str:
    """The personalized HTML document the PDF and image are rendered from."""
    body = placeholders.fill(template.html, values, html=True)
    css = placeholders.fill(template.css, values, html=True)
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{css}</style></head><body>{body}</body></html>'


class GenerationLimitReached(ValidationError):
    """Too many co-branded files for one organization in the last hour."""

    def __init__(self, message: str, *, retry_after_seconds: int):
        super().__init__(message, code="generation_limit")
        self.retry_after_seconds = retry_after_seconds


GENERATION_WINDOW = timedelta(hours=1)


def _cobrand_generation_limit_check(*, organization: PartnerOrganization | None, user) -> None:
    """Each generation is a WeasyPrint render: at most COBRAND_GENERATIONS_PER_HOUR
    per organization (per user for vendor staff). The organization row is locked
    so two requests at once cannot both take the last place."""
    limit = settings.COBRAND_GENERATIONS_PER_HOUR
    since = timezone.now() - GENERATION_WINDOW
    if organization is not None:
        PartnerOrganization.objects.select_for_update().filter(pk=organization.pk).first()
        recent = CobrandGeneration.objects.filter(organization=organization, created_at__gte=since)
    else:
        recent = CobrandGeneration.objects.filter(organization=None, user=user, created_at__gte=since)
    if recent.count() < limit:
        return
    oldest = recent.order_by("created_at").values_list("created_at", flat=True)[recent.count() - limit]
    wait = max(1, int((oldest + GENERATION_WINDOW - timezone.now()).total_seconds()) + 1)
    minutes = -(-wait // 60)
    message = ngettext(
        "Your organization has created %(limit)s co-branded files in the last hour, the most allowed. "
        "You can create the next one in %(minutes)s minute.",
        "Your organization has created %(limit)s co-branded files in the last hour, the most allowed. "
        "You can create the next one in %(minutes)s minutes.",
        minutes,
    ) % {"limit": limit, "minutes": minutes}
    raise GenerationLimitReached(message, retry_after_seconds=wait)


def cobrand_generate(*, template: CobrandTemplatePage, user, submitted: dict[str, str]) -> CobrandGeneration:
    """Log a generation for the user's organization and render it in the background;
    GenerationLimitReached when the organization's hourly allowance is used up."""
    from .tasks import render_cobrand_generation

    free_values = cobrand_free_values_clean(template=template, submitted=submitted)
    partner = partner_context(user)
    with transaction.atomic():
        _cobrand_generation_limit_check(organization=partner.organization if partner else None, user=user)
        generation = CobrandGeneration.objects.create(
            template=template,
            template_revision_id=template.live_revision_id,
            organization=partner.organization if partner else None,
            user=user,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            values=free_values,
        )
        render_cobrand_generation.delay_on_commit(str(generation.pk))
    return generation


def cobrand_render(*, generation_id) -> CobrandGeneration:
    """Render the PDF, then the image, recording progress the page polls."""
    from .rendering import RenderingError, render_pdf, render_png

    generation = CobrandGeneration.objects.select_related("template", "organization").get(pk=generation_id)
    if generation.status == GenerationStatus.DONE:
        return generation
    _progress(generation, GenerationStatus.RUNNING, 10)
    template = generation.template.specific
    try:
        with translation.override(generation.language), timezone.override(preferred_time_zone(user=generation.user)):
            values = cobrand_values(
                template=template, organization=generation.organization, free_values=generation.values
            )
            pdf = render_pdf(cobrand_html(template=template, values=values))
            generation.pdf.save("cobranded.pdf", ContentFile(pdf), save=False)
            _progress(generation, GenerationStatus.RUNNING, 60, fields=["pdf"])
            png = render_png(pdf, width=template.image_width, height=template.image_height)
            generation.png.save("cobranded.png", ContentFile(png), save=False)
    except RenderingError as error:
        generation.error = str(error)
        generation.finished_at = timezone.now()
        _progress(generation, GenerationStatus.FAILED, 100, fields=["error", "finished_at"])
        return generation
    generation.finished_at = timezone.now()
    _progress(generation, GenerationStatus.DONE, 100, fields=["png", "finished_at"])
    return generation


def _progress(generation, status, progress, *, fields=()):
    generation.status, generation.progress = status, progress
    generation.save(update_fields=["status", "progress", *fields])


@transaction.atomic
def course_start(*, course: CoursePage, user) -> CourseEnrollment:
    """The partner user starts ``course`` in whichever language they read it
    (starting again, or in another language, keeps the first start)."""
    partner = partner_context(user)
    if partner is None:
        raise ValidationError(_("Only partner users take courses."))
    enrollment, created = CourseEnrollment.objects.get_or_create(
        user=user,
        course_key=course.translation_key,
        defaults={"organization": partner.organization, "course": course},
    )
    if created:
        first_action_record(partner.organization)
    return enrollment


@transaction.atomic
def course_lesson_open(*, course: CoursePage, user, number: int) -> CourseEnrollment:
    """Remember the lesson the person opened last (they resume there);
    opening a lesson starts the course if it was not started."""
    if not 1 <= number <= len(course.lessons):
        raise ValidationError(_("This course has no lesson %(number)d.") % {"number": number})
    enrollment = course_start(course=course, user=user)
    if enrollment.last_lesson != number:
        enrollment.last_lesson = number
        enrollment.save(update_fields=["last_lesson"])
    return enrollment


@transaction.atomic
def course_complete(*, course: CoursePage, user, assessed: bool = False) -> CourseEnrollment:
    """Record the course complete (once). A course with an assessment is
    completed only by passing it (``assessed``, from the training app).

    Apps that act on completions (certifications) register a
    ``course_completed`` hook taking the enrollment; it runs in this
    transaction, also when the course was already complete (a retake renews)."""
    if course.has_assessment and not assessed:
        raise ValidationError(_("Pass the assessment to complete this course."))
    enrollment = (
        CourseEnrollment.objects.select_for_update().filter(user=user, course_key=course.translation_key).first()
    )
    if enrollment is None:
        raise ValidationError(_("Start the course before marking it complete."))
    if enrollment.completed_at is None:
        enrollment.completed_at = timezone.now()
        enrollment.save(update_fields=["completed_at"])
    for hook in hooks.get_hooks("course_completed"):
        hook(enrollment)
    return enrollment
