"""What a won deal earns, line by line, under the rules in force at its close date."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from deals.models import DealStatus
from deals.services import deal_correct_outcome
from incentives.models import DealSource, Enrollment, LedgerLine, LineKind
from incentives.services.accruals import deal_accruals_compute, rebates_compute
from incentives.services.rules import program_rules_record
from programs.formats import round_money
from programs.models import PersonCertification, TierChange, TierChangeStatus
from tests.factories import CertificationFactory, OrganizationFactory, PartnerTypeFactory, TierFactory, UserFactory
from tests.factories.incentives import incentive_program, won_deal
from tests.factories.programs import ProductLineFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def gold():
    return TierFactory(name="Gold")


@pytest.fixture
def partner(gold):
    return OrganizationFactory(tier=gold)


def accrue(deal):
    deal_accruals_compute(deal_id=deal.pk)
    return list(LedgerLine.objects.filter(deal=deal).order_by("pk"))


def net(deal, program=None):
    lines = LedgerLine.objects.filter(deal=deal)
    if program is not None:
        lines = lines.filter(program=program)
    return lines.aggregate(total=Sum("amount"))["total"]


def test_the_tier_rate_applies_and_the_line_explains_itself(partner, gold):
    program = incentive_program(tier_rates={gold: "5"}, default_rate="1")
    deal = won_deal(partner, amount="10000.00", closed_on=D(2026, 3, 10))

    [line] = accrue(deal)

    assert (line.kind, line.amount, line.currency) == (LineKind.ACCRUAL, Decimal("500.00"), "USD")
    assert (line.base_amount, line.rate, line.tier_name) == (Decimal("10000.00"), Decimal("5"), "Gold")
    assert line.rule_version == program.rule_versions.get()
    assert line.basis == "tier rate"


def test_the_default_rate_applies_to_tiers_without_a_rate(partner):
    incentive_program(tier_rates={TierFactory(name="Silver"): "3"}, default_rate="1")
    [line] = accrue(won_deal(partner, amount="10000.00", closed_on=D(2026, 3, 10)))
    assert (line.rate, line.amount, line.basis) == (Decimal("1"), Decimal("100.00"), "default rate")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"product_line_code": "storage", "rate": "8"}, Decimal("800.00")),
        ({"product_line_code": "network", "rate": "8"}, Decimal("500.00")),
        ({"partner_type_code": "reseller", "rate": "6"}, Decimal("600.00")),
        ({"partner_type_code": "msp", "rate": "6"}, Decimal("500.00")),
        ({"deal_source": DealSource.PARTNER, "rate": "7"}, Decimal("700.00")),
        ({"deal_source": DealSource.VENDOR_LEAD, "rate": "7"}, Decimal("500.00")),
    ],
    ids=["product-line-match", "product-line-other", "type-match", "type-other", "partner-sourced", "vendor-lead"],
)
def test_an_override_replaces_the_tier_rate_only_when_it_matches(partner, gold, override, expected):
    override = dict(override)
    if code := override.pop("product_line_code", None):
        override["product_line"] = ProductLineFactory(code=code)
    if code := override.pop("partner_type_code", None):
        override["partner_type"] = PartnerTypeFactory(code=code)
    incentive_program(tier_rates={gold: "5"}, overrides=[override])
    storage = ProductLineFactory(code="storage")

    [line] = accrue(won_deal(partner, amount="10000.00", closed_on=D(2026, 3, 10), product_lines=[storage]))

    assert line.amount == expected


def test_the_tier_is_the_one_held_at_the_close_date(partner, gold):
    silver = TierFactory(name="Silver")
    incentive_program(tier_rates={gold: "5", silver: "3"})
    deal = won_deal(partner, amount="10000.00", closed_on=D(2026, 3, 10))
    # Promoted to Gold after the deal closed: the deal earns at Silver's rate.
    TierChange.objects.create(
        organization=partner,
        from_tier=silver,
        to_tier=gold,
        status=TierChangeStatus.APPLIED,
        metrics={},
        reason="Evaluation",
        created_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC),
    )

    [line] = accrue(deal)

    assert (line.tier_name, line.amount) == ("Silver", Decimal("300.00"))


@pytest.mark.parametrize(
    ("closed_on", "earns"),
    [
        (D(2026, 2, 28), False),
        (D(2026, 3, 1), True),  # first day of the window: inclusive
        (D(2026, 3, 31), True),  # last day: inclusive
        (D(2026, 4, 1), False),
    ],
)
def test_spiff_window_edges_are_inclusive_calendar_dates(partner, closed_on, earns):
    incentive_program("spiff", currency="EUR", starts_on=D(2026, 3, 1), ends_on=D(2026, 3, 31), bonus_per_deal="250.00")
    lines = accrue(won_deal(partner, amount="1000.00", closed_on=closed_on))
    assert [(line.amount, line.currency) for line in lines] == ([(Decimal("250.00"), "EUR")] if earns else [])


def test_the_spiff_window_ignores_the_readers_time_zone(partner, settings):
    # A deal closed on 31 March (the partner's date) still qualifies when the
    # server's clock is already in April: only calendar dates are compared.
    settings.TIME_ZONE = "Pacific/Kiritimati"
    incentive_program("spiff", starts_on=D(2026, 3, 1), ends_on=D(2026, 3, 31), bonus_per_deal="100")
    assert len(accrue(won_deal(partner, amount="1000.00", closed_on=D(2026, 3, 31)))) == 1


def test_spiff_pays_per_unit_of_the_named_product_lines_only(partner):
    storage, network = ProductLineFactory(code="storage"), ProductLineFactory(code="network")
    incentive_program(
        "spiff",
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31),
        bonus_per_deal="100",
        bonus_per_unit="10",
        product_lines=[storage],
    )
    [line] = accrue(won_deal(partner, amount="1000", closed_on=D(2026, 5, 5), product_lines=[storage], quantity=4))
    assert (line.units, line.amount) == (4, Decimal("140.00"))
    assert accrue(won_deal(partner, amount="1000", closed_on=D(2026, 5, 5), product_lines=[network])) == []


def test_spiff_for_certified_people_and_opted_in_partners(partner):
    certification = CertificationFactory(code="storage-pro")
    program = incentive_program(
        "spiff",
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31),
        bonus_per_deal="100",
        certifications=[certification],
        requires_opt_in=True,
    )
    seller = UserFactory()
    PersonCertification.objects.create(
        organization=partner,
        user=seller,
        certification=certification,
        earned_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
    )
    assert accrue(won_deal(partner, amount="1000", closed_on=D(2026, 5, 5), user=seller)) == []  # not opted in

    Enrollment.objects.create(
        organization=partner, program=program, opted_in_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    )
    assert len(accrue(won_deal(partner, amount="1000", closed_on=D(2026, 5, 5), user=seller))) == 1
    assert accrue(won_deal(partner, amount="1000", closed_on=D(2026, 5, 5), user=UserFactory())) == []


def test_a_mid_period_rule_change_applies_from_its_date(partner, gold):
    program = incentive_program(tier_rates={gold: "5"})
    program.tier_rates.update(rate=Decimal("6"))
    program.rules_effective_from = D(2026, 2, 15)
    program.save()
    second = program_rules_record(program=program)

    before = accrue(won_deal(partner, amount="1000.00", closed_on=D(2026, 2, 14)))
    after = accrue(won_deal(partner, amount="1000.00", closed_on=D(2026, 2, 15)))

    assert [(line.amount, line.rule_version.number) for line in before] == [(Decimal("50.00"), 1)]
    assert [(line.amount, line.rule_version) for line in after] == [(Decimal("60.00"), second)]


def test_saving_unchanged_rules_records_no_version(gold):
    program = incentive_program(tier_rates={gold: "5.000"})
    program.save()
    assert program_rules_record(program=program) is None
    assert program.rule_versions.count() == 1


def test_recomputing_a_deal_is_idempotent(partner, gold):
    incentive_program(tier_rates={gold: "5"})
    deal = won_deal(partner, amount="1000.00", closed_on=D(2026, 3, 10))

    accrue(deal)
    accrue(deal)

    assert LedgerLine.objects.filter(deal=deal).count() == 1


def test_an_amount_correction_is_a_reversal_and_a_new_line(partner, gold):
    incentive_program(tier_rates={gold: "5"})
    deal = won_deal(partner, amount="10000.00", closed_on=D(2026, 3, 10))
    [first] = accrue(deal)

    deal_correct_outcome(deal=deal, actor=None, reason="PO amended", final_amount=Decimal("12000.00"))
    lines = accrue(deal)

    assert [(line.kind, line.amount) for line in lines] == [
        (LineKind.ACCRUAL, Decimal("500.00")),
        (LineKind.REVERSAL, Decimal("-500.00")),
        (LineKind.ACCRUAL, Decimal("600.00")),
    ]
    assert lines[1].reverses == first
    assert net(deal) == Decimal("600.00")
    # The first line is untouched: the ledger only grows.
    first.refresh_from_db()
    assert first.amount == Decimal("500.00")


def test_a_deal_moved_from_won_to_lost_is_reversed(partner, gold):
    incentive_program(tier_rates={gold: "5"})
    incentive_program("spiff", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31), bonus_per_deal="100")
    deal = won_deal(partner, amount="10000.00", closed_on=D(2026, 3, 10))
    assert len(accrue(deal)) == 2

    deal_correct_outcome(deal=deal, actor=None, reason="Customer cancelled", status=DealStatus.LOST)
    lines = accrue(deal)

    assert [line.kind for line in lines].count(LineKind.REVERSAL) == 2
    assert net(deal) == Decimal("0.00")
    assert accrue(deal) == lines  # and nothing more on a recomputation


def test_a_corrected_close_date_moves_the_deal_under_other_rules(partner, gold):
    program = incentive_program(tier_rates={gold: "5"})
    program.tier_rates.update(rate=Decimal("10"))
    program.rules_effective_from = D(2026, 6, 1)
    program.save()
    program_rules_record(program=program)
    deal = won_deal(partner, amount="1000.00", closed_on=D(2026, 5, 31))
    accrue(deal)

    deal_correct_outcome(deal=deal, actor=None, reason="Signed later", closed_on=D(2026, 6, 2))

    assert [line.amount for line in accrue(deal)] == [Decimal("50.00"), Decimal("-50.00"), Decimal("100.00")]


def test_ledger_lines_cannot_be_edited(partner, gold):
    from django.core.exceptions import ValidationError

    incentive_program(tier_rates={gold: "5"})
    [line] = accrue(won_deal(partner, amount="1000.00", closed_on=D(2026, 3, 10)))
    line.amount = Decimal("1")
    with pytest.raises(ValidationError):
        line.save()


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        (Decimal("0.005"), "USD", Decimal("0.01")),  # half-up, not to even
        (Decimal("0.015"), "EUR", Decimal("0.02")),
        (Decimal("0.0149"), "EUR", Decimal("0.01")),
        (Decimal("-0.005"), "USD", Decimal("-0.01")),  # reversals mirror accruals
        (Decimal("1234.5"), "JPY", Decimal("1235")),
    ],
)
def test_rounding_is_half_up_to_the_minor_unit(amount, currency, rounded):
    assert round_money(amount, currency) == rounded


def test_each_line_is_rounded_once(partner, gold):
    incentive_program(tier_rates={gold: "2.5"})
    [line] = accrue(won_deal(partner, amount="10.10", closed_on=D(2026, 3, 10)))
    assert line.amount == Decimal("0.25")  # 0.2525
    [line] = accrue(won_deal(partner, amount="10.30", closed_on=D(2026, 3, 10)))
    assert line.amount == Decimal("0.26")  # 0.2575


@pytest.mark.parametrize(
    ("revenue", "expected"),
    [
        ("249999.99", None),
        ("250000.00", Decimal("5000.00")),  # a threshold is reached at exactly its amount
        ("499999.99", Decimal("10000.00")),  # 9,999.9998 rounded half-up
        ("500000.00", Decimal("15000.00")),
    ],
)
def test_rebate_steps_apply_to_the_whole_periods_revenue(partner, revenue, expected):
    program = incentive_program(
        "rebate", rebate_period="quarterly", steps=[("250000", "2"), ("500000", "3")], currency="USD"
    )
    won_deal(partner, amount=revenue, closed_on=D(2026, 2, 10))
    won_deal(partner, amount="90000", closed_on=D(2026, 4, 1))  # next quarter
    won_deal(OrganizationFactory(), amount="900000", closed_on=D(2026, 2, 11))  # another partner's

    rebates_compute(period_end=D(2026, 3, 31))

    lines = LedgerLine.objects.filter(program=program, organization=partner)
    assert [line.amount for line in lines] == ([expected] if expected else [])
    if expected:
        assert lines.get().earned_on == D(2026, 3, 31)
    rebates_compute(period_end=D(2026, 3, 31))
    assert lines.count() == (1 if expected else 0)


def test_a_deal_corrected_after_the_rebate_period_changes_the_rebate(partner):
    program = incentive_program("rebate", rebate_period="quarterly", steps=[("250000", "2")])
    deal = won_deal(partner, amount="300000", closed_on=D(2026, 2, 10))
    rebates_compute(period_end=D(2026, 3, 31))

    deal_correct_outcome(deal=deal, actor=None, reason="Partial return", final_amount=Decimal("200000"))
    deal_accruals_compute(deal_id=deal.pk)

    lines = LedgerLine.objects.filter(program=program).order_by("pk")
    assert [(line.kind, line.amount) for line in lines] == [
        (LineKind.REBATE, Decimal("6000.00")),
        (LineKind.REVERSAL, Decimal("-6000.00")),
    ]


def test_a_deal_cannot_be_corrected_without_a_reason(partner, gold):
    from django.core.exceptions import ValidationError

    deal = won_deal(partner, amount="1000.00", closed_on=D(2026, 3, 10))
    with pytest.raises(ValidationError) as error:
        deal_correct_outcome(deal=deal, actor=None, reason=" ", final_amount=Decimal("5"))
    assert "Say why" in str(error.value)
    deal.refresh_from_db()
    assert deal.final_amount == Decimal("1000.00")
