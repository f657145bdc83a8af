import uuid

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField, AbstractFormSubmission
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Locale, Orderable, Page, TranslatableMixin
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField

from programs.audience import Audience, Reader
from programs.fields import PartnerRolesField
from programs.files import private_storage
from programs.models import PartnerRole, PartnerType, Tier

from . import placeholders
from .audience import audience_rule_sync, audience_rules_by_path, effective_audience, page_visible, reader_for

BODY_BLOCKS = [
    ("heading", blocks.CharBlock(form_classname="title")),
    ("paragraph", blocks.RichTextBlock()),
    ("image", ImageChooserBlock()),
    ("document", DocumentChooserBlock()),
    ("embed", EmbedBlock(help_text=_("A video or other media link."))),
]

AUDIENCE_FIELDS = frozenset(
    {"audience_tiers", "audience_roles", "audience_partner_types", "audience_regions", "audience_certifications"}
)


def default_locale_only():
    return models.Q(locale_id=Locale.get_default().pk)


class PageAudienceRule(models.Model):
    """A page's own audience, kept for the live page in one table so that
    "which pages are hidden from this reader" is one query (see content.audience)."""

    page = models.OneToOneField(Page, primary_key=True, on_delete=models.CASCADE, related_name="audience_rule")
    audience = models.JSONField()

    def __str__(self):
        return f"{self.page_id}: {self.audience}"


class AudienceMixin(models.Model):
    """Pages partners may see only when they match the page's audience (and
    that of every page above it)."""

    audience_tiers = ParentalManyToManyField(
        Tier, blank=True, related_name="+", verbose_name=_("tiers"), limit_choices_to=default_locale_only
    )
    audience_roles = PartnerRolesField(_("roles"), default=list, blank=True)
    audience_partner_types = ParentalManyToManyField(
        PartnerType,
        blank=True,
        related_name="+",
        verbose_name=_("partner types"),
        limit_choices_to=default_locale_only,
    )
    audience_regions = ParentalManyToManyField(
        "programs.Region", blank=True, related_name="+", verbose_name=_("regions")
    )
    audience_certifications = ParentalManyToManyField(
        "programs.Certification",
        blank=True,
        related_name="+",
        verbose_name=_("required certifications"),
        help_text=_("Only people holding all of these certifications see the page."),
    )

    audience_panels = [
        MultiFieldPanel(
            [
                FieldPanel("audience_tiers", widget=forms.CheckboxSelectMultiple),
                FieldPanel("audience_roles"),
                FieldPanel("audience_partner_types", widget=forms.CheckboxSelectMultiple),
                FieldPanel("audience_regions", widget=forms.CheckboxSelectMultiple),
                FieldPanel("audience_certifications", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Audience"),
            help_text=_(
                "Who may see this page and everything below it. Empty means every partner; "
                "pages below can narrow the audience further but never widen it."
            ),
        )
    ]

    #: wagtail-localize leaves many-to-many fields out of translations; the
    #: audience must follow the source page into every language, unchangeable
    #: by translators.
    override_translatable_fields = [
        SynchronizedField(name, overridable=False) for name in sorted(AUDIENCE_FIELDS | {"audience_roles"})
    ]

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        # Draft revisions save only bookkeeping fields: the live audience is unchanged.
        if update_fields is None or AUDIENCE_FIELDS & set(update_fields):
            audience_rule_sync(self)
        return result

    def own_audience(self) -> Audience:
        return Audience.from_lists(
            {
                "tiers": [tier.translation_key for tier in self.audience_tiers.all()],
                "roles": self.audience_roles,
                "partner_types": [partner_type.translation_key for partner_type in self.audience_partner_types.all()],
                "regions": [region.pk for region in self.audience_regions.all()],
                "certifications": [certification.pk for certification in self.audience_certifications.all()],
            }
        )

    def search_audience(self, context: dict | None = None) -> Audience:
        """``context`` is shared while a batch of documents is built: the rules
        above the batch's pages (``context["page_paths"]``) are loaded once."""
        if context is None:
            return effective_audience(self)
        if "audience_rules" not in context:
            context["audience_rules"] = audience_rules_by_path(context.get("page_paths"))
        return effective_audience(self, rules=context["audience_rules"])

    def serve(self, request, *args, **kwargs):
        reader = reader_for(request)
        if not (reader.sees_everything or reader.is_partner) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not page_visible(self, reader):
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_sitemap_urls(self, request=None):
        # Only content.sitemaps.AudienceSitemap lists these pages: it leaves
        # out those the request's reader may not see. Without a request
        # (a sitemap for nobody in particular) the pages are not listed.
        if request is None:
            return []
        return super().get_sitemap_urls(request)

    # Channel ops preview a page "as" a tier, role or partner type.
    @property
    def preview_modes(self):
        tiers = Tier.objects.filter(default_locale_only()).order_by("rank")
        partner_types = PartnerType.objects.filter(default_locale_only()).order_by("name")
        return [
            ("", _("Vendor staff (everything)")),
            *((f"tiers:{tier.translation_key}", _("As a %(name)s partner") % {"name": tier.name}) for tier in tiers),
            *((f"roles:{code}", _("As a %(name)s user") % {"name": label}) for code, label in PartnerRole.choices),
            *(
                (f"partner_types:{kind.translation_key}", _("As a %(name)s") % {"name": kind.name})
                for kind in partner_types
            ),
        ]

    def serve_preview(self, request, mode_name):
        if mode_name:
            dimension, _separator, value = mode_name.partition(":")
            reader = Reader.preview(**{dimension: [value]})
            request.portal_reader = reader
            if not reader.may_see(effective_audience(self, own=self.own_audience())):
                return TemplateResponse(
                    request,
                    "content/preview_hidden.html",
                    {"page": self, "mode_label": dict(self.preview_modes).get(mode_name, mode_name)},
                )
        return super().serve_preview(request, mode_name)


class SectionPage(AudienceMixin, Page):
    """A section of the portal (e.g. Sales, Platinum pricing) holding other pages."""

    intro = RichTextField(_("introduction"), blank=True)
    body = StreamField(BODY_BLOCKS, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    settings_panels = Page.settings_panels + AudienceMixin.audience_panels
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage", "content.SectionPage"]

    class Meta:
        verbose_name = _("section page")
        verbose_name_plural = _("section pages")


class AnnouncementPage(AudienceMixin, Page):
    """News for partners, newest first in sections and on the dashboard."""

    date = models.DateField(_("date"), default=timezone.localdate)
    summary = models.TextField(_("summary"), max_length=400, blank=True)
    #: the date search ranks recency from (not the first publication)
    search_effective_date_field = "date"
    body = StreamField(BODY_BLOCKS, blank=True)

    content_panels = Page.content_panels + [FieldPanel("date"), FieldPanel("summary"), FieldPanel("body")]
    settings_panels = Page.settings_panels + AudienceMixin.audience_panels
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]

    parent_page_types = ["home.HomePage", "content.SectionPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")


LESSON_BLOCKS = [
    (
        "lesson",
        blocks.StructBlock(
            [
                ("title", blocks.CharBlock(label=_("title"), max_length=120)),
                ("body", blocks.RichTextBlock(label=_("text"), required=False)),
                # A URL rendered with {% embed %}: wagtail-localize cannot extract an
                # empty optional EmbedBlock inside a StructBlock (it reads None.url).
                (
                    "video",
                    blocks.URLBlock(label=_("video"), required=False, help_text=_("A video link (YouTube, Vimeo…).")),
                ),
                ("material", DocumentChooserBlock(label=_("downloadable material"), required=False)),
            ],
            icon="doc-full",
            label=_("lesson"),
        ),
    )
]

QUESTION_BLOCKS = [
    (
        "question",
        blocks.StructBlock(
            [
                ("prompt", blocks.CharBlock(label=_("question"), max_length=300)),
                (
                    "multiple",
                    blocks.BooleanBlock(
                        label=_("several answers are correct (multi-select)"),
                        required=False,
                        help_text=_("Partners must tick exactly the correct answers."),
                    ),
                ),
                (
                    "choices",
                    blocks.ListBlock(
                        blocks.StructBlock(
                            [
                                ("text", blocks.CharBlock(label=_("answer"), max_length=200)),
                                ("correct", blocks.BooleanBlock(label=_("correct"), required=False)),
                            ]
                        ),
                        min_num=2,
                        label=_("answers"),
                    ),
                ),
            ],
            icon="help",
            label=_("question"),
        ),
    )
]


class CoursePageForm(WagtailAdminPageForm):
    """Questions must be answerable: at least one correct answer, exactly one
    for a single-choice question."""

    def clean(self):
        cleaned = super().clean()
        for number, question in enumerate(cleaned.get("questions") or [], start=1):
            correct = sum(1 for choice in question.value["choices"] if choice["correct"])
            if correct == 0 or (correct > 1 and not question.value["multiple"]):
                self.add_error(
                    "questions",
                    _("Question %(number)d needs exactly one correct answer, or several if it is multi-select.")
                    % {"number": number},
                )
        return cleaned


class CoursePage(AudienceMixin, Page):
    """A training course: lessons partners work through, then an optional
    assessment. Progress is kept per person and course (every translation of
    a course is the same course: see ``CourseEnrollment.course_key``)."""

    intro = RichTextField(_("introduction"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(6000)]
    )
    body = StreamField(BODY_BLOCKS, blank=True)
    lessons = StreamField(LESSON_BLOCKS, blank=True, verbose_name=_("lessons"))
    questions = StreamField(
        QUESTION_BLOCKS,
        blank=True,
        verbose_name=_("assessment questions"),
        help_text=_("Empty: no assessment; partners mark the course complete themselves."),
    )
    #: percentage of questions answered right needed to pass
    pass_mark_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts before a cool-down"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    cooldown_hours = models.PositiveSmallIntegerField(
        _("cool-down (hours)"),
        default=24,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_("How long a partner waits after using up their attempts."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("duration_minutes"),
        FieldPanel("body"),
        FieldPanel("lessons"),
        MultiFieldPanel(
            [
                FieldPanel("questions"),
                FieldRowPanel(
                    [FieldPanel("pass_mark_percent"), FieldPanel("max_attempts"), FieldPanel("cooldown_hours")]
                ),
            ],
            heading=_("Assessment"),
        ),
    ]
    settings_panels = Page.settings_panels + AudienceMixin.audience_panels
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    base_form_class = CoursePageForm
    override_translatable_fields = AudienceMixin.override_translatable_fields + [
        SynchronizedField("pass_mark_percent", overridable=False),
        SynchronizedField("max_attempts", overridable=False),
        SynchronizedField("cooldown_hours", overridable=False),
    ]

    parent_page_types = ["home.HomePage", "content.SectionPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    @property
    def has_assessment(self) -> bool:
        return len(self.questions) > 0

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_enrollment

        context = super().get_context(request, *args, **kwargs)
        context["enrollment"] = course_enrollment(request.user, self)
        return context


class CourseEnrollment(models.Model):
    """A partner user's progress in a course, in whichever language they read it."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization", on_delete=models.CASCADE, related_name="course_enrollments"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_enrollments")
    #: the page (in the language) the person started from, for reports
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="enrollments")
    #: the course's ``translation_key``: every translation of it counts as the same course
    course_key = models.UUIDField(_("course"), editable=False, db_index=True)
    #: number of the lesson the person last opened (1-based; 0: none yet), to resume there
    last_lesson = models.PositiveSmallIntegerField(_("last lesson"), default=0)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("course enrollment")
        verbose_name_plural = _("course enrollments")
        constraints = [models.UniqueConstraint(fields=["user", "course_key"], name="content_enrollment_user_course")]
        indexes = [models.Index(fields=["organization", "started_at"], name="content_enrollment_org_idx")]

    def __str__(self):
        return f"{self.user} · {self.course}"


class AssetType(TranslatableMixin, models.Model):
    """Kinds of content assets (pitch deck, price list, …), edited by channel marketing."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, help_text=_("Stable identifier used in filters and search."))
    override_translatable_fields = [SynchronizedField("code", overridable=False)]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("asset type")
        verbose_name_plural = _("asset types")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["code", "locale"], name="content_assettype_code_locale")]

    def __str__(self):
        return self.name


class LibraryPage(AudienceMixin, Page):
    """The content library: every current asset the reader may see, filterable."""

    intro = RichTextField(_("introduction"), blank=True)
    per_page = models.PositiveSmallIntegerField(
        _("assets per page"), default=24, validators=[MinValueValidator(6), MaxValueValidator(96)]
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("per_page")]
    settings_panels = Page.settings_panels + AudienceMixin.audience_panels

    parent_page_types = ["home.HomePage", "content.SectionPage"]
    subpage_types = ["content.AssetPage", "content.CobrandTemplatePage"]

    class Meta:
        verbose_name = _("content library")
        verbose_name_plural = _("content libraries")

    def get_context(self, request, *args, **kwargs):
        from .selectors import library_assets

        context = super().get_context(request, *args, **kwargs)
        context.update(library_assets(page=self, request=request))
        return context


class AssetPage(AudienceMixin, Page):
    """One content asset with a stable identity; its file is versioned."""

    asset_type = models.ForeignKey(AssetType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("summary"), max_length=600)
    body = StreamField(BODY_BLOCKS, blank=True, verbose_name=_("details"))
    product_lines = ParentalManyToManyField(
        "programs.ProductLine",
        blank=True,
        related_name="+",
        verbose_name=_("product lines"),
        limit_choices_to=default_locale_only,
    )
    partner_types = ParentalManyToManyField(
        PartnerType,
        blank=True,
        related_name="+",
        verbose_name=_("for partner types"),
        help_text=_("Used for filtering; to restrict who sees the asset use the audience in Settings."),
        limit_choices_to=default_locale_only,
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    video_url = models.URLField(_("video link"), blank=True)
    version_label = models.CharField(
        _("version"), max_length=40, default="1.0", help_text=_("Give a new label whenever you replace the file.")
    )
    effective_date = models.DateField(_("effective date"), default=timezone.localdate)
    #: the date search ranks recency from (not the first publication)
    search_effective_date_field = "effective_date"
    review_by = models.DateField(
        _("review by"), null=True, blank=True, help_text=_("After this date partners see “may be outdated”.")
    )
    content_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Receives the reminder when the asset is due for review."),
    )
    stale_reminder_sent_for = models.DateField(null=True, blank=True, editable=False)

    content_panels = Page.content_panels + [
        FieldPanel("asset_type"),
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("document"),
                FieldPanel("image"),
                FieldPanel("video_url"),
                FieldRowPanel([FieldPanel("version_label"), FieldPanel("effective_date"), FieldPanel("review_by")]),
            ],
            heading=_("File and version"),
        ),
        FieldPanel("product_lines", widget=forms.CheckboxSelectMultiple),
        FieldPanel("partner_types", widget=forms.CheckboxSelectMultiple),
        FieldPanel("content_owner"),
        FieldPanel("body"),
    ]
    settings_panels = Page.settings_panels + AudienceMixin.audience_panels
    search_fields = Page.search_fields + [index.SearchField("summary"), index.FilterField("effective_date")]
    override_translatable_fields = AudienceMixin.override_translatable_fields + [
        SynchronizedField("product_lines", overridable=False),
        SynchronizedField("partner_types", overridable=False),
        SynchronizedField("version_label", overridable=False),
    ]

    parent_page_types = ["content.LibraryPage", "content.SectionPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("content asset")
        verbose_name_plural = _("content assets")

    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        if kwargs.get("update_fields") is None and self.live:
            from .services import asset_version_record

            asset_version_record(asset=self)
        return result

    def file_key(self) -> tuple:
        return (self.document_id, self.image_id, self.video_url or "")

    @cached_property
    def current_version(self):
        return self.versions.filter(superseded_at__isnull=True).first() if self.pk else None

    @property
    def is_stale(self) -> bool:
        return bool(self.review_by and self.review_by < timezone.localdate())

    def clean(self):
        super().clean()
        if sum((bool(self.document_id), bool(self.image_id), bool(self.video_url))) != 1:
            raise ValidationError({"document": _("Give exactly one of a file, an image or a video link.")})
        current = self.current_version
        if current is None or current.file_key() == self.file_key():
            return
        if self.versions.filter(label=self.version_label).exists():
            raise ValidationError(
                {
                    "version_label": _(
                        "You replaced the file: give this version a new label (%(label)s is already used)."
                    )
                    % {"label": self.version_label}
                }
            )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["history"] = self.versions.exclude(superseded_at__isnull=True)
        return context

    @classmethod
    def search_queryset(cls, queryset):
        """Everything :meth:`search_document_fields` reads, in a few queries per batch."""
        current = AssetVersion.objects.filter(superseded_at__isnull=True).select_related("document", "image")
        # Lists (to_attr) rather than the related managers: a manager of a
        # ParentalManyToManyField costs more to build than the row it holds.
        return (
            queryset.select_related("asset_type")
            .prefetch_related(
                models.Prefetch("product_lines", to_attr="search_product_lines"),
                models.Prefetch("partner_types", to_attr="search_partner_types"),
                models.Prefetch("versions", queryset=current, to_attr="current_versions"),
            )
            .annotate(download_count=models.Count("downloads"))
        )

    def search_document_fields(self, context: dict | None = None) -> dict:
        """What the portal search stores beyond a page's title and text: the
        current version only (one document per asset family member)."""
        from django.urls import reverse

        if hasattr(self, "current_versions"):  # loaded by search_queryset
            version = self.current_versions[0] if self.current_versions else None
            popularity = self.download_count
            product_lines, partner_types = self.search_product_lines, self.search_partner_types
        else:
            version, popularity = self.current_version, self.downloads.count()
            product_lines, partner_types = self.product_lines.all(), self.partner_types.all()
        return {
            "asset_type": self.asset_type.code,
            "product_lines": [line.code for line in product_lines],
            "partner_types": [kind.code for kind in partner_types],
            "version_label": self.version_label,
            "review_by": self.review_by,
            "popularity": popularity,
            "download_url": reverse("content:asset_download", args=[self.pk]) if version else "",
            # the file whose text search extracts (in its own task) and adds
            "attachment_file": version.file.name if version is not None and version.file else "",
        }


class AssetVersion(models.Model):
    """One file an asset has offered; only the current one is offered to partners."""

    asset = models.ForeignKey(AssetPage, on_delete=models.CASCADE, related_name="versions")
    label = models.CharField(_("version"), max_length=40)
    document = models.ForeignKey(
        "wagtaildocs.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    video_url = models.URLField(blank=True)
    effective_date = models.DateField(_("effective date"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        verbose_name = _("asset version")
        verbose_name_plural = _("asset versions")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "label"], name="content_assetversion_label_unique"),
            models.UniqueConstraint(
                fields=["asset"],
                condition=models.Q(superseded_at__isnull=True),
                name="content_assetversion_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.asset} {self.label}"

    def file_key(self) -> tuple:
        return (self.document_id, self.image_id, self.video_url or "")

    @property
    def file(self):
        if self.document_id:
            return self.document.file
        if self.image_id:
            return self.image.file
        return None

    @property
    def filename(self) -> str:
        file = self.file
        return file.name.rsplit("/", 1)[-1] if file else ""


class AssetDownload(models.Model):
    """One download, for analytics: which asset and version, by whom."""

    asset = models.ForeignKey(AssetPage, on_delete=models.CASCADE, related_name="downloads")
    version = models.ForeignKey(AssetVersion, on_delete=models.CASCADE, related_name="downloads")
    organization = models.ForeignKey(
        "programs.PartnerOrganization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    roles = models.JSONField(default=list)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    downloaded_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("asset download")
        verbose_name_plural = _("asset downloads")
        indexes = [models.Index(fields=["asset", "downloaded_at"])]

    def __str__(self):
        return f"{self.version} by {self.user_id} at {self.downloaded_at:%Y-%m-%d %H:%M}"


class CobrandKind(models.TextChoices):
    FLYER = "flyer", _("Flyer")
    EMAIL = "email", _("Email")
    SOCIAL = "social", _("Social card")
    CERTIFICATE = "certificate", _("Certificate")


class CobrandTemplateForm(WagtailAdminPageForm):
    """Checks every placeholder against the partner values and the free fields
    defined in the same form, so a typo reaches the editor, not a partner."""

    def clean(self):
        cleaned_data = super().clean()
        formset = self.formsets.get("free_fields")
        names = []
        if formset is not None:
            for form in formset.forms:
                if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE"):
                    names.append(form.cleaned_data.get("name"))
        for field_name in ("html", "css", "text"):
            errors = placeholders.placeholder_errors(cleaned_data.get(field_name) or "", names)
            if errors:
                self.add_error(field_name, errors)
        return cleaned_data


class CobrandTemplatePage(AudienceMixin, Page):
    """A template partners personalize with their own details and download."""

    kind = models.CharField(_("kind"), max_length=12, choices=CobrandKind.choices, default=CobrandKind.FLYER)
    summary = models.TextField(_("summary"), max_length=400, blank=True)
    html = placeholders.TemplateHTMLField(
        _("HTML"),
        help_text=_(
            "Layout of the PDF and image. Placeholders: {{ partner.name }}, {{ partner.logo }} (an image address), "
            "{{ partner.email }}, {{ partner.phone }}, {{ partner.website }}, {{ partner.address }}, "
            "{{ partner.colour }}, {{ partner.tier }}, {{ partner.discount }}, {{ vendor.name }}, {{ vendor.colour }}, "
            "{{ date.today }} (in the partner's language) and {{ field.<name> }} for the free fields below."
        ),
    )
    css = models.TextField(_("CSS"), blank=True, default="@page { size: A4; margin: 12mm; }")
    text = models.TextField(
        _("text to copy"), blank=True, help_text=_("Email or social text partners copy, with the same placeholders.")
    )
    image_width = models.PositiveSmallIntegerField(
        _("image width (px)"), default=1200, validators=[MinValueValidator(16), MaxValueValidator(4000)]
    )
    image_height = models.PositiveSmallIntegerField(
        _("image height (px)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(16), MaxValueValidator(4000)],
        help_text=_("Empty: in proportion to the page."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("html"),
        FieldPanel("css"),
        FieldPanel("text"),
        FieldRowPanel([FieldPanel("image_width"), FieldPanel("image_height")]),
        InlinePanel("free_fields", heading=_("Fields partners may fill in"), label=_("field")),
    ]
    settings_panels = Page.settings_panels + AudienceMixin.audience_panels
    search_fields = Page.search_fields + [index.SearchField("summary")]
    # Translators translate the texts (labels in the HTML too), not the styles.
    override_translatable_fields = AudienceMixin.override_translatable_fields + [SynchronizedField("css")]
    base_form_class = CobrandTemplateForm

    parent_page_types = ["content.LibraryPage", "content.SectionPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("co-branded template")
        verbose_name_plural = _("co-branded templates")

    def get_context(self, request, *args, **kwargs):
        from .selectors import cobrand_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(cobrand_page_context(template=self, request=request))
        return context


class CobrandField(TranslatableMixin, Orderable):
    """A free field partners may fill in; anything else in the template is fixed."""

    page = ParentalKey(CobrandTemplatePage, on_delete=models.CASCADE, related_name="free_fields")
    name = models.SlugField(
        _("name"), max_length=40, help_text=_("Used as {{ field.<name> }}; lower-case letters, digits and _.")
    )
    label = models.CharField(_("label"), max_length=80)
    max_length = models.PositiveSmallIntegerField(
        _("maximum length"), default=80, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    default = models.CharField(_("default"), max_length=500, blank=True)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("label"), FieldPanel("max_length")]), FieldPanel("default")]
    # The name is the placeholder's key in the HTML: the same in every language.
    override_translatable_fields = [SynchronizedField("name", overridable=False)]

    class Meta(TranslatableMixin.Meta):
        ordering = ["sort_order"]

    def clean(self):
        super().clean()
        if not placeholders.NAME.match(f"field.{self.name}"):
            raise ValidationError({"name": _("Use lower-case letters, digits and _ only, starting with a letter.")})
        if len(self.default) > self.max_length:
            raise ValidationError({"default": _("The default is longer than the maximum length.")})


class GenerationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Rendering")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def generation_path(generation, filename):
    return f"cobrand/{generation.organization_id or 'staff'}/{generation.pk}/{filename}"


class CobrandGeneration(models.Model):
    """Every personalized output: template and its version, organization, user, time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template = models.ForeignKey(CobrandTemplatePage, on_delete=models.PROTECT, related_name="generations")
    template_revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        "programs.PartnerOrganization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(max_length=10, default="en")
    values = models.JSONField(_("free field values"), default=dict)
    status = models.CharField(max_length=10, choices=GenerationStatus.choices, default=GenerationStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    pdf = models.FileField(upload_to=generation_path, storage=private_storage, blank=True)
    png = models.FileField(upload_to=generation_path, storage=private_storage, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("co-branded generation")
        verbose_name_plural = _("co-branded generations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.template} for {self.organization_id} at {self.created_at:%Y-%m-%d %H:%M}"


class FormField(TranslatableMixin, AbstractFormField):
    page = ParentalKey("content.FormPage", on_delete=models.CASCADE, related_name="form_fields")
    # Labels, help texts and choices are translated; answers keep the same keys in every language.
    override_translatable_fields = [SynchronizedField("clean_name", overridable=False)]

    class Meta(TranslatableMixin.Meta):
        ordering = ["sort_order"]


class PartnerFormSubmission(AbstractFormSubmission):
    """A form submission, stored once per key even if the partner double-clicks."""

    submission_key = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        "programs.PartnerOrganization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "submission_key"], name="content_formsubmission_once"),
        ]


class FormPage(AudienceMixin, AbstractEmailForm):
    """A form composed in the admin: demo request, event registration, survey."""

    intro = RichTextField(_("introduction"), blank=True)
    thank_you_text = RichTextField(_("thank-you text"), blank=True)

    content_panels = AbstractEmailForm.content_panels + [
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("Form fields")),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            heading=_("Email the submissions (optional)"),
        ),
    ]
    settings_panels = AbstractEmailForm.settings_panels + AudienceMixin.audience_panels
    # Where submissions go is not the translators' to change.
    override_translatable_fields = AudienceMixin.override_translatable_fields + [
        SynchronizedField("to_address", overridable=False)
    ]

    parent_page_types = ["home.HomePage", "content.SectionPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("form page")
        verbose_name_plural = _("form pages")

    def get_submission_class(self):
        return PartnerFormSubmission

    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        form.fields["submission_key"] = forms.CharField(
            widget=forms.HiddenInput, max_length=64, initial=uuid.uuid4().hex
        )
        return form

    def process_form_submission(self, form):
        from programs.tenancy import partner_context

        data = dict(form.cleaned_data)
        key = data.pop("submission_key")
        user = form.user if getattr(form.user, "is_authenticated", False) else None
        partner = partner_context(user) if user else None
        try:
            with transaction.atomic():
                submission = PartnerFormSubmission.objects.create(
                    page=self,
                    form_data=data,
                    submission_key=key,
                    user=user,
                    organization=partner.organization if partner else None,
                )
        except IntegrityError:
            # The same form sent twice (double click, retried request): keep the first.
            return PartnerFormSubmission.objects.get(page=self, submission_key=key)
        if self.to_address:
            form.cleaned_data.pop("submission_key", None)
            transaction.on_commit(lambda: self.send_mail(form))
        return submission
