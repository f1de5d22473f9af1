"""The short summary a build ends with, read from the warehouse it just wrote."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    try:
        rows = con.execute(sql).fetchall()
    except duckdb.Error:
        return None
    return rows[0][0] if rows else None


def warehouse_summary(warehouse: Path) -> dict[str, object]:
    """Headline figures: accounts, paying customers and ending MRR of the latest month, rows kept out."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "as_of_month": _scalar(con, "select max(month) from marts.mart_mrr_monthly"),
            "accounts": _scalar(con, "select count(*) from marts.dim_accounts"),
            "paying_customers": _scalar(
                con, "select customers from marts.mart_mrr_monthly order by month desc limit 1"
            ),
            "ending_mrr": _scalar(
                con, "select ending_mrr from marts.mart_mrr_monthly order by month desc limit 1"
            ),
            "rows_loaded": _scalar(
                con, "select sum(rows_loaded) from raw._ingest_files where status = 'loaded'"
            ),
            "rows_quarantined": _scalar(con, "select count(*) from raw._quarantine"),
            "rows_duplicated": _scalar(
                con, "select sum(rows_duplicated) from raw._ingest_files where status = 'loaded'"
            ),
            "files_rejected": _scalar(
                con, "select count(*) from raw._ingest_files where status = 'rejected'"
            ),
            "unmatched_records": _scalar(con, "select count(*) from marts.mart_unmatched_records"),
        }


def print_summary(warehouse: Path, elapsed: float | None = None, failed_checks=(), stream=sys.stdout) -> dict:
    summary = warehouse_summary(warehouse) if warehouse.exists() else {}
    mrr = summary.get("ending_mrr")

    def shown(key: str) -> object:
        value = summary.get(key)
        return "-" if value is None else value

    lines = [
        "",
        f"Journey Warehouse — {warehouse}" + (f" (built in {elapsed:.0f}s)" if elapsed is not None else ""),
        f"  latest month        {shown('as_of_month')}",
        f"  accounts            {shown('accounts')}",
        f"  paying customers    {shown('paying_customers')}",
        f"  ending MRR          {f'{float(mrr):,.2f}' if mrr is not None else '-'}",
        f"  rows loaded         {summary.get('rows_loaded') or 0}",
        f"  rows quarantined    {summary.get('rows_quarantined') or 0}",
        f"  duplicate rows      {summary.get('rows_duplicated') or 0}",
        f"  files rejected      {summary.get('files_rejected') or 0}",
        f"  unmatched records   {summary.get('unmatched_records') or 0}  (marts.mart_unmatched_records)",
    ]
    for check in failed_checks:
        lines.append(f"  FAILED CHECK {check}")
    print("\n".join(lines), file=stream, flush=True)
    return summary
