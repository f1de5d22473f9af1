"""The revenue definitions of docs/metrics.md, written again in plain Python from the export files.

Nothing here reads the warehouse or the dbt SQL: the exports folder (CRM CSVs, Stripe JSON lines,
the generic profile's subscriptions.csv and mapping.yml) and the exchange-rate table (data, from
``dbt/seeds/fx_rates.csv`` unless given) are the only inputs. Arithmetic is exact (``Fraction``);
each account-month MRR is rounded to 6 decimals, as the marts store it.

Use::

    from tests.reference.revenue import RevenueReference
    ref = RevenueReference.from_exports(Path("data/sample/exports"))
    ref.account_months()        # {(account_id, month): AccountMonth}
    ref.monthly()               # {month: MonthlyRow}
    ref.cohorts(segments=...)   # {(cohort_month, months_since_start, dimension, value): CohortCell}

Where the spec leaves a choice open, this follows the decision log (dbt/DECISIONLOG.md): identity
ties go to the earliest created contact/company; zero-decimal currencies are not divided by 100;
credits never make an account's MRR negative; a period that ends where it starts is kept (it counts
under any_overlap only). When an id is in several files its own version wins (``winning_versions``):
Stripe invoices by status rank then ``created``, customers by ``created``, subscriptions by status
rank then ``created``, HubSpot records by ``Last Modified Date``; then the file's modification
time; then the content — never the order files were read in.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fnmatch import fnmatch
from fractions import Fraction
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
FX_RATES_CSV = REPO_ROOT / "dbt" / "seeds" / "fx_rates.csv"

MEMBERSHIPS = ("end_of_month", "any_overlap")
DEFAULT_STATUSES = ("paid", "open")
# ISO 4217 currencies without a minor unit: Stripe amounts are already whole units.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
MAPPING_FILES = ("mapping.yml", "mapping.yaml", "journey_mapping.yml")
# generic-profile tables whose times are activity: (entity, default file, role of the time column)
GENERIC_ACTIVITY = (
    ("tickets", "support/tickets.csv", "created_at"),
    ("nps", "surveys/nps.csv", "responded_at"),
    ("events", "product/events.csv", "timestamp"),
)
SIX_PLACES = Decimal("0.000001")
ZERO = Decimal(0)


# --- dates and months -------------------------------------------------------------------------
def month_of(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_instant(month: date) -> datetime:
    return datetime(month.year, month.month, 1)


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def from_unix(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


_TEXT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y-%m-%d")


def parse_time(text: object) -> datetime | None:
    """A timestamp as exports write it (ISO with or without offset, or US locale), naive UTC."""
    if text is None:
        return None
    value = str(text).strip()
    if not value:
        return None
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


MIN_PLAUSIBLE_TIME = datetime(2000, 1, 1)  # dbt var quality_min_plausible_date


def plausible_time(moment: datetime | None, not_before: datetime | None = None) -> datetime | None:
    """A time that can be real: None when before 2000-01-01 (Zendesk's 1900-01-01 means "never") or
    before ``not_before`` (the record's creation)."""
    if moment is None or moment < MIN_PLAUSIBLE_TIME or (not_before is not None and moment < not_before):
        return None
    return moment


def parse_number(text: object) -> Fraction | None:
    if text is None:
        return None
    value = str(text).strip().replace(",", "")
    if not value:
        return None
    try:
        return Fraction(Decimal(value))
    except (ArithmeticError, ValueError):
        return None


def round6(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def segment_of(employees: Fraction | None) -> str:
    if employees is None or employees < 1:
        return "unknown"
    if employees <= 1:
        return "individual"
    if employees <= 50:
        return "smb"
    if employees <= 1000:
        return "mid_market"
    return "enterprise"


# --- reading export files -----------------------------------------------------------------------
def _files(exports: Path, folder: str, patterns: Iterable[str], exclude: Iterable[str] = ()) -> list[Path]:
    """Files directly in ``exports/folder`` whose lower-case name matches, in load order (by name)."""
    directory = exports / folder
    if not directory.is_dir():
        return []
    chosen = [
        path
        for path in directory.iterdir()
        if path.is_file()
        and any(fnmatch(path.name.lower(), pattern) for pattern in patterns)
        and not any(fnmatch(path.name.lower(), pattern) for pattern in exclude)
    ]
    return sorted(chosen, key=lambda path: path.name)


def _jsonl_patterns(stem: str) -> tuple[str, ...]:
    return tuple(f"*{stem}*{suffix}" for suffix in JSONL_SUFFIXES)


def _text(path: Path) -> io.TextIOBase:
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return path.open(encoding="utf-8-sig", newline="")


def read_jsonl(paths: Iterable[Path]) -> Iterator[dict]:
    for path in paths:
        with _text(path) as handle:
            for line in handle:
                line = line.strip()
                if line:
                    record = json.loads(line)
                    if isinstance(record, dict):
                        yield record


def read_csv(paths: Iterable[Path]) -> Iterator[dict[str, str]]:
    for path in paths:
        with _text(path) as handle:
            yield from csv.DictReader(handle)


def latest_by(records: Iterable[dict], key: str) -> dict[str, dict]:
    """The last version of each record id (files in load order, rows in file order)."""
    latest: dict[str, dict] = {}
    for record in records:
        record_id = record.get(key)
        if record_id is None or str(record_id).strip() == "":
            continue
        latest[str(record_id).strip()] = record
    return latest


INVOICE_STATUS_RANK = {"draft": 0, "open": 1, "paid": 2, "void": 2, "uncollectible": 2}
SUBSCRIPTION_STATUS_RANK = {
    "incomplete": 0, "trialing": 1, "active": 2, "past_due": 2, "unpaid": 2, "paused": 2,
    "canceled": 3, "incomplete_expired": 3,
}  # fmt: skip


def _integer(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def stripe_version(status_rank: dict[str, int] | None) -> Callable[[dict], tuple]:
    """A Stripe object's version: its status's rank (when ranked), then `created`."""

    def version(record: dict) -> tuple:
        keys = [_integer(record.get("created"))]
        if status_rank is not None:
            keys.insert(0, status_rank.get(str(record.get("status") or "").lower()))
        return tuple(keys)

    return version


def hubspot_version(row: dict) -> tuple:
    return (parse_time(row.get("Last Modified Date")),)


def _descending_key(version: tuple, modified: datetime, content: str) -> tuple:
    """Sort key, best version first: each key descending with missing values last, then the
    file's modification time, then the content (descending)."""
    parts: list = []
    for value in version:
        parts += [value is None, _Reverse(value)]
    return (*parts, _Reverse(modified), _Reverse(content))


class _Reverse:
    def __init__(self, value: object) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reverse) and self.value == other.value

    def __lt__(self, other: _Reverse) -> bool:
        if self.value is None or other.value is None:
            return False
        return self.value > other.value  # type: ignore[operator]


def winning_versions(
    rows: Iterable[tuple[Path, str, dict]], key: str, version: Callable[[dict], tuple]
) -> dict[str, dict]:
    """Of each id's versions (``(file, content, record)``), the one the record's own version picks."""
    best: dict[str, tuple] = {}
    for path, content, record in rows:
        record_id = str(record.get(key) or "").strip()
        if not record_id:
            continue
        rank = _descending_key(version(record), datetime.fromtimestamp(path.stat().st_mtime, UTC), content)
        if record_id not in best or rank < best[record_id][0]:
            best[record_id] = (rank, record)
    return {record_id: record for record_id, (_, record) in best.items()}


def jsonl_versions(paths: Iterable[Path]) -> Iterator[tuple[Path, str, dict]]:
    for path in paths:
        with _text(path) as handle:
            for line in handle:
                line = line.strip()
                if line:
                    record = json.loads(line)
                    if isinstance(record, dict):
                        yield path, line, record


def csv_versions(paths: Iterable[Path]) -> Iterator[tuple[Path, str, dict[str, str]]]:
    for path in paths:
        for row in read_csv([path]):
            yield path, json.dumps(row, sort_keys=True), row


def normalize_email(text: object) -> str | None:
    value = str(text or "").strip().lower()
    return value or None


def normalize_domain(text: object) -> str | None:
    value = str(text or "").strip().lower()
    value = re.sub(r"^(https?://)?(www\.)?", "", value)
    value = re.split(r"[/:]", value, maxsplit=1)[0]
    return value or None


# --- the model ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """A recurring revenue period [start, end) worth ``monthly_amount`` a month in ``currency``."""

    account_id: str
    period_id: str
    start: datetime
    end: datetime | None
    currency: str
    monthly_amount: Fraction


@dataclass(frozen=True)
class AccountMonth:
    account_id: str
    month: date
    mrr: Decimal
    previous_mrr: Decimal
    movement: str
    movement_mrr: Decimal
    first_mrr_month: date


@dataclass
class MonthlyRow:
    month: date
    starting_mrr: Decimal = ZERO
    new_mrr: Decimal = ZERO
    expansion_mrr: Decimal = ZERO
    reactivation_mrr: Decimal = ZERO
    contraction_mrr: Decimal = ZERO
    churned_mrr: Decimal = ZERO
    ending_mrr: Decimal = ZERO
    customers: int = 0
    starting_customers: int = 0
    new_customers: int = 0
    churned_customers: int = 0
    reactivated_customers: int = 0

    @property
    def arr(self) -> Decimal:
        return 12 * self.ending_mrr

    @staticmethod
    def _ratio(numerator: Decimal | int, denominator: Decimal | int) -> float | None:
        return None if denominator == 0 else float(Fraction(numerator) / Fraction(denominator))

    @property
    def logo_churn_rate(self) -> float | None:
        return self._ratio(self.churned_customers, self.starting_customers)

    @property
    def gross_mrr_churn_rate(self) -> float | None:
        return self._ratio(self.churned_mrr + self.contraction_mrr, self.starting_mrr)

    @property
    def net_mrr_churn_rate(self) -> float | None:
        lost = self.churned_mrr + self.contraction_mrr - self.expansion_mrr - self.reactivation_mrr
        return self._ratio(lost, self.starting_mrr)

    @property
    def quick_ratio(self) -> float | None:
        gained = self.new_mrr + self.expansion_mrr + self.reactivation_mrr
        return self._ratio(gained, self.contraction_mrr + self.churned_mrr)

    @property
    def arpa(self) -> float | None:
        return self._ratio(self.ending_mrr, self.customers)


@dataclass
class CohortCell:
    cohort_customers: int = 0
    active_customers: int = 0
    cohort_starting_mrr: Decimal = ZERO
    mrr: Decimal = ZERO
    gross_retained_mrr: Decimal = ZERO

    @property
    def logo_retention(self) -> float | None:
        return None if self.cohort_customers == 0 else self.active_customers / self.cohort_customers

    @property
    def net_revenue_retention(self) -> float | None:
        return None if self.cohort_starting_mrr == 0 else float(self.mrr / self.cohort_starting_mrr)

    @property
    def gross_revenue_retention(self) -> float | None:
        if self.cohort_starting_mrr == 0:
            return None
        return float(self.gross_retained_mrr / self.cohort_starting_mrr)


def classify(mrr: Decimal, previous: Decimal, paid_before: bool) -> tuple[str, Decimal]:
    """The spec's movement, tested in its order, and its size."""
    if mrr > 0 and not paid_before:
        return "new", mrr
    if mrr > 0 and previous == 0:
        return "reactivation", mrr
    if previous > 0 and mrr == 0:
        return "churn", previous
    if mrr > previous > 0:
        return "expansion", mrr - previous
    if 0 < mrr < previous:
        return "contraction", previous - mrr
    if mrr == 0 and previous == 0:
        return "inactive", ZERO
    return "unchanged", ZERO


def counts_in_month(period: Period, month: date, membership: str, snapshot_at: datetime | None = None) -> bool:
    """The spec's membership rule, literally: N = the first instant of the next month (or
    ``snapshot_at``, the instant an unfinished month's end-of-month snapshot is taken at instead)."""
    next_month_start = snapshot_at or month_instant(add_months(month, 1))
    if not period.start < next_month_start:
        return False
    if period.end is None:
        return True
    if membership == "end_of_month":
        return period.end >= next_month_start
    return period.end > month_instant(month)


@dataclass
class FxTable:
    """US dollars per unit of each currency by month; the month's rate, else the latest earlier,
    else the earliest later one."""

    usd_per_unit: dict[str, dict[date, Fraction]] = field(default_factory=dict)

    @classmethod
    def from_csv(cls, path: Path = FX_RATES_CSV) -> FxTable:
        table: dict[str, dict[date, Fraction]] = defaultdict(dict)
        for row in read_csv([path]):
            table[row["currency"].strip().lower()][date.fromisoformat(row["month"].strip())] = Fraction(
                Decimal(row["usd_per_unit"].strip())
            )
        return cls(dict(table))

    def usd(self, currency: str, month: date) -> Fraction:
        rates = self.usd_per_unit.get(currency)
        if not rates:
            raise KeyError(f"no exchange rate for currency {currency!r}")
        earlier = [known for known in rates if known <= month]
        return rates[max(earlier)] if earlier else rates[min(rates)]

    def to_reporting(self, currency: str, month: date, reporting: str) -> Fraction:
        if currency == reporting:
            return Fraction(1)
        return self.usd(currency, month) / self.usd(reporting, month)


# --- exports → periods ------------------------------------------------------------------------
@dataclass
class Exports:
    """The parts of an exports folder the revenue definitions need, latest version of each record."""

    root: Path
    companies: dict[str, dict[str, str]]
    contacts: dict[str, dict[str, str]]
    customers: dict[str, dict]
    invoices: dict[str, dict]
    subscriptions: dict[str, dict]
    mapping: dict
    generic_accounts: list[dict[str, str]]
    generic_subscriptions: list[tuple[str, dict[str, str]]]

    @classmethod
    def read(cls, root: Path) -> Exports:
        root = Path(root)
        mapping = _read_mapping(root)
        return cls(
            root=root,
            companies=winning_versions(
                csv_versions(_files(root, "crm", ("*companies*.csv", "*companies*.csv.gz"))),
                "Record ID",
                hubspot_version,
            ),
            contacts=winning_versions(
                csv_versions(_files(root, "crm", ("*contacts*.csv", "*contacts*.csv.gz"))), "Record ID", hubspot_version
            ),
            customers=winning_versions(
                jsonl_versions(_files(root, "billing", _jsonl_patterns("customers"))), "id", stripe_version(None)
            ),
            invoices=winning_versions(
                jsonl_versions(_files(root, "billing", _jsonl_patterns("invoices"))),
                "id",
                stripe_version(INVOICE_STATUS_RANK),
            ),
            subscriptions=winning_versions(
                jsonl_versions(_files(root, "billing", _jsonl_patterns("subscriptions"))),
                "id",
                stripe_version(SUBSCRIPTION_STATUS_RANK),
            ),
            mapping=mapping,
            generic_accounts=list(read_csv(_generic_files(root, mapping, "accounts", "crm/accounts.csv"))),
            generic_subscriptions=_distinct_rows(
                _generic_files(root, mapping, "subscriptions", "billing/subscriptions.csv")
            ),
        )


def _distinct_rows(paths: list[Path]) -> list[tuple[str, dict[str, str]]]:
    """Rows of CSV files, ids ``<file>:<row>``; a row identical to an earlier one is loaded once."""
    seen: set[tuple] = set()
    rows: list[tuple[str, dict[str, str]]] = []
    for path in paths:
        for number, row in enumerate(read_csv([path]), start=1):
            key = tuple(row.items())
            if key not in seen:
                seen.add(key)
                rows.append((f"{path.name}:{number}", row))
    return rows


def _read_mapping(root: Path) -> dict:
    for name in MAPPING_FILES:
        path = root / name
        if path.is_file():
            return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {}


def _generic_files(root: Path, mapping: dict, entity: str, default: str) -> list[Path]:
    if entity not in mapping:
        return []
    path = root / (mapping[entity] or {}).get("file", default)
    return [path] if path.is_file() else []


def _generic_value(row: dict[str, str], mapping: dict, entity: str, role: str) -> str | None:
    column = ((mapping.get(entity) or {}).get("columns") or {}).get(role)
    if column is None:
        return None
    value = row.get(column)
    return value.strip() if isinstance(value, str) and value.strip() else None


class AccountResolver:
    """Billing customer → account, in the spec's order: carried CRM company id that exists; else the
    email's contact → its first associated company that exists; else the email domain's company;
    else an account of its own, ``stripe:<customer id>``."""

    def __init__(self, exports: Exports) -> None:
        self.company_ids = set(exports.companies)
        self.by_email = self._emails(exports)
        self.by_domain = self._domains(exports)

    def _emails(self, exports: Exports) -> dict[str, str]:
        candidates: dict[str, tuple] = {}
        for contact_id, contact in exports.contacts.items():
            email = normalize_email(contact.get("Email"))
            if email is None:
                continue
            associated = [part.strip() for part in (contact.get("Associated Company IDs") or "").split(";")]
            existing = [company for company in associated if company in self.company_ids]
            if not existing:
                continue
            created = parse_time(contact.get("Create Date"))
            key = (created is None, created or datetime.min, contact_id)
            if email not in candidates or key < candidates[email][0]:
                candidates[email] = (key, existing[0])
        return {email: company for email, (_, company) in candidates.items()}

    def _domains(self, exports: Exports) -> dict[str, str]:
        candidates: dict[str, tuple] = {}
        for company_id, company in exports.companies.items():
            domain = normalize_domain(company.get("Company Domain Name"))
            if domain is None:
                continue
            created = parse_time(company.get("Create Date"))
            key = (created is None, created or datetime.min, company_id)
            if domain not in candidates or key < candidates[domain][0]:
                candidates[domain] = (key, company_id)
        return {domain: company for domain, (_, company) in candidates.items()}

    def account_for(self, customer_id: str, customer: dict | None) -> str:
        customer = customer or {}
        carried = str((customer.get("metadata") or {}).get("hubspot_company_id") or "").strip()
        if carried in self.company_ids:
            return carried
        email = normalize_email(customer.get("email"))
        if email is not None:
            if email in self.by_email:
                return self.by_email[email]
            domain = email.split("@", 1)[1] if "@" in email else ""
            if domain in self.by_domain:
                return self.by_domain[domain]
        return f"stripe:{customer_id}"


def _months_per_interval(interval: str | None, count: int) -> Fraction | None:
    if interval == "month":
        return Fraction(count)
    if interval == "year":
        return Fraction(12 * count)
    if interval == "week":
        return Fraction(12 * count, 52)
    if interval == "day":
        return Fraction(12 * count, 365)
    return None


def stripe_periods(exports: Exports, statuses: Iterable[str] = DEFAULT_STATUSES) -> list[Period]:
    """Each `subscription` line, not a proration, of an invoice in ``statuses``: one period."""
    resolver = AccountResolver(exports)
    wanted = {status.lower() for status in statuses}
    accounts: dict[str, str] = {}
    periods: list[Period] = []
    for invoice_id, invoice in exports.invoices.items():
        customer_id = str(invoice.get("customer") or "").strip()
        status = str(invoice.get("status") or "").lower()
        if not customer_id or status not in wanted:
            continue
        if customer_id not in accounts:
            accounts[customer_id] = resolver.account_for(customer_id, exports.customers.get(customer_id))
        for line in (invoice.get("lines") or {}).get("data") or []:
            period = _line_period(accounts[customer_id], invoice_id, invoice, line)
            if period is not None:
                periods.append(period)
    return periods


def line_time(value: object) -> datetime | None:
    """A line's period bound: unix seconds, or ISO 8601 text as some extractors write it."""
    return from_unix(value) if _integer(value) is not None else parse_time(value)


def minor_units(value: object) -> int | None:
    """A whole number of minor units; None for text that is not a number or has a fraction."""
    number = parse_number(value) if not isinstance(value, int | float) else Fraction(Decimal(str(value)))
    if number is None or number.denominator != 1 or "," in str(value):
        return None
    return int(number)


def _line_period(account_id: str, invoice_id: str, invoice: dict, line: dict) -> Period | None:
    if str(line.get("type") or "").strip().lower() != "subscription" or bool(line.get("proration")):
        return None
    recurring = (line.get("price") or {}).get("recurring") or {}
    months = _months_per_interval(recurring.get("interval"), int(recurring.get("interval_count") or 1))
    start = line_time((line.get("period") or {}).get("start"))
    end = line_time((line.get("period") or {}).get("end"))
    amount_minor = minor_units(line.get("amount"))
    if months is None or start is None or end is None or end < start or amount_minor is None:
        return None
    currency = str(line.get("currency") or invoice.get("currency") or "").lower()
    discounts = sum(minor_units(item.get("amount")) or 0 for item in line.get("discount_amounts") or [])
    minor = 1 if currency in ZERO_DECIMAL_CURRENCIES else 100
    amount = Fraction(amount_minor - discounts, minor)
    return Period(account_id, f"stripe:{invoice_id}:{line.get('id')}", start, end, currency, amount / months)


def generic_periods(exports: Exports, reporting_currency: str) -> list[Period]:
    """Each row of the generic profile's subscriptions.csv with an account, a start and an amount."""
    periods: list[Period] = []
    for row_id, row in exports.generic_subscriptions:
        account = _generic_value(row, exports.mapping, "subscriptions", "account_id")
        start = parse_time(_generic_value(row, exports.mapping, "subscriptions", "start"))
        end = parse_time(_generic_value(row, exports.mapping, "subscriptions", "end"))
        amount = parse_number(_generic_value(row, exports.mapping, "subscriptions", "monthly_amount"))
        currency = (_generic_value(row, exports.mapping, "subscriptions", "currency") or reporting_currency).lower()
        if account is None or start is None or amount is None or (end is not None and end < start):
            continue
        periods.append(Period(account, f"generic:{row_id}", start, end, currency, amount))
    return periods


# --- as_of_month --------------------------------------------------------------------------------
def latest_activity(exports_root: Path) -> datetime | None:
    """The latest recorded activity in the exports (marts.md conventions): invoice and subscription
    `created`, ticket `created_at`/`updated_at`, NPS `responded_at`, event `timestamp`, CRM create and
    stage dates, and the generic profile's subscription starts, account creation, ticket creation, NPS
    answers and events. Never period ends or due dates."""
    root = Path(exports_root)
    exports = Exports.read(root)
    moments: list[datetime | None] = []
    for table in (exports.invoices, exports.subscriptions):
        moments += [from_unix(record.get("created")) for record in table.values()]
    crm = [*exports.companies.values(), *exports.contacts.values()]
    crm += list(latest_by(read_csv(_files(root, "crm", ("*deals*.csv", "*deals*.csv.gz"))), "Record ID").values())
    for row in crm:
        moments.append(parse_time(row.get("Create Date")))
        moments += [
            parse_time(value)
            for column, value in row.items()
            if column
            and (
                (column.startswith("Date entered") and "Lifecycle Stage Pipeline" in column)
                or column.startswith("Became a ")
            )
        ]
    tickets = read_jsonl(_files(root, "support", _jsonl_patterns("tickets"), _jsonl_patterns("ticket_metrics")))
    for ticket in tickets:
        moments += [parse_time(ticket.get("created_at")), parse_time(ticket.get("updated_at"))]
    moments += [parse_time(row.get("Created at")) for row in read_csv(_files(root, "support", ("*tickets*.csv",)))]
    for row in read_csv(_files(root, "surveys", ("*nps*.csv", "*nps*.csv.gz"))):
        moments.append(parse_time(row.get("responded_at")))
    for event in read_jsonl(_files(root, "product", tuple(f"*{suffix}" for suffix in JSONL_SUFFIXES))):
        moments.append(parse_time(event.get("timestamp")))
    for _, row in exports.generic_subscriptions:
        moments.append(parse_time(_generic_value(row, exports.mapping, "subscriptions", "start")))
    for row in exports.generic_accounts:
        moments.append(parse_time(_generic_value(row, exports.mapping, "accounts", "created_at")))
    for entity, default, role in GENERIC_ACTIVITY:
        for row in read_csv(_generic_files(root, exports.mapping, entity, default)):
            moments.append(parse_time(_generic_value(row, exports.mapping, entity, role)))
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


# --- the revenue marts --------------------------------------------------------------------------
class RevenueReference:
    """MRR by account × month, the monthly bridge and cohort retention, from a list of periods."""

    def __init__(
        self,
        periods: list[Period],
        as_of_month: date,
        membership: str = "end_of_month",
        reporting_currency: str = "usd",
        fx: FxTable | None = None,
        as_of_snapshot_at: datetime | None = None,
    ) -> None:
        if membership not in MEMBERSHIPS:
            raise ValueError(f"membership must be one of {MEMBERSHIPS}, not {membership!r}")
        self.periods = periods
        self.as_of_month = as_of_month
        self.membership = membership
        # var mrr_as_of_month_snapshot = as_of_date: as_of_month's snapshot instant (end_of_month only)
        self.as_of_snapshot_at = as_of_snapshot_at if membership == "end_of_month" else None
        self.reporting_currency = reporting_currency
        self.fx = fx or FxTable.from_csv()
        self._account_months: dict[tuple[str, date], AccountMonth] | None = None

    @classmethod
    def from_exports(
        cls,
        exports_root: Path,
        membership: str = "end_of_month",
        statuses: Iterable[str] = DEFAULT_STATUSES,
        reporting_currency: str = "usd",
        as_of_month: date | None = None,
        fx: FxTable | None = None,
        as_of_snapshot: str = "month_end",
    ) -> RevenueReference:
        """``as_of_snapshot``: var mrr_as_of_month_snapshot (month_end, or as_of_date: the end of the
        day of the latest activity)."""
        exports = Exports.read(Path(exports_root))
        periods = stripe_periods(exports, statuses) + generic_periods(exports, reporting_currency)
        latest = latest_activity(Path(exports_root))
        if as_of_month is None:
            if latest is None:
                raise ValueError(f"{exports_root}: no dated activity, so no as_of_month")
            as_of_month = month_of(latest)
        snapshot_at = None
        if as_of_snapshot == "as_of_date" and latest is not None:
            snapshot_at = datetime.combine(latest.date(), datetime.min.time()) + timedelta(days=1)
        return cls(periods, as_of_month, membership, reporting_currency, fx, snapshot_at)

    def local_mrr(self) -> dict[tuple[str, date, str], Fraction]:
        """Σ monthly amount of the periods counted in each account × month × currency."""
        totals: dict[tuple[str, date, str], Fraction] = defaultdict(Fraction)
        for period in self.periods:
            month = month_of(period.start)
            while month <= self.as_of_month:
                snapshot_at = self.as_of_snapshot_at if month == self.as_of_month else None
                if counts_in_month(period, month, self.membership, snapshot_at):
                    totals[(period.account_id, month, period.currency)] += period.monthly_amount
                elif month > month_of(period.start):
                    break  # once a period stops counting it never counts again
                month = add_months(month, 1)
        return dict(totals)

    def account_months(self) -> dict[tuple[str, date], AccountMonth]:
        if self._account_months is not None:
            return self._account_months
        local = self.local_mrr()
        by_account: dict[str, dict[date, dict[str, Fraction]]] = defaultdict(lambda: defaultdict(dict))
        for (account, month, currency), amount in local.items():
            by_account[account][month][currency] = amount
        result: dict[tuple[str, date], AccountMonth] = {}
        for account, months in by_account.items():
            currencies = {currency for billed in months.values() for currency in billed}

            def at_rate(billed: dict[str, Fraction], month: date) -> Decimal:
                total = sum(
                    (
                        amount * self.fx.to_reporting(currency, month, self.reporting_currency)
                        for currency, amount in billed.items()
                    ),
                    Fraction(0),
                )
                return max(round6(total), ZERO)

            paid = sorted(month for month, billed in months.items() if at_rate(billed, month) > 0)
            if not paid:
                continue
            first = paid[0]
            month = first
            while month <= self.as_of_month:
                this = {currency: months.get(month, {}).get(currency, Fraction(0)) for currency in currencies}
                last = {
                    currency: months.get(add_months(month, -1), {}).get(currency, Fraction(0))
                    for currency in currencies
                }
                mrr, previous = at_rate(this, month), at_rate(last, month)
                movement, size = classify(mrr, previous, paid_before=month > first)
                result[(account, month)] = AccountMonth(account, month, mrr, previous, movement, size, first)
                month = add_months(month, 1)
        self._account_months = result
        return result

    def monthly(self) -> dict[date, MonthlyRow]:
        rows: dict[date, MonthlyRow] = {}
        for row in self.account_months().values():
            monthly = rows.setdefault(row.month, MonthlyRow(row.month))
            monthly.starting_mrr += row.previous_mrr
            monthly.ending_mrr += row.mrr
            monthly.customers += row.mrr > 0
            monthly.starting_customers += row.previous_mrr > 0
            if row.movement == "new":
                monthly.new_mrr += row.movement_mrr
                monthly.new_customers += 1
            elif row.movement == "reactivation":
                monthly.reactivation_mrr += row.movement_mrr
                monthly.reactivated_customers += 1
            elif row.movement == "expansion":
                monthly.expansion_mrr += row.movement_mrr
            elif row.movement == "contraction":
                monthly.contraction_mrr += row.movement_mrr
            elif row.movement == "churn":
                monthly.churned_mrr += row.movement_mrr
                monthly.churned_customers += 1
        return dict(sorted(rows.items()))

    def cohorts(self, dimensions: dict[str, dict[str, str]] | None = None) -> dict[tuple, CohortCell]:
        """Cells keyed (cohort_month, months_since_start, dimension, value); ``dimensions`` maps a
        dimension name to {account_id: value} (missing accounts count as `unknown`)."""
        dimensions = dimensions or {}
        account_months = self.account_months()
        cells: dict[tuple, CohortCell] = defaultdict(CohortCell)
        for row in account_months.values():
            starting = account_months[(row.account_id, row.first_mrr_month)].mrr
            offset = months_between(row.first_mrr_month, row.month)
            groups = [("all", "all")] + [
                (name, values.get(row.account_id) or "unknown") for name, values in dimensions.items()
            ]
            for dimension, value in groups:
                cell = cells[(row.first_mrr_month, offset, dimension, value)]
                cell.cohort_customers += 1
                cell.active_customers += row.mrr > 0
                cell.cohort_starting_mrr += starting
                cell.mrr += row.mrr
                cell.gross_retained_mrr += min(row.mrr, starting)
        return dict(cells)


def account_segments(exports_root: Path) -> dict[str, str]:
    """segment of each account with a known employee count (CRM companies, generic accounts)."""
    exports = Exports.read(Path(exports_root))
    segments = {
        company_id: segment_of(parse_number(company.get("Number of Employees")))
        for company_id, company in exports.companies.items()
    }
    for row in exports.generic_accounts:
        account = _generic_value(row, exports.mapping, "accounts", "account_id")
        if account is not None:
            segments[account] = segment_of(parse_number(_generic_value(row, exports.mapping, "accounts", "employees")))
    return segments
