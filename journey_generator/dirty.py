"""Dirty mode: inject the faults real exports have into a clean output, and list them.

Every fault is recorded in `manifest.json` as {"fault", "file", "row", "record_id", "detail"}
plus, for cell-level faults, the `column` (CSV header or JSON field path) and the `value`
written. `row` is the 1-based data row in the file as written (CSV: header excluded; JSONL:
line number), or null for whole-file faults. Faults are planned from the seed, so the same
seed gives the same dirty files. Fault classes:

- duplicate_row: an exact copy of a row, right after the original (the copy is listed)
- duplicate_file: the same file dropped twice, e.g. `crm/hubspot_companies (1).csv`
- unparseable_date: "not a date", "31/31/2024", ... in a date cell
- locale_date: a German-style `12.03.2024 09:14` date in a CRM file
- unknown_stage: a Lifecycle Stage label HubSpot does not have ("Prospect", ...)
- missing_email: an NPS response or CRM contact without an e-mail address
- orphan_reference: an invoice whose customer, or a ticket whose organization, does not exist
- bom: a UTF-8 byte-order mark at the start of a CSV
- truncated_last_line: the last line of a JSONL file cut mid-object, of a CSV cut mid-field
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FAULT_CLASSES = (
    "duplicate_row",
    "duplicate_file",
    "unparseable_date",
    "locale_date",
    "unknown_stage",
    "missing_email",
    "orphan_reference",
    "bom",
    "truncated_last_line",
)
RATE = 0.0005  # share of rows hit per (fault, file); at least one, at most CAP
CAP = 1000
BOM = b"\xef\xbb\xbf"
UNPARSEABLE = ["not a date", "31/31/2024", "2024-13-45 25:61", "yesterday"]
UNKNOWN_STAGES = ["Prospect", "Churned Customer", "Partner", "customer "]
HUBSPOT_FILES = ("crm/hubspot_companies.csv", "crm/hubspot_contacts.csv", "crm/hubspot_deals.csv")

Fault = dict


@dataclass
class RowEdit:
    """A planned change to one data row (0-based index in the clean file)."""

    fault: str
    duplicate: bool = False
    column: str | None = None
    value: str | None = None
    transform: Callable[[str], str] | None = None  # old cell -> new cell (for locale dates)
    detail: str = ""


@dataclass
class FilePlan:
    rel: str
    edits: dict[int, RowEdit] = field(default_factory=dict)


def _count(rows: int) -> int:
    return int(min(CAP, max(1, round(rows * RATE))))


def _pick_rows(rng: np.random.Generator, plan: FilePlan, rows: int, k: int) -> list[int]:
    """k distinct data rows not edited yet, never the last row (it may be truncated)."""
    free = rows - 1 - len(plan.edits)
    if free <= 0:
        return []
    k = min(k, free)
    chosen: list[int] = []
    while len(chosen) < k:
        cand = rng.integers(0, rows - 1, size=2 * (k - len(chosen)) + 4)
        for c in cand.tolist():
            if c not in plan.edits and c not in chosen:
                chosen.append(c)
                if len(chosen) == k:
                    break
    return sorted(chosen)


def _german_date(cell: str) -> str:
    """`2024-03-12 09:14` or `3/12/2024 9:14 AM` -> `12.03.2024 09:14`."""
    if "/" in cell:
        date, clock, ampm = cell.split(" ")
        m, d, y = (int(x) for x in date.split("/"))
        hh, mm = (int(x) for x in clock.split(":"))
        hh = hh % 12 + (12 if ampm == "PM" else 0)
    else:
        date, clock = cell.split(" ")
        y, m, d = (int(x) for x in date.split("-"))
        hh, mm = (int(x) for x in clock.split(":"))
    return f"{d:02d}.{m:02d}.{y:04d} {hh:02d}:{mm:02d}"


def _plan(rng: np.random.Generator, rows: dict[str, int]) -> dict[str, FilePlan]:
    plans: dict[str, FilePlan] = {}

    def plan_for(rel: str) -> FilePlan:
        return plans.setdefault(rel, FilePlan(rel))

    def add(rel: str, make: Callable[[], RowEdit]) -> None:
        n = rows.get(rel, 0)
        if n < 2:
            return
        plan = plan_for(rel)
        for r in _pick_rows(rng, plan, n, _count(n)):
            plan.edits[r] = make()

    event_files = sorted((r for r in rows if r.startswith("product/")), key=lambda r: (-rows[r], r))
    for rel in [
        "crm/hubspot_contacts.csv",
        "billing/stripe_invoices.jsonl",
        "surveys/nps_responses.csv",
        "support/zendesk_tickets.jsonl",
        *event_files[:1],
    ]:
        add(rel, lambda: RowEdit("duplicate_row", duplicate=True, detail="exact copy of the previous row"))
    for rel, column in [
        ("crm/hubspot_companies.csv", "Create Date"),
        ("surveys/nps_responses.csv", "responded_at"),
        ("support/zendesk_tickets_export.csv", "Created at"),
    ]:
        add(
            rel,
            lambda column=column: RowEdit(
                "unparseable_date",
                column=column,
                value=UNPARSEABLE[int(rng.integers(len(UNPARSEABLE)))],
                detail="date cell that no format parses",
            ),
        )
    for rel in ["crm/hubspot_companies.csv", "crm/hubspot_contacts.csv"]:
        add(
            rel,
            lambda: RowEdit(
                "locale_date",
                column="Create Date",
                transform=_german_date,
                detail="German dd.mm.yyyy date in a HubSpot export",
            ),
        )
        add(
            rel,
            lambda: RowEdit(
                "unknown_stage",
                column="Lifecycle Stage",
                value=UNKNOWN_STAGES[int(rng.integers(len(UNKNOWN_STAGES)))],
                detail="Lifecycle Stage label not in the HubSpot list",
            ),
        )
    for rel, column in [("surveys/nps_responses.csv", "email"), ("crm/hubspot_contacts.csv", "Email")]:
        add(
            rel,
            lambda column=column: RowEdit(
                "missing_email", column=column, value="", detail="row without an e-mail address"
            ),
        )
    add(
        "billing/stripe_invoices.jsonl",
        lambda: RowEdit(
            "orphan_reference",
            column="customer",
            value="cus_ZZ" + "".join("ABCDEFGHJKLMNPQRSTUVWXYZ"[int(i)] for i in rng.integers(0, 24, 12)),
            detail="invoice of a customer that is not in stripe_customers",
        ),
    )
    add(
        "support/zendesk_tickets.jsonl",
        lambda: RowEdit(
            "orphan_reference",
            column="organization_id",
            value=str(999_000_000_000 + int(rng.integers(1, 10**9))),
            detail="ticket of an organization that is not in zendesk_organizations",
        ),
    )
    return plans


def _csv_cells(line: str) -> list[str]:
    return next(csv.reader([line]))


def _csv_render(cells: list[str], quote_all: bool) -> str:
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def _apply_edit(rel: str, header: list[str] | None, line: str, edit: RowEdit) -> tuple[str, str | None]:
    """Return the edited line and the record id of the row."""
    if rel.endswith(".csv"):
        assert header is not None
        cells = _csv_cells(line)
        record = cells[0]
        if edit.column is not None:
            col = header.index(edit.column)
            if edit.transform is not None:
                edit.value = edit.transform(cells[col])
            cells[col] = edit.value if edit.value is not None else ""
            line = _csv_render(cells, rel in HUBSPOT_FILES)
        return line, record
    obj = json.loads(line)
    record = obj.get("id")
    if edit.column is not None:
        value: object = edit.value
        if edit.column == "organization_id" and edit.value is not None:
            value = int(edit.value)
        obj[edit.column] = value
        line = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
    return line, None if record is None else str(record)


def _rewrite(out: Path, plan: FilePlan) -> list[Fault]:
    """Stream a file once, applying its row edits; returns manifest entries with final rows."""
    path = out / plan.rel
    tmp = path.with_name(path.name + ".tmp")
    faults: list[Fault] = []
    is_csv = plan.rel.endswith(".csv")
    with (
        path.open("r", encoding="utf-8", newline="") as src,
        tmp.open("w", encoding="utf-8", newline="") as dst,
    ):
        header = None
        if is_csv:
            header_line = src.readline()
            dst.write(header_line)
            header = _csv_cells(header_line)
        written = 0
        for i, line in enumerate(src):
            edit = plan.edits.get(i)
            if edit is None:
                dst.write(line)
                written += 1
                continue
            new_line, record = _apply_edit(plan.rel, header, line, edit)
            dst.write(new_line)
            written += 1
            if edit.duplicate:
                dst.write(line)
                written += 1
            entry: Fault = {
                "fault": edit.fault,
                "file": plan.rel,
                "row": written,
                "record_id": record,
                "detail": edit.detail,
            }
            if edit.column is not None:
                entry["column"] = edit.column
                entry["value"] = edit.value
            faults.append(entry)
    os.replace(tmp, path)
    return faults


def _truncate_last_line(out: Path, rel: str, rows: int) -> Fault:
    """Cut the final line: a JSONL object in half, a CSV row inside a quoted field."""
    path = out / rel
    size = path.stat().st_size
    with path.open("rb+") as fh:  # only the tail is read: files can be gigabytes
        tail_start = max(0, size - 1_048_576)
        fh.seek(tail_start)
        tail = fh.read()
        start = tail_start + tail.rstrip(b"\n").rfind(b"\n") + 1
        last = tail[start - tail_start :]
        if rel.endswith(".csv"):
            # Inside the third cell: after its opening quote and a few of its characters.
            third = last.index(b'","', last.index(b'","') + 3) + 3
            cut = third + max(1, (last.index(b'"', third) - third) // 2)
            detail = "last CSV row cut inside a quoted field"
        else:
            cut = len(last) // 2
            detail = "last JSON line cut mid-object"
        fh.truncate(start + cut)
    return {
        "fault": "truncated_last_line",
        "file": rel,
        "row": rows,
        "record_id": None,
        "detail": f"{detail} (kept {cut} of {len(last)} bytes, no trailing newline)",
    }


def _prepend(path: Path, prefix: bytes) -> None:
    """Write `prefix` before a file's content, streaming (files can be gigabytes)."""
    tmp = path.with_name(path.name + ".tmp")
    with path.open("rb") as src, tmp.open("wb") as dst:
        dst.write(prefix)
        shutil.copyfileobj(src, dst, 1 << 22)
    os.replace(tmp, path)


def inject_faults(out: Path, seed: int, rows: dict[str, int]) -> list[Fault]:
    """Inject faults into the clean files under `out` in place; write and return the manifest."""
    out = Path(out)
    rng = np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, 0xD1_27]))
    manifest: list[Fault] = []
    for _rel, plan in sorted(_plan(rng, rows).items()):
        manifest += _rewrite(out, plan)
    final_rows = dict(rows)
    for fault in manifest:
        if fault["fault"] == "duplicate_row":
            final_rows[fault["file"]] += 1
    for rel in ("support/zendesk_ticket_metrics.jsonl", "crm/hubspot_deals.csv"):
        if final_rows.get(rel, 0) >= 1:
            manifest.append(_truncate_last_line(out, rel, final_rows[rel]))
    for rel in ("crm/hubspot_companies.csv", "surveys/nps_responses.csv"):
        _prepend(out / rel, BOM)
        manifest.append(
            {
                "fault": "bom",
                "file": rel,
                "row": None,
                "record_id": None,
                "detail": "UTF-8 byte-order mark before the header",
            }
        )
    event_files = sorted(r for r in rows if r.startswith("product/"))
    for rel in ["crm/hubspot_companies.csv", *event_files[-1:]]:
        stem, dot, ext = rel.rpartition("/")[2].partition(".")
        copy = f"{rel.rpartition('/')[0]}/{stem} (1){dot}{ext}"
        shutil.copyfile(out / rel, out / copy)
        manifest.append(
            {
                "fault": "duplicate_file",
                "file": copy,
                "row": None,
                "record_id": None,
                "detail": f"byte-identical copy of {rel}",
                "original": rel,
            }
        )
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest
