"""The NPS marts against an independent computation from the export files.

tests/test_nps_reference.py re-implements the spec's NPS definitions in plain Python from the
survey CSVs (and, for churn, the revenue reference over the Stripe exports). fct_nps_responses and
mart_nps must match it response by response and month by month, on the hand-made mini fixture, the
generic-profile fixture and a generated 400-account business.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import query
from tests.reference.revenue import account_segments, month_of
from tests.test_nps_reference import NPS_CHURN_WINDOW, JourneyReference, NpsResponse

DIMENSIONS = ("overall", "segment", "plan_tier", "lifecycle_stage", "journey_path")


@pytest.fixture(scope="module")
def reference(case) -> JourneyReference:
    return JourneyReference.from_exports(case[0])


def mart_rows(warehouse: Path, dimension: str) -> dict[tuple[date, str], tuple]:
    rows = query(
        warehouse,
        """
        select month, dimension_value, responses, promoters, passives, detractors, nps, average_score,
            nps_margin_of_error_95
        from marts.mart_nps where dimension = ?
        """,
        [dimension],
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def assert_cells_match(actual: dict[tuple[date, str], tuple], expected: dict) -> None:
    assert set(actual) == set(expected)
    for key, cell in expected.items():
        responses, promoters, passives, detractors, nps, average, margin = actual[key]
        assert (responses, promoters, passives, detractors) == (
            cell.responses, cell.promoters, cell.passives, cell.detractors,
        ), key  # fmt: skip
        assert nps == pytest.approx(cell.nps), key
        assert average == pytest.approx(cell.average_score), key
        assert margin == pytest.approx(cell.margin_of_error), key


def test_every_nps_response_matches_the_reference(case, reference):
    _, warehouse = case
    rows = query(
        warehouse,
        "select response_id, account_id, respondent, responded_at, score, nps_category, is_latest_in_month "
        "from marts.fct_nps_responses",
    )
    expected = reference.nps_responses()
    counted = reference.counted_nps_responses()
    assert {row[0] for row in rows} == set(expected), "only survey_type nps (or blank) with a 0–10 score"
    for response_id, account_id, respondent, responded_at, score, category, is_latest in rows:
        response = expected[response_id]
        assert (account_id, respondent, responded_at, score) == (
            response.account_id, response.respondent, response.responded_at, response.score,
        ), response_id  # fmt: skip
        assert category == response.category, response_id
        assert is_latest == (response_id in counted), response_id


def test_churn_within_90_days_after_each_response(case, reference):
    _, warehouse = case
    rows = query(
        warehouse,
        "select response_id, has_churned_within_90_days, is_churn_window_complete from marts.fct_nps_responses",
    )
    responses = reference.nps_responses()
    for response_id, churned, complete in rows:
        response = responses[response_id]
        assert churned == reference.churned_within_90_days_after(response.account_id, response.responded_at)
        assert complete == (month_of(response.responded_at + NPS_CHURN_WINDOW) <= reference.as_of_month)


def test_overall_nps_per_month_matches_the_reference(case, reference):
    _, warehouse = case
    assert_cells_match(mart_rows(warehouse, "overall"), reference.nps_by_month())


def test_nps_by_segment_matches_the_reference(case, reference):
    exports, warehouse = case
    segments = account_segments(exports)

    def segment(response: NpsResponse) -> str:
        return segments.get(response.account_id or "", "unknown")

    assert_cells_match(mart_rows(warehouse, "segment"), reference.nps_by_month(segment))


def test_every_dimension_adds_up_to_the_overall_row(case):
    _, warehouse = case
    totals: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for month, dimension, responses, promoters, passives, detractors in query(
        warehouse,
        "select month, dimension, responses, promoters, passives, detractors from marts.mart_nps",
    ):
        assert responses == promoters + passives + detractors > 0
        for index, value in enumerate((responses, promoters, passives, detractors)):
            totals[(month, dimension)][index] += value
    months = {month for month, _ in totals}
    for month in months:
        overall = totals[(month, "overall")]
        for dimension in DIMENSIONS:
            assert totals[(month, dimension)] == overall, (month, dimension)


def test_lifecycle_stage_is_the_rung_just_before_the_response(case):
    _, warehouse = case
    mismatched = query(
        warehouse,
        """
        with stages as (
            select responses.response_id, arg_max(stages.stage, stages.stage_order) as stage
            from marts.fct_nps_responses as responses
            inner join marts.fct_lifecycle_stages as stages
                on responses.account_id = stages.account_id
                and stages.entered_at < responses.responded_at
                and (stages.exited_at is null or responses.responded_at <= stages.exited_at)
            group by responses.response_id
        )
        select responses.response_id, responses.lifecycle_stage, stages.stage
        from marts.fct_nps_responses as responses
        left join stages on responses.response_id = stages.response_id
        where responses.lifecycle_stage is distinct from stages.stage
        """,
    )
    assert mismatched == []


def test_no_nps_month_after_as_of_month(case, reference):
    _, warehouse = case
    [(latest,)] = query(warehouse, "select max(month) from marts.mart_nps")
    assert latest <= reference.as_of_month


def test_detractors_churn_more_than_promoters_in_one_query(generated_warehouse):
    rates = dict(
        query(
            generated_warehouse,
            """
            select nps_category, avg(case when has_churned_within_90_days then 1.0 else 0.0 end)
            from marts.fct_nps_responses
            where is_churn_window_complete and is_latest_in_month
            group by nps_category
            """,
        )
    )
    assert rates["detractor"] > rates["promoter"]


def test_mini_fixture_worked_out_on_paper(mini_warehouse):
    # alice answers 9 then 6 in March 2024 (the 6 counts), bob 10, bob's csat survey is not NPS
    [row] = query(
        mini_warehouse,
        "select responses, promoters, passives, detractors, nps, average_score, nps_margin_of_error_95 "
        "from marts.mart_nps where dimension = 'overall'",
    )
    assert row[:6] == (2, 1, 0, 1, 0.0, 8.0)
    assert row[6] == pytest.approx(1.96 * 100 * (0.5**0.5))
