"""The partner program in the Wagtail admin, as one menu group.

Channel account managers without ``view_all_partner_records`` see and edit
only the organizations of their portfolio (and those organizations' rows):
the same rule as programs.tenancy, enforced by a permission policy so the
listing and every edit URL agree.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import ListingButton
from wagtail.log_actions import log
from wagtail.models import Locale
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as chooser_views
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_deletes import DeleteThroughService, NoBulkDelete, bulk_delete
from .formats import money
from .models import (
    Certification,
    ExchangeRate,
    Membership,
    PartnerAgreement,
    PartnerApplication,
    PartnerOrganization,
    PartnerRole,
    PartnerType,
    PersonCertification,
    ProductLine,
    Region,
    Tier,
    TierChange,
    TierChangeStatus,
    TierRuleVersion,
)
from .navigation import NavigationItem
from .services.certifications import certification_correct, certification_delete, certification_record
from .services.exchange import exchange_rate_delete, exchange_rate_record
from .services.organizations import organization_status_change
from .services.tiers import tier_deletion_blockers, tier_rules_record
from .tenancy import scoped
from .views import admin_applications, admin_tier_changes, data_rights

WRITE_ACTIONS = frozenset({"add", "change", "delete"})


class PortfolioPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, narrowed to the rows the user may see as a partner
    manager (all of them with ``programs.view_all_partner_records``).

    With ``read_only`` the rows are audit records: nobody (superusers
    included) adds, edits or deletes them through the admin's generic views;
    they change only through services (e.g. the CAM's decide view).
    ``refused_actions`` names other actions nobody may take there."""

    def __init__(
        self,
        model,
        organization_field: str | None,
        *,
        read_only: bool = False,
        refused_actions: frozenset[str] = frozenset(),
    ):
        super().__init__(model)
        self.organization_field = organization_field
        self.refused_actions = WRITE_ACTIONS if read_only else refused_actions

    def user_has_permission(self, user, action):
        if action in self.refused_actions:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        if self.refused_actions:
            actions = set(actions) - self.refused_actions
            if not actions:
                return get_user_model().objects.none()
        return super().users_with_any_permission(actions)

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        if self.organization_field is None:
            return instances
        return scoped(instances, user, organization_field=self.organization_field)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not super().user_has_any_permission_for_instance(user, actions, instance):
            return False
        if self.organization_field is None:
            return True
        model_rows = self.model._default_manager.filter(pk=instance.pk)
        return scoped(model_rows, user, organization_field=self.organization_field).exists()


# Registered before the viewsets below, which pick them up.
for scoped_model, organization_field, read_only in (
    (PartnerOrganization, "", False),
    (Membership, "organization", False),
    (PersonCertification, "organization", False),
    (TierChange, "organization", True),
    (TierRuleVersion, None, True),
):
    register_permission_policy(
        scoped_model, PortfolioPermissionPolicy(scoped_model, organization_field, read_only=read_only)
    )


def portfolio_organizations(request):
    """Organizations the signed-in staff member may see (filter choices)."""
    return scoped(PartnerOrganization.objects.all(), request.user, organization_field="")


def portfolio_account_managers(request):
    """CAMs of the organizations the staff member may see (filter choices)."""
    return (
        get_user_model()
        .objects.filter(managed_organizations__in=portfolio_organizations(request))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def vendor_staff_users():
    """Active users with Wagtail admin access who are not partner people:
    the only sensible channel account managers."""
    admin_access = {"codename": "access_admin", "content_type__app_label": "wagtailadmin"}
    has_access = (
        Q(is_superuser=True)
        | Q(**{f"groups__permissions__{key}": value for key, value in admin_access.items()})
        | Q(**{f"user_permissions__{key}": value for key, value in admin_access.items()})
    )
    return get_user_model().objects.filter(has_access, is_active=True, membership__isnull=True).distinct()


def default_locale_rows(model):
    return lambda request: model.objects.filter(locale=Locale.get_default())


class PartnerOrganizationFilterSet(WagtailFilterSet):
    tier = django_filters.ModelChoiceFilter(label=_("Tier"), queryset=default_locale_rows(Tier))
    partner_type = django_filters.ModelChoiceFilter(label=_("Partner type"), queryset=default_locale_rows(PartnerType))
    channel_account_manager = django_filters.ModelChoiceFilter(
        label=_("Channel account manager"), queryset=portfolio_account_managers
    )

    class Meta:
        model = PartnerOrganization
        fields = ["status", "tier", "partner_type", "region", "channel_account_manager"]


def money_column(model, name: str, *, currency_field: str = "currency") -> Column:
    """A listing column showing an amount as money in its currency ("KWD 12.345",
    "¥1,200"), not the stored three-decimal figure; sorts by the amount."""

    def amount(instance):
        return money(getattr(instance, name), getattr(instance, currency_field))

    label = capfirst(model._meta.get_field(name).verbose_name)
    return Column(name, label=label, accessor=amount, sort_key=name)


class PortfolioFilterSet(WagtailFilterSet):
    """Organization choices limited to the staff member's portfolio, so the
    filter itself never lists other CAMs' partners."""

    organization = django_filters.ModelChoiceFilter(label=_("Organization"), queryset=portfolio_organizations)


class MembershipFilterSet(PortfolioFilterSet):
    class Meta:
        model = Membership
        fields = ["is_active", "organization"]


class PersonCertificationFilterSet(PortfolioFilterSet):
    class Meta:
        model = PersonCertification
        fields = ["certification", "organization"]


class TierChangeFilterSet(PortfolioFilterSet):
    to_tier = django_filters.ModelChoiceFilter(label=_("To tier"), queryset=default_locale_rows(Tier))

    class Meta:
        model = TierChange
        fields = ["status", "organization", "to_tier"]


class PortfolioObjectMixin:
    """Single-object admin views find only rows in the user's portfolio (404
    otherwise). Checked on the object each view loads: Wagtail's inspect,
    history and usage views ignore a queryset passed to ``get_object``."""

    organization_field = "organization"

    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        if instance is not None:
            rows = self.model._default_manager.filter(pk=instance.pk)
            if not scoped(rows, self.request.user, organization_field=self.organization_field).exists():
                raise Http404
        return instance


def _portfolio_view(view_class, organization_field):
    return type(
        f"Portfolio{view_class.__name__}",
        (PortfolioObjectMixin, view_class),
        {"organization_field": organization_field},
    )


class PortfolioChooserMixin:
    """Snippet chooser views (the modal listing, a chosen row by id) limited
    to the user's portfolio: Wagtail's own list every row to any admin user."""

    organization_field = "organization"

    def _portfolio_rows(self):
        return scoped(
            self.model_class._default_manager.all(), self.request.user, organization_field=self.organization_field
        )

    def get_object_list(self):
        return self._portfolio_rows()

    def get_object(self, pk):
        return self._portfolio_rows().get(pk=pk)

    def get_objects(self, pks):
        return self._portfolio_rows().filter(pk__in=pks)


def portfolio_chooser_viewset(organization_field):
    views = {
        f"{name}_view_class": type(
            f"Portfolio{view_class.__name__}",
            (PortfolioChooserMixin, view_class),
            {"organization_field": organization_field},
        )
        for name, view_class in (
            ("choose", chooser_views.ChooseView),
            ("choose_results", chooser_views.ChooseResultsView),
            ("chosen", chooser_views.SnippetChosenView),
            ("chosen_multiple", chooser_views.SnippetChosenMultipleView),
        )
    }
    return type("PortfolioSnippetChooserViewSet", (chooser_views.SnippetChooserViewSet,), views)


class PortfolioViewSet(SnippetViewSet):
    """A snippet viewset whose listing, single-object views and chooser show
    only the rows of the user's portfolio (all of them with view-all)."""

    organization_field = "organization"

    def __init__(self, *args, **kwargs):
        for name in ("edit", "delete", "inspect", "history", "usage"):
            view_class = getattr(snippet_views, f"{name.capitalize()}View")
            setattr(self, f"{name}_view_class", _portfolio_view(view_class, self.organization_field))
        self.chooser_viewset_class = portfolio_chooser_viewset(self.organization_field)
        super().__init__(*args, **kwargs)

    def get_queryset(self, request):
        return scoped(self.model._default_manager.all(), request.user, organization_field=self.organization_field)


class PartnerOrganizationForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "channel_account_manager" in self.fields:
            current = (
                Q(pk=self.instance.channel_account_manager_id) if self.instance.channel_account_manager_id else Q()
            )
            staff = get_user_model().objects.filter(Q(pk__in=vendor_staff_users().values("pk")) | current)
            self.fields["channel_account_manager"].queryset = staff.order_by("first_name", "last_name", "username")


class OrganizationStatusThroughService:
    """The edit view saves the form but leaves the status to
    ``organization_status_change``, which revokes what suspension must revoke."""

    def save_instance(self):
        status = self.form.cleaned_data.get("status", self.form.instance.status)
        with transaction.atomic():
            self.form.instance.status = self.form.initial.get("status", status)
            organization = super().save_instance()
            organization_status_change(organization=organization, status=status, actor=self.request.user)
        organization.status = status
        return organization


class PartnerOrganizationViewSet(NoBulkDelete, PortfolioViewSet):
    """Partner organizations; a CAM sees only their portfolio. The tier is
    shown, not edited: it changes through evaluation so every change is
    recorded as a TierChange."""

    model = PartnerOrganization
    organization_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.edit_view_class = type(
            "PartnerOrganizationEditView", (OrganizationStatusThroughService, self.edit_view_class), {}
        )

    icon = "group"
    menu_label = _("Organizations")
    list_display = ["name", "status", "tier", "partner_type", "region", "channel_account_manager"]
    filterset_class = PartnerOrganizationFilterSet
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("name"),
                    FieldPanel("status"),
                    FieldPanel("partner_type"),
                    FieldPanel("region"),
                    FieldPanel("channel_account_manager"),
                    FieldPanel("preferred_language"),
                ],
                heading=_("Program"),
            ),
            MultiFieldPanel(
                [FieldPanel("tier", read_only=True), FieldPanel("tier_since", read_only=True)],
                heading=_("Tier (set by tier evaluation)"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("website"),
                    FieldPanel("email_domain"),
                    FieldPanel("contact_email"),
                    FieldPanel("phone"),
                    FieldPanel("street_address"),
                    FieldPanel("city"),
                    FieldPanel("postal_code"),
                    FieldPanel("country"),
                    FieldPanel("logo"),
                    FieldPanel("brand_colour"),
                ],
                heading=_("Contact and co-branding"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("created_at", read_only=True),
                    FieldPanel("activated_at", read_only=True),
                    FieldPanel("first_action_at", read_only=True),
                ],
                heading=_("Milestones"),
            ),
        ],
        base_form_class=PartnerOrganizationForm,
    )
    list_export = [
        "name",
        "status",
        "tier",
        "partner_type",
        "region",
        "country",
        "channel_account_manager",
        "contact_email",
        "created_at",
        "activated_at",
        "first_action_at",
    ]
    search_fields = ["name"]
    copy_view_enabled = False
    inspect_view_enabled = True


class PortfolioFormMixin:
    """Organization choices limited to the portfolio of the staff member editing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "organization" in self.fields:
            organizations = scoped(PartnerOrganization.objects.all(), self.for_user, organization_field="")
            self.fields["organization"].queryset = organizations.order_by("name")

    def _current(self, field):
        value = getattr(self.instance, f"{field}_id", None)
        return Q(pk=value) if value else Q(pk__in=[])


class MembershipForm(PortfolioFormMixin, WagtailAdminModelForm):
    """Roles picked from checkboxes: a code outside PartnerRole cannot be stored.
    The person is the member already there or someone who belongs nowhere yet and
    is not vendor staff: never another organization's member, never an admin user."""

    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=PartnerRole.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            unattached = Q(membership__isnull=True) & ~Q(pk__in=vendor_staff_users().values("pk"))
            people = get_user_model().objects.filter(unattached | self._current("user"))
            self.fields["user"].queryset = people.order_by("first_name", "last_name", "username")


class PersonCertificationForm(PortfolioFormMixin, WagtailAdminModelForm):
    """Certified people are members of the portfolio's organizations."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            members = Q(membership__organization__in=self.fields["organization"].queryset)
            people = get_user_model().objects.filter(members | self._current("user"))
            self.fields["user"].queryset = people.order_by("first_name", "last_name", "username")

    def clean(self):
        cleaned = super().clean()
        user, organization = cleaned.get("user"), cleaned.get("organization")
        if user and organization and not Membership.objects.filter(user=user, organization=organization).exists():
            self.add_error(
                "user",
                _("%(person)s is not a member of %(organization)s.") % {"person": user, "organization": organization},
            )
        return cleaned


class MembershipViewSet(NoBulkDelete, PortfolioViewSet):
    model = Membership
    icon = "user"
    menu_label = _("People")
    edit_handler = ObjectList(
        [
            FieldPanel("organization"),
            FieldPanel("user"),
            FieldPanel("roles"),
            FieldPanel("is_active"),
            FieldPanel("job_title"),
            FieldPanel("preferred_language"),
            FieldPanel("time_zone"),
        ],
        base_form_class=MembershipForm,
    )
    list_display = ["user", "organization", "roles", "is_active"]
    filterset_class = MembershipFilterSet
    list_export = ["user", "organization", "roles", "is_active", "job_title", "created_at"]
    search_fields = ["job_title", "user__email", "user__last_name"]
    copy_view_enabled = False


class TierViewSet(SnippetViewSet):
    """Tiers with revision history; every save records a rule version. A tier
    with history is retired (``retired`` ticked), never deleted (see
    ``refuse_deleting_tiers_with_history``)."""

    model = Tier
    icon = "pick"
    list_display = [
        "name",
        "rank",
        "retired",
        "min_won_revenue",
        "min_won_deals",
        "min_certified_people",
        "commission_rate",
    ]
    list_filter = ["retired"]
    ordering = ["rank"]


class TierChangeViewSet(PortfolioViewSet):
    """The audit trail of tier changes: listed and inspected, never edited;
    proposed changes are approved or rejected through the decide view."""

    model = TierChange
    icon = "history"
    menu_label = _("Tier changes")
    list_display = ["organization", "from_tier", "to_tier", "status", "created_at", "decided_by"]
    filterset_class = TierChangeFilterSet
    list_export = ["organization", "from_tier", "to_tier", "status", "reason", "metrics", "actor", "created_at"]
    inspect_view_enabled = True
    copy_view_enabled = False


class TierRuleVersionViewSet(SnippetViewSet):
    """Rule versions are history: inspect only (the policy refuses writes)."""

    model = TierRuleVersion
    icon = "doc-full"
    menu_label = _("Tier rule history")
    list_display = ["tier", "effective_from", "created_by"]
    list_filter = ["tier"]
    inspect_view_enabled = True
    copy_view_enabled = False


class CertificationCreateThroughService:
    """Recorded through ``certification_record`` (tier re-evaluated), like one
    earned in the portal."""

    def save_instance(self):
        data = self.form.cleaned_data
        held = certification_record(
            organization=data["organization"],
            user=data["user"],
            certification=data["certification"],
            earned_at=data["earned_at"],
            expires_at=data.get("expires_at"),
        )
        log(held, "wagtail.create", user=self.request.user)
        return held


class CertificationEditThroughService:
    def save_instance(self):
        held = certification_correct(held=self.form.save(commit=False))
        log(held, "wagtail.edit", user=self.request.user)
        return held


class PersonCertificationViewSet(DeleteThroughService, PortfolioViewSet):
    """Earned certifications: created, corrected and deleted (one by one or
    in bulk) through the certification services, so the tier follows every
    change and the history says who made it."""

    model = PersonCertification
    delete_service = staticmethod(lambda *, instance, user: certification_delete(held=instance, user=user))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_view_class = type(
            "PersonCertificationCreateView", (CertificationCreateThroughService, self.add_view_class), {}
        )
        self.edit_view_class = type(
            "PersonCertificationEditView", (CertificationEditThroughService, self.edit_view_class), {}
        )

    icon = "success"
    edit_handler = ObjectList(
        [
            FieldPanel("organization"),
            FieldPanel("user"),
            FieldPanel("certification"),
            FieldPanel("earned_at"),
            FieldPanel("expires_at"),
        ],
        base_form_class=PersonCertificationForm,
    )
    menu_label = _("Earned certifications")
    list_display = ["user", "organization", "certification", "earned_at", "expires_at", "earned_through"]
    filterset_class = PersonCertificationFilterSet
    list_export = [
        "user",
        "organization",
        "certification",
        "earned_at",
        "expires_at",
        "earned_through",
        "earned_for",
        "verification_code",
    ]


# --- PartnerApplicationViewSet (onboarding) -------------------------------
# Onboarding owns the applications admin. Until programs/viewsets/applications.py
# exists it lives here; when it does, replace this class with
# ``from .viewsets.applications import PartnerApplicationViewSet``.
class PartnerApplicationViewSet(SnippetViewSet):
    """Applications from the public form; review actions come with onboarding."""

    model = PartnerApplication
    icon = "form"
    menu_label = _("Applications")
    list_display = ["company_name", "email_domain", "partner_type", "region", "status", "submitted_at"]
    list_filter = ["status", "partner_type", "region"]
    list_export = [
        "company_name",
        "website",
        "email_domain",
        "partner_type",
        "region",
        "country",
        "contact_name",
        "contact_email",
        "expected_annual_revenue",
        "expected_revenue_currency",
        "status",
        "submitted_at",
    ]
    search_fields = ["company_name", "email_domain"]
    ordering = ["-submitted_at"]
    copy_view_enabled = False
    inspect_view_enabled = True


class SimpleViewSet(SnippetViewSet):
    copy_view_enabled = False


class ExchangeRateThroughService:
    """Saved through ``exchange_rate_record``, which tells the apps waiting
    for a rate (incentive rebates held for it are settled at once)."""

    def save_instance(self):
        return exchange_rate_record(rate=self.form.instance, user=self.request.user)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            # e.g. deleted by someone else while this form was being saved: say so, keep the entries
            form.add_error(None, error)
            return self.form_invalid(form)


class ExchangeRateDeleteConfirmation:
    """The delete view says what ``exchange_rate_delete`` will do (what was
    converted with the rate is converted again with the rate now in force,
    or waits for one) and shows its refusal as a message."""

    @property
    def confirmation_message(self):
        return _(
            "Delete this exchange rate? Confirmed wins and rebates converted with it are converted again with the "
            "rate then in force on their close dates; where no rate is left they wait for one (listed under Deals → "
            "Registrations and Incentives → Waiting accruals). Statements already approved keep their lines: the "
            "differences go on the next statement."
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            for message in error.messages:
                messages.error(self.request, message)
            return redirect(self.index_url_name)


class ExchangeRateViewSet(DeleteThroughService, SimpleViewSet):
    """Rates finance and channel ops enter so won deals in other currencies
    count toward tiers (each confirmed deal records the rate it used).
    Deleted, one by one or in bulk, through ``exchange_rate_delete``."""

    model = ExchangeRate
    delete_service = staticmethod(lambda *, instance, user: exchange_rate_delete(rate=instance, user=user))
    add_view_class = type("ExchangeRateCreateView", (ExchangeRateThroughService, snippet_views.CreateView), {})
    edit_view_class = type("ExchangeRateEditView", (ExchangeRateThroughService, snippet_views.EditView), {})
    delete_view_class = type("ExchangeRateDeleteView", (ExchangeRateDeleteConfirmation, snippet_views.DeleteView), {})
    icon = "resubmit"
    list_display = ["source_currency", "target_currency", "rate", "valid_from"]
    list_filter = ["source_currency", "target_currency"]
    ordering = ["source_currency", "target_currency", "-valid_from"]


class PartnerProgramGroup(SnippetViewSetGroup):
    menu_label = _("Partner program")
    menu_icon = "group"
    menu_order = 200
    items = (
        PartnerOrganizationViewSet,
        PartnerApplicationViewSet,
        MembershipViewSet,
        TierViewSet,
        TierChangeViewSet,
        TierRuleVersionViewSet,
        PersonCertificationViewSet,
        type("PartnerTypeViewSet", (SimpleViewSet,), {"model": PartnerType, "icon": "tag"}),
        type("RegionViewSet", (SimpleViewSet,), {"model": Region, "icon": "site"}),
        type("CertificationViewSet", (SimpleViewSet,), {"model": Certification, "icon": "success"}),
        type("ProductLineViewSet", (SimpleViewSet,), {"model": ProductLine, "icon": "tag"}),
        type("PartnerAgreementViewSet", (SimpleViewSet,), {"model": PartnerAgreement, "icon": "doc-full"}),
        ExchangeRateViewSet,
    )


register_snippet(PartnerProgramGroup)


@hooks.register("register_admin_urls")
def application_review_urls():
    return [
        path("programs/applications/<int:pk>/review/", admin_applications.review, name="programs_application_review"),
        path("programs/tier-changes/<int:pk>/decide/", admin_tier_changes.decide, name="programs_tier_change_decide"),
        path("programs/erase-person/", data_rights.person_erase_view, name="programs_person_erase"),
    ]


class PersonErasureMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("programs.erase_person")


@hooks.register("register_settings_menu_item")
def person_erase_menu_item():
    return PersonErasureMenuItem(_("Erase personal data"), reverse("programs_person_erase"), icon_name="bin", order=900)


@hooks.register("register_snippet_listing_buttons")
def application_review_button(snippet, user, next_url=None):
    if isinstance(snippet, PartnerApplication) and user.has_perm("programs.change_partnerapplication"):
        yield ListingButton(_("Review"), reverse("programs_application_review", args=[snippet.pk]), priority=5)
    if (
        isinstance(snippet, TierChange)
        and snippet.status == TierChangeStatus.PROPOSED
        and user.has_perm("programs.change_tierchange")
    ):
        yield ListingButton(_("Decide"), reverse("programs_tier_change_decide", args=[snippet.pk]), priority=5)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def record_tier_rules(request, instance):
    if isinstance(instance, Tier):
        tier_rules_record(tier=instance, actor=request.user)


# Every snippet listing's bulk delete, row by row through the services (programs/admin_deletes.py).
hooks.register("before_bulk_action", bulk_delete)


@hooks.register("before_delete_snippet")
def refuse_deleting_tiers_with_history(request, instances):
    """Single and bulk delete, on the confirmation page already: a tier with
    rule versions, tier changes or partners is retired, not deleted."""
    refused = [
        (tier, blockers)
        for tier in instances
        if isinstance(tier, Tier)
        if (blockers := tier_deletion_blockers(tier=tier))
    ]
    if not refused:
        return None
    for tier, blockers in refused:
        message = _(
            "“%(tier)s” cannot be deleted: it has %(history)s, which must be kept. "
            "Tick “retired” to retire it instead: it leaves the ladder and keeps its history."
        )
        messages.error(request, message % {"tier": tier, "history": ", ".join(blockers)})
    if len(refused) == 1:
        return redirect("wagtailsnippets_programs_tier:edit", refused[0][0].pk)
    return redirect("wagtailsnippets_programs_tier:list")


@hooks.register("partner_navigation_items")
def program_navigation_items():
    return [
        NavigationItem(key="dashboard", label=_("Home"), url="programs:dashboard", icon="home", order=10),
        NavigationItem(key="tier", label=_("Your tier"), url="programs:tier_progress", icon="trophy", order=60),
        NavigationItem(key="team", label=_("Team"), url="programs:team", icon="user-group", order=70),
        NavigationItem(
            key="profile",
            label=_("Company profile"),
            url="programs:organization_profile",
            icon="building-office",
            roles=("owner", "marketing"),
            order=80,
        ),
        NavigationItem(key="api_tokens", label=_("API tokens"), url="programs:api_tokens", icon="key", order=90),
        NavigationItem(
            key="preferences", label=_("Your preferences"), url="programs:preferences", icon="cog-6-tooth", order=95
        ),
        NavigationItem(
            key="data_export",
            label=_("Your organization's data"),
            url="programs:data_export",
            icon="arrow-down-tray",
            roles=("owner",),
            order=97,
        ),
    ]
