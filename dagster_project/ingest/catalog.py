"""The raw tables: which exports folder and file pattern feed each, and what each must carry.

This is the input contract of ``docs/exports.md`` written as data. Ingest creates every raw
table even when no file feeds it, with every known column, so that staging models never fail on a
source that a company does not use or on an export that carries only some columns.

Each table also names its row-level rules (``RowRule``): a row that breaks one is quarantined with
the rule's reason instead of being loaded. They are kept to values that are impossible, not merely
unreadable: no record id, a time after the export file was written, an NPS score outside 0–10. A
date in a format the parser does not know is loaded (staging reads it as null) and reported by the
expectation suites in ``expectations/`` (see ``dagster_project/quality``).
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

HUBSPOT_STAGES = (
    "Subscriber",
    "Lead",
    "Marketing Qualified Lead",
    "Sales Qualified Lead",
    "Opportunity",
    "Customer",
    "Evangelist",
    "Other",
)
DEAL_STAGES = (
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
    "Closed Won",
    "Closed Lost",
)


@dataclass(frozen=True)
class RowRule:
    """A row-level rule: a row that breaks it is quarantined with a reason naming the field.

    ``field`` is a CSV header name or, for JSON lines, a dotted path into the object. Kinds:

    - ``present``: the value is not missing or blank (record ids).
    - ``not_future``: a text timestamp (read as staging reads it) is not later than the export
      file's own date (its modification time) plus var ``quality_future_tolerance_hours``. A value
      that cannot be read passes here: the suites report it.
    - ``unix_not_future``: the same for a number of seconds since 1970 (Stripe).
    - ``nps_score``: on rows that are NPS (``survey_type`` nps or blank), a whole number 0–10.
    """

    field: str
    kind: str  # present | not_future | unix_not_future | nps_score

    KINDS = ("present", "not_future", "unix_not_future", "nps_score")

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise ValueError(
                f"RowRule {self.field!r}: unknown kind {self.kind!r}; expected one of {', '.join(self.KINDS)}"
            )


def _present(*fields: str) -> tuple[RowRule, ...]:
    return tuple(RowRule(field, "present") for field in fields)


def _not_future(*fields: str) -> tuple[RowRule, ...]:
    return tuple(RowRule(field, "not_future") for field in fields)


# The Stripe Dashboard writes a customer's metadata as one column per key, `<key> (metadata)`.
STRIPE_CRM_METADATA_COLUMN = "hubspot_company_id (metadata)"


def _stage_date_columns() -> tuple[str, ...]:
    entered = tuple(f'Date entered "{stage} (Lifecycle Stage Pipeline)"' for stage in HUBSPOT_STAGES)
    legacy = tuple(f"Became a {stage} Date" for stage in HUBSPOT_STAGES)
    return entered + legacy


def _deal_stage_date_columns() -> tuple[str, ...]:
    return tuple(f'Date entered "{stage} (Sales Pipeline)"' for stage in DEAL_STAGES)


# The lineage view's first group: every raw table (and the ingest ledger and quarantine).
EXPORTS_GROUP = "exports"


@dataclass(frozen=True)
class RawTable:
    """One raw table and the exports that feed it.

    ``required`` are CSV header names (matched exactly) or, for JSON lines, top-level keys every
    record must have. ``known`` are optional CSV columns created even when absent from the files.
    ``rules`` are the row-level rules (see ``RowRule``); a table without rules quarantines only rows
    that cannot be parsed.
    """

    name: str
    folder: str
    patterns: tuple[str, ...]
    fmt: str  # "csv" | "jsonl"
    required: tuple[str, ...]
    known: tuple[str, ...] = ()
    description: str = ""
    exclude: tuple[str, ...] = field(default=())
    rules: tuple[RowRule, ...] = field(default=())

    @property
    def group(self) -> str:
        return EXPORTS_GROUP

    def matches(self, relative_path: str) -> bool:
        """Does a file (path relative to the exports root) feed this table?"""
        path = Path(relative_path)
        if path.parent.as_posix().lower() != self.folder:  # `Billing/` is `billing/`
            return False
        name = path.name.lower()
        if any(fnmatch(name, pattern) for pattern in self.exclude):
            return False
        return any(fnmatch(name, pattern) for pattern in self.patterns)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the raw table always has (CSV tables), in order."""
        seen: dict[str, None] = {}
        for column in (*self.required, *self.known):
            seen.setdefault(column, None)
        return tuple(seen)


JSONL = ("*.jsonl", "*.jsonl.gz", "*.ndjson", "*.ndjson.gz")


def _jsonl(stem: str) -> tuple[str, ...]:
    return tuple(f"*{stem}*{suffix[1:]}" for suffix in JSONL)


RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        name="hubspot_companies",
        folder="crm",
        patterns=("*companies*.csv", "*companies*.csv.gz"),
        fmt="csv",
        required=("Record ID", "Company name", "Create Date"),
        known=(
            "Company Domain Name",
            "Industry",
            "Number of Employees",
            "Country/Region",
            "Lifecycle Stage",
            "Original Source",
            *_stage_date_columns(),
        ),
        rules=(*_present("Record ID"), *_not_future("Create Date", *_stage_date_columns())),
        description="HubSpot companies (UI CSV export), one row per company per export file.",
    ),
    RawTable(
        name="hubspot_contacts",
        folder="crm",
        patterns=("*contacts*.csv", "*contacts*.csv.gz"),
        fmt="csv",
        required=("Record ID", "Email", "Create Date"),
        known=(
            "First Name",
            "Last Name",
            "Lifecycle Stage",
            "Associated Company IDs",
            "Original Source",
            *_stage_date_columns(),
        ),
        rules=(*_present("Record ID"), *_not_future("Create Date", *_stage_date_columns())),
        description="HubSpot contacts (UI CSV export).",
    ),
    RawTable(
        name="hubspot_deals",
        folder="crm",
        patterns=("*deals*.csv", "*deals*.csv.gz"),
        fmt="csv",
        required=("Record ID", "Deal Stage", "Create Date"),
        known=(
            "Deal Name",
            "Pipeline",
            "Amount",
            "Close Date",
            "Associated Company IDs",
            "Closed Lost Reason",
            "Deal Type",
            *_deal_stage_date_columns(),
        ),
        rules=(*_present("Record ID"), *_not_future("Create Date", *_deal_stage_date_columns())),
        description="HubSpot deals (UI CSV export).",
    ),
    RawTable(
        name="stripe_customers",
        folder="billing",
        patterns=_jsonl("customers"),
        fmt="jsonl",
        required=("id",),
        rules=(*_present("id"), RowRule("created", "unix_not_future")),
        description="Stripe customer objects, one JSON object per line.",
    ),
    RawTable(
        name="stripe_subscriptions",
        folder="billing",
        patterns=_jsonl("subscriptions"),
        fmt="jsonl",
        required=("id", "customer"),
        rules=(*_present("id", "customer"), RowRule("created", "unix_not_future")),
        description="Stripe subscription objects with their items.",
    ),
    RawTable(
        name="stripe_invoices",
        folder="billing",
        patterns=_jsonl("invoices"),
        fmt="jsonl",
        required=("id", "customer", "status"),
        rules=(*_present("id", "customer", "status"), RowRule("created", "unix_not_future")),
        description="Stripe invoice objects with their line items.",
    ),
    # Stripe Dashboard CSV exports (Customers / Subscriptions / Invoices → Export), English headers.
    # Money is in major units ("29.00"), times are UTC text ("2024-03-01 09:14"). Staging reads them
    # into the same models as the API objects (source_shape = 'dashboard_csv').
    RawTable(
        name="stripe_dashboard_customers",
        folder="billing",
        patterns=("*customers*.csv", "*customers*.csv.gz"),
        fmt="csv",
        required=("id", "Created (UTC)"),
        known=("Email", "Name", "Description", "Currency", "Delinquent", STRIPE_CRM_METADATA_COLUMN),
        rules=(*_present("id"), RowRule("Created (UTC)", "not_future")),
        description="Stripe customers from the Dashboard's CSV export (metadata as `<key> (metadata)` columns).",
    ),
    RawTable(
        name="stripe_dashboard_subscriptions",
        folder="billing",
        patterns=("*subscriptions*.csv", "*subscriptions*.csv.gz"),
        fmt="csv",
        required=("id", "Customer ID", "Status", "Created (UTC)"),
        known=(
            "Customer Name",
            "Customer Email",
            "Plan",
            "Product",
            "Quantity",
            "Interval",
            "Interval Count",
            "Amount",
            "Currency",
            "Start (UTC)",
            "Start Date (UTC)",
            "Current Period Start (UTC)",
            "Current Period End (UTC)",
            "Trial Start (UTC)",
            "Trial End (UTC)",
            "Canceled At (UTC)",
            "Cancel At Period End",
            "Ended At (UTC)",
            "Cancellation Reason",
        ),
        rules=(*_present("id", "Customer ID"), RowRule("Created (UTC)", "not_future")),
        description="Stripe subscriptions from the Dashboard's CSV export (one row per subscription).",
    ),
    RawTable(
        name="stripe_dashboard_invoices",
        folder="billing",
        patterns=("*invoices*.csv", "*invoices*.csv.gz"),
        fmt="csv",
        required=("id", "Customer", "Status", "Amount Due"),
        known=(
            "Customer Name",
            "Customer Email",
            "Subscription",
            "Currency",
            "Amount Paid",
            "Amount Remaining",
            "Subtotal",
            "Total Discount Amount",
            "Tax",
            "Total",
            "Billing Reason",
            "Attempt Count",
            "Number",
            "Paid",
            "Date (UTC)",
            "Created (UTC)",
            "Finalized At (UTC)",
            "Paid At (UTC)",
            "Minimum Line Item Period Start (UTC)",
            "Maximum Line Item Period End (UTC)",
        ),
        rules=(*_present("id", "Customer", "Status"), *_not_future("Date (UTC)", "Created (UTC)")),
        description="Stripe invoices from the Dashboard's CSV export: one row per invoice, amounts in major units.",
    ),
    RawTable(
        name="zendesk_tickets",
        folder="support",
        patterns=_jsonl("tickets"),
        fmt="jsonl",
        required=("id", "created_at"),
        rules=(*_present("id"), *_not_future("created_at", "updated_at")),
        description="Zendesk ticket objects (incremental export API).",
    ),
    RawTable(
        name="zendesk_ticket_metrics",
        folder="support",
        patterns=_jsonl("ticket_metrics"),
        fmt="jsonl",
        required=("ticket_id",),
        rules=_present("ticket_id"),
        description="Zendesk ticket_metric objects: reply and resolution times as the tool computed them.",
    ),
    RawTable(
        name="zendesk_organizations",
        folder="support",
        patterns=_jsonl("organizations"),
        fmt="jsonl",
        required=("id",),
        rules=_present("id"),
        description="Zendesk organization objects.",
    ),
    RawTable(
        name="zendesk_users",
        folder="support",
        patterns=_jsonl("users"),
        fmt="jsonl",
        required=("id",),
        rules=_present("id"),
        description="Zendesk user objects (requesters and agents).",
    ),
    RawTable(
        name="zendesk_tickets_csv",
        folder="support",
        patterns=("*tickets*.csv", "*tickets*.csv.gz"),
        fmt="csv",
        required=("Id", "Created at", "Status"),
        known=(
            "Requester id",
            "Requester email",
            "Organization",
            "Group",
            "Priority",
            "Via",
            "Tags",
            "Solved at",
            "Satisfaction Score",
            "Reopens",
            "Replies",
            "First reply time in minutes",
            "First reply time in minutes within business hours",
            "First resolution time in minutes",
            "First resolution time in minutes within business hours",
            "Full resolution time in minutes",
            "Full resolution time in minutes within business hours",
        ),
        rules=(*_present("Id"), RowRule("Created at", "not_future")),
        description="Zendesk tickets from the UI CSV export (often only some columns).",
    ),
    # Intercom's conversations CSV (Reports → a conversations report → Export CSV), English headers.
    # Its time columns carry the workspace's time zone in the header, `Conversation started at
    # (America/New_York)`, so they are matched by that shape in staging, not listed here.
    RawTable(
        name="intercom_conversations",
        folder="support",
        patterns=("*conversations*.csv", "*conversations*.csv.gz"),
        fmt="csv",
        required=("Conversation ID",),
        known=(
            "Current conversation state",
            "Channel",
            "Conversation tag",
            "Title",
            "Ticket type",
            "Team currently assigned",
            "Last teammate rating",
            "First response time (seconds)",
            "First response time, only within office hours (seconds)",
            "Time to first close (seconds)",
            "Time to first close, within office hours (seconds)",
            "Time to close (seconds)",
            "Time to close, within office hours (seconds)",
            "Company ID",
            "Company name",
            "User email",
        ),
        rules=_present("Conversation ID"),
        description="Intercom conversations from a conversations report's CSV export, one row per conversation.",
    ),
    RawTable(
        name="nps_responses",
        folder="surveys",
        patterns=("*nps*.csv", "*nps*.csv.gz"),
        fmt="csv",
        required=("response_id", "email", "score", "responded_at"),
        known=("comment", "survey_type", "account_id"),
        rules=(
            *_present("response_id"),
            RowRule("responded_at", "not_future"),
            RowRule("score", "nps_score"),
        ),
        description="Survey responses (NPS and other types), one row per response.",
    ),
    # Typeform's responses CSV (Results → Responses → Download → CSV), English headers: `#` is the
    # response token, one column per question (its header is the question's text: staging finds the
    # NPS question by dbt var typeform_nps_question), one per hidden field, then the dates.
    RawTable(
        name="typeform_responses",
        folder="surveys",
        patterns=("*typeform*.csv", "*typeform*.csv.gz"),
        fmt="csv",
        required=("#", "Submit Date (UTC)"),
        known=("Response Type", "Start Date (UTC)", "Network ID", "Tags", "email", "account_id"),
        rules=(*_present("#"), RowRule("Submit Date (UTC)", "not_future")),
        description="Typeform responses from the results CSV download, one row per response.",
    ),
    RawTable(
        name="product_events",
        folder="product",
        patterns=JSONL,
        fmt="jsonl",
        required=("type",),
        rules=(*_present("type"), RowRule("timestamp", "not_future")),
        description="Segment-style track / identify / group calls.",
    ),
)

# Ticket metrics files also match the plain tickets pattern; the more specific table wins.
# A Typeform download named `typeform_nps.csv` is Typeform's, not the project's own NPS format.
_MORE_SPECIFIC = {"zendesk_tickets": ("zendesk_ticket_metrics",), "nps_responses": ("typeform_responses",)}


def table(name: str) -> RawTable:
    for raw_table in RAW_TABLES:
        if raw_table.name == name:
            return raw_table
    raise KeyError(f"no raw table named {name!r}")


def table_for_file(relative_path: str) -> RawTable | None:
    """The raw table a file feeds, or None when no pattern claims it."""
    candidates = [raw_table for raw_table in RAW_TABLES if raw_table.matches(relative_path)]
    names = {candidate.name for candidate in candidates}
    for general, specifics in _MORE_SPECIFIC.items():
        if general in names and names.intersection(specifics):
            candidates = [candidate for candidate in candidates if candidate.name != general]
    return candidates[0] if candidates else None


# -- discovery ------------------------------------------------------------------------------------
# Every entry under the exports folder is either read (a file some raw table's pattern claims, or
# whose CSV header fits exactly one table of its folder) or listed as ignored with the reason.

FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(raw_table.folder for raw_table in RAW_TABLES))
FOLDER_LIST = ", ".join(f"{family}/" for family in FAMILIES)
NO_FAMILY = ""  # the ledger's table_name for files outside every source folder
MAPPING_FILE_NAMES = ("mapping.yml", "mapping.yaml", "journey_mapping.yml")  # the generic profile reads these


@dataclass(frozen=True)
class IgnoredEntry:
    """A file (or a folder named like a file) seen under the exports folder and not read."""

    relative: str
    family: str  # crm | billing | ... | "" (outside every source folder)
    reason: str
    path: Path


@dataclass
class Discovery:
    """What a walk of the exports folder found: files per raw table, and everything not read."""

    files: dict[str, list[Path]]
    exports_dir: Path | None = None
    ignored: list[IgnoredEntry] = field(default_factory=list)
    recognised: dict[Path, str] = field(default_factory=dict)  # file → how its header placed it
    claimed: set[str] = field(default_factory=set)  # read by the generic profile

    def families_without_files(self) -> list[str]:
        """Source folders from which no file is read at all (absent, empty, or only ignored files)."""
        fed = {table(name).folder for name, paths in self.files.items() if paths}
        fed |= {relative.split("/", 1)[0].lower() for relative in self.claimed}
        return [family for family in FAMILIES if family not in fed]

    def folder_exists(self, family: str) -> bool:
        """Is there a folder for ``family`` (any case: ``Billing/``)?"""
        if self.exports_dir is None or not self.exports_dir.is_dir():
            return False
        return any(child.name.lower() == family and child.is_dir() for child in self.exports_dir.iterdir())

    @property
    def loadable(self) -> bool:
        """Does any file feed any table (or the generic profile)?"""
        return bool(self.claimed) or any(self.files.values())


def load_order(path: Path) -> tuple[str, str, int, str]:
    """Sort key: by folder, then by name with a copy marker like `` (1)`` ignored, originals first."""
    stem = re.sub(r"\s*\(\d+\)(?=\.)", "", path.name)
    return (path.parent.as_posix(), stem, len(path.name), path.name)


def _csv_header(path: Path) -> list[str] | None:
    """The first CSV row of a file (None when it cannot be read as UTF-8 CSV)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), None)
    except (OSError, EOFError, UnicodeDecodeError, csv.Error):
        return None


def recognise_by_header(family: str, path: Path) -> RawTable | None:
    """The one CSV table of ``family`` whose required columns the file's header holds, else None."""
    if not path.name.lower().endswith((".csv", ".csv.gz")):
        return None
    header = _csv_header(path)
    if not header:
        return None
    fits = [
        raw_table
        for raw_table in RAW_TABLES
        if raw_table.folder == family and raw_table.fmt == "csv" and set(raw_table.required) <= set(header)
    ]
    return fits[0] if len(fits) == 1 else None


def _no_pattern_reason(family: str, name: str) -> str:
    patterns = ", ".join(
        dict.fromkeys(
            pattern for raw_table in RAW_TABLES if raw_table.folder == family for pattern in raw_table.patterns
        )
    )
    lowered = name.lower()
    hint = ""
    if lowered.endswith((".xlsx", ".xls", ".numbers", ".ods")):
        hint = " It is a spreadsheet workbook: save it as CSV UTF-8."
    elif lowered.endswith(".csv"):
        hint = " Its header fits no single table either; rename it to match a pattern."
    else:
        hint = " Rename it to match a pattern if it is an export."
    return f"name matches no pattern of {family}/ ({patterns}).{hint}"


def scan_exports(exports_dir: Path, claimed: set[str] | None = None) -> Discovery:
    """Walk ``exports_dir`` (following symbolic links, each real folder once) and sort every entry.

    ``claimed`` are relative paths the generic profile reads (``mapping.yml``): neither a raw
    table's files nor ignored. Folder names are matched case-insensitively (``Billing/``).
    """
    discovery = Discovery(
        files={raw_table.name: [] for raw_table in RAW_TABLES}, exports_dir=exports_dir, claimed=set(claimed or ())
    )
    if not exports_dir.is_dir():
        return discovery
    seen_folders: dict[str, str] = {}

    def ignore(path: Path, family: str, reason: str) -> None:
        relative = path.relative_to(exports_dir).as_posix()
        discovery.ignored.append(IgnoredEntry(relative, family, f"{relative}: {reason}", path))

    def on_error(error: OSError) -> None:
        if error.filename:
            path = Path(error.filename)
            if path.is_relative_to(exports_dir) and path != exports_dir:
                ignore(path, _family_of(path.relative_to(exports_dir)), f"cannot be read ({error.strerror})")

    for folder, dirnames, filenames in os.walk(exports_dir, followlinks=True, onerror=on_error):
        here = Path(folder)
        relative_folder = here.relative_to(exports_dir)
        real = os.path.realpath(here)
        if real in seen_folders:
            ignore(
                here,
                _family_of(relative_folder),
                f"a link to a folder already read ({seen_folders[real]}/); not read twice",
            )
            dirnames[:] = []
            continue
        seen_folders[real] = relative_folder.as_posix()
        depth = len(relative_folder.parts)
        family = _family_of(relative_folder)
        dirnames.sort()
        for dirname in list(dirnames):
            if depth == 1 and family and _matched_table(family, dirname) is not None:
                ignore(
                    here / dirname,
                    family,
                    "a folder named like an export file; nothing inside it is read as that table",
                )
        for filename in sorted(filenames):
            _sort_file(discovery, exports_dir, here / filename, depth, family, ignore)
    for paths in discovery.files.values():
        paths.sort(key=load_order)
    return discovery


def _family_of(relative_folder: Path) -> str:
    top = relative_folder.parts[0].lower() if relative_folder.parts else NO_FAMILY
    return top if top in FAMILIES else NO_FAMILY


def _matched_table(family: str, name: str) -> RawTable | None:
    return table_for_file(f"{family}/{name}")


def _sort_file(
    discovery: Discovery,
    exports_dir: Path,
    path: Path,
    depth: int,
    family: str,
    ignore: Callable[[Path, str, str], None],
) -> None:
    relative = path.relative_to(exports_dir)
    if relative.as_posix() in discovery.claimed:
        return
    if depth == 0:
        if path.name in MAPPING_FILE_NAMES:
            return
        ignore(
            path,
            NO_FAMILY,
            f"at the top of the exports folder; move it into one of {FOLDER_LIST}",
        )
        return
    if path.is_symlink() and not path.exists():
        ignore(path, family, f"a broken symbolic link (to {os.readlink(path)}, which does not exist)")
        return
    if not path.is_file():
        ignore(path, family, "not a regular file")
        return
    if path.name.startswith("."):
        ignore(path, family, "a hidden file (its name starts with '.')")
        return
    if not family:
        ignore(
            path,
            NO_FAMILY,
            f"folder {relative.parts[0]}/ is not a source folder ({FOLDER_LIST})",
        )
        return
    if depth > 1:
        ignore(path, family, f"in a subfolder of {relative.parts[0]}/; only files directly in it are read: move it up")
        return
    raw_table = _matched_table(family, path.name)
    if raw_table is not None:
        discovery.files[raw_table.name].append(path)
        return
    raw_table = recognise_by_header(family, path)
    if raw_table is not None:
        discovery.files[raw_table.name].append(path)
        discovery.recognised[path] = (
            f"name matches no pattern; recognised by its header as {raw_table.name} "
            f"(it has {', '.join(repr(column) for column in raw_table.required)})"
        )
        return
    ignore(path, family, _no_pattern_reason(family, path.name))
