"""Tests of the sample-export generator: determinism, the export layout, business invariants,
that every fault listed in a dirty run's manifest is really in the file at that row, and that the
generator is a package of its own (journey_generator) that the warehouse does not load."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from journey_generator import generate
from journey_generator.constants import CHUNK_ACCOUNTS
from journey_generator.dirty import FAULT_CLASSES

REPO = Path(__file__).resolve().parent.parent
N = 200
SEED = 42
# sha256 over (relative path, sha256 of the file) of generate(200, 42) -- pinned when the generator
# moved out of dagster_project (the same bytes as before the move). A change to the generator that
# changes its output on purpose changes this digest: recompute it with `tree_digest` and say why.
CLEAN_200_42_DIGEST = "db071cd5de97242a4fe7a9ef3c0b8b1ff99fb37d94833bb212fda5cfe65ea9cc"
STAGES = [
    "Subscriber",
    "Lead",
    "Marketing Qualified Lead",
    "Sales Qualified Lead",
    "Opportunity",
    "Customer",
    "Evangelist",
    "Other",
]
STAGE_COLUMNS = [f'Date entered "{s} (Lifecycle Stage Pipeline)"' for s in STAGES]
DEAL_STAGES = [
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
    "Closed Won",
    "Closed Lost",
]
CSV_HEADERS = {
    "crm/hubspot_companies.csv": [
        "Record ID",
        "Company name",
        "Create Date",
        "Company Domain Name",
        "Industry",
        "Number of Employees",
        "Country/Region",
        "Lifecycle Stage",
        "Original Source",
        *STAGE_COLUMNS,
    ],
    "crm/hubspot_contacts.csv": [
        "Record ID",
        "First Name",
        "Last Name",
        "Email",
        "Create Date",
        "Lifecycle Stage",
        "Associated Company IDs",
        "Original Source",
        *STAGE_COLUMNS,
    ],
    "crm/hubspot_deals.csv": [
        "Record ID",
        "Deal Name",
        "Pipeline",
        "Deal Stage",
        "Amount",
        "Create Date",
        "Close Date",
        "Associated Company IDs",
        "Closed Lost Reason",
        "Deal Type",
        *[f'Date entered "{s} (Sales Pipeline)"' for s in DEAL_STAGES],
    ],
    "surveys/nps_responses.csv": [
        "response_id",
        "email",
        "score",
        "responded_at",
        "comment",
        "survey_type",
        "account_id",
    ],
}
ZENDESK_CSV_COLUMNS = [
    "Id",
    "Created at",
    "Status",
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
]
JSONL_FIELDS = {
    "billing/stripe_customers.jsonl": [
        "id",
        "object",
        "email",
        "name",
        "created",
        "currency",
        "delinquent",
        "metadata",
    ],
    "billing/stripe_subscriptions.jsonl": [
        "id",
        "object",
        "customer",
        "status",
        "created",
        "start_date",
        "trial_start",
        "trial_end",
        "cancel_at_period_end",
        "canceled_at",
        "ended_at",
        "cancellation_details.reason",
        "items.data",
    ],
    "billing/stripe_invoices.jsonl": [
        "id",
        "object",
        "customer",
        "subscription",
        "status",
        "billing_reason",
        "created",
        "currency",
        "amount_due",
        "amount_paid",
        "attempt_count",
        "status_transitions.paid_at",
        "lines.data",
    ],
    "support/zendesk_tickets.jsonl": [
        "id",
        "created_at",
        "updated_at",
        "status",
        "priority",
        "type",
        "subject",
        "tags",
        "via.channel",
        "requester_id",
        "organization_id",
        "group_id",
        "satisfaction_rating.score",
    ],
    "support/zendesk_ticket_metrics.jsonl": [
        "ticket_id",
        "reply_time_in_minutes.calendar",
        "reply_time_in_minutes.business",
        "first_resolution_time_in_minutes.calendar",
        "full_resolution_time_in_minutes.business",
        "reopens",
        "replies",
        "solved_at",
    ],
    "support/zendesk_organizations.jsonl": ["id", "name", "domain_names", "external_id"],
    "support/zendesk_users.jsonl": ["id", "email", "organization_id", "role"],
}
HUBSPOT_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}|\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2} [AP]M)$")


# --- fixtures --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate(N, SEED, out, workers=1)
    return out


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("dirty")
    summary = generate(N, SEED, out, dirty=True, workers=1)
    return out, summary


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for rel, data in files_of(root).items():
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).hexdigest().encode() + b"\n")
    return digest.hexdigest()


def jsonl(root: Path, rel: str) -> list[dict]:
    with (root / rel).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def csv_rows(root: Path, rel: str) -> tuple[list[str], list[list[str]]]:
    with (root / rel).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def events(root: Path) -> list[dict]:
    out: list[dict] = []
    for path in sorted((root / "product").glob("events_*.jsonl")):
        out += jsonl(root, path.relative_to(root).as_posix())
    return out


def dig(obj: dict, dotted: str) -> object:
    for key in dotted.split("."):
        assert isinstance(obj, dict) and key in obj, f"missing {dotted}"
        obj = obj[key]
    return obj


# --- determinism -----------------------------------------------------------------------
def test_same_seed_gives_identical_bytes(clean: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(N, SEED, again, workers=2)
    assert files_of(again) == files_of(clean)


def test_output_is_byte_identical_to_the_pinned_digest(clean: Path) -> None:
    assert tree_digest(clean) == CLEAN_200_42_DIGEST


def test_parallel_chunks_give_the_same_bytes_as_serial(tmp_path: Path) -> None:
    accounts = CHUNK_ACCOUNTS + 60  # two chunks
    generate(accounts, 7, tmp_path / "serial", workers=1)
    generate(accounts, 7, tmp_path / "parallel", workers=2)
    assert files_of(tmp_path / "serial") == files_of(tmp_path / "parallel")


def test_different_seed_gives_different_data(clean: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(N, SEED + 1, other, workers=1)
    a, b = files_of(clean), files_of(other)
    for rel in CSV_HEADERS:
        assert a[rel] != b[rel]
    assert a["billing/stripe_invoices.jsonl"] != b["billing/stripe_invoices.jsonl"]


# --- a package of its own -------------------------------------------------------------
def test_the_warehouse_package_never_names_the_generator_except_the_cli() -> None:
    naming = sorted(
        path.relative_to(REPO).as_posix()
        for path in (REPO / "dagster_project").rglob("*.py")
        if "journey_generator" in path.read_text(encoding="utf-8")
    )
    assert naming == ["dagster_project/cli.py"]
    assert not (REPO / "dagster_project" / "generator").exists()


def test_the_warehouse_and_the_cli_parser_do_not_load_the_generator() -> None:
    probe = (
        "import sys; import dagster_project.definitions, dagster_project.cli as cli;"
        "loaded_by_definitions = sorted(m for m in sys.modules if m.startswith('journey_generator'));"
        "cli.build_parser().parse_args(['build']);"
        "print(loaded_by_definitions, sorted(m for m in sys.modules if m.startswith('journey_generator')))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True, timeout=600
    )
    by_definitions, by_parser = completed.stdout.strip().splitlines()[-1].split("] [")
    # dagster_project loads nothing of it; the journey parser at most the options (journey_generator.cli)
    assert by_definitions == "["
    assert set(re.findall(r"'([\w.]+)'", by_parser)) <= {"journey_generator", "journey_generator.cli"}


def test_journey_generate_writes_what_generate_writes(clean: Path, tmp_path: Path) -> None:
    from dagster_project.cli import main

    out = tmp_path / "via_cli"
    assert main(["generate", "--accounts", str(N), "--seed", str(SEED), "--out", str(out), "--workers", "1"]) == 0
    assert tree_digest(out) == tree_digest(clean)


# --- layout ----------------------------------------------------------------------------
def test_every_file_of_the_layout_exists_with_exact_headers(clean: Path) -> None:
    for rel, expected in CSV_HEADERS.items():
        header, rows = csv_rows(clean, rel)
        assert header == expected, rel
        assert rows, rel
        assert all(len(r) == len(header) for r in rows), rel
    header, rows = csv_rows(clean, "support/zendesk_tickets_export.csv")
    assert set(ZENDESK_CSV_COLUMNS) <= set(header)
    assert rows and all(len(r) == len(header) for r in rows)
    raw = (clean / "crm/hubspot_companies.csv").read_text(encoding="utf-8").splitlines()[0]
    assert '"Date entered ""Lead (Lifecycle Stage Pipeline)"""' in raw


def test_jsonl_objects_carry_the_contract_fields(clean: Path) -> None:
    for rel, fields in JSONL_FIELDS.items():
        objects = jsonl(clean, rel)
        assert objects, rel
        for field in fields:
            for obj in objects:
                dig(obj, field)
    kinds = {o["object"] for o in jsonl(clean, "billing/stripe_invoices.jsonl")}
    assert kinds == {"invoice"}


def test_product_events_are_monthly_segment_calls(clean: Path) -> None:
    names = sorted(p.name for p in (clean / "product").glob("*.jsonl"))
    assert len(names) >= 24 and all(re.fullmatch(r"events_\d{4}_\d{2}\.jsonl", n) for n in names)
    for path in (clean / "product").glob("*.jsonl"):
        month = path.stem.removeprefix("events_").replace("_", "-")
        for line in path.read_text(encoding="utf-8").splitlines():
            ev = json.loads(line)
            assert ev["timestamp"].startswith(month) and ev["timestamp"].endswith("Z")
            assert ev["type"] in {"track", "identify", "group"}
            if ev["type"] == "track" and "userId" not in ev:
                assert ev["event"] == "Page Viewed" and "anonymousId" in ev and "groupId" not in ev["context"]
            elif ev["type"] == "track":
                assert ev["context"]["groupId"] and "@" in ev["context"]["traits"]["email"]


# --- invariants of the simulated business ----------------------------------------------
def test_invoice_lines_are_well_formed(clean: Path) -> None:
    customers = {c["id"] for c in jsonl(clean, "billing/stripe_customers.jsonl")}
    currency_of: dict[str, str] = {}
    seen = Counter()
    for inv in jsonl(clean, "billing/stripe_invoices.jsonl"):
        assert inv["customer"] in customers
        assert currency_of.setdefault(inv["customer"], inv["currency"]) == inv["currency"]
        seen[inv["status"]] += 1
        seen[inv["billing_reason"]] += 1
        for line in inv["lines"]["data"]:
            assert line["period"]["end"] > line["period"]["start"]
            if line["type"] == "invoiceitem":
                assert line["price"]["recurring"] is None
            if line["proration"]:
                assert inv["billing_reason"] == "subscription_update"
            seen["proration" if line["proration"] else line["type"]] += 1
            seen[(line["price"]["recurring"] or {}).get("interval", "one_time")] += 1
        if inv["status"] == "uncollectible":
            assert inv["attempt_count"] > 1
    for kind in [
        "paid",
        "void",
        "uncollectible",
        "subscription_create",
        "subscription_cycle",
        "subscription_update",
        "invoiceitem",
        "proration",
        "month",
        "year",
    ]:
        assert seen[kind] > 0, kind


def test_paying_share_and_identity_resolution_are_plausible(clean: Path) -> None:
    _, companies = csv_rows(clean, "crm/hubspot_companies.csv")
    paying = set()
    for inv in jsonl(clean, "billing/stripe_invoices.jsonl"):
        if inv["status"] == "paid" and any(
            li["amount"] > 0 and li["type"] == "subscription" for li in inv["lines"]["data"]
        ):
            paying.add(inv["customer"])
    assert 0.2 <= len(paying) / len(companies) <= 0.4
    customers = jsonl(clean, "billing/stripe_customers.jsonl")
    with_id = [c for c in customers if "hubspot_company_id" in c["metadata"]]
    assert 0.7 <= len(with_id) / len(customers) <= 0.95
    company_ids = {r[0] for r in companies}
    assert all(c["metadata"]["hubspot_company_id"] in company_ids for c in with_id)


def test_crm_stages_and_dates(clean: Path) -> None:
    header, rows = csv_rows(clean, "crm/hubspot_contacts.csv")
    stage = header.index("Lifecycle Stage")
    dates = Counter()
    for row in rows:
        assert row[stage] in STAGES
        for cell in row[header.index("Create Date") : header.index("Create Date") + 1] + row[-8:]:
            if cell:
                assert HUBSPOT_DATE.match(cell), cell
                dates["us" if "/" in cell else "iso"] += 1
    assert dates["us"] > 0 and dates["iso"] > dates["us"]
    _, deals = csv_rows(clean, "crm/hubspot_deals.csv")
    assert {r[3] for r in deals} <= set(DEAL_STAGES)


def test_nothing_is_dated_after_the_export(clean: Path) -> None:
    export_end = datetime(2026, 11, 1, tzinfo=UTC).timestamp()  # seed 42 exports on 2026-10-31
    for inv in jsonl(clean, "billing/stripe_invoices.jsonl"):
        assert inv["created"] < export_end
    for sub in jsonl(clean, "billing/stripe_subscriptions.jsonl"):
        assert sub["created"] < export_end
    for ev in events(clean):
        assert ev["timestamp"] < "2026-11-01"
    for t in jsonl(clean, "support/zendesk_tickets.jsonl"):
        assert t["created_at"] <= t["updated_at"] < "2026-11-01"


def test_activation_milestone_is_present_for_some_but_not_all(clean: Path) -> None:
    accepted: dict[str, str] = {}
    logins: dict[str, list[str]] = defaultdict(list)
    accounts_with_product = set()
    for ev in events(clean):
        if ev.get("event") == "Invite Accepted":
            assert ev["properties"]["invited_user_id"] == ev["userId"]
            accepted[ev["userId"]] = ev["timestamp"]
        if ev.get("event") == "Logged In":
            logins[ev["userId"]].append(ev["timestamp"])
            accounts_with_product.add(ev["context"]["groupId"])

    def within_14_days(user: str) -> bool:
        start = datetime.fromisoformat(accepted[user])
        return any(0 <= (datetime.fromisoformat(t) - start).total_seconds() <= 14 * 86400 for t in logins[user])

    activated = [u for u in accepted if within_14_days(u)]
    assert activated and len(activated) < len(accepted)


def test_support_metrics_and_csv_overlap(clean: Path) -> None:
    for m in jsonl(clean, "support/zendesk_ticket_metrics.jsonl"):
        for key in (
            "reply_time_in_minutes",
            "first_resolution_time_in_minutes",
            "full_resolution_time_in_minutes",
        ):
            cal, biz = m[key]["calendar"], m[key]["business"]
            assert (cal is None) == (biz is None)
            if cal is not None:
                assert 0 <= biz < cal
    api = {t["id"] for t in jsonl(clean, "support/zendesk_tickets.jsonl")}
    header, rows = csv_rows(clean, "support/zendesk_tickets_export.csv")
    ids = {int(r[header.index("Id")]) for r in rows}
    assert ids - api and ids & api
    scores = Counter(r[header.index("Satisfaction Score")] for r in rows)
    assert any(s.isdigit() for s in scores) and any(s in {"Good", "Bad", "Offered", "Not Offered"} for s in scores)
    orgs = {o["id"] for o in jsonl(clean, "support/zendesk_organizations.jsonl")}
    assert all(
        t["organization_id"] in orgs
        for t in jsonl(clean, "support/zendesk_tickets.jsonl")
        if t["organization_id"] is not None
    )


def test_nps_scores_and_types(clean: Path) -> None:
    header, rows = csv_rows(clean, "surveys/nps_responses.csv")
    types = Counter(r[header.index("survey_type")] for r in rows)
    assert types["nps"] > types["csat"] > 0
    for r in rows:
        if r[header.index("survey_type")] == "nps":
            assert 0 <= int(r[header.index("score")]) <= 10
        datetime.strptime(r[header.index("responded_at")], "%Y-%m-%dT%H:%M:%SZ")


# --- dirty mode ------------------------------------------------------------------------
def _data_line(root: Path, rel: str, row: int) -> str:
    lines = (root / rel).read_text(encoding="utf-8-sig").split("\n")
    return lines[row if rel.endswith(".csv") else row - 1]


def test_dirty_manifest_lists_every_class_and_each_fault_is_real(dirty: tuple[Path, dict]) -> None:
    root, summary = dirty
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == summary["manifest"]
    assert set(FAULT_CLASSES) <= {f["fault"] for f in manifest}
    for fault in manifest:
        rel, row, kind = fault["file"], fault["row"], fault["fault"]
        path = root / rel
        assert path.exists(), rel
        if kind == "duplicate_file":
            assert path.read_bytes() == (root / fault["original"]).read_bytes()
        elif kind == "bom":
            assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        elif kind == "duplicate_row":
            assert _data_line(root, rel, row) == _data_line(root, rel, row - 1)
        elif kind == "truncated_last_line":
            data = path.read_bytes()
            assert not data.endswith(b"\n")
            last = data.decode("utf-8").split("\n")[-1]
            assert len(data.decode("utf-8-sig").split("\n")) - (1 if rel.endswith(".csv") else 0) == row
            if rel.endswith(".jsonl"):
                with pytest.raises(json.JSONDecodeError):
                    json.loads(last)
            else:
                assert last.count('"') % 2 == 1  # an unterminated quoted field
        else:
            line = _data_line(root, rel, row)
            if rel.endswith(".csv"):
                header = next(csv.reader([_data_line(root, rel, 0)]))
                cells = next(csv.reader([line]))
                assert cells[header.index(fault["column"])] == fault["value"], fault
                assert cells[0] == fault["record_id"]
            else:
                obj = json.loads(line)
                assert str(obj[fault["column"]]) == fault["value"], fault
                assert str(obj["id"]) == fault["record_id"]


def test_dirty_orphans_really_dangle(dirty: tuple[Path, dict]) -> None:
    root, summary = dirty
    customers = {c["id"] for c in jsonl(root, "billing/stripe_customers.jsonl")}
    orgs = {o["id"] for o in jsonl(root, "support/zendesk_organizations.jsonl")}
    for fault in summary["manifest"]:
        if fault["fault"] == "orphan_reference" and fault["column"] == "customer":
            assert fault["value"] not in customers
        elif fault["fault"] == "orphan_reference":
            assert int(fault["value"]) not in orgs
