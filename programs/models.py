"""Who a partner is, who works for it, which tier it is in and why.

Every partner-owned row carries ``organization`` as a foreign key; composite
indexes start with it so tenant-scoped queries stay index-only.
"""

import datetime
import hashlib
import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import RevisionMixin, TranslatableMixin
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField

from .admin_forms import TierForm
from .choices import language_choices
from .files import private_storage
from .request_memo import remembered_instance
from .validators import validate_logo, validate_money_fields, validate_money_precision

hex_colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour such as #1d4ed8."))
currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Enter a three-letter ISO 4217 currency code."))


class PartnerType(TranslatableMixin, models.Model):
    """Reseller, MSP, system integrator…: editable by channel ops."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, help_text=_("Stable identifier used in rules."))
    description = models.TextField(_("description"), blank=True)

    panels = [FieldPanel("name"), FieldPanel("code"), FieldPanel("description")]
    #: translators translate the name and description; the code rules use stays
    override_translatable_fields = [SynchronizedField("code", overridable=False)]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("partner type")
        verbose_name_plural = _("partner types")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Region(models.Model):
    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerRole(models.TextChoices):
    OWNER = "owner", _("Owner / executive")
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    TECHNICAL = "technical", _("Technical / service")
    FINANCE = "finance", _("Finance")


class ProductLine(TranslatableMixin, models.Model):
    """A product line deals, content, certifications and incentives refer to."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, help_text=_("Stable identifier used in rules."))

    panels = [FieldPanel("name"), FieldPanel("code")]
    override_translatable_fields = [SynchronizedField("code", overridable=False)]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Certification(models.Model):
    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    product_line = models.CharField(_("product line"), max_length=80, blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Empty: never expires.")
    )
    gates_deal_registration = models.BooleanField(
        _("required to register deals for its product line"),
        default=False,
        help_text=_("Partners register deals for this product line only while someone in their organization holds it."),
    )

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["name"]

    def __str__(self):
        return self.name


class TierChangeMode(models.TextChoices):
    AUTO = "auto", _("Apply tier changes automatically")
    APPROVAL = "approval", _("Propose tier changes to the CAM for approval")


@register_setting(icon="cog")
class ProgramSettings(BaseGenericSetting):
    """Program-wide rules channel ops can change without a deploy."""

    program_currency = models.CharField(
        _("program currency"), max_length=3, default="USD", validators=[currency_validator]
    )
    tier_change_mode = models.CharField(
        _("tier changes"), max_length=10, choices=TierChangeMode.choices, default=TierChangeMode.AUTO
    )
    evaluation_window_months = models.PositiveSmallIntegerField(
        _("evaluation window (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    invitation_validity_days = models.PositiveSmallIntegerField(
        _("invitation links valid for (days)"), default=7, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("partner program settings")
        verbose_name_plural = _("partner program settings")

    @classmethod
    def load(cls, request_or_site=None):
        # Services and panels call ``load()`` without a request, several
        # times a page: within a reading request the row's values are kept
        # until the settings change (``remembered_until_changed``), and each
        # call gets its own instance of them.
        if request_or_site is not None:
            return super().load(request_or_site)
        return remembered_instance(("settings", cls._meta.label), super().load)


class Tier(TranslatableMixin, RevisionMixin, ClusterableModel):
    """A rung of the partner ladder: what it takes and what it gives.

    Saving a tier records its rules as a new ``TierRuleVersion``; evaluations
    and statements read rules from those versions, never from this row. A
    tier with history is retired (``retired``), never deleted.
    """

    name = models.CharField(_("name"), max_length=80)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("Higher rank means a higher tier."))
    colour = models.CharField(_("colour"), max_length=7, default="#6b7280", validators=[hex_colour_validator])
    badge = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    description = models.TextField(_("public description"), blank=True)
    retired = models.BooleanField(
        _("retired"),
        default=False,
        help_text=_(
            "A retired tier leaves the ladder: its partners are re-evaluated onto the remaining tiers, "
            "and its rule history and tier changes are kept."
        ),
    )

    # Requirements, measured over the program's evaluation window.
    min_won_revenue = models.DecimalField(
        _("won deal revenue at least"),
        max_digits=15,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    min_won_deals = models.PositiveIntegerField(_("won deals at least"), default=0)
    min_certified_people = models.PositiveIntegerField(_("certified people at least"), default=0)
    counted_certifications = ParentalManyToManyField(
        Certification,
        blank=True,
        related_name="+",
        verbose_name=_("certifications that count"),
        help_text=_("People holding any of these count as certified. Empty: any certification counts."),
    )
    required_certifications = ParentalManyToManyField(
        Certification,
        blank=True,
        related_name="+",
        verbose_name=_("required certifications"),
        help_text=_("At least one person must hold each of these."),
    )
    requires_signed_agreement = models.BooleanField(_("partner agreement signed"), default=True)

    # Benefits.
    commission_rate = models.DecimalField(
        _("commission rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    deal_protection_days = models.PositiveSmallIntegerField(_("deal registration protection (days)"), default=90)
    mdf_allocation_percent = models.DecimalField(
        # xgettext:no-python-format (a label, never formatted: "% o" is not a placeholder)
        _("MDF allocation (% of revenue)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("rank"),
                FieldPanel("colour"),
                FieldPanel("badge"),
                FieldPanel("description"),
                FieldPanel("retired"),
            ],
            heading=_("Tier"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("min_won_revenue"),
                FieldPanel("min_won_deals"),
                FieldPanel("min_certified_people"),
                FieldPanel("counted_certifications"),
                FieldPanel("required_certifications"),
                FieldPanel("requires_signed_agreement"),
            ],
            heading=_("Requirements"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("commission_rate"),
                FieldPanel("deal_protection_days"),
                FieldPanel("mdf_allocation_percent"),
                FieldPanel("discount_percent"),
            ],
            heading=_("Benefits"),
        ),
    ]

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]
    #: translators translate the public name and description; the rules and
    #: the look stay those of the source tier
    override_translatable_fields = [
        SynchronizedField(name, overridable=False)
        for name in ("colour", "badge", "counted_certifications", "required_certifications")
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]
        constraints = [
            # Retired tiers keep their rank, so a successor can take it.
            models.UniqueConstraint(
                fields=["locale", "rank"], condition=models.Q(retired=False), name="tier_unique_rank_per_locale"
            )
        ]

    base_form_class = TierForm

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        # Requirements are counted in the program currency, so its minor unit applies.
        validate_money_fields(self, ProgramSettings.load().program_currency, "min_won_revenue")
        # The form has no locale field, so Django skips the rank constraint: checked here.
        if self.retired or self.locale_id is None or self.rank is None:
            return
        holder = (
            Tier.objects.filter(locale_id=self.locale_id, rank=self.rank, retired=False).exclude(pk=self.pk).first()
        )
        if holder is not None:
            raise ValidationError(
                {"rank": _("%(tier)s has this rank; retire it or pick another rank.") % {"tier": holder.name}}
            )


class TierRuleVersion(models.Model):
    """The rules of a tier as they stood from ``effective_from`` on."""

    # Rule history never goes with its tier: a tier that has versions is retired, not deleted.
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="rule_versions")
    effective_from = models.DateTimeField(_("effective from"), default=timezone.now)
    rules = models.JSONField(_("rules"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tier rule version")
        verbose_name_plural = _("tier rule versions")
        ordering = ["tier", "-effective_from"]
        indexes = [models.Index(fields=["tier", "-effective_from"])]

    def __str__(self):
        return f"{self.tier} from {self.effective_from:%Y-%m-%d %H:%M}"


class OrganizationStatus(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


def organization_logo_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"partners/logos/{secrets.token_hex(8)}.{extension}"


class PartnerOrganization(index.Indexed, models.Model):
    """The tenant: one partner company and its program standing."""

    name = models.CharField(_("legal name"), max_length=200)
    partner_type = models.ForeignKey(
        PartnerType, verbose_name=_("partner type"), on_delete=models.PROTECT, related_name="organizations"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organizations")
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=OrganizationStatus.choices,
        default=OrganizationStatus.ONBOARDING,
        db_index=True,
    )
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), null=True, blank=True, on_delete=models.PROTECT, related_name="organizations"
    )
    tier_since = models.DateTimeField(_("in tier since"), null=True, blank=True)
    channel_account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("channel account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_organizations",
    )

    # Contact details used by co-branded templates.
    website = models.URLField(_("website"), blank=True)
    email_domain = models.CharField(_("email domain"), max_length=253, blank=True, db_index=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country (ISO code)"), max_length=2, blank=True)
    logo = models.ImageField(_("logo"), upload_to=organization_logo_path, blank=True, validators=[validate_logo])
    brand_colour = models.CharField(_("brand colour"), max_length=7, blank=True, validators=[hex_colour_validator])
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=language_choices, default="en"
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    first_action_at = models.DateTimeField(
        _("first action"), null=True, blank=True, help_text=_("First deal, course or invitation after creation.")
    )

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("status"),
    ]

    class Meta:
        verbose_name = _("partner organization")
        verbose_name_plural = _("partner organizations")
        ordering = ["name"]
        permissions = [("view_all_partner_records", "Can see every partner organization's records")]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A person's place in one partner organization and the roles they play there."""

    organization = models.ForeignKey(PartnerOrganization, on_delete=models.CASCADE, related_name="memberships")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    roles = models.JSONField(
        _("roles"), default=list, help_text=_("Codes from PartnerRole; a person may hold several.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=language_choices,
        blank=True,
        help_text=_("Empty: the organization's language."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [models.Index(fields=["organization", "is_active"])]

    def __str__(self):
        return f"{self.user} @ {self.organization}"

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def language(self) -> str:
        return self.preferred_language or self.organization.preferred_language


def new_verification_code() -> str:
    """12 characters from an alphabet without look-alikes (0/O, 1/I/L): read
    aloud or typed from a printed certificate."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _position in range(12))


class EarnedThrough(models.TextChoices):
    RECORDED = "recorded", _("Recorded by vendor staff")
    COURSE = "course", _("Course")
    PATH = "path", _("Learning path")
    RENEWAL = "renewal", _("Renewal")


class PersonCertificationQuerySet(models.QuerySet):
    def valid_at(self, at: datetime.datetime | None = None):
        """Records in force on ``at`` (now by default): earned by then and not
        expired by then. Tiers, audiences, deal registration and team views
        all read "holds a certification" through this one rule."""
        at = at or timezone.now()
        return self.filter(earned_at__lte=at).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at))


class PersonCertification(models.Model):
    organization = models.ForeignKey(PartnerOrganization, on_delete=models.CASCADE, related_name="certifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications")
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="holders")
    earned_at = models.DateTimeField(_("earned"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    earned_through = models.CharField(
        _("earned through"), max_length=10, choices=EarnedThrough.choices, default=EarnedThrough.RECORDED
    )
    #: what was completed (the course or path title), for the record
    earned_for = models.CharField(_("completed"), max_length=255, blank=True)
    #: printed on the certificate; anyone may check it at /verify/<code>/
    verification_code = models.CharField(
        _("verification code"), max_length=16, unique=True, null=True, default=new_verification_code, editable=False
    )

    objects = PersonCertificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("earned certification")
        verbose_name_plural = _("earned certifications")
        indexes = [models.Index(fields=["organization", "certification", "expires_at"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "certification", "earned_at"], name="certification_earned_once")
        ]

    def __str__(self):
        return f"{self.user} – {self.certification}"


class Invitation(models.Model):
    """A one-time, expiring link that lets a colleague join an organization."""

    organization = models.ForeignKey(PartnerOrganization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    roles = models.JSONField(_("roles"), default=list)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PartnerApplication(models.Model):
    """A company's request to join the program, from the public form."""

    company_name = models.CharField(_("company name"), max_length=200)
    website = models.URLField(_("website"))
    email_domain = models.CharField(_("email domain"), max_length=253, db_index=True, editable=False)
    partner_type = models.ForeignKey(PartnerType, verbose_name=_("partner type"), on_delete=models.PROTECT)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    country = models.CharField(_("country (ISO code)"), max_length=2)
    contact_name = models.CharField(_("contact name"), max_length=120)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    expected_annual_revenue = models.DecimalField(
        _("expected annual business"), max_digits=15, decimal_places=3, validators=[MinValueValidator(Decimal("0"))]
    )
    expected_revenue_currency = models.CharField(
        _("currency"), max_length=3, default="USD", validators=[currency_validator]
    )
    message = models.TextField(_("anything else we should know"), blank=True)
    #: the language the applicant wrote in, for our answer
    language = models.CharField(_("language"), max_length=10, choices=language_choices, default="en", editable=False)

    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    organization = models.OneToOneField(
        PartnerOrganization, null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )

    class Meta:
        verbose_name = _("partner application")
        verbose_name_plural = _("partner applications")
        ordering = ["-submitted_at"]
        constraints = [
            # Two identical applications submitted at once both pass the service's
            # check (there is no row to lock yet): the database keeps one.
            models.UniqueConstraint(
                fields=["email_domain"],
                condition=models.Q(status="pending"),
                name="one_pending_application_per_domain",
            )
        ]

    def __str__(self):
        return self.company_name

    def clean(self):
        super().clean()
        try:
            validate_money_precision(self.expected_annual_revenue, self.expected_revenue_currency)
        except ValidationError as error:
            raise ValidationError({"expected_annual_revenue": error.messages}) from error


class PartnerAgreement(models.Model):
    """One version of the partner agreement text; the newest in force is current."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = RichTextField(_("text"))
    effective_from = models.DateTimeField(_("in force from"), default=timezone.now)

    panels = [FieldPanel("version"), FieldPanel("title"), FieldPanel("body"), FieldPanel("effective_from")]

    class Meta:
        verbose_name = _("partner agreement")
        verbose_name_plural = _("partner agreements")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.title} ({self.version})"


class AgreementAcceptance(models.Model):
    organization = models.ForeignKey(
        PartnerOrganization, on_delete=models.CASCADE, related_name="agreement_acceptances"
    )
    agreement = models.ForeignKey(PartnerAgreement, on_delete=models.PROTECT, related_name="acceptances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")
        constraints = [
            models.UniqueConstraint(fields=["organization", "agreement"], name="agreement_accepted_once_per_org")
        ]

    def __str__(self):
        return f"{self.organization} accepted {self.agreement.version}"


class ExchangeRate(models.Model):
    """One unit of ``source_currency`` is worth ``rate`` of ``target_currency``
    from ``valid_from`` on (until a later rate of the same pair). Maintained
    by finance and channel ops; a won deal records the rate it was converted
    with when its outcome is confirmed."""

    source_currency = models.CharField(_("from currency"), max_length=3, validators=[currency_validator])
    target_currency = models.CharField(_("to currency"), max_length=3, validators=[currency_validator])
    rate = models.DecimalField(
        _("rate"),
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
        help_text=_("What one unit of the first currency is worth in the second, e.g. 1.08 for EUR to USD."),
    )
    valid_from = models.DateField(_("valid from"), default=datetime.date.today)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    panels = [
        MultiFieldPanel([FieldPanel("source_currency"), FieldPanel("target_currency")], heading=_("Currencies")),
        FieldPanel("rate"),
        FieldPanel("valid_from"),
    ]

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["source_currency", "target_currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_currency", "target_currency", "valid_from"], name="exchange_rate_once_per_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self):
        return f"1 {self.source_currency} = {self.rate.normalize():f} {self.target_currency} ({self.valid_from})"

    def clean(self):
        super().clean()
        self.source_currency = (self.source_currency or "").strip().upper()
        self.target_currency = (self.target_currency or "").strip().upper()
        if self.source_currency and self.source_currency == self.target_currency:
            raise ValidationError({"target_currency": _("Choose two different currencies.")})


class TierChangeStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    PROPOSED = "proposed", _("Awaiting CAM approval")
    REJECTED = "rejected", _("Rejected by CAM")
    SUPERSEDED = "superseded", _("Superseded by a later evaluation")


class TierChange(models.Model):
    """Audit record of every tier change or proposal, with the figures behind it."""

    organization = models.ForeignKey(PartnerOrganization, on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=TierChangeStatus.choices)
    metrics = models.JSONField(_("metrics snapshot"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the nightly evaluation made the change."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self):
        return f"{self.organization}: {self.from_tier} → {self.to_tier} ({self.get_status_display()})"


def export_path(instance, filename: str) -> str:
    return f"exports/{instance.organization_id}/{instance.pk}/{filename}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class OrganizationExport(models.Model):
    """An organization's data (JSON and its files) prepared for its owner to download."""

    #: how long the file can be downloaded before it is deleted
    KEPT_FOR = datetime.timedelta(days=7)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(PartnerOrganization, on_delete=models.CASCADE, related_name="data_exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    file = models.FileField(storage=private_storage, upload_to=export_path, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.organization} {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def expires_at(self):
        return self.finished_at + self.KEPT_FOR if self.finished_at else None

    @property
    def downloadable(self) -> bool:
        return self.status == ExportStatus.DONE and bool(self.file) and self.expires_at > timezone.now()


class PersonErasure(models.Model):
    """Who erased a person's personal data, and when. The person's records stay
    (deals, claims, events) under an anonymous account with the same id."""

    erased_user_id = models.PositiveBigIntegerField(_("account id"))
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    erased_at = models.DateTimeField(_("erased"), default=timezone.now)
    summary = models.JSONField(_("what was erased"), default=dict)

    class Meta:
        verbose_name = _("personal data erasure")
        verbose_name_plural = _("personal data erasures")
        ordering = ["-erased_at"]
        permissions = [("erase_person", _("Can erase a person's personal data"))]

    def __str__(self):
        return f"account {self.erased_user_id} at {self.erased_at:%Y-%m-%d %H:%M}"


class AccessChange(models.Model):
    """A change to what a signed-in request reads about its person: their
    user row, groups and permissions, membership, certifications, or an
    organization, tier, partner type, certification, group or permission
    that every membership reads (neither id: everyone's). Written by the
    database's own triggers (migration 0015), whatever made the change;
    read by ``programs.access_reads``."""

    seq = models.BigAutoField(primary_key=True)
    user_id = models.BigIntegerField(null=True)
    organization_id = models.BigIntegerField(null=True)
    changed_at = models.DateTimeField(db_default=Now())

    def __str__(self):
        return f"access change {self.seq}"
