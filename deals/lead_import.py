"""Reading a CSV file of leads for the admin import: every row is validated
before anything is stored, and each problem is reported with its line."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Campaign, Lead, LeadSource
from .selectors import product_line_choices
from .services.leads import lead_build

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
REQUIRED_COLUMNS = ("company_name", "country")
OPTIONAL_COLUMNS = (
    "domain",
    "contact_name",
    "contact_email",
    "contact_phone",
    "product_lines",
    "estimated_value",
    "currency",
    "notes",
    "campaign",
)


@dataclass
class ParsedLeads:
    leads: list[tuple[Lead, list]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _decimal(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as error:
        raise ValidationError({"estimated_value": _("“%(value)s” is not a number.") % {"value": text}}) from error


def parse_leads_csv(data: bytes, *, campaign: Campaign | None, created_by) -> ParsedLeads:
    """Unsaved leads (with their product lines) from a CSV file, or the list
    of problems (one per row and field, numbered as in a spreadsheet)."""
    result = ParsedLeads()
    if len(data) > MAX_BYTES:
        result.errors.append(_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(_("The file is not UTF-8 text; save it as CSV UTF-8."))
        return result
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        if missing:
            result.errors.append(_("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
        if unknown:
            result.errors.append(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)})
        result.errors.append(
            _("Expected columns: %(names)s.") % {"names": ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}
        )
        return result
    reader.fieldnames = columns
    lines = {line.code.lower(): line for line in product_line_choices()}
    campaigns = {c.code.lower(): c for c in Campaign.objects.all()}
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            result.errors.append(_("The file has more than %(rows)s leads; split it.") % {"rows": MAX_ROWS})
            break
        row = {key: (value or "").strip() for key, value in row.items() if key}
        if not any(row.values()):
            continue
        row_errors: dict[str, list[str]] = {}
        codes = [code.strip().lower() for code in row.get("product_lines", "").replace("|", ";").split(";")]
        codes = [code for code in codes if code]
        unknown_lines = [code for code in codes if code not in lines]
        if unknown_lines:
            row_errors["product_lines"] = [_("Unknown product lines: %(codes)s.") % {"codes": ", ".join(unknown_lines)}]
        row_campaign = campaign
        if row.get("campaign"):
            row_campaign = campaigns.get(row["campaign"].lower())
            if row_campaign is None:
                row_errors["campaign"] = [_("Unknown campaign: %(code)s.") % {"code": row["campaign"]}]
        try:
            lead = lead_build(
                company_name=row.get("company_name", ""),
                country=row.get("country", ""),
                domain=row.get("domain", ""),
                contact_name=row.get("contact_name", ""),
                contact_email=row.get("contact_email", ""),
                contact_phone=row.get("contact_phone", ""),
                estimated_value=_decimal(row.get("estimated_value", "")),
                currency=row.get("currency", ""),
                notes=row.get("notes", ""),
                campaign=row_campaign,
                source=LeadSource.IMPORT,
                created_by=created_by,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                row_errors.setdefault(name, []).extend(messages)
            lead = None
        if row_errors:
            for name, messages in row_errors.items():
                result.errors.append(
                    _("Line %(line)s, %(column)s: %(message)s")
                    % {"line": number, "column": name, "message": " ".join(messages)}
                )
        elif lead is not None:
            result.leads.append((lead, [lines[code] for code in dict.fromkeys(codes)]))
    if not result.leads and not result.errors:
        result.errors.append(_("The file has no leads."))
    return result
