"""Incentives in the Wagtail admin, as one menu group for channel ops and finance.

Programs are edited as snippets (every save records a rule version); rule
versions and ledger lines are history (read-only); statements and disputes
are changed on their own pages, through the services."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from programs.navigation import NavigationItem
from programs.services.data_rights import queryset_section
from programs.wagtail_hooks import PortfolioPermissionPolicy, PortfolioViewSet

from .admin_views import DisputeAdminView, DisputeIndexView, ScopedIndexView, StatementAdminView
from .components import IncentivesPanel
from .models import (
    AccrualHold,
    Dispute,
    DisputeMessage,
    Enrollment,
    IncentiveProgram,
    LedgerLine,
    RuleVersion,
    Statement,
)
from .services.rules import program_rules_record
from .tasks import request_backdated_recomputation
from .views import EARNINGS_ROLES

# Registered before the viewsets below, which pick them up.
for scoped_model, organization_field, read_only in (
    (RuleVersion, None, True),
    (LedgerLine, "organization", True),
    (AccrualHold, "organization", True),
    (Enrollment, "organization", True),
    (Statement, "organization", False),
    (Dispute, "organization", False),
):
    register_permission_policy(
        scoped_model, PortfolioPermissionPolicy(scoped_model, organization_field, read_only=read_only)
    )


class IncentiveProgramViewSet(SnippetViewSet):
    """Commission plans, SPIFFs and rebates. Saving records a rule version in
    force from the date given; a program with history is deactivated, not deleted."""

    model = IncentiveProgram
    icon = "pick"
    menu_label = _("Programs")
    list_display = ["name", "kind", "active", "currency", "payout_frequency", "rules_effective_from"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    copy_view_enabled = False


class RuleVersionViewSet(SnippetViewSet):
    """Rule versions are history: inspect only (the policy refuses writes)."""

    model = RuleVersion
    icon = "doc-full"
    menu_label = _("Rule history")
    list_display = ["program", "number", "effective_from", "created_by", "created_at"]
    list_filter = ["program"]
    inspect_view_enabled = True
    copy_view_enabled = False


class LedgerLineViewSet(PortfolioViewSet):
    """The accrual ledger: every line with its deal, rule version and rate; read-only."""

    model = LedgerLine
    icon = "list-ul"
    menu_label = _("Ledger")
    list_display = ["organization", "program", "kind", "deal", "earned_on", "rate", "amount", "currency", "statement"]
    list_filter = ["kind", "program", "currency"]
    list_export = [
        "organization",
        "program",
        "rule_version",
        "kind",
        "deal",
        "earned_on",
        "tier_name",
        "basis",
        "base_amount",
        "rate",
        "bonus",
        "units",
        "amount",
        "currency",
        "statement",
        "created_at",
    ]
    ordering = ["-earned_on", "-pk"]
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False

    def get_queryset(self, request):
        # Each row names its organization, program, deal and statement (the
        # last two with their organization): read for the page in a few
        # queries, not row by row. Not joined: PostgreSQL joins every row an
        # offset skips (page 500 of 200,000 lines: 750 ms) and spent 13 to
        # 28 ms planning the seven-table join of every page.
        return (
            super()
            .get_queryset(request)
            .prefetch_related("organization", "program", "deal__organization", "statement__organization")
        )


class AccrualHoldViewSet(PortfolioViewSet):
    """Accruals the ledger cannot write yet and why (a rebate waiting for an
    exchange rate): read-only; they resolve themselves once the cause is fixed
    (a rate saved in the admin settles the rebates waiting for it within
    seconds) and then leave the listing."""

    model = AccrualHold
    icon = "warning"
    menu_label = _("Waiting accruals")
    list_display = ["organization", "program", "earned_on", "reason", "created_at", "checked_at"]
    list_filter = ["program", "source_currency"]
    ordering = ["-earned_on", "-pk"]
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(resolved_at__isnull=True)


class EnrollmentViewSet(PortfolioViewSet):
    """Partners' opt-ins (made on the partner portal): read-only."""

    model = Enrollment
    icon = "success"
    menu_label = _("Opt-ins")
    list_display = ["organization", "program", "opted_in_by", "opted_in_at"]
    list_filter = ["program"]
    copy_view_enabled = False


class _PageViewSet(ModelViewSet):
    """A listing whose rows open a page of actions (named "edit" so the listing links to it)."""

    index_view_class = ScopedIndexView
    page_view_class = None
    copy_view_enabled = False
    add_to_reference_index = False

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add_url_name", "delete_url_name", "history_url_name", "usage_url_name"):
            view_kwargs[name] = None
        return view_kwargs

    def get_urlpatterns(self):
        page = self.page_view_class.as_view(
            permission_policy=self.permission_policy, index_url_name=self.get_url_name("index")
        )
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", page, name="edit"),
        ]


class StatementViewSet(_PageViewSet):
    """Statements per organization and period: approve, then record the payment."""

    model = Statement
    icon = "doc-full"
    menu_label = _("Statements")
    url_prefix = "incentives/statements"
    url_namespace = "incentives_statement"
    page_view_class = StatementAdminView
    list_display = ["organization", "period_start", "period_end", "status", "approved_at", "payment_date"]
    list_filter = ["status", "period_end"]
    ordering = ["-period_end"]


class DisputeViewSet(_PageViewSet):
    """Partners' disputes over statement lines: answer, then resolve."""

    model = Dispute
    icon = "help"
    menu_label = _("Disputes")
    url_prefix = "incentives/disputes"
    url_namespace = "incentives_dispute"
    index_view_class = DisputeIndexView
    page_view_class = DisputeAdminView
    list_display = ["organization", "line", "status", "opened_by", "opened_at", "resolved_at"]
    list_filter = ["status"]
    ordering = ["-opened_at"]


class IncentivesGroup(ModelViewSetGroup):
    menu_label = _("Incentives")
    menu_icon = "pick"
    menu_order = 350
    items = (
        IncentiveProgramViewSet,
        StatementViewSet,
        DisputeViewSet,
        LedgerLineViewSet,
        AccrualHoldViewSet,
        RuleVersionViewSet,
        EnrollmentViewSet,
    )


register_snippet(IncentivesGroup)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def record_program_rules(request, instance):
    if isinstance(instance, IncentiveProgram):
        request_backdated_recomputation(version=program_rules_record(program=instance, actor=request.user))


@hooks.register("before_delete_snippet")
def refuse_deleting_programs_with_history(request, instances):
    """Rule versions and ledger lines keep a program: it is deactivated instead."""
    kept = [
        program for program in instances if isinstance(program, IncentiveProgram) and program.rule_versions.exists()
    ]
    if not kept:
        return None
    for program in kept:
        messages.error(
            request,
            _("“%(program)s” has rule history and cannot be deleted: untick “active” to end it.")
            % {"program": program},
        )
    return redirect("wagtailsnippets_incentives_incentiveprogram:list")


@hooks.register("partner_navigation_items")
def incentive_navigation_items():
    return [
        NavigationItem(
            key="earnings",
            label=_("Earnings"),
            url="incentives:earnings",
            icon="banknotes",
            roles=EARNINGS_ROLES,
            order=40,
        )
    ]


@hooks.register("partner_dashboard_panels")
def incentives_dashboard_panel(request):
    return IncentivesPanel(request) or None


@hooks.register("organization_data_export")
def incentive_export_sections(organization):
    """The organization's ledger lines, statements and disputes with their messages."""
    return [
        queryset_section("incentive_enrollments", Enrollment.objects.filter(organization=organization)),
        queryset_section("incentive_ledger", LedgerLine.objects.filter(organization=organization)),
        queryset_section("incentive_statements", Statement.objects.filter(organization=organization)),
        queryset_section("incentive_disputes", Dispute.objects.filter(organization=organization)),
        queryset_section(
            "incentive_dispute_messages", DisputeMessage.objects.filter(dispute__organization=organization)
        ),
    ]
