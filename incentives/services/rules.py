"""Rule versions of incentive programs: recorded on every admin save, read by
the accrual service for the close date of each deal.

The shape follows ``programs.services.tiers``: a JSON snapshot of the rules
per change, parsed into a frozen dataclass; nothing computes from the
editable program row.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from programs.request_memo import remembered_until_changed

from ..models import DealSource, IncentiveProgram, RuleVersion


@dataclass(frozen=True)
class CommissionOverrideRule:
    rate: Decimal
    product_line: str | None = None
    partner_type: str | None = None
    region: str | None = None
    deal_source: str = DealSource.ANY


@dataclass(frozen=True)
class RebateStepRule:
    threshold: Decimal
    rate: Decimal


@dataclass(frozen=True)
class ProgramRules:
    """One program's rules as they stood from ``effective_from`` on."""

    program_id: int
    version: RuleVersion
    name: str
    kind: str
    active: bool
    currency: str
    default_rate: Decimal
    tier_rates: dict[int, Decimal]
    overrides: tuple[CommissionOverrideRule, ...]
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    bonus_per_deal: Decimal
    bonus_per_unit: Decimal
    product_lines: frozenset[str]
    certifications: frozenset[str]
    requires_opt_in: bool
    rebate_period: str
    rebate_steps: tuple[RebateStepRule, ...]
    payout_frequency: str
    minimum_payout: Decimal
    hold_days: int

    @classmethod
    def from_version(cls, version: RuleVersion) -> "ProgramRules":
        rules = version.rules

        def day(value):
            return datetime.date.fromisoformat(value) if value else None

        return cls(
            program_id=version.program_id,
            version=version,
            name=rules["name"],
            kind=rules["kind"],
            active=rules["active"],
            currency=rules["currency"],
            default_rate=Decimal(rules["default_rate"]),
            tier_rates={int(tier_id): Decimal(rate) for tier_id, rate in rules["tier_rates"].items()},
            overrides=tuple(
                CommissionOverrideRule(
                    rate=Decimal(override["rate"]),
                    product_line=override["product_line"],
                    partner_type=override["partner_type"],
                    region=override["region"],
                    deal_source=override["deal_source"],
                )
                for override in rules["overrides"]
            ),
            starts_on=day(rules["starts_on"]),
            ends_on=day(rules["ends_on"]),
            bonus_per_deal=Decimal(rules["bonus_per_deal"]),
            bonus_per_unit=Decimal(rules["bonus_per_unit"]),
            product_lines=frozenset(rules["product_lines"]),
            certifications=frozenset(rules["certifications"]),
            requires_opt_in=rules["requires_opt_in"],
            rebate_period=rules["rebate_period"],
            rebate_steps=tuple(
                sorted(
                    (
                        RebateStepRule(Decimal(step["threshold"]), Decimal(step["rate"]))
                        for step in rules["rebate_steps"]
                    ),
                    key=lambda step: step.threshold,
                )
            ),
            payout_frequency=rules["payout_frequency"],
            minimum_payout=Decimal(rules["minimum_payout"]),
            hold_days=rules["hold_days"],
        )


def _decimal(value) -> str:
    # One spelling per value ("5" and "5.000" alike), so unchanged rules compare equal.
    return str(Decimal(value).normalize()) if Decimal(value) else "0"


def _code(related) -> str | None:
    return related.code if related is not None else None


def _snapshot(program: IncentiveProgram) -> dict:
    return {
        "name": program.name,
        "kind": program.kind,
        "active": program.active,
        "currency": program.currency,
        "default_rate": _decimal(program.default_rate),
        "tier_rates": {str(row.tier_id): _decimal(row.rate) for row in program.tier_rates.all()},
        "overrides": [
            {
                "product_line": _code(row.product_line),
                "partner_type": _code(row.partner_type),
                "region": _code(row.region),
                "deal_source": row.deal_source,
                "rate": _decimal(row.rate),
            }
            for row in program.overrides.all()
        ],
        "starts_on": program.starts_on.isoformat() if program.starts_on else None,
        "ends_on": program.ends_on.isoformat() if program.ends_on else None,
        "bonus_per_deal": _decimal(program.bonus_per_deal),
        "bonus_per_unit": _decimal(program.bonus_per_unit),
        "product_lines": sorted(line.code for line in program.product_lines.all()),
        "certifications": sorted(certification.code for certification in program.certifications.all()),
        "requires_opt_in": program.requires_opt_in,
        "rebate_period": program.rebate_period,
        "rebate_steps": sorted(
            ({"threshold": _decimal(row.threshold), "rate": _decimal(row.rate)} for row in program.rebate_steps.all()),
            key=lambda step: Decimal(step["threshold"]),
        ),
        "payout_frequency": program.payout_frequency,
        "minimum_payout": _decimal(program.minimum_payout),
        "hold_days": program.hold_days,
    }


@transaction.atomic
def program_rules_record(*, program: IncentiveProgram, actor=None) -> RuleVersion | None:
    """Snapshot ``program``'s rules as a new version in force from its
    ``rules_effective_from`` date (none when nothing changed).

    A version effective in the past applies to deals closed since then the
    next time their accruals are computed."""
    rules = _snapshot(program)
    versions = RuleVersion.objects.select_for_update().filter(program=program)
    latest = versions.order_by("-number").first()
    if latest is not None and latest.rules == rules and latest.effective_from == program.rules_effective_from:
        return None
    number = (versions.aggregate(highest=Max("number"))["highest"] or 0) + 1
    return RuleVersion.objects.create(
        program=program, number=number, effective_from=program.rules_effective_from, rules=rules, created_by=actor
    )


def rules_in_force(*, on: datetime.date, kinds=None, program_ids=None) -> list[ProgramRules]:
    """Every program's rules in force on ``on`` (the version with the latest
    ``effective_from`` on or before that date; of two on one date, the later
    recorded), programs without a version by then left out."""
    latest: dict[int, RuleVersion] = {}
    for version in _versions():
        if (
            version.effective_from <= on
            and (kinds is None or version.program.kind in kinds)
            and (program_ids is None or version.program_id in program_ids)
        ):
            latest.setdefault(version.program_id, version)
    return [ProgramRules.from_version(version) for version in latest.values()]


def _versions() -> list[RuleVersion]:
    """Every program's versions, newest first: kept by the process until a
    version or a program is saved (reading requests only; shared, so read only)."""
    return remembered_until_changed(
        "incentive rule versions",
        lambda: list(
            RuleVersion.objects.select_related("program").order_by("program_id", "-effective_from", "-number")
        ),
    )


def program_rules_at(*, program: IncentiveProgram, on: datetime.date) -> ProgramRules | None:
    found = rules_in_force(on=on, program_ids=[program.pk])
    return found[0] if found else None
