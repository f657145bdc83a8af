"""Optional fields higher apps add to the deal registration form.

Deals sits below mdf (and other apps that attribute registrations) and never
imports them: an app registers a :class:`RegistrationField` in its
AppConfig.ready, the form shows the field for the partner's organization, and
:func:`deal_register` hands the chosen value back to the app inside its own
transaction once the registration is stored (like ``deals.outcomes``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RegistrationField:
    """``field(organization)`` returns the form field (None to leave it out);
    ``registered(deal=, value=, actor=)`` records the value once the deal is stored."""

    name: str
    field: Callable
    registered: Callable[..., None]


_fields: dict[str, RegistrationField] = {}


def register_deal_registration_field(extension: RegistrationField) -> None:
    _fields[extension.name] = extension


def deal_registration_fields(*, organization) -> dict:
    """The extra form fields offered to ``organization``, by name."""
    fields = {name: extension.field(organization) for name, extension in _fields.items()}
    return {name: field for name, field in fields.items() if field is not None}


def deal_registered(*, deal, extras: Mapping, actor) -> None:
    """Give each app the value the partner chose (empty values are skipped)."""
    for name, value in extras.items():
        if name in _fields and value not in (None, "", []):
            _fields[name].registered(deal=deal, value=value, actor=actor)
