"""Design tokens derived from the vendor's branding: the brand colour as
channel marketing sets it, with text colours chosen so every pairing meets
WCAG AA (4.5:1) whatever colour they pick."""

import re
from dataclasses import dataclass

HEX_COLOUR = re.compile(r"^#([0-9a-fA-F]{6})$")
DEFAULT_BRAND = "#1d4ed8"
WHITE = "#ffffff"
INK = "#111827"
#: WCAG AA for normal text
AA = 4.5


def _channels(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _mix(colour: str, towards: str, share: float) -> str:
    mixed = [a + (b - a) * share for a, b in zip(_channels(colour), _channels(towards), strict=True)]
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in mixed)


def darkened_until_readable(colour: str, *, background: str = WHITE) -> str:
    """``colour`` darkened just enough to reach AA against ``background``
    (a light brand colour stays recognisable for links and outlines)."""
    for step in range(0, 21):
        candidate = _mix(colour, "#000000", step / 20)
        if contrast_ratio(candidate, background) >= AA:
            return candidate
    return INK


@dataclass(frozen=True)
class BrandTokens:
    brand: str
    #: text on a brand-coloured surface (buttons, header)
    on_brand: str
    #: the brand colour for text and outlines on white (links, focus rings)
    brand_text: str


def brand_tokens(colour: str | None) -> BrandTokens:
    """The brand colour (an invalid setting falls back to the default) with
    the text colours that keep AA contrast next to it."""
    brand = colour.lower() if colour and HEX_COLOUR.match(colour) else DEFAULT_BRAND
    on_brand = WHITE if contrast_ratio(brand, WHITE) >= contrast_ratio(brand, INK) else INK
    if contrast_ratio(brand, on_brand) < AA:
        # A mid-tone brand reaches AA with neither: darken the surface instead.
        brand = darkened_until_readable(brand)
        on_brand = WHITE
    return BrandTokens(brand=brand, on_brand=on_brand, brand_text=darkened_until_readable(brand))
