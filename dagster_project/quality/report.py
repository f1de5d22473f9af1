"""Validation results a person can read: one self-contained HTML page per run (our Data Docs).

Every check writes its suite result as JSON under ``<publish dir>/quality/runs/<run id>/`` and
re-renders that run's ``index.html`` from all results there; ``<publish dir>/quality/latest.html``
is a copy of the newest page. The page lists, per suite, each expectation with its severity, what
a failure means (the suite's ``why``), the count of failing rows and examples naming file and row.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from dagster_project import settings
from dagster_project.quality.suites import SuiteResult

EXAMPLES_SHOWN = 5


QUALITY_FOLDER = "quality"  # in the publish folder
LATEST_PAGE = "latest.html"  # in QUALITY_FOLDER: the latest run's page


def quality_dir(warehouse_path: Path | None = None) -> Path:
    """``quality/`` in the publish folder of ``warehouse_path`` (``settings.publish_dir``)."""
    return settings.publish_dir(warehouse_path) / QUALITY_FOLDER


def write_result(result: SuiteResult, run_id: str, directory: Path | None = None) -> Path:
    """Store ``result`` for the run and re-render the run's page; returns the page's path."""
    run_dir = (directory or quality_dir()) / "runs" / _safe(run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    _atomic_write(run_dir / f"{_safe(result.suite)}.json", json.dumps(result.to_json(), indent=1))
    page = render_run(run_dir, run_id)
    _atomic_write(run_dir.parent.parent / LATEST_PAGE, page.read_text(encoding="utf-8"))
    return page


def render_run(run_dir: Path, run_id: str) -> Path:
    results = []
    for path in sorted(run_dir.glob("*.json")):
        try:
            results.append(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError:
            continue  # a result being written by a concurrent check; the next render includes it
    page = run_dir / "index.html"
    _atomic_write(page, render_html(results, run_id))
    return page


def _status(result: dict) -> tuple[str, str]:
    failed = [outcome for outcome in result["outcomes"] if not outcome["success"]]
    if any(outcome["severity"] == "critical" for outcome in failed):
        return "error", "blocked: a critical expectation failed"
    if any(outcome["severity"] == "warning" for outcome in failed):
        return "warn", "passed with warnings"
    return "ok", "passed"


def render_html(results: list[dict], run_id: str) -> str:
    escape = html.escape
    rendered_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    counts = {"ok": 0, "warn": 0, "error": 0}
    sections = []
    for result in sorted(results, key=lambda item: (item["kind"] != "raw", item["suite"])):
        status, label = _status(result)
        counts[status] += 1
        rows = []
        for outcome in sorted(
            result["outcomes"],
            key=lambda item: (item["success"], ["critical", "warning", "info"].index(item["severity"])),
        ):
            state = (
                "ok"
                if outcome["success"]
                else {"critical": "error", "warning": "warn"}.get(outcome["severity"], "info")
            )
            if outcome.get("unexpected_count") is not None:
                counted = f"{outcome['unexpected_count']} of {outcome['element_count']}"
            elif outcome.get("observed_value") is not None:
                counted = escape(_compact(outcome["observed_value"]))
            else:
                counted = "—"
            examples = "".join(
                f"<li><code>{escape(_compact(example))}</code></li>"
                for example in (outcome.get("examples") or [])[:EXAMPLES_SHOWN]
            )
            error = f"<div class='error'>{escape(outcome['error'])}</div>" if outcome.get("error") else ""
            rows.append(
                f"<tr class='{state}'><td>{state.upper()}</td><td>{escape(outcome['severity'])}</td>"
                f"<td><code>{escape(outcome['name'])}</code>{error}</td>"
                f"<td>{escape(outcome.get('description') or '')}</td><td>{counted}</td>"
                f"<td><ul>{examples}</ul></td></tr>"
            )
        reused = (
            f" · {result['files_reused']} unchanged file(s), {result['rows_reused']} rows: outcome recorded "
            "when they were judged (raw._validated_files)"
            if result.get("files_reused")
            else ""
        )
        sections.append(
            f"<section><h2 class='{status}'>{escape(result['suite'])} — {label}</h2>"
            f"<p>{result['rows']} rows judged in {result['seconds']:.1f}s{reused}"
            f"{' · ' + escape(result['error']) if result.get('error') else ''}</p>"
            "<table><tr><th>result</th><th>severity</th><th>expectation</th><th>what a failure means</th>"
            f"<th>failing rows</th><th>examples</th></tr>{''.join(rows)}</table></section>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Journey Warehouse — data quality, run {escape(run_id)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1rem; font-size: 0.9rem; }}
th, td {{ border: 1px solid #ddd; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }}
tr.ok td:first-child {{ color: #1a7f37; }} tr.warn td:first-child {{ color: #9a6700; font-weight: bold; }}
tr.error td:first-child {{ color: #cf222e; font-weight: bold; }}
h2.ok {{ color: #1a7f37; }} h2.warn {{ color: #9a6700; }} h2.error {{ color: #cf222e; }}
ul {{ margin: 0; padding-left: 1rem; }} code {{ font-size: 0.8rem; word-break: break-all; }}
.error {{ color: #cf222e; }}
</style></head><body>
<h1>Data quality — run {escape(run_id)}</h1>
<p>Rendered {rendered_at}. {len(results)} suites: {counts["ok"]} passed, {counts["warn"]} with warnings,
{counts["error"]} blocking. <em>critical</em> expectations block everything downstream; <em>warning</em>
ones are reported and block nothing. Suites live in <code>expectations/raw/</code>; mart invariants are dbt tests.</p>
{"".join(sections)}
</body></html>
"""


def _compact(value: object, limit: int = 240) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _safe(name: str) -> str:
    return "".join(character if character.isalnum() or character in "-_." else "_" for character in name)


def _atomic_write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)
