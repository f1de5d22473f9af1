"""The engagement and health marts against an independent computation from the export files.

tests/test_nps_reference.py computes, in plain Python from the product events, the Zendesk and
survey exports and the revenue reference (Stripe), each account-month's usage and engagement
segment, and each paying account-month's health signals, component scores, weighted score, red
flags, band and backtest label. mart_engagement_monthly, mart_account_health and
mart_health_backtest must match it on the mini fixture, the generic-profile fixture and a generated
400-account business.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from tests.conftest import query
from tests.test_nps_reference import HEALTHY_MIN, WATCH_MIN, HealthRow, JourneyReference

# the score is stored with one decimal; SQL and Python may sum the weighted components in another order
SCORE_TOLERANCE = 0.1 + 1e-9


@pytest.fixture(scope="module")
def reference(case) -> JourneyReference:
    return JourneyReference.from_exports(case[0])


@pytest.fixture(scope="module")
def health(reference) -> dict[tuple[str, date], HealthRow]:
    return reference.health()


def near_a_band_threshold(row: HealthRow) -> bool:
    return any(abs(row.raw_score - threshold) <= SCORE_TOLERANCE for threshold in (HEALTHY_MIN, WATCH_MIN))


def test_engagement_months_match_the_reference(case, reference):
    _, warehouse = case
    rows = query(
        warehouse,
        "select account_id, month, engagement_segment, active_users, logins, features_used, tracked_events, "
        "known_users, is_paying from marts.mart_engagement_monthly",
    )
    expected = {key: row for key, row in reference.engagement().items() if row.segment is not None}
    assert {(row[0], row[1]) for row in rows} == set(expected)
    for account_id, month, segment, *usage, is_paying in rows:
        row = expected[(account_id, month)]
        assert segment == row.segment, (account_id, month)
        assert tuple(usage) == (row.active_users, row.logins, row.features_used, row.tracked_events, row.known_users)
        assert is_paying == (row.mrr > 0)


def test_milestones_so_far_count_those_reached_by_the_month_end(case):
    _, warehouse = case
    mismatched = query(
        warehouse,
        """
        with reached as (
            select engagement.account_id, engagement.month, count(milestones.milestone) as reached
            from marts.mart_engagement_monthly as engagement
            left join intermediate.int_milestones_reached as milestones
                on engagement.account_id = milestones.account_id
                and milestones.reached_at < engagement.month + interval 1 month
            group by all
        )
        select engagement.account_id, engagement.month
        from marts.mart_engagement_monthly as engagement
        inner join reached using (account_id, month)
        where engagement.milestones_reached <> reached.reached
            or len(engagement.milestones) <> engagement.milestones_reached
        """,
    )
    assert mismatched == []


def test_health_scores_flags_and_bands_match_the_reference(case, health):
    _, warehouse = case
    rows = query(
        warehouse,
        "select account_id, month, health_score, health_band, red_flags, has_churned_within_90_days, "
        "is_churn_window_complete from marts.mart_account_health",
    )
    assert {(row[0], row[1]) for row in rows} == set(health), "one row per paying account-month"
    for account_id, month, score, band, flags, churned, complete in rows:
        expected = health[(account_id, month)]
        assert abs(score - expected.health_score) <= SCORE_TOLERANCE, (account_id, month, expected.components)
        assert 0 <= score <= 100
        if not near_a_band_threshold(expected):
            assert band == expected.health_band, (account_id, month)
        assert set(flags) == expected.red_flags, (account_id, month)
        assert (churned, complete) == (expected.has_churned_within_90_days, expected.is_churn_window_complete)


def test_backtest_counts_match_the_scored_months(case, health):
    _, warehouse = case
    bands = dict(
        ((row[0], row[1]), row[2])
        for row in query(warehouse, "select account_id, month, health_band from marts.mart_account_health")
    )
    expected: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    for key, row in health.items():
        cell = expected[(key[1], bands[key])]
        cell[0] += 1
        cell[1] += row.has_churned_within_90_days
    rows = query(
        warehouse, "select month, health_band, accounts, churned_accounts, churn_rate from marts.mart_health_backtest"
    )
    assert {(row[0], row[1]) for row in rows} == set(expected)
    for month, band, accounts, churned, rate in rows:
        assert [accounts, churned] == expected[(month, band)], (month, band)
        assert rate == pytest.approx(churned / accounts)


def test_at_risk_and_watch_accounts_churn_more_than_healthy_ones(generated_warehouse):
    rates = dict(
        query(
            generated_warehouse,
            """
            select health_band = 'healthy', avg(case when has_churned_within_90_days then 1.0 else 0.0 end)
            from marts.mart_account_health where is_churn_window_complete group by 1
            """,
        )
    )
    assert rates[False] > rates[True], rates


def test_mini_fixture_worked_out_on_paper(mini_warehouse):
    # Acme (101) pays from January 2024 and logs in once, in March: active in March, dormant around
    # it; it churns in August 2024 (segment churned until its November reactivation).
    rows = dict(
        query(
            mini_warehouse,
            "select month, engagement_segment from marts.mart_engagement_monthly where account_id = '101'",
        )
    )
    assert rows[date(2024, 3, 1)] == "active"
    assert rows[date(2024, 2, 1)] == rows[date(2024, 4, 1)] == "dormant"
    assert rows[date(2024, 8, 1)] == rows[date(2024, 10, 1)] == "churned"
    assert rows[date(2024, 11, 1)] == "dormant"
