"""What the partner REST APIs of every app share (deals, leads, MDF,
incentives): a partner API token or the portal session, ids through the
project's id converter, page-number pagination and service errors as field
errors. Each viewset scopes its rows through its app's selectors."""

from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated

from portal.api_auth import APITokenAuthentication


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def api_validation_error(error: ValidationError) -> APIValidationError:
    """A service's ValidationError as the API's 400: per field when it names fields."""
    return APIValidationError(error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages})


class PartnerAPIViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List and detail of one app's records; subclasses read them through
    their app's selectors (``get_queryset``/``get_object``), never a bare queryset."""

    authentication_classes = [APITokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    lookup_value_converter = "id"
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
