"""The independent revenue reference (tests/reference/revenue.py) checked against the spec by hand.

test_revenue.py trusts the reference to say what the marts must contain; these tests make sure the
reference itself says what docs/metrics.md says, on cases worked out on paper. No warehouse.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from tests.conftest import MINI_EXPORTS
from tests.reference.revenue import (
    FxTable,
    Period,
    RevenueReference,
    _line_period,
    classify,
    counts_in_month,
)

D = Decimal


def period(start: str, end: str | None, amount: int = 100, account: str = "a", currency: str = "usd") -> Period:
    return Period(
        account,
        f"{account}:{start}",
        datetime.fromisoformat(start),
        datetime.fromisoformat(end) if end else None,
        currency,
        Fraction(amount),
    )


@pytest.mark.parametrize(
    ("mrr", "previous", "paid_before", "movement", "size"),
    [
        (D(100), D(0), False, "new", D(100)),
        (D(100), D(0), True, "reactivation", D(100)),  # not swallowed by expansion
        (D(0), D(100), True, "churn", D(100)),  # a drop to zero is churn, not contraction
        (D(150), D(100), True, "expansion", D(50)),
        (D(60), D(100), True, "contraction", D(40)),
        (D(100), D(100), True, "unchanged", D(0)),
        (D(0), D(0), True, "inactive", D(0)),
    ],
)
def test_movements_in_the_spec_order(mrr, previous, paid_before, movement, size):
    assert classify(mrr, previous, paid_before) == (movement, size)


def test_end_of_month_membership_needs_the_month_s_last_instant():
    monthly = period("2024-01-15", "2024-02-15")
    assert counts_in_month(monthly, date(2024, 1, 1), "end_of_month")
    assert not counts_in_month(monthly, date(2024, 2, 1), "end_of_month")
    boundary = period("2024-01-01", "2024-02-01")  # end == N of January: covers January's last instant
    assert counts_in_month(boundary, date(2024, 1, 1), "end_of_month")
    assert not counts_in_month(boundary, date(2024, 2, 1), "end_of_month")
    assert not counts_in_month(period("2024-01-03", "2024-01-20"), date(2024, 1, 1), "end_of_month")
    assert counts_in_month(period("2024-01-03", None), date(2030, 1, 1), "end_of_month")


def test_any_overlap_membership_counts_every_month_touched():
    monthly = period("2024-01-15", "2024-02-15")
    assert counts_in_month(monthly, date(2024, 1, 1), "any_overlap")
    assert counts_in_month(monthly, date(2024, 2, 1), "any_overlap")
    assert not counts_in_month(period("2024-01-01", "2024-02-01"), date(2024, 2, 1), "any_overlap")
    assert counts_in_month(period("2024-01-03", "2024-01-20"), date(2024, 1, 1), "any_overlap")


def _line(amount: int, interval: str, count: int = 1, discount: int = 0, proration: bool = False) -> dict:
    return {
        "id": "il_1",
        "type": "subscription",
        "amount": amount,
        "proration": proration,
        "currency": "usd",
        "period": {"start": 1704067200, "end": 1735689600},
        "price": {"recurring": {"interval": interval, "interval_count": count}},
        "discount_amounts": [{"amount": discount}] if discount else [],
    }


def test_invoice_lines_normalise_to_a_month_net_of_discounts():
    invoice = {"currency": "usd"}
    assert _line_period("a", "in", invoice, _line(120000, "year", discount=24000)).monthly_amount == 80
    assert _line_period("a", "in", invoice, _line(30000, "month", 3)).monthly_amount == 100
    assert _line_period("a", "in", invoice, _line(1200, "week")).monthly_amount == 52  # 12 × 52 / 12
    assert _line_period("a", "in", invoice, _line(5000, "month", proration=True)) is None
    yen = {**_line(5000, "month"), "currency": "jpy"}
    assert _line_period("a", "in", invoice, yen).monthly_amount == 5000  # no minor unit


def test_open_ended_period_runs_to_as_of_and_never_beyond():
    reference = RevenueReference([period("2024-01-20", None, 50)], date(2024, 4, 1), fx=FxTable({"usd": {}}))
    rows = reference.account_months()
    assert sorted(month for _, month in rows) == [date(2024, month, 1) for month in range(1, 5)]
    assert [row.movement for _, row in sorted(rows.items())] == ["new", "unchanged", "unchanged", "unchanged"]


def test_rate_change_alone_is_not_a_movement():
    rates = FxTable({"usd": {date(2024, 1, 1): Fraction(1)},
                     "eur": {date(2024, 1, 1): Fraction(11, 10), date(2024, 2, 1): Fraction(12, 10)}})  # fmt: skip
    reference = RevenueReference([period("2024-01-01", None, 100, currency="eur")], date(2024, 2, 1), fx=rates)
    february = reference.account_months()[("a", date(2024, 2, 1))]
    assert (february.mrr, february.previous_mrr, february.movement) == (D(120), D(120), "unchanged")


def test_mini_fixture_figures_worked_out_on_paper():
    """From tests/fixtures/make_mini_exports.py's comments, by hand."""
    rows = RevenueReference.from_exports(MINI_EXPORTS).account_months()
    assert rows[("102", date(2024, 3, 1))].mrr == D(80)  # $1,200 − $240 a year
    assert rows[("102", date(2025, 3, 1))].mrr == D(200)  # renewal at $2,400 on an open invoice
    assert rows[("104", date(2024, 6, 1))].movement == "churn"  # uncollectible June invoice is not MRR
    assert rows[("stripe:cus_D", date(2024, 4, 1))].mrr == D(52)  # $12 a week
    acme = {month: row.movement for (account, month), row in rows.items() if account == "101"}
    assert acme[date(2024, 6, 1)] == "expansion" and acme[date(2024, 8, 1)] == "churn"
    assert acme[date(2024, 11, 1)] == "reactivation"
    assert max(month for _, month in rows) == date(2025, 3, 1)  # latest activity: a ticket update
