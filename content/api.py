"""Wagtail's pages API, answering only with pages the caller may see."""

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

from .audience import reader_for, visible_pages


class PortalPagesAPIViewSet(PagesAPIViewSet):
    permission_classes = [IsAuthenticated]

    @classmethod
    def get_urlpatterns(cls):
        """Wagtail's routes, with the detail id bounded like every partner URL."""
        return [
            path("", cls.as_view({"get": "listing_view"}), name="listing"),
            path("<id:pk>/", cls.as_view({"get": "detail_view"}), name="detail"),
            path("find/", cls.as_view({"get": "find_view"}), name="find"),
        ]

    def get_base_queryset(self):
        return visible_pages(super().get_base_queryset(), reader_for(self.request))


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PortalPagesAPIViewSet)
