"""The support marts against an independent computation from the export files.

tests/test_nps_reference.py reads both Zendesk shapes (API tickets + ticket metrics, and the UI CSV
export), the generic profile's tickets.csv and the product events in plain Python. Every ticket of
fct_support_tickets must match it field by field; mart_support_by_stage must match it month by
month (summed over stages, which needs no lifecycle logic) and, within a month, per stage (grouping
the reference's tickets by the stage the warehouse's lifecycle models gave them: the stage itself is
tested with the lifecycle marts). Datasets: the mini fixture, the generic-profile fixture, a
generated 400-account business.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date

import pytest

from tests.conftest import query
from tests.test_nps_reference import DEFLECTION_WINDOW, TOP_TAGS, JourneyReference, Ticket

TICKET_COLUMNS = (
    "account_id", "created_at", "solved_at", "priority", "channel", "tags", "first_reply_minutes",
    "first_reply_business_minutes", "full_resolution_minutes", "reopens", "replies", "csat", "is_csat_good",
    "sla_target_minutes", "is_sla_breached",
)  # fmt: skip


@pytest.fixture(scope="module")
def reference(case) -> JourneyReference:
    return JourneyReference.from_exports(case[0])


@pytest.fixture(scope="module")
def tickets(reference) -> dict[str, Ticket]:
    return reference.tickets()


@pytest.fixture(scope="module")
def stage_of_ticket(case) -> dict[str, str]:
    rows = query(
        case[1], "select ticket_id, coalesce(lifecycle_stage_at_creation, 'unknown') from marts.fct_support_tickets"
    )
    return dict(rows)


def deflection(reference: JourneyReference, tickets: dict[str, Ticket]):
    """(views per month, views followed by a ticket per month, ids of tickets that came after a view)."""
    by_account: dict[str, list[Ticket]] = defaultdict(list)
    for ticket in tickets.values():
        if ticket.account_id is not None:
            by_account[ticket.account_id].append(ticket)
    views: Counter = Counter()
    followed: Counter = Counter()
    after_view: set[str] = set()
    for view in reference.article_views():
        views[view.month] += 1
        later = [
            ticket
            for ticket in by_account.get(view.account_id or "", [])
            if view.occurred_at <= ticket.created_at <= view.occurred_at + DEFLECTION_WINDOW
        ]
        followed[view.month] += bool(later)
        after_view.update(ticket.ticket_id for ticket in later)
    return views, followed, after_view


def test_every_ticket_matches_the_reference(case, tickets):
    _, warehouse = case
    rows = query(warehouse, f"select ticket_id, {', '.join(TICKET_COLUMNS)} from marts.fct_support_tickets")
    assert {row[0] for row in rows} == set(tickets), "one row per ticket of either shape"
    for row in rows:
        ticket = tickets[row[0]]
        expected = tuple(getattr(ticket, column) for column in TICKET_COLUMNS)
        assert tuple(row[1:]) == expected, row[0]


def test_both_shapes_and_both_csat_scales_arrive(generated_warehouse):
    rows = dict(query(generated_warehouse, "select source_shape, count(*) from marts.fct_support_tickets group by 1"))
    assert rows.get("api", 0) > 0 and rows.get("csv", 0) > 0
    scales = dict(query(generated_warehouse, "select csat_scale, count(*) from marts.fct_support_tickets group by 1"))
    assert scales.get("good_bad", 0) > 0 and scales.get("one_to_five", 0) > 0


def test_monthly_totals_over_stages_match_the_reference(case, reference, tickets):
    _, warehouse = case
    expected: dict[date, list[int]] = defaultdict(lambda: [0] * 6)
    views, followed, after_view = deflection(reference, tickets)
    for ticket in tickets.values():
        cell = expected[ticket.month]
        cell[0] += 1
        cell[1] += ticket.is_sla_breached is True
        cell[2] += ticket.is_csat_good is not None
        cell[3] += ticket.is_csat_good is True
        cell[5] += ticket.ticket_id in after_view
    for month, count in views.items():
        expected[month][4] += count
    rows = query(
        warehouse,
        """
        select month, sum(tickets), sum(sla_breaches), sum(csat_ratings), sum(kb_article_views),
            sum(kb_views_followed_by_ticket), sum(tickets_after_kb_view)
        from marts.mart_support_by_stage group by month
        """,
    )
    actual = {row[0]: row[1:] for row in rows}
    for month, (count, breaches, ratings, _good, view_count, after) in expected.items():
        assert actual[month] == (count, breaches, ratings, view_count, followed[month], after), month
    for month, values in actual.items():
        if month not in expected:
            assert values[0] == values[3] == 0, month


def test_per_stage_medians_rates_and_top_tags_match_the_reference(case, tickets, stage_of_ticket):
    _, warehouse = case
    groups: dict[tuple[date, str], list[Ticket]] = defaultdict(list)
    for ticket in tickets.values():
        groups[(ticket.month, stage_of_ticket[ticket.ticket_id])].append(ticket)
    rows = query(
        warehouse,
        """
        select month, lifecycle_stage, tickets, median_first_reply_minutes, sla_breach_rate, csat_good_share,
            top_tags
        from marts.mart_support_by_stage where tickets > 0
        """,
    )
    assert {(row[0], row[1]) for row in rows} == set(groups)
    for month, stage, count, median_reply, breach_rate, good_share, top_tags in rows:
        group = groups[(month, stage)]
        assert count == len(group)
        replies = [ticket.first_reply_minutes for ticket in group if ticket.first_reply_minutes is not None]
        assert median_reply == (pytest.approx(statistics.median(replies)) if replies else None)
        known = [ticket.is_sla_breached for ticket in group if ticket.is_sla_breached is not None]
        assert breach_rate == (pytest.approx(sum(known) / len(known)) if known else None)
        rated = [ticket.is_csat_good for ticket in group if ticket.is_csat_good is not None]
        assert good_share == (pytest.approx(sum(rated) / len(rated)) if rated else None)
        tag_counts = Counter(tag for ticket in group for tag in ticket.tags)
        ranked = sorted(tag_counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_TAGS]
        assert top_tags == [tag for tag, _ in ranked], (month, stage)


def test_tickets_per_100_accounts_uses_the_accounts_on_the_rung(case):
    _, warehouse = case
    rows = query(
        warehouse,
        """
        with rungs as (
            select account_id, stage, entered_at, exited_at
            from marts.fct_lifecycle_stages where exited_at is null or exited_at > entered_at
        ),
        months as (select distinct month from marts.mart_support_by_stage)
        select mart.month, mart.lifecycle_stage, mart.accounts_in_stage, mart.tickets_per_100_accounts,
            mart.tickets, count(distinct rungs.account_id)
        from marts.mart_support_by_stage as mart
        left join rungs
            on mart.lifecycle_stage = rungs.stage
            and rungs.entered_at < mart.month + interval 1 month
            and (rungs.exited_at is null or rungs.exited_at > mart.month)
        group by all
        """,
    )
    assert rows
    for month, stage, accounts, per_100, count, expected_accounts in rows:
        if stage == "unknown":
            assert accounts is None and per_100 is None
            continue
        assert accounts == expected_accounts, (month, stage)
        assert per_100 == pytest.approx(100.0 * count / accounts), (month, stage)


def test_mini_fixture_worked_out_on_paper(mini_warehouse):
    # Acme's SSO ticket: high priority, no metrics export so no reply, hence breached (target 240
    # minutes, a year old at as_of); rated good; via email.
    [row] = query(
        mini_warehouse,
        "select ticket_id, account_id, priority, channel, tags, csat, is_csat_good, sla_target_minutes, "
        "is_sla_breached from marts.fct_support_tickets",
    )
    assert row == ("9001", "101", "high", "email", ["sso", "setup"], "good", True, 240, True)
