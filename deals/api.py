"""REST API for CRM sync: list, create and update deal registrations and leads.

Partners see their organization's registrations (the same scoping layer as
the portal pages); vendor integration users with the view-all permission see
every organization's. Creating is idempotent per ``Idempotency-Key`` header.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from programs.api import PartnerAPIViewSet, api_validation_error
from programs.models import PartnerOrganization
from programs.serializers import MoneyAmountField
from programs.tenancy import partner_context

from . import selectors, services
from .models import Campaign, DealRegistration, DealStage, DealStatus, Lead, LeadSource, LeadStatus
from .registration import deal_registration_output, deal_registration_related, deal_registration_values
from .services import leads as lead_services
from .views import LEAD_ROLES, REGISTER_ROLES


class DealSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    product_lines = serializers.SerializerMethodField()
    estimated_value = MoneyAmountField()
    final_amount = MoneyAmountField()
    program_amount = MoneyAmountField(currency_field="program_currency")
    exchange_rate = serializers.DecimalField(
        max_digits=18, decimal_places=8, coerce_to_string=True, read_only=True, allow_null=True
    )
    campaign = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead = serializers.PrimaryKeyRelatedField(source="source_lead", read_only=True)

    class Meta:
        model = DealRegistration
        fields = [
            "id",
            "organization",
            "company_name",
            "domain",
            "country",
            "contact_name",
            "contact_email",
            "contact_phone",
            "product_lines",
            "estimated_value",
            "currency",
            "expected_close_date",
            "stage",
            "status",
            "has_conflict",
            "decision_reason",
            "competitive_situation",
            "notes",
            "submitted_at",
            "updated_at",
            "approved_at",
            "protected_until",
            "final_amount",
            "closed_on",
            "program_amount",
            "program_currency",
            "exchange_rate",
            "exchange_rate_date",
            "campaign",
            "lead",
        ]
        read_only_fields = fields

    def get_product_lines(self, deal) -> list[str]:
        return [line.product_line.code for line in deal.lines.all()]

    def to_representation(self, deal):
        # The fields other apps add to a registration (``deals.registration``,
        # e.g. ``mdf_activity``) come back under the names they are sent with.
        return {**super().to_representation(deal), **deal_registration_output(deal)}


class DealCreateSerializer(serializers.Serializer):
    """What a CRM sends to register an opportunity; the service validates the
    rest, including the fields other apps add under their own names
    (``deals.registration``, e.g. ``mdf_activity``: an approved MDF activity's id)."""

    organization = serializers.IntegerField(required=False, help_text="Vendor integration users only.")
    company_name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=253, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, min_length=2)
    contact_name = serializers.CharField(max_length=120)
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    product_lines = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    estimated_value = serializers.DecimalField(max_digits=15, decimal_places=3, min_value=0)
    currency = serializers.CharField(max_length=3, min_length=3)
    expected_close_date = serializers.DateField()
    stage = serializers.ChoiceField(choices=DealStage.choices, default=DealStage.QUALIFIED)
    competitive_situation = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_product_lines(self, codes):
        lines = {line.code: line for line in selectors.product_line_choices().filter(code__in=codes)}
        unknown = sorted(set(codes) - set(lines))
        if unknown:
            raise serializers.ValidationError(_("Unknown product lines: %(codes)s.") % {"codes": ", ".join(unknown)})
        return [lines[code] for code in dict.fromkeys(codes)]


class DealStageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=DealStage.choices)
    final_amount = serializers.DecimalField(max_digits=15, decimal_places=3, required=False)
    closed_on = serializers.DateField(required=False)


class OutcomeConfirmSerializer(serializers.Serializer):
    """What the CRM's books say; empty fields keep what the partner reported."""

    final_amount = serializers.DecimalField(max_digits=15, decimal_places=3, required=False)
    closed_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class OutcomeRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DealFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=DealStatus.choices)
    stage = django_filters.MultipleChoiceFilter(choices=DealStage.choices)
    country = django_filters.CharFilter(lookup_expr="iexact")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    submitted_since = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    organization = django_filters.NumberFilter(field_name="organization_id")

    class Meta:
        model = DealRegistration
        fields = ["status", "stage", "country", "updated_since", "submitted_since", "organization"]


class DealViewSet(PartnerAPIViewSet):
    serializer_class = DealSerializer
    filterset_class = DealFilter

    def get_queryset(self):
        return (
            selectors.deal_list(user=self.request.user)
            .select_related("campaign", *deal_registration_related())
            .prefetch_related("lines__product_line")
        )

    def get_object(self):
        return selectors.deal_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 64:
            raise APIValidationError(
                {"Idempotency-Key": _("Send a unique Idempotency-Key header (at most 64 characters).")}
            )
        payload = DealCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        organization = self._organization_for_create(data.pop("organization", None))
        repeated = DealRegistration.objects.filter(organization=organization, idempotency_key=key).exists()
        try:
            deal = services.deal_register(
                organization=organization,
                submitted_by=request.user,
                idempotency_key=key,
                extras=deal_registration_values(request.data),
                **data,
            )
        except ValidationError as error:
            raise api_validation_error(error) from error
        return Response(DealSerializer(deal).data, status=status.HTTP_200_OK if repeated else status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        """Stage updates (qualified … won/lost), as the partner makes them in the portal."""
        deal = self.get_object_for_change()
        payload = DealStageSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            deal = services.deal_update_stage(deal=deal, actor=request.user, **payload.validated_data)
        except ValidationError as error:
            raise api_validation_error(error) from error
        return Response(DealSerializer(deal).data)

    def _outcome_decision(self, serializer_class, decide):
        """Confirm or reject a reported outcome: vendor users and CRM
        integration users with the confirm permission only (a partner's own
        token never confirms its own report)."""
        deal = selectors.deal_get(user=self.request.user, pk=self.get_object().pk, action="change")
        if not services.outcome_trusted(self.request.user):
            raise PermissionDenied(_("Only channel operations or the CRM integration confirm reported outcomes."))
        payload = serializer_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        try:
            deal = decide(deal, payload.validated_data)
        except ValidationError as error:
            raise api_validation_error(error) from error
        return Response(DealSerializer(deal).data)

    @action(detail=True, methods=["post"], url_path="confirm-outcome")
    def confirm_outcome(self, request, pk=None):
        return self._outcome_decision(
            OutcomeConfirmSerializer,
            lambda deal, data: services.deal_outcome_confirm(deal=deal, actor=request.user, **data),
        )

    @action(detail=True, methods=["post"], url_path="reject-outcome")
    def reject_outcome(self, request, pk=None):
        return self._outcome_decision(
            OutcomeRejectSerializer,
            lambda deal, data: services.deal_outcome_reject(deal=deal, actor=request.user, **data),
        )

    def get_object_for_change(self):
        deal = selectors.deal_get(user=self.request.user, pk=self.get_object().pk, action="change")
        partner = partner_context(self.request.user)
        if partner is not None and not partner.has_role(*REGISTER_ROLES):
            raise PermissionDenied(_("Only sales people and owners update deals."))
        return deal

    def _organization_for_create(self, organization_id):
        partner = partner_context(self.request.user)
        if partner is not None:
            if organization_id not in (None, partner.organization.pk):
                raise PermissionDenied(_("You can only register deals for your own organization."))
            if not partner.has_role(*REGISTER_ROLES):
                raise PermissionDenied(_("Only sales people and owners register deals."))
            return partner.organization
        if not self.request.user.has_perm("deals.add_dealregistration"):
            raise PermissionDenied(_("This token may not register deals."))
        if organization_id is None:
            raise APIValidationError({"organization": _("Say which partner organization the deal is for.")})
        organization = PartnerOrganization.objects.filter(pk=organization_id).first()
        if organization is None:
            raise APIValidationError({"organization": _("No such partner organization.")})
        return organization


class LeadSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    campaign = serializers.SlugRelatedField(slug_field="code", read_only=True)
    product_lines = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    estimated_value = MoneyAmountField()
    deal = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "organization",
            "campaign",
            "source",
            "company_name",
            "domain",
            "country",
            "contact_name",
            "contact_email",
            "contact_phone",
            "product_lines",
            "estimated_value",
            "currency",
            "notes",
            "status",
            "offered_at",
            "respond_by",
            "created_at",
            "updated_at",
            "deal",
        ]
        read_only_fields = fields

    def get_deal(self, lead) -> int | None:
        deal = getattr(lead, "deal", None)  # reverse one-to-one, selected with the lead
        return deal.pk if deal is not None else None


class LeadCreateSerializer(serializers.Serializer):
    """A lead from a vendor system (web form, marketing automation); distributed at once."""

    company_name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=253, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, min_length=2)
    contact_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    product_lines = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    estimated_value = serializers.DecimalField(
        max_digits=15, decimal_places=3, min_value=0, required=False, allow_null=True, default=None
    )
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    campaign = serializers.SlugRelatedField(
        slug_field="code", queryset=Campaign.objects.all(), required=False, allow_null=True, default=None
    )
    source = serializers.ChoiceField(choices=LeadSource.choices, default=LeadSource.API)

    validate_product_lines = DealCreateSerializer.validate_product_lines


class LeadDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class LeadConvertSerializer(serializers.Serializer):
    """What the lead does not say; anything else given overrides the lead.
    The other apps' fields are accepted as on a registration."""

    expected_close_date = serializers.DateField()
    estimated_value = serializers.DecimalField(max_digits=15, decimal_places=3, min_value=0, required=False)
    currency = serializers.CharField(max_length=3, min_length=3, required=False)
    product_lines = serializers.ListField(child=serializers.CharField(), required=False)
    contact_name = serializers.CharField(max_length=120, required=False)
    stage = serializers.ChoiceField(choices=DealStage.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)

    validate_product_lines = DealCreateSerializer.validate_product_lines


class LeadFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices)
    country = django_filters.CharFilter(lookup_expr="iexact")
    campaign = django_filters.CharFilter(field_name="campaign__code")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    created_since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    organization = django_filters.NumberFilter(field_name="organization_id")

    class Meta:
        model = Lead
        fields = ["status", "country", "campaign", "updated_since", "created_since", "organization"]


class LeadViewSet(PartnerAPIViewSet):
    """Leads: partners (sales, owners) see and answer those offered to their
    organization; vendor integration users create leads and see all."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilter

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        partner = partner_context(request.user)
        if partner is not None and not partner.has_role(*LEAD_ROLES):
            raise PermissionDenied(_("Only sales people and owners handle leads."))

    def get_queryset(self):
        return selectors.lead_list(user=self.request.user).select_related("deal").prefetch_related("product_lines")

    def get_object(self, action: str = "view"):
        return selectors.lead_get(user=self.request.user, pk=self.kwargs["pk"], action=action)

    def create(self, request):
        if partner_context(request.user) is not None or not request.user.has_perm("deals.add_lead"):
            raise PermissionDenied(_("This token may not create leads."))
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 64:
            raise APIValidationError({"Idempotency-Key": _("The Idempotency-Key header has at most 64 characters.")})
        payload = LeadCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        repeated = bool(key) and Lead.objects.filter(idempotency_key=key).exists()
        try:
            lead = lead_services.lead_create(created_by=request.user, idempotency_key=key, **payload.validated_data)
        except ValidationError as error:
            raise api_validation_error(error) from error
        return Response(LeadSerializer(lead).data, status=status.HTTP_200_OK if repeated else status.HTTP_201_CREATED)

    def _answer(self, act):
        lead = self.get_object(action="change")
        if partner_context(self.request.user) is None:
            raise PermissionDenied(_("Only the partner the lead is offered to answers it."))
        try:
            result = act(lead)
        except ValidationError as error:
            raise api_validation_error(error) from error
        return result

    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        lead = self._answer(lambda lead: lead_services.lead_accept(lead=lead, actor=request.user))
        return Response(LeadSerializer(lead).data)

    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        self.get_object(action="change")  # another tenant's id: 404 before any 400
        payload = LeadDeclineSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        lead = self._answer(
            lambda lead: lead_services.lead_decline(
                lead=lead, actor=request.user, reason=payload.validated_data["reason"]
            )
        )
        return Response(LeadSerializer(lead).data)

    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        self.get_object(action="change")  # another tenant's id: 404 before any 400
        payload = LeadConvertSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        deal = self._answer(
            lambda lead: lead_services.lead_convert(
                lead=lead, actor=request.user, extras=deal_registration_values(request.data), **payload.validated_data
            )
        )
        return Response(DealSerializer(deal).data, status=status.HTTP_201_CREATED)


# Path converters, so ids are bounded like every partner URL (``<id:pk>``).
router = SimpleRouter(use_regex_path=False)
router.register("deals", DealViewSet, basename="deal")
router.register("leads", LeadViewSet, basename="lead")
