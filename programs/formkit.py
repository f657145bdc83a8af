"""What every partner form shares: human wording for Django's default
messages, and country and currency choices named in the reader's language
(Babel's CLDR data), searchable on a phone (portal.js filters long selects)."""

import unicodedata
from decimal import Decimal

from babel import Locale as BabelLocale
from babel import UnknownLocaleError
from django import forms
from django.core import validators
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: CLDR territory codes of two letters that are not countries
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"})


def _babel_locale() -> BabelLocale:
    try:
        return BabelLocale.parse(translation.get_language() or "en", sep="-")
    except (UnknownLocaleError, ValueError):
        return BabelLocale.parse("en")


def _sort_key(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def country_name(code: str) -> str:
    """``FR`` as the reader says it ("France", "Frankreich"); the code if unknown."""
    return _babel_locale().territories.get((code or "").upper(), code or "")


def currency_name(code: str) -> str:
    return _babel_locale().currencies.get((code or "").upper(), code or "")


def country_choices(codes=None) -> list[tuple[str, str]]:
    names = _babel_locale().territories
    wanted = codes or [code for code in names if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES]
    return sorted(((code, names.get(code, code)) for code in wanted), key=lambda pair: _sort_key(pair[1]))


def currency_choices(codes=None) -> list[tuple[str, str]]:
    names = _babel_locale().currencies
    wanted = codes or list(names)
    return sorted(((code, f"{names.get(code, code)} ({code})") for code in wanted), key=lambda pair: _sort_key(pair[1]))


class _SearchableSelect(forms.Select):
    def __init__(self, attrs=None):
        super().__init__({"data-searchable": gettext_lazy("Type to filter the list"), **(attrs or {})})


class CountryField(forms.ChoiceField):
    """An ISO 3166 country, chosen by its name in the reader's language."""

    widget = _SearchableSelect

    def __init__(self, *, codes=None, **kwargs):
        super().__init__(choices=lambda: [("", _("Choose a country")), *country_choices(codes)], **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class CurrencyField(forms.ChoiceField):
    """An ISO 4217 currency, chosen by its name in the reader's language."""

    widget = _SearchableSelect

    def __init__(self, *, codes=None, **kwargs):
        super().__init__(choices=lambda: [("", _("Choose a currency")), *currency_choices(codes)], **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()


def _localized(value) -> str:
    if isinstance(value, Decimal | int | float):
        return number_format(value, use_l10n=True)
    return str(value)


def _limit(field, validator_class):
    for validator in field.validators:
        if isinstance(validator, validator_class):
            return validator.limit_value
    return None


class PortalFormMixin:
    """Human messages instead of Django's developer wording ("Ensure this
    value is greater than or equal to 0.01"). Put it first in the bases."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.update(self._human_messages(field))

    @staticmethod
    def _human_messages(field) -> dict[str, str]:
        messages = {}
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            messages["required"] = _("Choose at least one option.")
        elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            messages["required"] = _("Choose an option from the list.")
        elif isinstance(field, forms.FileField):
            messages["required"] = _("Choose a file to upload.")
        else:
            messages["required"] = _("Fill in this field.")
        messages["invalid_choice"] = _("Choose one of the options in the list.")
        messages["invalid_list"] = _("Choose one or more options in the list.")
        if (maximum := _limit(field, validators.MaxLengthValidator)) is not None:
            messages["max_length"] = _("Use %(limit)s characters at most (there are %%(show_value)d).") % {
                "limit": maximum
            }
        if (minimum := _limit(field, validators.MinLengthValidator)) is not None:
            messages["min_length"] = _("Use at least %(limit)s characters.") % {"limit": minimum}
        if isinstance(field, forms.DecimalField | forms.IntegerField | forms.FloatField):
            example = _localized(Decimal("1250.50"))
            messages["invalid"] = _("Enter a number, such as %(example)s.") % {"example": example}
            if (minimum := _limit(field, validators.MinValueValidator)) is not None:
                if minimum > 0 and minimum <= 1:
                    messages["min_value"] = _("Enter an amount greater than zero.")
                else:
                    messages["min_value"] = _("Enter %(limit)s or more.") % {"limit": _localized(minimum)}
            if (maximum := _limit(field, validators.MaxValueValidator)) is not None:
                messages["max_value"] = _("Enter %(limit)s or less.") % {"limit": _localized(maximum)}
            messages["max_digits"] = _("That number is too large.")
            messages["max_decimal_places"] = _("Use at most %(max)s digits after the decimal mark.")
            messages["max_whole_digits"] = _("That number is too large.")
        if isinstance(field, forms.DateField | forms.DateTimeField):
            messages["invalid"] = _("Enter a real date.")
        if isinstance(field, forms.EmailField):
            messages["invalid"] = _("Enter an e-mail address such as name@example.com.")
        return messages
