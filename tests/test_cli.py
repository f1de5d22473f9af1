"""What a user sees from the journey command: --help, the progress lines, the summary, a failure's last line.

Fast tests cover the help text, the progress display fed with Dagster-like events, the failure lines
(disk full, blocking check, failed step) and a warehouse locked by a real second process (the build
stops before Dagster starts). The slow tests run `journey build` as a user does, not on a terminal,
on the mini exports: the whole output fits on a screen and names every output; then the same
warehouse with a rejected file: the build ends with one line naming the cause and the untouched
publication; then `journey metrics` and `journey dbt` run as documented, from another folder.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from dagster_project import cli
from dagster_project.build import StepFailure
from dagster_project.progress import (
    LOGS_KEPT,
    PHASES,
    BuildProgress,
    captured_output,
    new_log_file,
    phases_of_step,
)
from dagster_project.summary import failure_line, phase_durations, print_summary
from tests.conftest import MINI_EXPORTS, REPO_ROOT

BUILD_TIMEOUT = 900
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **extra}
    for key in ("JOURNEY_WAREHOUSE", "JOURNEY_EXPORTS_DIR", "JOURNEY_PUBLISH_DIR", "DAGSTER_HOME"):
        if key not in extra:
            env.pop(key, None)
    return env


def _journey(*args: str, cwd: Path = REPO_ROOT, timeout: int = BUILD_TIMEOUT, **env: str):
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=cwd,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*argv, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


# -- --help ---------------------------------------------------------------------------------------
def test_help_has_no_rst_markup_and_describes_every_command(capsys):
    text = _help(capsys)
    assert "``" not in text
    for command in ("build", "metrics", "dbt", "generate", "report", "prepare"):
        assert re.search(rf"^\s+{command}\s+\w", text, re.MULTILINE), f"{command} has no one-line help"
        sub = _help(capsys, command)
        assert "``" not in sub
        description = sub.split("\n\n")[1]
        assert len(description.split()) >= 4, f"`journey {command} --help` has no description: {sub}"


def test_build_help_says_what_it_writes_and_shows_defaults(capsys):
    text = " ".join(_help(capsys, "build").split())
    for words in (
        "JOURNEY_PUBLISH_DIR",
        "JOURNEY_WAREHOUSE",
        "JOURNEY_EXPORTS_DIR",
        "marts.duckdb",
        "parquet/<mart>.parquet",
        "journey_map.html",
        "quality/latest.html",
        "logs/build-<UTC time>.log",
        "implies --verbose; default: INFO, into the log file",
        "--verbose",
        "3 another process holds the warehouse file",
    ):
        assert words in text, words
    assert re.search(r"--log-level \{DEBUG,INFO,WARNING,ERROR\} \w+", text), "--log-level has help"


def test_every_build_option_that_takes_a_value_shows_its_default(capsys):
    """Issue 12 item 7: `journey build --help` shows the defaults (and the variables that set them)."""
    text = " ".join(_help(capsys, "build").split())
    assert "(default: $JOURNEY_EXPORTS_DIR, else data/exports, else the shipped sample)" in text
    assert "(default: $JOURNEY_WAREHOUSE, else data/warehouse/journey.duckdb)" in text
    assert "(default: $JOURNEY_PUBLISH_DIR, else the warehouse's folder)" in text
    assert "default: INFO" in text


# -- progress display ----------------------------------------------------------------------------
def test_step_keys_map_to_phases():
    assert phases_of_step("raw__stripe_invoices") == ("ingest",)
    assert phases_of_step("raw_stripe_invoices_expectations") == ("raw checks",)
    assert phases_of_step("ingest_ledger") == ("raw checks",)
    assert phases_of_step("journey_dbt_models") == ("models", "tests")
    assert "mart checks" not in PHASES  # mart invariants are dbt tests, counted under tests
    assert phases_of_step("serving__published_marts") == ("publish",)
    assert phases_of_step("serving__journey_map_report") == ("report",)


def _event(kind: str, step_key: str, passed: bool = True, severity: str = "ERROR", loaded: int | None = None):
    data = SimpleNamespace(passed=passed, severity=SimpleNamespace(value=severity))
    if loaded is not None:
        data = SimpleNamespace(
            materialization=SimpleNamespace(metadata={"this_run_rows_loaded": SimpleNamespace(value=loaded)})
        )
    return SimpleNamespace(step_key=step_key, event_type_value=kind, event_specific_data=data)


def _run_events(progress: BuildProgress) -> None:
    for table, rows in (("a", 10), ("b", 5)):
        progress.handle(_event("STEP_START", f"raw__{table}"))
        progress.handle(_event("ASSET_MATERIALIZATION", f"raw__{table}", loaded=rows))
        progress.handle(_event("STEP_SUCCESS", f"raw__{table}"))
    for table in ("a", "b"):
        progress.handle(_event("STEP_START", f"raw_{table}_expectations"))
        step = f"raw_{table}_expectations"
        progress.handle(_event("ASSET_CHECK_EVALUATION", step, passed=table == "a", severity="WARN"))
        progress.handle(_event("STEP_SUCCESS", f"raw_{table}_expectations"))
    progress.handle(_event("STEP_START", "journey_dbt_models"))
    for _ in range(3):
        progress.handle(_event("ASSET_MATERIALIZATION", "journey_dbt_models"))
    for passed in (True, True, False):
        progress.handle(_event("ASSET_CHECK_EVALUATION", "journey_dbt_models", passed=passed))
    progress.handle(_event("STEP_FAILURE", "journey_dbt_models"))


def test_plain_progress_prints_one_line_per_phase_with_counts():
    stream = io.StringIO()
    progress = BuildProgress(
        ["raw__a", "raw__b", "raw_a_expectations", "raw_b_expectations", "journey_dbt_models",
         "serving__published_marts"],
        stream=stream,
        live=False,
    )
    _run_events(progress)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["ingest", "raw", "models", "tests"]
    assert "done" in lines[0] and "2/2 tables · 15 rows loaded" in lines[0]
    assert "done" in lines[1] and "2/2 suites · 1 warning" in lines[1]
    assert "failed" in lines[2] and "3 built · 1 failed" in lines[2]
    assert "done" not in lines[3] and "3 run · 1 failed" in lines[3]
    assert set(progress.seconds_by_phase()) == {"ingest", "raw checks", "models", "tests"}


def test_live_progress_renders_every_phase_as_a_table():
    from rich.console import Console

    progress = BuildProgress(["raw__a", "raw__b", "journey_dbt_models"], stream=io.StringIO(), live=True)
    _run_events(progress)
    console = Console(file=io.StringIO(), width=100, record=True, force_terminal=True)
    console.print(progress.renderable())
    text = console.export_text()
    assert [line.split()[1] for line in text.strip().splitlines()] == [
        phase.split()[0] for phase in PHASES
    ]
    assert "2/2 tables · 15 rows loaded" in text and "3 run · 1 failed" in text


def test_captured_output_sends_python_and_subprocess_output_to_the_log(tmp_path, capfd):
    log = tmp_path / "build.log"
    with captured_output(log) as (_, shown):
        print("from python")
        subprocess.run(["sh", "-c", "echo from dbt; echo dbt error >&2"], check=True)
        print("phase line", file=shown)
    seen = capfd.readouterr()
    assert seen.err == "phase line\n" and seen.out == ""
    assert log.read_text().splitlines() == ["from python", "from dbt", "dbt error"]


@pytest.mark.parametrize("verbose", [False, True])
def test_the_full_log_goes_to_the_file_unless_verbose_shows_it_live(tmp_path, capfd, monkeypatch, verbose):
    """Issue 12 item 1: dbt's and Dagster's lines go to the log file; --verbose shows them live instead."""
    from dagster_project import build as build_module

    def fake_build(exports, warehouse, **kwargs):
        print("dagster: a log line")
        subprocess.run(["sh", "-c", "echo '1 of 347 OK created sql table model'"], check=True)
        print("phase line", file=kwargs["progress_stream"])
        return build_module.BuildResult(success=True, warehouse=warehouse, exports=exports, seconds=0.0)

    monkeypatch.setattr(build_module, "build_warehouse", fake_build)
    args = SimpleNamespace(verbose=verbose, log_level=None)
    result = cli._run_build(tmp_path / "exports", tmp_path / "journey.duckdb", args)
    seen = capfd.readouterr()
    shown = seen.out + seen.err
    log = result.log_file.read_text() if result.log_file.exists() else ""
    assert "phase line" in shown
    if verbose:
        assert "dagster: a log line" in shown and "1 of 347 OK" in shown
        assert "(full log:" not in shown
    else:
        assert "dagster: a log line" not in shown and "1 of 347" not in shown
        assert f"(full log: {result.log_file})" in shown
        assert log.splitlines() == ["dagster: a log line", "1 of 347 OK created sql table model"]


def test_only_the_newest_build_logs_are_kept(tmp_path):
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = [new_log_file(tmp_path, start + timedelta(minutes=minute)) for minute in range(LOGS_KEPT + 3)]
    assert sorted(tmp_path.glob("build-*.log")) == made[-LOGS_KEPT:]
    assert made[-1].name == "build-20260101T001200Z.log"


def test_phase_durations_join_models_and_tests():
    assert phase_durations({"ingest": 12.2, "models": 80, "tests": 80, "publish": 3}) == (
        "ingest 12s · models + tests 80s · publish 3s"
    )


# -- failure lines ---------------------------------------------------------------------------------
def test_disk_full_names_the_cause_the_untouched_publication_and_the_remedy(tmp_path):
    warehouse = tmp_path / "journey.duckdb"
    (tmp_path / "marts.duckdb").write_bytes(b"published")
    failure = StepFailure(
        "journey_dbt_models",
        "dagster_dbt.errors.DagsterDbtCliRuntimeError: The dbt CLI process failed",
        ["IO Error: Could not write file \"journey.duckdb.wal\": No space left on device"],
    )
    line = failure_line(warehouse, [failure], log_file=tmp_path / "build.log", publish_dir=tmp_path)
    assert "\n" not in line
    assert line.startswith("build failed: the disk is full (")
    assert "MB free on the file system of" in line and "No space left on device" in line
    assert f"the last good publication {tmp_path / 'marts.duckdb'} (" in line and "is untouched" in line
    assert "Free space there" in line and f"Full log: {tmp_path / 'build.log'}" in line


def test_a_blocking_check_names_the_check_and_the_quality_page(tmp_path):
    line = failure_line(
        tmp_path / "journey.duckdb",
        [StepFailure("raw__hubspot_companies", "Blocking check 'files_accepted' failed")],
        blocking_checks=["raw/hubspot_companies · files_accepted: crm/x.csv: missing required column 'Record ID'"],
        publish_dir=tmp_path,
    )
    assert line.startswith("build stopped: blocking check raw/hubspot_companies · files_accepted: crm/x.csv")
    assert f"nothing was published (no earlier publication exists in {tmp_path})" in line
    assert str(tmp_path / "quality" / "latest.html") in line


def test_a_failed_step_names_its_phase_and_a_report_failure_says_the_marts_were_published(tmp_path):
    line = failure_line(
        tmp_path / "journey.duckdb",
        [StepFailure("serving__journey_map_report", "ValueError: no month\nTraceback ...")],
        succeeded_steps={"serving__published_marts"},
        publish_dir=tmp_path,
    )
    assert line.startswith("build failed in report (step serving__journey_map_report): ValueError: no month;")
    assert f"the marts were published to {tmp_path / 'marts.duckdb'} before the failure" in line


def test_the_summary_says_when_the_warehouse_cannot_be_read_instead_of_crashing(tmp_path):
    warehouse = tmp_path / "journey.duckdb"
    out = io.StringIO()
    with duckdb.connect(str(warehouse)):  # held read-write: a read-only open of it fails
        summary = print_summary(warehouse, elapsed=3, stream=out, publish_dir=tmp_path)
    text = out.getvalue()
    assert summary == {}
    assert f"(figures unavailable: {warehouse} could not be read — " in text
    assert f"publication         {tmp_path / 'marts.duckdb'} and {tmp_path / 'parquet'}/" in text


# -- a warehouse held by another process ------------------------------------------------------------
HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists held (x int)")
print("holding", flush=True)
time.sleep(300)
"""


@pytest.mark.parametrize("published_before", [False, True])
def test_a_locked_warehouse_stops_the_build_before_dagster_and_names_the_holder(tmp_path, published_before):
    warehouse = tmp_path / "journey.duckdb"
    duckdb.connect(str(warehouse)).close()
    if published_before:
        (tmp_path / "marts.duckdb").write_bytes(b"last good publication")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse), "--pretend-notebook"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        done = _journey("build", "--exports", str(MINI_EXPORTS), "--warehouse", str(warehouse), timeout=120)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert done.returncode == cli.EXIT_WAREHOUSE_LOCKED, done.stderr
    assert done.stdout == ""
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"build failed: {warehouse} is held open by process {holder.pid} (")
    assert "--pretend-notebook" in last, "the holder's command line is read from /proc"
    assert f"point readers at {tmp_path / 'marts.duckdb'} (read-only)" in last
    if published_before:
        assert f"the last good publication {tmp_path / 'marts.duckdb'} (" in last
    else:
        assert "no earlier publication exists" in last
    assert "Traceback" not in done.stderr and "built" not in done.stderr
    assert not (tmp_path / "logs").exists(), "Dagster never started"


def test_a_missing_exports_folder_is_a_usage_error(tmp_path):
    code = cli.main(["build", "--exports", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")])
    assert code == cli.EXIT_BAD_INPUT


# -- end to end, as a user runs it --------------------------------------------------------------------
# A dbt target folder (inside dbt/) of this module's own: a build hands its dbt parse back to its
# target folder for the next `journey dbt` on the same warehouse, and the builds of the other test
# worker would otherwise hand theirs (for other warehouse paths) back to the same dbt/target.
CLI_DBT_TARGET = f"target_test_cli_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture(scope="module")
def cli_build(tmp_path_factory):
    """`journey build` on the mini exports, output not on a terminal, as in CI."""
    folder = tmp_path_factory.mktemp("cli_build")
    warehouse = folder / "journey.duckdb"
    done = _journey("build", "--exports", str(MINI_EXPORTS), "--warehouse", str(warehouse),
                    JOURNEY_DBT_TARGET=CLI_DBT_TARGET)  # fmt: skip
    yield warehouse, done
    shutil.rmtree(REPO_ROOT / "dbt" / CLI_DBT_TARGET, ignore_errors=True)


@pytest.mark.slow
def test_a_build_prints_a_screenful_phase_lines_and_a_summary_naming_every_output(cli_build):
    warehouse, done = cli_build
    assert done.returncode == 0, done.stderr[-3000:]
    output = done.stderr + done.stdout
    lines = output.splitlines()
    assert len(lines) <= 40, output
    assert not ANSI.search(output) and " of 347 " not in output and "__ASSET_JOB" not in output
    assert "Warning" not in output and "Traceback" not in output

    phase_lines = [line.split()[0] for line in done.stderr.splitlines() if line.startswith("  ")]
    assert set(phase_lines) == {phase.split()[0] for phase in PHASES}
    assert all(" done " in line for line in done.stderr.splitlines() if line.startswith("  "))
    assert re.search(r"ingest\s+done\s+\d+/\d+ tables · 62 rows loaded", done.stderr), done.stderr

    summary = done.stdout
    assert re.search(r"Journey Warehouse built in \d+s — ingest \d+s · raw checks \d+s · models \+ tests", summary)
    assert "ending MRR          310.33 USD (reporting currency" in summary
    assert "rows quarantined    0       select * from raw._quarantine" in summary
    assert "files not read      0       select * from raw._ingest_files where status = 'ignored'" in summary
    assert "unmatched records   1       select * from marts.mart_unmatched_records" in summary
    folder = warehouse.parent
    for path in (folder / "marts.duckdb", folder / "parquet", folder / "journey_map.html",
                 folder / "quality" / "latest.html"):
        assert str(path) in summary and path.exists(), path
    log_file = Path(re.search(r"full log\s+(\S+)", summary).group(1))
    log = log_file.read_text(encoding="utf-8")
    assert log_file.parent == folder / "logs" and "PASS=" in log and "raw__hubspot_companies" in log


@pytest.mark.slow
def test_a_failed_build_ends_with_one_line_and_leaves_the_publication(cli_build, tmp_path):
    warehouse, first = cli_build
    assert first.returncode == 0
    published = warehouse.parent / "marts.duckdb"
    before = published.stat().st_mtime_ns
    exports = tmp_path / "exports"
    shutil.copytree(MINI_EXPORTS, exports)
    shutil.copyfile(
        REPO_ROOT / "tests" / "bad_inputs" / "wrong_headers" / "crm" / "hubspot_companies.csv",
        exports / "crm" / "hubspot_companies.csv",
    )
    done = _journey("build", "--exports", str(exports), "--warehouse", str(warehouse))
    assert done.returncode == cli.EXIT_BUILD_FAILED, done.stderr[-3000:]
    assert done.stdout == "", "no summary (and no figures of the previous build) after a failure"
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("build stopped: blocking check raw/hubspot_companies · files_accepted")
    assert "crm/hubspot_companies.csv" in last and "Record ID" in last
    assert f"the last good publication {published} (" in last and "is untouched" in last
    assert "Full log: " in last
    assert published.stat().st_mtime_ns == before
    assert len(done.stderr.splitlines()) <= 20 and "Traceback" not in done.stderr


@pytest.mark.slow
def test_metrics_and_dbt_run_as_documented_from_any_folder(cli_build, tmp_path):
    warehouse, first = cli_build
    assert first.returncode == 0
    metrics = _journey(
        "metrics", "--warehouse", str(warehouse),
        "query", "--metrics", "mrr", "--group-by", "metric_time__month", "--order", "metric_time__month",
        cwd=tmp_path, timeout=600, JOURNEY_DBT_TARGET=CLI_DBT_TARGET,
    )
    assert metrics.returncode == 0, metrics.stdout[-2000:] + metrics.stderr[-2000:]
    assert "Env var required" not in metrics.stdout + metrics.stderr
    assert re.search(r"2025-03-01\S*\s+310\.33", metrics.stdout), metrics.stdout

    listed = _journey("dbt", "--warehouse", str(warehouse), "ls", "--select", "mart_mrr_monthly",
                      cwd=tmp_path, timeout=600, JOURNEY_DBT_TARGET=CLI_DBT_TARGET)
    assert listed.returncode == 0, listed.stdout[-2000:]
    assert "journey_warehouse.marts.revenue.mart_mrr_monthly" in listed.stdout
    assert "Unable to do partial parsing" not in listed.stdout, "dbt re-parsed the whole project"
