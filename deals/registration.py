"""Optional fields higher apps add to a deal registration.

Deals sits below mdf (and other apps that attribute registrations) and never
imports them: an app registers a :class:`RegistrationField` in its
AppConfig.ready. The registration form shows the field for the partner's
organization and the API accepts it under the same name; either way
:func:`deal_register` asks the app to check the value (one rule for both) and,
once the registration is stored, hands it back to the app inside the same
transaction (like ``deals.outcomes``). The API shows the stored value back
under the same name and in the same form it accepts (``output``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class RegistrationField:
    """``field(organization)`` returns the form field (None to leave it out);
    ``clean(organization=, value=)`` turns what the partner sent (the form's
    choice or the API's id) into the value to record, raising ValidationError
    with a message for the partner; ``registered(deal=, value=, actor=)``
    records it once the deal is stored; ``output(deal)`` is the stored value
    as the API shows it (what the API accepts, None when there is none),
    read through the relations named in ``select_related`` so a listing
    costs no query per deal."""

    name: str
    field: Callable
    clean: Callable
    registered: Callable[..., None]
    output: Callable[[Any], Any] | None = None
    select_related: tuple[str, ...] = ()


_fields: dict[str, RegistrationField] = {}

#: what "nothing chosen" looks like in a form or a JSON body
EMPTY_VALUES = (None, "", [])


def register_deal_registration_field(extension: RegistrationField) -> None:
    _fields[extension.name] = extension


def deal_registration_fields(*, organization) -> dict:
    """The extra form fields offered to ``organization``, by name."""
    fields = {name: extension.field(organization) for name, extension in _fields.items()}
    return {name: field for name, field in fields.items() if field is not None}


def deal_registration_values(data: Mapping) -> dict:
    """The other apps' fields in a request body (the API), by name."""
    return {name: data[name] for name in _fields if name in data}


def deal_registration_clean(*, organization, extras: Mapping) -> tuple[dict, dict]:
    """The values the apps accept for ``organization`` (empty ones left out)
    and, apart, their errors by field name."""
    cleaned, errors = {}, {}
    for name, value in extras.items():
        if name not in _fields or value in EMPTY_VALUES:
            continue
        try:
            cleaned[name] = _fields[name].clean(organization=organization, value=value)
        except ValidationError as error:
            errors[name] = error.messages
    return cleaned, errors


def deal_registered(*, deal, extras: Mapping, actor) -> None:
    """Give each app the value it accepted (``deal_registration_clean``)."""
    for name, value in extras.items():
        _fields[name].registered(deal=deal, value=value, actor=actor)


def deal_registration_output(deal) -> dict:
    """The other apps' values of a stored registration, by name, as the API shows them."""
    return {name: extension.output(deal) for name, extension in _fields.items() if extension.output is not None}


def deal_registration_related() -> list[str]:
    """The relations ``deal_registration_output`` reads, for ``select_related``."""
    return [relation for extension in _fields.values() for relation in extension.select_related]
