"""Read API for finance systems: statements and ledger lines, with the
partner API's conventions (programs.api: token or session auth, tenant
scoping through the selectors, page-number pagination, money as strings with
their currency)."""

import django_filters
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.routers import SimpleRouter

from programs.api import PartnerAPIViewSet
from programs.formats import amount_text
from programs.serializers import MoneyAmountField
from programs.tenancy import partner_context

from . import selectors
from .models import LedgerLine, LineKind, Statement, StatementStatus
from .services.accruals import RATE_VALUES
from .services.statements import statement_totals
from .views import EARNINGS_ROLES, STATEMENT_ROLES


class PartnerRole(BasePermission):
    """Partner users need one of the view's roles; vendor users are scoped by the selectors."""

    message = _("Your role does not give access to incentive records.")

    def has_permission(self, request, view):
        context = partner_context(request.user)
        return context is None or context.has_role(*view.roles)


class LedgerLineSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.name")
    rule_version = serializers.IntegerField(source="rule_version.number")
    base_amount = MoneyAmountField()
    rate = serializers.DecimalField(max_digits=6, decimal_places=3, coerce_to_string=True)
    bonus = MoneyAmountField()
    amount = MoneyAmountField()
    status = serializers.CharField(source="earning_status")
    note = serializers.SerializerMethodField()
    correction = serializers.SerializerMethodField()

    class Meta:
        model = LedgerLine
        fields = [
            "id",
            "organization",
            "program",
            "rule_version",
            "kind",
            "deal",
            "reverses",
            "earned_on",
            "tier_name",
            "basis",
            "base_amount",
            "rate",
            "bonus",
            "units",
            "amount",
            "currency",
            "conversions",
            "correction",
            "note",
            "statement",
            "status",
            "created_at",
        ]
        read_only_fields = fields

    def get_note(self, line) -> str:
        # A dispute's resolution is written for the partner; a correction's
        # reason is channel ops' internal note (the deal's audit keeps it).
        return line.note if line.kind == LineKind.ADJUSTMENT else ""

    def get_correction(self, line) -> dict | None:
        """The deal correction the line follows from (which deal, when), or
        the exchange rate change (pair, rate and first day before and after,
        whether it was deleted, when)."""
        event = line.correction
        if event is not None:
            return {"deal": event.deal_id, "at": event.at.isoformat()}
        if line.rate_change:
            change = line.rate_change
            return {
                "exchange_rate": {key: change[key] for key in RATE_VALUES},
                "previous": change["previous"] or None,
                "deleted": change.get("deleted", False),
                "at": change["changed_at"],
            }
        return None


class StatementSerializer(serializers.ModelSerializer):
    totals = serializers.SerializerMethodField()

    class Meta:
        model = Statement
        fields = [
            "id",
            "organization",
            "period_start",
            "period_end",
            "status",
            "totals",
            "approved_at",
            "payment_reference",
            "payment_date",
            "created_at",
        ]
        read_only_fields = fields

    def get_totals(self, statement) -> list[dict]:
        """One total per currency (never summed across currencies)."""
        totals = statement_totals(statement=statement)
        return [{"currency": t.currency, "amount": amount_text(t.amount, t.currency)} for t in totals]


class LineFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=LineKind.choices)
    earned_since = django_filters.DateFilter(field_name="earned_on", lookup_expr="gte")
    statement = django_filters.NumberFilter(field_name="statement_id")
    deal = django_filters.NumberFilter(field_name="deal_id")

    class Meta:
        model = LedgerLine
        fields = ["kind", "earned_since", "statement", "deal"]


class StatementFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=StatementStatus.choices)
    period_end_since = django_filters.DateFilter(field_name="period_end", lookup_expr="gte")

    class Meta:
        model = Statement
        fields = ["status", "period_end_since"]


class _ReadViewSet(PartnerAPIViewSet):
    permission_classes = [IsAuthenticated, PartnerRole]
    roles: tuple[str, ...] = ()


class LedgerLineViewSet(_ReadViewSet):
    serializer_class = LedgerLineSerializer
    filterset_class = LineFilter
    roles = EARNINGS_ROLES

    def get_queryset(self):
        return selectors.line_list(user=self.request.user)

    def get_object(self):
        return selectors.line_get(user=self.request.user, pk=self.kwargs["pk"])


class StatementViewSet(_ReadViewSet):
    serializer_class = StatementSerializer
    filterset_class = StatementFilter
    roles = STATEMENT_ROLES

    def get_queryset(self):
        return selectors.statement_list(user=self.request.user)

    def get_object(self):
        return selectors.statement_get(user=self.request.user, pk=self.kwargs["pk"])


router = SimpleRouter()
router.register("statements", StatementViewSet, basename="statement")
router.register("lines", LedgerLineViewSet, basename="line")
