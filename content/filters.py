import django_filters
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from programs.models import PartnerType, ProductLine

from .models import AssetType, default_locale_only

ALL_LANGUAGES = "all"


class LibraryFilter(django_filters.FilterSet):
    """Facets of the content library; recent first unless the partner sorts otherwise."""

    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Title contains"))
    type = django_filters.ModelChoiceFilter(
        to_field_name="code",
        method="filter_type",
        queryset=AssetType.objects.none(),
        label=_("Type"),
    )
    product_line = django_filters.ModelChoiceFilter(
        field_name="product_lines", queryset=ProductLine.objects.none(), label=_("Product line")
    )
    partner_type = django_filters.ModelChoiceFilter(
        field_name="partner_types", queryset=PartnerType.objects.none(), label=_("Partner type")
    )
    language = django_filters.ChoiceFilter(
        choices=[(ALL_LANGUAGES, _("All languages")), *settings.LANGUAGES],
        method="filter_language",
        label=_("Language"),
        empty_label=_("This page's language"),
    )
    updated_since = django_filters.DateFilter(
        field_name="last_published_at",
        lookup_expr="date__gte",
        label=_("Updated since"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.OrderingFilter(
        fields=(("last_published_at", "updated"), ("title", "title")),
        field_labels={"last_published_at": _("Updated"), "title": _("Title")},
        label=_("Sort"),
        empty_label=None,
    )

    def __init__(self, *args, language_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.language_code = language_code
        self.filters["type"].queryset = AssetType.objects.filter(locale__language_code=language_code) or (
            AssetType.objects.filter(default_locale_only())
        )
        self.filters["product_line"].queryset = ProductLine.objects.filter(default_locale_only())
        self.filters["partner_type"].queryset = PartnerType.objects.filter(default_locale_only())

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("language"):
            queryset = queryset.filter(locale__language_code=self.language_code)
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by("-last_published_at", "-pk")
        return queryset

    def filter_type(self, queryset, name, value):
        # by code, so the facet works whichever translation of the type an asset points at
        return queryset.filter(asset_type__code=value.code)

    def filter_language(self, queryset, name, value):
        if value == ALL_LANGUAGES:
            return queryset
        return queryset.filter(locale__language_code=value)
