"""Partner activity (append-only events and their daily rollup), scorecard
targets per tier, role dashboards and the CAM portfolio's thresholds.

Personal data is kept to what the figures need: an event names the
organization, the user account (so "active accounts" can be counted) and what
kind of thing happened, with the id of the record involved. No query text, no
IP address, no user agent: those stay (or not) in the apps that own them.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from programs.fields import PartnerRolesField


class ActivityKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    SEARCH = "search", _("Searched")
    DOWNLOAD = "download", _("Downloaded an asset")
    REGISTRATION = "registration", _("Registered a deal")
    COURSE = "course", _("Course progress")
    MDF = "mdf", _("MDF action")


class ActivityEvent(models.Model):
    """One thing a partner user did. Rows are only ever inserted (the
    rollup and every activity figure read from them); erasing a person keeps
    the row under the anonymised account."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization", on_delete=models.CASCADE, related_name="activity_events"
    )
    #: empty where the owning app does not know the person (searches logged before
    #: the search log named its searcher)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("activity"), max_length=20, choices=ActivityKind.choices)
    #: the id of the record involved (deal, asset, course, MDF request), for drilling down
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        indexes = [models.Index(fields=["organization", "at"], name="activity_org_at_idx")]

    def __str__(self):
        return f"{self.organization_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class ActivityDay(models.Model):
    """Events per organization, person and day (UTC), rebuilt from
    ``ActivityEvent`` by ``analytics.services.activity_rollup_refresh``.

    A row with a user means that account was active that day (the one
    definition of "active", see ``analytics.activity``); rows without a user
    hold the organization's events whose person is unknown (searches logged
    before the search log named its searcher)."""

    day = models.DateField()
    organization = models.ForeignKey("programs.PartnerOrganization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    events = models.PositiveIntegerField(default=0)
    logins = models.PositiveIntegerField(default=0)
    searches = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)
    registrations = models.PositiveIntegerField(default=0)
    course_steps = models.PositiveIntegerField(default=0)
    mdf_actions = models.PositiveIntegerField(default=0)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("activity day")
        verbose_name_plural = _("activity days")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "organization", "user"], name="activity_day_unique", nulls_distinct=False
            )
        ]
        indexes = [
            models.Index(fields=["organization", "day"], name="activity_day_org_idx"),
            models.Index(fields=["day"], name="activity_day_day_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.organization_id} {self.user_id}"


class DealDay(models.Model):
    """Deal registrations per UTC day, organization and currency, rebuilt
    from the deal table by ``analytics.services.deal_rollup_refresh`` (never
    incremented: a day is always recomputed whole), so program analytics
    group a few narrow rows instead of reading every registration.

    Two kinds of facts share a row, each on its own day:

    * on the day a registration was **submitted**: ``registrations``, the
      ``pipeline`` registered (rejected ones excluded), those ``approved``
      since (with each one's seconds from submission to approval, so the
      median is exact), those ``won`` since, and the first submission time;
    * on the **close date** of a won deal: ``wins`` and ``won_amount``.

    Money is summed per currency (the row's), never converted."""

    day = models.DateField()
    organization = models.ForeignKey("programs.PartnerOrganization", on_delete=models.CASCADE, related_name="deal_days")
    currency = models.CharField(max_length=3)
    registrations = models.PositiveIntegerField(default=0)
    pipeline = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    approved = models.PositiveIntegerField(default=0)
    approval_seconds = ArrayField(models.FloatField(), default=list)
    approval_seconds_total = models.FloatField(default=0)
    won_registrations = models.PositiveIntegerField(default=0)
    first_submitted_at = models.DateTimeField(null=True)
    wins = models.PositiveIntegerField(default=0)
    won_amount = models.DecimalField(max_digits=20, decimal_places=3, default=0)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("deal day")
        verbose_name_plural = _("deal days")
        constraints = [
            models.UniqueConstraint(fields=["day", "organization", "currency"], name="deal_day_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "day"], name="deal_day_org_idx"),
            models.Index(fields=["day"], name="deal_day_day_idx"),
            # The portfolio's tier-at-risk sums and the median approval time read these rows alone.
            models.Index(
                fields=["day"],
                name="deal_day_wins_idx",
                condition=models.Q(wins__gt=0),
                include=["organization", "currency", "won_amount"],
            ),
            models.Index(fields=["day"], name="deal_day_approvals_idx", condition=models.Q(approved__gt=0)),
        ]

    def __str__(self):
        return f"{self.day} {self.organization_id} {self.currency}"


class ScorecardTarget(models.Model):
    """What the program expects of a partner in a tier, per quarter. An empty
    field means no target: the scorecard then shows the figure alone."""

    tier = models.OneToOneField(
        "programs.Tier", verbose_name=_("tier"), on_delete=models.CASCADE, related_name="scorecard_target"
    )
    pipeline = models.DecimalField(
        _("pipeline registered per quarter"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    won_revenue = models.DecimalField(
        _("won revenue per quarter"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    win_rate = models.DecimalField(
        _("win rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Won deals out of closed deals."),
    )
    registrations = models.PositiveIntegerField(_("registrations per quarter"), null=True, blank=True)
    certified_people = models.PositiveIntegerField(_("certified people"), null=True, blank=True)
    mdf_utilization = models.DecimalField(
        _("MDF utilization (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Funds committed to approved activities out of funds allocated."),
    )
    active_users = models.PositiveIntegerField(_("active people per quarter"), null=True, blank=True)

    panels = [
        FieldPanel("tier"),
        MultiFieldPanel(
            [
                FieldPanel(name)
                for name in (
                    "pipeline",
                    "won_revenue",
                    "win_rate",
                    "registrations",
                    "certified_people",
                    "mdf_utilization",
                    "active_users",
                )
            ],
            heading=_("Targets (in the program currency)"),
        ),
    ]

    class Meta:
        verbose_name = _("scorecard target")
        verbose_name_plural = _("scorecard targets")

    def __str__(self):
        return str(self.tier)


def dashboard_panel_choices():
    # Imported here: the catalogue is the apps' hooks, known only once every app is loaded.
    from .dashboards import panel_catalogue

    return [(key, label) for key, label in panel_catalogue().items()]


class DashboardPanelEntry(models.Model):
    """One panel of the partner dashboard for the roles ticked, at a position.

    A role with entries sees exactly its panels; a role without any sees every
    panel in the apps' own order. A person with several roles sees the union,
    each panel once, at its lowest position."""

    panel = models.CharField(_("panel"), max_length=120, choices=dashboard_panel_choices)
    roles = PartnerRolesField(_("partner roles"), default=list)
    position = models.PositiveSmallIntegerField(_("position"), default=100, help_text=_("Lower comes first."))

    panels = [FieldPanel("panel"), FieldPanel("roles"), FieldPanel("position")]

    class Meta:
        verbose_name = _("dashboard panel")
        verbose_name_plural = _("dashboard panels")
        ordering = ["position", "pk"]

    def __str__(self):
        return str(dict(dashboard_panel_choices()).get(self.panel, self.panel))


@register_setting(icon="warning")
class PortfolioSettings(BaseGenericSetting):
    """Thresholds and weights of the CAM portfolio's alerts. A partner's
    attention score is the sum of the weights of the alerts it raises (each
    alert counts once, whatever its number of records)."""

    protection_expiry_days = models.PositiveSmallIntegerField(_("protections expiring within (days)"), default=14)
    certification_expiry_days = models.PositiveSmallIntegerField(_("certifications expiring within (days)"), default=30)
    mdf_claim_days = models.PositiveSmallIntegerField(
        _("MDF claim deadline within (days)"), default=14, help_text=_("Approved activities not claimed yet.")
    )
    inactive_days = models.PositiveSmallIntegerField(_("inactive for (days)"), default=30)
    onboarding_stuck_days = models.PositiveSmallIntegerField(_("onboarding for more than (days)"), default=30)
    tier_risk_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("tier at risk below (% of the tier's won revenue requirement)"),
        default=80,
    )
    weight_registrations = models.PositiveSmallIntegerField(_("weight: registrations waiting"), default=5)
    weight_protections = models.PositiveSmallIntegerField(_("weight: protections expiring"), default=3)
    weight_certifications = models.PositiveSmallIntegerField(_("weight: certifications expiring"), default=2)
    weight_mdf = models.PositiveSmallIntegerField(_("weight: MDF unclaimed"), default=3)
    weight_inactive = models.PositiveSmallIntegerField(_("weight: inactive"), default=4)
    weight_onboarding = models.PositiveSmallIntegerField(_("weight: onboarding stuck"), default=4)
    weight_tier = models.PositiveSmallIntegerField(_("weight: tier at risk"), default=5)
    portfolio_size = models.PositiveSmallIntegerField(_("partners shown on the admin home"), default=10)
    digest_group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("weekly digest recipients"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Channel leaders who get the program analytics digest on Monday mornings (empty: Channel ops)."),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel(name)
                for name in (
                    "protection_expiry_days",
                    "certification_expiry_days",
                    "mdf_claim_days",
                    "inactive_days",
                    "onboarding_stuck_days",
                    "tier_risk_percent",
                )
            ],
            heading=_("Thresholds"),
        ),
        MultiFieldPanel(
            [
                FieldPanel(name)
                for name in (
                    "weight_registrations",
                    "weight_protections",
                    "weight_certifications",
                    "weight_mdf",
                    "weight_inactive",
                    "weight_onboarding",
                    "weight_tier",
                )
            ],
            heading=_("Ranking weights"),
        ),
        FieldPanel("portfolio_size"),
        FieldPanel("digest_group"),
    ]

    class Meta:
        verbose_name = _("partner portfolio settings")
