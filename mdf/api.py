"""REST API for MDF requests and claims (list, detail, create), with the
partner API tokens and the conventions of programs.api: the same scoping layer
as the portal pages, service errors as field errors."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from programs.api import PartnerAPIViewSet, api_validation_error
from programs.serializers import MoneyAmountField
from programs.tenancy import partner_context

from . import selectors
from .models import Claim, FundRequest
from .services.claims import claim_submit
from .services.requests import request_submit
from .views import REQUEST_ROLES, VIEW_ROLES


class FundRequestSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    activity_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    planned_cost = MoneyAmountField()
    requested_amount = MoneyAmountField()
    committed_amount = MoneyAmountField()
    expected_pipeline = MoneyAmountField()
    program = serializers.PrimaryKeyRelatedField(source="allocation.program", read_only=True)

    class Meta:
        model = FundRequest
        fields = [
            "id",
            "organization",
            "program",
            "activity_type",
            "title",
            "description",
            "starts_on",
            "ends_on",
            "planned_cost",
            "requested_amount",
            "committed_amount",
            "currency",
            "expected_leads",
            "expected_pipeline",
            "assets",
            "status",
            "decision_reason",
            "waiting_since",
            "claim_deadline",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields


class FundRequestCreateSerializer(serializers.Serializer):
    activity_type = serializers.CharField(help_text="Activity type code.")
    title = serializers.CharField(max_length=160)
    description = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    planned_cost = serializers.DecimalField(max_digits=15, decimal_places=3, min_value=0)
    requested_amount = serializers.DecimalField(max_digits=15, decimal_places=3, min_value=0)
    expected_leads = serializers.IntegerField(min_value=0, required=False, default=0)
    expected_pipeline = serializers.DecimalField(
        max_digits=15, decimal_places=3, min_value=0, required=False, default=0
    )
    assets = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_activity_type(self, code):
        activity_type = selectors.activity_type_choices().filter(code=code).first()
        if activity_type is None:
            raise serializers.ValidationError(_("Unknown activity type: %(code)s.") % {"code": code})
        return activity_type


class ClaimSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    request = serializers.PrimaryKeyRelatedField(read_only=True)
    actual_cost = MoneyAmountField()
    claimed_amount = MoneyAmountField()
    approved_amount = MoneyAmountField()
    proofs = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "organization",
            "request",
            "actual_cost",
            "claimed_amount",
            "approved_amount",
            "currency",
            "status",
            "decision_reason",
            "payment_reference",
            "paid_on",
            "submitted_at",
            "proofs",
        ]
        read_only_fields = fields

    def get_proofs(self, claim) -> list[dict]:
        return [
            {"id": proof.pk, "name": proof.original_name, "content_type": proof.content_type, "size": proof.size}
            for proof in claim.proofs.all()
        ]


class ClaimCreateSerializer(serializers.Serializer):
    request = serializers.IntegerField()
    actual_cost = serializers.DecimalField(max_digits=15, decimal_places=3, min_value=0)
    claimed_amount = serializers.DecimalField(max_digits=15, decimal_places=3, min_value=0)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class PartnerOnlyViewSet(PartnerAPIViewSet):
    def _partner(self, roles):
        partner = partner_context(self.request.user)
        if partner is None:
            if self.request.user.has_perm("mdf.view_fundrequest"):
                return None
            raise PermissionDenied(_("This token may not read MDF records."))
        if not partner.has_role(*roles):
            raise PermissionDenied(_("Your role does not give access to MDF."))
        return partner


class FundRequestViewSet(PartnerOnlyViewSet):
    serializer_class = FundRequestSerializer

    def get_queryset(self):
        self._partner(VIEW_ROLES)
        return selectors.request_list(user=self.request.user).select_related("organization")

    def get_object(self):
        self._partner(VIEW_ROLES)
        return selectors.request_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request):
        partner = self._partner(REQUEST_ROLES)
        if partner is None:
            raise PermissionDenied(_("Only partner users request funds."))
        payload = FundRequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            fund_request = request_submit(
                organization=partner.organization, submitted_by=request.user, **payload.validated_data
            )
        except ValidationError as error:
            raise api_validation_error(error) from error
        return Response(FundRequestSerializer(fund_request).data, status=status.HTTP_201_CREATED)


class ClaimViewSet(PartnerOnlyViewSet):
    serializer_class = ClaimSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        self._partner(VIEW_ROLES)
        return selectors.claim_list(user=self.request.user).prefetch_related("proofs")

    def get_object(self):
        self._partner(VIEW_ROLES)
        return selectors.claim_get(user=self.request.user, pk=self.kwargs["pk"])

    def create(self, request):
        """Multipart: the figures and one or more ``proofs`` files."""
        partner = self._partner(REQUEST_ROLES)
        if partner is None:
            raise PermissionDenied(_("Only partner users claim funds."))
        payload = ClaimCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        fund_request = selectors.request_get(user=request.user, pk=data.pop("request"))
        try:
            claim = claim_submit(
                request=fund_request, submitted_by=request.user, proofs=request.FILES.getlist("proofs"), **data
            )
        except ValidationError as error:
            raise api_validation_error(error) from error
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("requests", FundRequestViewSet, basename="request")
router.register("claims", ClaimViewSet, basename="claim")
