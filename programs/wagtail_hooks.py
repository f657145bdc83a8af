"""The partner program in the Wagtail admin, as one menu group.

Channel account managers without ``view_all_partner_records`` see and edit
only the organizations of their portfolio (and those organizations' rows):
the same rule as programs.tenancy, enforced by a permission policy so the
listing and every edit URL agree.
"""

from django import forms
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import (
    Certification,
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
from .services.tiers import tier_rules_record
from .tenancy import scoped
from .views import admin_applications, admin_tier_changes


class PortfolioPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, narrowed to the rows the user may see as a partner
    manager (all of them with ``programs.view_all_partner_records``)."""

    def __init__(self, model, organization_field: str):
        super().__init__(model)
        self.organization_field = organization_field

    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        return scoped(instances, user, organization_field=self.organization_field)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not super().user_has_any_permission_for_instance(user, actions, instance):
            return False
        model_rows = self.model._default_manager.filter(pk=instance.pk)
        return scoped(model_rows, user, organization_field=self.organization_field).exists()


for scoped_model, organization_field in (
    (PartnerOrganization, ""),
    (Membership, "organization"),
    (PersonCertification, "organization"),
    (TierChange, "organization"),
):
    register_permission_policy(scoped_model, PortfolioPermissionPolicy(scoped_model, organization_field))


class PortfolioObjectMixin:
    """Single-object admin views find only rows in the user's portfolio (404 otherwise)."""

    organization_field = "organization"

    def get_object(self, queryset=None):
        queryset = scoped(
            self.model._default_manager.all(), self.request.user, organization_field=self.organization_field
        )
        return super().get_object(queryset)


def _portfolio_view(view_class, organization_field):
    return type(
        f"Portfolio{view_class.__name__}",
        (PortfolioObjectMixin, view_class),
        {"organization_field": organization_field},
    )


class PortfolioViewSet(SnippetViewSet):
    organization_field = "organization"

    def __init__(self, *args, **kwargs):
        for name in ("edit", "delete", "inspect", "history", "usage"):
            view_class = getattr(snippet_views, f"{name.capitalize()}View")
            setattr(self, f"{name}_view_class", _portfolio_view(view_class, self.organization_field))
        super().__init__(*args, **kwargs)

    def get_queryset(self, request):
        return scoped(self.model._default_manager.all(), request.user, organization_field=self.organization_field)


class PartnerOrganizationViewSet(PortfolioViewSet):
    model = PartnerOrganization
    organization_field = ""
    icon = "group"
    menu_label = _("Organizations")
    list_display = ["name", "status", "tier", "partner_type", "region", "channel_account_manager"]
    list_filter = ["status", "tier", "partner_type", "region", "channel_account_manager"]
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


class MembershipForm(WagtailAdminModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=PartnerRole.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Membership
        fields = ["organization", "user", "roles", "is_active", "job_title", "preferred_language", "time_zone"]


class MembershipViewSet(PortfolioViewSet):
    model = Membership
    icon = "user"
    menu_label = _("People")
    form_fields = ["organization", "user", "roles", "is_active", "job_title", "preferred_language", "time_zone"]
    list_display = ["user", "organization", "roles", "is_active"]
    list_filter = ["is_active", "organization"]
    list_export = ["user", "organization", "roles", "is_active", "job_title", "created_at"]
    search_fields = ["job_title"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return MembershipForm


class TierViewSet(SnippetViewSet):
    """Tiers with revision history; every save records a rule version."""

    model = Tier
    icon = "pick"
    list_display = ["name", "rank", "min_won_revenue", "min_won_deals", "min_certified_people", "commission_rate"]
    ordering = ["rank"]


class TierChangeViewSet(PortfolioViewSet):
    model = TierChange
    icon = "history"
    menu_label = _("Tier changes")
    list_display = ["organization", "from_tier", "to_tier", "status", "created_at", "decided_by"]
    list_filter = ["status", "to_tier"]
    list_export = ["organization", "from_tier", "to_tier", "status", "reason", "metrics", "actor", "created_at"]
    inspect_view_enabled = True
    copy_view_enabled = False


class TierRuleVersionViewSet(SnippetViewSet):
    model = TierRuleVersion
    icon = "doc-full"
    menu_label = _("Tier rule history")
    list_display = ["tier", "effective_from", "created_by"]
    list_filter = ["tier"]
    inspect_view_enabled = True
    copy_view_enabled = False


class PersonCertificationViewSet(PortfolioViewSet):
    model = PersonCertification
    icon = "success"
    menu_label = _("Earned certifications")
    list_display = ["user", "organization", "certification", "earned_at", "expires_at"]
    list_filter = ["certification"]
    list_export = ["user", "organization", "certification", "earned_at", "expires_at"]


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
    )


register_snippet(PartnerProgramGroup)


@hooks.register("register_admin_urls")
def application_review_urls():
    return [
        path("programs/applications/<int:pk>/review/", admin_applications.review, name="programs_application_review"),
        path("programs/tier-changes/<int:pk>/decide/", admin_tier_changes.decide, name="programs_tier_change_decide"),
    ]


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
