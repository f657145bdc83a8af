from decimal import Decimal

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from .formats import minor_unit

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 4000
# SVG is refused: it can carry scripts and is rendered into co-branded output.
LOGO_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


def validate_logo(file) -> None:
    """Refuse logos that are too large, not images, or in an unsafe format."""
    if file.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(LOGO_MAX_BYTES)},
            code="logo_too_large",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValidationError(_("The logo must be a PNG, JPEG, WebP or GIF image."), code="logo_not_image") from error
    finally:
        file.seek(position)
    if image_format not in LOGO_FORMATS:
        raise ValidationError(_("The logo must be a PNG, JPEG, WebP or GIF image."), code="logo_format")
    if width > LOGO_MAX_PIXELS or height > LOGO_MAX_PIXELS:
        raise ValidationError(
            _("The logo is %(width)s×%(height)s pixels; at most %(limit)s pixels per side are accepted.")
            % {"width": width, "height": height, "limit": LOGO_MAX_PIXELS},
            code="logo_dimensions",
        )


def validate_money_precision(amount, currency: str) -> None:
    """Refuse an amount with more decimals than ``currency`` has (12.345 USD),
    so nothing is rounded away silently; 12.345 KWD and 1200 JPY pass."""
    if amount is None or not currency:
        return
    if Decimal(amount) % minor_unit(currency):
        raise ValidationError(money_precision_message(currency), code="money_precision")


def money_precision_message(currency: str) -> str:
    """What a person is told when an amount has more decimals than ``currency``
    allows, naming the currency and its decimals."""
    places = -minor_unit(currency).as_tuple().exponent
    if places == 0:
        return _("Amounts in %(currency)s have no decimals; enter a whole number.") % {"currency": currency}
    return _("Amounts in %(currency)s have at most %(places)s decimals.") % {"currency": currency, "places": places}


def validate_money_fields(instance, currency: str, *names: str) -> None:
    """:func:`validate_money_precision` on each named amount of ``instance``,
    errors by field (for a model's ``clean``)."""
    errors = {}
    for name in names:
        try:
            validate_money_precision(getattr(instance, name), currency)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
