from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from programs.choices import language_choices


class OutboxOperation(models.TextChoices):
    INDEX = "index", "Index"
    DELETE = "delete", "Delete"


class IndexOutboxEntry(models.Model):
    """A pending change to the search index, written in the same transaction
    as the change itself so no update is lost when the search engine is down.

    The entry's id doubles as the document's external version: a replayed or
    out-of-order entry never overwrites a newer one.
    """

    document_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    operation = models.CharField(max_length=10, choices=OutboxOperation.choices)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "search index outbox entry"
        verbose_name_plural = "search index outbox"
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(processed_at__isnull=True),
                name="outbox_pending_idx",
            ),
            models.Index(fields=["document_type", "object_id", "-id"], name="outbox_object_idx"),
        ]

    def __str__(self):
        return f"{self.operation} {self.document_type}:{self.object_id} (#{self.pk})"


class AttachmentText(models.Model):
    """The text of one stored file (an asset's PDF or Office file), extracted
    once by a Celery task and added to the documents of the pages offering it.

    Stored file names are unique (a replaced file gets a new one), so the
    name identifies the content."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        EXTRACTED = "extracted", "Extracted"
        TOO_LARGE = "too_large", "Over the size limit"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=255, unique=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    text = models.TextField(blank=True)
    #: documents ("kind:object id") to re-index once the text is known
    waiting = models.JSONField(default=list)
    requested_at = models.DateTimeField(default=timezone.now)
    extracted_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = "attachment text"
        verbose_name_plural = "attachment texts"
        indexes = [
            models.Index(fields=["requested_at"], condition=models.Q(outcome="pending"), name="attachment_pending_idx")
        ]

    def __str__(self):
        return self.file_name


@register_setting(icon="search")
class SearchSettings(BaseGenericSetting):
    """Ranking knobs channel ops can tune without a deploy.

    The score is the text score times a recency factor between
    ``1 - recency_share`` (very old) and 1 (today), halfway at the half-life:
    multiplying keeps the blend the same whatever the size of the text scores,
    which an added recency term does not."""

    recency_pivot_days = models.PositiveSmallIntegerField(
        _("recency half-life (days)"),
        default=90,
        validators=[MinValueValidator(1)],
        help_text=_("A document this old keeps half of the recency share of its score."),
    )
    recency_share = models.PositiveSmallIntegerField(
        _("recency share (per cent)"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(90)],
        help_text=_(
            "How much of a result's score depends on its date. At 30, a very old document keeps 70 per cent of its "
            "text score: among similar matches the newer comes first, while a text match more than 1.4 times "
            "better still wins. 0 ranks by text alone."
        ),
    )
    popularity_weight = models.DecimalField(
        _("popularity weight"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.30"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("search settings")
        verbose_name_plural = _("search settings")


class SynonymSet(models.Model):
    """Words partners use interchangeably, e.g. "price list, pricing, rate card".

    Applied when a query is built, so a change takes effect at once without
    reindexing."""

    terms = models.CharField(
        _("terms"), max_length=500, help_text=_("Comma-separated words or phrases that mean the same.")
    )
    language = models.CharField(
        _("language"), max_length=10, choices=language_choices, blank=True, help_text=_("Empty: every language.")
    )

    panels = [FieldPanel("terms"), FieldPanel("language")]

    class Meta:
        verbose_name = _("synonym set")
        verbose_name_plural = _("synonym sets")

    def __str__(self):
        return self.terms

    def clean(self):
        if len(self.term_list()) < 2:
            raise ValidationError({"terms": _("Give at least two comma-separated terms.")})

    def term_list(self) -> list[str]:
        return [normalize_query(term) for term in self.terms.split(",") if normalize_query(term)]


class BestBet(models.Model):
    """A page promoted to the top of the results for a query."""

    query = models.CharField(_("query"), max_length=200, help_text=_("Matched case- and space-insensitively."))
    page = models.ForeignKey("wagtailcore.Page", verbose_name=_("promoted page"), on_delete=models.CASCADE)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [FieldPanel("query"), FieldPanel("page"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = _("promoted result")
        verbose_name_plural = _("promoted results")
        ordering = ["query", "sort_order"]

    def __str__(self):
        return f"{self.query} → {self.page}"

    def save(self, *args, **kwargs):
        self.query = normalize_query(self.query)
        super().save(*args, **kwargs)


class SearchQueryLog(models.Model):
    """Every portal query, so the content team sees what partners look for."""

    query = models.CharField(max_length=200)
    normalized_query = models.CharField(max_length=200, db_index=True)
    results = models.PositiveIntegerField()
    language = models.CharField(max_length=10, blank=True)
    organization = models.ForeignKey(
        "programs.PartnerOrganization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    # One row per search: nothing links to or from it, so Wagtail's reference
    # index would only add a transaction to every query.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("search query")
        verbose_name_plural = _("search queries")
        indexes = [models.Index(fields=["results", "-created_at"], name="search_query_zero_idx")]

    def __str__(self):
        return self.query


def normalize_query(text: str) -> str:
    return " ".join(text.lower().split())
