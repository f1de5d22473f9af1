"""NPS, support, engagement and health definitions (docs/metrics.md), written again in plain
Python from the export files — and tests of that reference on hand-made rows.

Nothing here reads the warehouse or the dbt SQL. Revenue (MRR, movements), identity helpers and
``as_of`` come from the revenue reference (tests/reference/revenue.py), itself independent of the
warehouse. Where the spec leaves a choice open, this follows dbt/DECISIONLOG.md ("NPS and support",
"Engagement and health") with the default vars of dbt/dbt_project.yml.

Use::

    ref = JourneyReference.from_exports(Path("data/sample/exports"))
    ref.nps_responses()      # {response_id: NpsResponse}
    ref.nps_by_month()       # {month: NpsCell} over each respondent's latest answer in the month
    ref.tickets()            # {ticket_id: Ticket}
    ref.engagement()         # {(account_id, month): EngagementMonth} (dense; segment may be None)
    ref.health()             # {(account_id, month): HealthRow} for paying months
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fnmatch import fnmatch
from functools import cached_property
from pathlib import Path

import pytest

from tests.reference.revenue import (
    AccountResolver,
    Exports,
    RevenueReference,
    add_months,
    latest_activity,
    month_of,
    normalize_domain,
    normalize_email,
    parse_time,
    plausible_time,
    read_csv,
    read_jsonl,
)

# Defaults of the vars in dbt_project.yml (section "NPS, support, engagement, health").
PROMOTER_MIN, PASSIVE_MIN = 9, 7
NPS_CHURN_WINDOW = timedelta(days=90)
CSAT_GOOD_MIN = 4
SLA_TARGETS = {"urgent": 60, "high": 240, "normal": 1440, "low": 2880}
SLA_UNSET_PRIORITY = "normal"
DEFLECTION_WINDOW = timedelta(hours=24)
TOP_TAGS = 3
ACTIVE_EVENTS = frozenset({"Logged In"})
HEALTH_WEIGHTS = {
    "usage_trend": 20, "seat_activity": 15, "support_friction": 15, "sla_breaches": 10, "nps": 15,
    "payment_failures": 15, "mrr_trend": 10,
}  # fmt: skip
LOOKBACK_MONTHS, NPS_LOOKBACK_MONTHS = 3, 6
NPS_MISSING_SCORE = 0.5
USAGE_DROP_RATIO, SEAT_TARGET, SEAT_FLAG = 0.5, 0.5, 0.25
FRICTION_MAX, FRICTION_FLAG, SLA_BREACHES_MAX, PAYMENT_FAILURES_MAX = 6, 3, 2, 1
MRR_CONTRACTION_FLAG = 0.9
HEALTHY_MIN, WATCH_MIN = 70, 45
HEALTH_CHURN_MONTHS = 3
JSONL = ("*.jsonl", "*.jsonl.gz", "*.ndjson", "*.ndjson.gz")
GENERIC_DEFAULT_FILES = {
    "accounts": "crm/accounts.csv", "subscriptions": "billing/subscriptions.csv", "tickets": "support/tickets.csv",
    "nps": "surveys/nps.csv", "events": "product/events.csv",
}  # fmt: skip


# --- files and values ---------------------------------------------------------------------------
def files(root: Path, folder: str, patterns: Iterable[str], exclude: Iterable[str] = ()) -> list[Path]:
    """Files in ``root/folder`` whose lower-case name matches a pattern, in load order (by name)."""
    directory = root / folder
    if not directory.is_dir():
        return []
    patterns, exclude = tuple(patterns), tuple(exclude)
    return sorted(
        (
            path
            for path in directory.iterdir()
            if path.is_file()
            and any(fnmatch(path.name.lower(), pattern) for pattern in patterns)
            and not any(fnmatch(path.name.lower(), pattern) for pattern in exclude)
        ),
        key=lambda path: path.name,
    )


def text(value: object) -> str | None:
    """A JSON or CSV value as trimmed text, None when absent or blank."""
    if value is None:
        return None
    result = str(value).strip()
    return result or None


def number(value: object) -> float | None:
    value = text(value)
    if value is None:
        return None
    try:
        return float(value.replace(",", ""))
    except ValueError:
        return None


def integer(value: object) -> int | None:
    """An integer as SQL's try_cast reads it: '7' yes, '7.5' or 'x' no."""
    value = text(value)
    if value is None:
        return None
    try:
        return int(value.replace(",", ""))
    except ValueError:
        return None


def nested(record: dict, *keys: str) -> object:
    for key in keys:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def end_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(days=1)


def minutes_between(start: datetime, end: datetime) -> int:
    """Minute boundaries crossed from start to end (SQL date_diff('minute', ...))."""
    return (end.replace(second=0, microsecond=0) - start.replace(second=0, microsecond=0)) // timedelta(minutes=1)


# --- definitions (pure functions, tested below) -------------------------------------------------
def nps_category(score: int) -> str:
    if score >= PROMOTER_MIN:
        return "promoter"
    if score >= PASSIVE_MIN:
        return "passive"
    return "detractor"


def margin_of_error(promoters: int, detractors: int, responses: int) -> float:
    """1.96 × 100 × √((p + d − (p − d)²) ÷ n), as marts.md writes it."""
    p, d = promoters / responses, detractors / responses
    return 1.96 * 100 * math.sqrt(max(0.0, (p + d - (p - d) ** 2) / responses))


def csat_of(raw: str | None) -> tuple[str | None, bool | None]:
    """(csat as given — good, bad or '1'…'5' — and whether it counts as good)."""
    value = (raw or "").strip().lower()
    if value.startswith("good"):
        return "good", True
    if value.startswith("bad"):
        return "bad", False
    try:
        score = int(float(value))
    except ValueError:
        return None, None
    if 1 <= score <= 5:
        return str(score), score >= CSAT_GOOD_MIN
    return None, None


def sla_breached(
    priority: str | None, reply_minutes: float | None, replies: int | None, created_at: datetime, as_of_at: datetime
) -> tuple[int | None, bool | None]:
    """(target, breached): first reply later than the target, or no reply and older than the target
    at as_of; unknown when the ticket has replies but no reply time."""
    target = SLA_TARGETS.get(priority or SLA_UNSET_PRIORITY)
    if target is None:
        return None, None
    if reply_minutes is not None:
        return target, reply_minutes > target
    if (replies or 0) > 0:
        return target, None
    return target, minutes_between(created_at, as_of_at) > target


def round_half_up(value: float, places: int = 1) -> float:
    """SQL's round(): halves away from zero (Python's round() goes to even)."""
    scale = 10**places
    return math.floor(value * scale + 0.5) / scale


def health_band(score: float) -> str:
    if score >= HEALTHY_MIN:
        return "healthy"
    if score >= WATCH_MIN:
        return "watch"
    return "at_risk"


def latest_per_respondent(responses: Iterable[NpsResponse]) -> list[NpsResponse]:
    """Each respondent's latest response (ties on time: the greater response id)."""
    latest: dict[str, NpsResponse] = {}
    for response in responses:
        kept = latest.get(response.respondent)
        if kept is None or (response.responded_at, response.response_id) > (kept.responded_at, kept.response_id):
            latest[response.respondent] = response
    return list(latest.values())


# --- records --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NpsResponse:
    response_id: str
    account_id: str | None
    respondent: str
    responded_at: datetime
    score: int

    @property
    def month(self) -> date:
        return month_of(self.responded_at)

    @property
    def category(self) -> str:
        return nps_category(self.score)


@dataclass
class NpsCell:
    responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    score_sum: int = 0

    def add(self, response: NpsResponse) -> None:
        self.responses += 1
        self.score_sum += response.score
        category = response.category
        self.promoters += category == "promoter"
        self.passives += category == "passive"
        self.detractors += category == "detractor"

    @property
    def nps(self) -> float:
        return 100.0 * (self.promoters - self.detractors) / self.responses

    @property
    def average_score(self) -> float:
        return self.score_sum / self.responses

    @property
    def margin_of_error(self) -> float:
        return margin_of_error(self.promoters, self.detractors, self.responses)


@dataclass
class Ticket:
    ticket_id: str
    account_id: str | None
    created_at: datetime
    solved_at: datetime | None
    priority: str | None
    channel: str | None
    tags: list[str]
    first_reply_minutes: float | None
    first_reply_business_minutes: float | None
    full_resolution_minutes: float | None
    reopens: int | None
    replies: int | None
    csat: str | None
    is_csat_good: bool | None
    sla_target_minutes: int | None
    is_sla_breached: bool | None

    @property
    def month(self) -> date:
        return month_of(self.created_at)


@dataclass(frozen=True)
class TrackEvent:
    account_id: str | None
    user_id: str | None
    name: str | None
    occurred_at: datetime
    feature: str | None

    @property
    def month(self) -> date:
        return month_of(self.occurred_at)


@dataclass
class EngagementMonth:
    account_id: str
    month: date
    active_users: int = 0
    logins: int = 0
    features_used: int = 0
    tracked_events: int = 0
    known_users: int = 0
    mrr: float = 0.0
    segment: str | None = None


@dataclass
class HealthRow:
    account_id: str
    month: date
    components: dict[str, float] = field(default_factory=dict)
    red_flags: set[str] = field(default_factory=set)
    health_score: float = 0.0
    health_band: str = ""
    raw_score: float = 0.0
    has_churned_within_90_days: bool = False
    is_churn_window_complete: bool = False


# --- the reference --------------------------------------------------------------------------------
class JourneyReference:
    """The NPS, support, engagement and health marts computed from an exports folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.exports = Exports.read(self.root)
        self.resolver = AccountResolver(self.exports)
        moments = [latest_activity(self.root)]
        moments += [parse_time(self._generic(row, "tickets", "created_at")) for row in self._generic_rows("tickets")]
        moments += [parse_time(self._generic(row, "nps", "responded_at")) for row in self._generic_rows("nps")]
        moments += [parse_time(self._generic(row, "events", "timestamp")) for row in self._generic_rows("events")]
        known = [moment for moment in moments if moment is not None]
        if not known:
            raise ValueError(f"{root}: no dated activity, so no as_of")
        latest = max(known)
        self.as_of_date = latest.date()
        self.as_of_at = end_of_day(self.as_of_date)
        self.as_of_month = month_of(latest)

    @classmethod
    def from_exports(cls, root: Path) -> JourneyReference:
        return cls(root)

    # the generic profile (mapping.yml) ----------------------------------------------------------
    def _claimed(self) -> set[Path]:
        """Files the mapping claims for the generic profile (no tool pattern reads them)."""
        return {
            (self.root / (section or {}).get("file", GENERIC_DEFAULT_FILES[entity])).resolve()
            for entity, section in self.exports.mapping.items()
            if entity in GENERIC_DEFAULT_FILES
        }

    def _tool_files(self, folder: str, patterns: Iterable[str], exclude: Iterable[str] = ()) -> list[Path]:
        claimed = self._claimed()
        return [path for path in files(self.root, folder, patterns, exclude) if path.resolve() not in claimed]

    def _generic_rows(self, entity: str) -> list[dict[str, str]]:
        if entity not in self.exports.mapping:
            return []
        path = self.root / ((self.exports.mapping[entity] or {}).get("file") or GENERIC_DEFAULT_FILES[entity])
        return list(read_csv([path])) if path.is_file() else []

    def _generic(self, row: dict[str, str], entity: str, role: str) -> str | None:
        column = (((self.exports.mapping.get(entity) or {}).get("columns")) or {}).get(role)
        return text(row.get(column)) if column else None

    # identity -----------------------------------------------------------------------------------
    def resolve(self, carried: str | None, email: str | None, record_domain: str | None = None) -> str | None:
        """marts.md's order: a carried CRM company id that exists; the email's contact; the domain."""
        if carried in self.resolver.company_ids:
            return carried
        if email is not None and email in self.resolver.by_email:
            return self.resolver.by_email[email]
        domain = record_domain or (email.split("@", 1)[1] if email and "@" in email else None)
        return self.resolver.by_domain.get(domain) if domain else None

    # revenue --------------------------------------------------------------------------------------
    @cached_property
    def revenue(self) -> RevenueReference:
        return RevenueReference.from_exports(self.root, as_of_month=self.as_of_month)

    @cached_property
    def mrr(self) -> dict[tuple[str, date], float]:
        return {key: float(row.mrr) for key, row in self.revenue.account_months().items()}

    @cached_property
    def first_paid_month(self) -> dict[str, date]:
        return {row.account_id: row.first_mrr_month for row in self.revenue.account_months().values()}

    @cached_property
    def churn_months(self) -> dict[str, list[date]]:
        months: dict[str, list[date]] = defaultdict(list)
        for row in self.revenue.account_months().values():
            if row.movement == "churn":
                months[row.account_id].append(row.month)
        return {account: sorted(found) for account, found in months.items()}

    def churned_within_90_days_after(self, account_id: str | None, moment: datetime) -> bool:
        """A churn movement in a month whose first day is in (moment, moment + 90 days]."""
        return any(
            moment < datetime(month.year, month.month, 1) <= moment + NPS_CHURN_WINDOW
            for month in self.churn_months.get(account_id or "", [])
        )

    # NPS ------------------------------------------------------------------------------------------
    @cached_property
    def _nps_rows(self) -> dict[str, dict[str, str]]:
        rows: dict[str, dict[str, str]] = {}
        for row in read_csv(self._tool_files("surveys", ("*nps*.csv", "*nps*.csv.gz"))):
            response_id = text(row.get("response_id"))
            if response_id is not None:
                rows[response_id] = row
        return rows

    @cached_property
    def _generic_nps_rows(self) -> dict[str, dict[str, str | None]]:
        """The generic profile's responses in the tool's column names (its account id is taken as is)."""
        rows: dict[str, dict[str, str | None]] = {}
        for row in self._generic_rows("nps"):
            values = {
                role: self._generic(row, "nps", role)
                for role in ("response_id", "email", "score", "responded_at", "survey_type", "account_id")
            }
            if values["response_id"] is not None:
                rows[values["response_id"]] = {**values, "generic": "yes"}
        return rows

    def nps_responses(self) -> dict[str, NpsResponse]:
        """NPS responses: survey_type nps or blank, score 0–10, a time on or before as_of_date."""
        responses: dict[str, NpsResponse] = {}
        for response_id, row in {**self._nps_rows, **self._generic_nps_rows}.items():
            survey_type = (text(row.get("survey_type")) or "nps").lower()
            score = integer(row.get("score"))
            responded_at = parse_time(row.get("responded_at"))
            if survey_type != "nps" or score is None or not 0 <= score <= 10 or responded_at is None:
                continue
            if responded_at >= self.as_of_at:
                continue
            email = normalize_email(row.get("email"))
            carried = text(row.get("account_id"))
            account = carried if row.get("generic") and carried else self.resolve(carried, email)
            responses[response_id] = NpsResponse(
                response_id, account, email or f"response:{response_id}", responded_at, score
            )
        return responses

    def counted_nps_responses(self) -> dict[str, NpsResponse]:
        """Per month, each respondent's latest answer: the ones mart_nps counts."""
        by_month: dict[date, list[NpsResponse]] = defaultdict(list)
        for response in self.nps_responses().values():
            by_month[response.month].append(response)
        return {
            response.response_id: response
            for month_responses in by_month.values()
            for response in latest_per_respondent(month_responses)
        }

    def nps_by_month(self, value_of=None) -> dict[tuple[date, str], NpsCell]:
        """NpsCell per (month, value); ``value_of(response)`` gives the dimension value ('all' if None)."""
        cells: dict[tuple[date, str], NpsCell] = defaultdict(NpsCell)
        for response in self.counted_nps_responses().values():
            value = value_of(response) if value_of else "all"
            cells[(response.month, value)].add(response)
        return dict(cells)

    # support --------------------------------------------------------------------------------------
    @cached_property
    def _organizations(self) -> dict[str, dict]:
        records = read_jsonl(files(self.root, "support", tuple(f"*organizations*{s[1:]}" for s in JSONL)))
        return {str(record["id"]): record for record in records if record.get("id") is not None}

    @cached_property
    def _zendesk_users(self) -> dict[str, dict]:
        records = read_jsonl(files(self.root, "support", tuple(f"*users*{s[1:]}" for s in JSONL)))
        return {str(record["id"]): record for record in records if record.get("id") is not None}

    def _ticket_account(
        self,
        organization_id: str | None,
        organization_name: str | None,
        requester_id: str | None,
        requester_email: str | None,
    ) -> str | None:
        if organization_id is None and organization_name is not None:
            named = [key for key, org in self._organizations.items() if text(org.get("name")) == organization_name]
            organization_id = named[0] if len(named) == 1 else None
        organization = self._organizations.get(organization_id or "") or {}
        user = self._zendesk_users.get(requester_id or "") or {}
        email = requester_email or normalize_email(user.get("email"))
        domains = organization.get("domain_names") or []
        return self.resolve(
            text(organization.get("external_id")), email, normalize_domain(domains[0]) if domains else None
        )

    def tickets(self) -> dict[str, Ticket]:
        """Every ticket of both shapes created on or before as_of_date: the API object wins, the CSV
        fills what it lacks, ticket metrics give the tool's minutes."""
        api = {
            str(record["id"]): record
            for record in read_jsonl(
                files(
                    self.root,
                    "support",
                    tuple(f"*tickets*{s[1:]}" for s in JSONL),
                    tuple(f"*ticket_metrics*{s[1:]}" for s in JSONL),
                )
            )
            if record.get("id") is not None
        }
        csv_rows = {
            text(row.get("Id")): row
            for row in read_csv(self._tool_files("support", ("*tickets*.csv",)))
            if text(row.get("Id"))
        }
        metrics = {
            str(record["ticket_id"]): record
            for record in read_jsonl(files(self.root, "support", tuple(f"*ticket_metrics*{s[1:]}" for s in JSONL)))
            if record.get("ticket_id") is not None
        }
        tickets: dict[str, Ticket] = {}
        for ticket_id in set(api) | set(csv_rows):
            ticket = self._ticket(
                ticket_id, api.get(ticket_id), csv_rows.get(ticket_id) or {}, metrics.get(ticket_id) or {}
            )
            if ticket is not None:
                tickets[ticket_id] = ticket
        for row in self._generic_rows("tickets"):
            ticket = self._generic_ticket(row)
            if ticket is not None:
                tickets[ticket.ticket_id] = ticket
        return tickets

    def _generic_ticket(self, row: dict[str, str]) -> Ticket | None:
        def value(role: str) -> str | None:
            return self._generic(row, "tickets", role)

        ticket_id, created_at = value("ticket_id"), parse_time(value("created_at"))
        if ticket_id is None or created_at is None or created_at >= self.as_of_at:
            return None
        priority = (value("priority") or "").lower() or None
        reply = number(value("first_reply_minutes"))
        csat, good = csat_of(value("csat"))
        target, breached = sla_breached(priority, reply, None, created_at, self.as_of_at)
        tags = [tag.lower() for tag in (value("tags") or "").replace(",", " ").replace(";", " ").split(" ") if tag]
        return Ticket(
            ticket_id=ticket_id,
            account_id=value("account_id"),
            created_at=created_at,
            solved_at=plausible_time(parse_time(value("solved_at")), created_at),
            priority=priority,
            channel=normalize_channel((value("channel") or "").lower() or None),
            tags=tags,
            first_reply_minutes=reply,
            first_reply_business_minutes=number(value("first_reply_business_minutes")),
            full_resolution_minutes=number(value("full_resolution_minutes")),
            reopens=None,
            replies=None,
            csat=csat,
            is_csat_good=good,
            sla_target_minutes=target,
            is_sla_breached=breached,
        )

    def _ticket(self, ticket_id: str, record: dict | None, row: dict[str, str], metric: dict) -> Ticket | None:
        def minutes(metric_key: str, clock: str, csv_column: str) -> float | None:
            value = number(nested(metric, metric_key, clock))
            return value if value is not None else number(row.get(csv_column))

        if record is not None:
            created_at = parse_time(record.get("created_at"))
            priority = (text(record.get("priority")) or "").lower() or None
            channel = (text(nested(record, "via", "channel")) or "").lower() or None
            tags = [tag.strip().lower() for tag in record.get("tags") or []]
            rating = text(nested(record, "satisfaction_rating", "score"))
            organization_id = text(record.get("organization_id"))
            requester_id = text(record.get("requester_id"))
        else:
            created_at = parse_time(row.get("Created at"))
            priority, channel, tags, rating = None, None, [], text(row.get("Satisfaction Score"))
            organization_id, requester_id = None, text(row.get("Requester id"))
            tags = [tag.lower() for tag in (row.get("Tags") or "").split(" ") if tag.strip()]
        if created_at is None or created_at >= self.as_of_at:
            return None
        priority = priority or (text(row.get("Priority")) or "").lower() or None
        channel = normalize_channel(channel or (text(row.get("Via")) or "").lower() or None)
        organization_name = text(row.get("Organization"))
        account = self._ticket_account(
            organization_id,
            organization_name if record is None or organization_id is None else None,
            requester_id,
            normalize_email(row.get("Requester email")),
        )
        csat, good = csat_of(rating)
        reply = minutes("reply_time_in_minutes", "calendar", "First reply time in minutes")
        replies = integer(metric.get("replies")) if metric.get("replies") is not None else integer(row.get("Replies"))
        reopens = integer(metric.get("reopens")) if metric.get("reopens") is not None else integer(row.get("Reopens"))
        target, breached = sla_breached(priority, reply, replies, created_at, self.as_of_at)
        return Ticket(
            ticket_id=ticket_id,
            account_id=account,
            created_at=created_at,
            # an impossible solve time (1900, or before creation) is no solve (DECISIONLOG, item 6)
            solved_at=plausible_time(
                plausible_time(parse_time(metric.get("solved_at")))
                or plausible_time(parse_time(row.get("Solved at")), parse_time(row.get("Created at"))),
                created_at,
            ),
            priority=priority,
            channel=channel,
            tags=tags,
            first_reply_minutes=reply,
            first_reply_business_minutes=minutes(
                "reply_time_in_minutes", "business", "First reply time in minutes within business hours"
            ),
            full_resolution_minutes=minutes(
                "full_resolution_time_in_minutes", "calendar", "Full resolution time in minutes"
            ),
            reopens=reopens,
            replies=replies,
            csat=csat,
            is_csat_good=good,
            sla_target_minutes=target,
            is_sla_breached=breached,
        )

    # product events -------------------------------------------------------------------------------
    @cached_property
    def _calls(self) -> list[dict]:
        return list(read_jsonl(self._tool_files("product", JSONL)))

    @cached_property
    def _user_accounts(self) -> dict[str, str | None]:
        """Each product user's account: its latest carried groupId, else its latest email."""
        latest: dict[str, dict[str, tuple[datetime, str]]] = defaultdict(dict)
        for call in self._calls:
            user, moment = text(call.get("userId")), parse_time(call.get("timestamp"))
            if user is None or moment is None:
                continue
            group = text(nested(call, "context", "groupId")) or text(call.get("groupId"))
            email = normalize_email(nested(call, "context", "traits", "email") or nested(call, "traits", "email"))
            for key, value in (("group", group), ("email", email)):
                if value is not None and (key not in latest[user] or moment >= latest[user][key][0]):
                    latest[user][key] = (moment, value)
        return {
            user: self.resolve(values.get("group", (None, None))[1], values.get("email", (None, None))[1])
            for user, values in latest.items()
        }

    @cached_property
    def _anonymous_users(self) -> dict[str, str]:
        first: dict[str, tuple[datetime, str]] = {}
        for call in self._calls:
            if (text(call.get("type")) or "").lower() != "identify":
                continue
            anonymous, user, moment = (
                text(call.get("anonymousId")),
                text(call.get("userId")),
                parse_time(call.get("timestamp")),
            )
            if anonymous and user and moment and (anonymous not in first or moment < first[anonymous][0]):
                first[anonymous] = (moment, user)
        return {anonymous: user for anonymous, (_, user) in first.items()}

    def track_events(self) -> list[TrackEvent]:
        """Track calls on or before as_of_date with their account (groupId, user, stitched anonymous id)."""
        events: list[TrackEvent] = []
        for call in self._calls:
            if (text(call.get("type")) or "").lower() != "track":
                continue
            moment = parse_time(call.get("timestamp"))
            if moment is None or moment >= self.as_of_at:
                continue
            direct_user = text(call.get("userId"))
            stitched_user = self._anonymous_users.get(text(call.get("anonymousId")) or "")
            user = direct_user or stitched_user
            group = text(nested(call, "context", "groupId")) or text(call.get("groupId"))
            if group in self.resolver.company_ids:
                account = group
            else:
                account = self._user_accounts.get(direct_user or "") or self._user_accounts.get(stitched_user or "")
            events.append(
                TrackEvent(account, user, text(call.get("event")), moment, text(nested(call, "properties", "feature")))
            )
        return events + self._generic_events()

    def _generic_events(self) -> list[TrackEvent]:
        events: list[TrackEvent] = []
        for row in self._generic_rows("events"):
            moment = parse_time(self._generic(row, "events", "timestamp"))
            if moment is None or moment >= self.as_of_at:
                continue
            events.append(
                TrackEvent(
                    self._generic(row, "events", "account_id"),
                    self._generic(row, "events", "user_id"),
                    self._generic(row, "events", "event"),
                    moment,
                    self._generic(row, "events", "feature"),
                )
            )
        return events

    def article_views(self) -> list[TrackEvent]:
        return [event for event in self.track_events() if event.name == "Article Viewed"]

    # engagement -----------------------------------------------------------------------------------
    def engagement(self) -> dict[tuple[str, date], EngagementMonth]:
        usage: dict[tuple[str, date], dict] = defaultdict(
            lambda: {"active": set(), "logins": 0, "features": set(), "events": 0}
        )
        first_seen: dict[tuple[str, str], date] = {}
        for event in self.track_events():
            if event.account_id is None:
                continue
            cell = usage[(event.account_id, event.month)]
            cell["events"] += 1
            if event.name in ACTIVE_EVENTS and event.user_id is not None:
                cell["active"].add(event.user_id)
            cell["logins"] += event.name == "Logged In"
            if event.name == "Feature Used" and event.feature is not None:
                cell["features"].add(event.feature)
            if event.user_id is not None:
                key = (event.account_id, event.user_id)
                first_seen[key] = min(first_seen.get(key, event.month), event.month)
        new_users: dict[tuple[str, date], int] = defaultdict(int)
        for (account, _), month in first_seen.items():
            new_users[(account, month)] += 1
        starts: dict[str, date] = {}
        for (account, month), cell in usage.items():
            if cell["active"]:
                starts[account] = min(starts.get(account, month), month)
        for account, month in self.first_paid_month.items():
            starts[account] = min(starts.get(account, month), month)
        rows: dict[tuple[str, date], EngagementMonth] = {}
        for account, month in starts.items():
            known = 0
            while month <= self.as_of_month:
                cell = usage.get((account, month))
                known += new_users.get((account, month), 0)
                row = EngagementMonth(account, month, known_users=known, mrr=self.mrr.get((account, month), 0.0))
                if cell is not None:
                    row.active_users, row.logins = len(cell["active"]), cell["logins"]
                    row.features_used, row.tracked_events = len(cell["features"]), cell["events"]
                row.segment = engagement_segment(row, self.first_paid_month.get(account))
                rows[(account, month)] = row
                month = add_months(month, 1)
        return rows

    # health ---------------------------------------------------------------------------------------
    def failed_invoice_months(self) -> dict[tuple[str, date], int]:
        failed: dict[tuple[str, date], int] = defaultdict(int)
        for invoice in self.exports.invoices.values():
            attempts = integer(invoice.get("attempt_count")) or 0
            if attempts <= 1 and (text(invoice.get("status")) or "").lower() != "uncollectible":
                continue
            customer = text(invoice.get("customer"))
            created = invoice.get("created")
            if customer is None or created is None:
                continue
            account = self.resolver.account_for(customer, self.exports.customers.get(customer))
            failed[(account, month_of(datetime(1970, 1, 1) + timedelta(seconds=int(created))))] += 1
        return dict(failed)

    def health(self) -> dict[tuple[str, date], HealthRow]:
        engagement = self.engagement()
        tickets_by_month: dict[tuple[str, date], list[Ticket]] = defaultdict(list)
        for ticket in self.tickets().values():
            if ticket.account_id is not None:
                tickets_by_month[(ticket.account_id, ticket.month)].append(ticket)
        nps_by_month: dict[tuple[str, date], list[NpsResponse]] = defaultdict(list)
        for response in self.nps_responses().values():
            if response.account_id is not None:
                nps_by_month[(response.account_id, response.month)].append(response)
        failed = self.failed_invoice_months()
        rows: dict[tuple[str, date], HealthRow] = {}
        for (account, month), row in engagement.items():
            if row.mrr <= 0:
                continue
            lookback = [add_months(month, -offset) for offset in range(LOOKBACK_MONTHS)]
            prior = [
                engagement[(account, m)].logins
                for m in (add_months(month, -k) for k in (1, 2, 3))
                if (account, m) in engagement
            ]
            window_tickets = [ticket for m in lookback for ticket in tickets_by_month.get((account, m), [])]
            peak = max(engagement[(account, m)].mrr for m in lookback if (account, m) in engagement)
            answers = latest_per_respondent(
                response
                for k in range(NPS_LOOKBACK_MONTHS)
                for response in nps_by_month.get((account, add_months(month, -k)), [])
            )
            health = score_health(
                logins=row.logins,
                prior_average_logins=sum(prior) / len(prior) if prior else None,
                active_users=row.active_users,
                known_users=row.known_users,
                tickets=len(window_tickets),
                bad_csat=sum(ticket.is_csat_good is False for ticket in window_tickets),
                sla_breaches=sum(ticket.is_sla_breached is True for ticket in window_tickets),
                failed_invoices=sum(failed.get((account, m), 0) for m in lookback),
                answers=answers,
                mrr=row.mrr,
                peak_mrr=peak,
            )
            health.account_id, health.month = account, month
            horizon = [add_months(month, k) for k in range(1, HEALTH_CHURN_MONTHS + 1)]
            health.has_churned_within_90_days = any(m in horizon for m in self.churn_months.get(account, []))
            health.is_churn_window_complete = horizon[-1] <= self.as_of_month
            rows[(account, month)] = health
        return rows


def normalize_channel(channel: str | None) -> str | None:
    """The UI CSV's Via labels in the API's via.channel vocabulary."""
    if channel is None:
        return None
    if channel in ("mail", "email"):
        return "email"
    if channel.startswith("web"):
        return "web"
    if channel.startswith("phone") or channel == "voice":
        return "voice"
    return channel


def engagement_segment(row: EngagementMonth, first_paid: date | None) -> str | None:
    if row.mrr > 0:
        return "active" if row.active_users > 0 else "dormant"
    if first_paid is not None and row.month > first_paid:
        return "churned"
    if row.active_users > 0:
        return "free_active"
    return None


def score_health(
    *,
    logins: int,
    prior_average_logins: float | None,
    active_users: int,
    known_users: int,
    tickets: int,
    bad_csat: int,
    sla_breaches: int,
    failed_invoices: int,
    answers: list[NpsResponse],
    mrr: float,
    peak_mrr: float,
) -> HealthRow:
    """The health score of one account-month from its signals (components 0–1, weighted)."""
    usage_ratio = logins / prior_average_logins if prior_average_logins else None
    seat_share = active_users / known_users if known_users else 0.0
    friction = tickets + bad_csat
    promoters = sum(answer.category == "promoter" for answer in answers)
    detractors = sum(answer.category == "detractor" for answer in answers)
    account_nps = 100.0 * (promoters - detractors) / len(answers) if answers else None
    mrr_ratio = mrr / peak_mrr if peak_mrr > 0 else None
    components = {
        "usage_trend": min(1.0, usage_ratio) if usage_ratio is not None else (1.0 if logins > 0 else 0.0),
        "seat_activity": min(1.0, seat_share / SEAT_TARGET),
        "support_friction": 1.0 - min(1.0, friction / FRICTION_MAX),
        "sla_breaches": 1.0 - min(1.0, sla_breaches / SLA_BREACHES_MAX),
        "nps": (account_nps + 100.0) / 200.0 if account_nps is not None else NPS_MISSING_SCORE,
        "payment_failures": 1.0 - min(1.0, failed_invoices / PAYMENT_FAILURES_MAX),
        "mrr_trend": min(1.0, mrr_ratio if mrr_ratio is not None else 1.0),
    }
    flags = {
        "no_usage": logins == 0,
        "usage_drop": usage_ratio is not None and usage_ratio < USAGE_DROP_RATIO and logins > 0,
        "low_seat_activity": seat_share < SEAT_FLAG,
        "support_friction": friction >= FRICTION_FLAG,
        "bad_csat": bad_csat > 0,
        "sla_breach": sla_breaches > 0,
        "nps_detractor": account_nps is not None and account_nps < 0,
        "payment_failed": failed_invoices > 0,
        "mrr_contraction": mrr_ratio is not None and mrr_ratio < MRR_CONTRACTION_FLAG,
    }
    score = (
        100.0 * sum(HEALTH_WEIGHTS[name] * value for name, value in components.items()) / sum(HEALTH_WEIGHTS.values())
    )
    rounded = round_half_up(score)
    fired = {name for name, is_fired in flags.items() if is_fired}
    return HealthRow("", date.min, components, fired, rounded, health_band(rounded), raw_score=score)


# --- tests of the reference itself (hand-made rows, worked out on paper) --------------------------
@pytest.mark.parametrize(
    ("score", "category"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
)
def test_nps_buckets(score, category):
    assert nps_category(score) == category


def test_margin_of_error_follows_the_spec_formula():
    # p = 0.5, d = 0.25, n = 4: 1.96 × 100 × √((0.75 − 0.0625) ÷ 4) = 81.25…
    assert margin_of_error(2, 1, 4) == pytest.approx(196 * math.sqrt(0.6875 / 4))
    assert margin_of_error(3, 0, 3) == 0.0


def test_latest_response_per_respondent_ties_go_to_the_greater_id():
    at = datetime(2024, 3, 7, 10)
    kept = latest_per_respondent(
        [
            NpsResponse("a", None, "x@y.z", datetime(2024, 3, 1), 9),
            NpsResponse("c", None, "x@y.z", at, 2),
            NpsResponse("b", None, "x@y.z", at, 10),
        ]
    )
    assert [response.response_id for response in kept] == ["c"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("good", ("good", True)),
        ("Bad", ("bad", False)),
        ("Offered", (None, None)),
        ("Not Offered", (None, None)),
        ("unoffered", (None, None)),
        ("5", ("5", True)),
        ("4", ("4", True)),
        ("3", ("3", False)),
        (None, (None, None)),
    ],
)
def test_csat_scales(raw, expected):
    assert csat_of(raw) == expected


def test_sla_breach_rules():
    created, as_of = datetime(2024, 3, 1, 9), datetime(2024, 3, 2)
    assert sla_breached("urgent", 61, 1, created, as_of) == (60, True)
    assert sla_breached("urgent", 60, 1, created, as_of) == (60, False)
    assert sla_breached(None, 1441, 1, created, as_of) == (1440, True)
    assert sla_breached("low", None, 0, created, as_of) == (2880, False)  # 900 minutes old at as_of
    assert sla_breached("high", None, 0, created, as_of) == (240, True)
    assert sla_breached("high", None, 3, created, as_of) == (240, None)


def test_health_score_of_a_clean_and_a_troubled_account():
    clean = score_health(
        logins=10,
        prior_average_logins=10,
        active_users=5,
        known_users=5,
        tickets=0,
        bad_csat=0,
        sla_breaches=0,
        failed_invoices=0,
        answers=[],
        mrr=100,
        peak_mrr=100,
    )
    assert (clean.health_score, clean.health_band, clean.red_flags) == (92.5, "healthy", set())
    detractor = NpsResponse("r", "a", "x@y.z", datetime(2024, 5, 1), 3)
    troubled = score_health(
        logins=2,
        prior_average_logins=10,
        active_users=1,
        known_users=10,
        tickets=2,
        bad_csat=1,
        sla_breaches=1,
        failed_invoices=1,
        answers=[detractor],
        mrr=50,
        peak_mrr=100,
    )
    assert (troubled.health_score, troubled.health_band) == (24.5, "at_risk")
    assert "no_usage" not in troubled.red_flags and len(troubled.red_flags) == 8


def test_mini_fixture_nps_worked_out_on_paper():
    from tests.conftest import MINI_EXPORTS

    reference = JourneyReference.from_exports(MINI_EXPORTS)
    # r4 is a csat survey; alice answers 9 then 6 in March (the 6 counts); bob answers 10.
    assert set(reference.nps_responses()) == {"r1", "r2", "r3"}
    assert set(reference.counted_nps_responses()) == {"r2", "r3"}
    cell = reference.nps_by_month()[(date(2024, 3, 1), "all")]
    assert (cell.responses, cell.promoters, cell.passives, cell.detractors) == (2, 1, 0, 1)
    assert (cell.nps, cell.average_score) == (0.0, 8.0)
    assert cell.margin_of_error == pytest.approx(196 * math.sqrt(0.5))
