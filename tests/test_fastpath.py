"""The no-change fast path: a build is skipped exactly when nothing it reads changed.

The fingerprint tests need no build; the end-to-end test runs `journey build` twice on the mini
exports and checks that the second one stops before Dagster starts and changes no byte.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project import fastpath
from tests.conftest import MINI_EXPORTS, REPO_ROOT


@pytest.fixture
def recorded(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """An exports folder and a 'built' warehouse whose good build is recorded."""
    exports = tmp_path / "exports"
    (exports / "crm").mkdir(parents=True)
    (exports / "crm" / "hubspot_companies.csv").write_text("Record ID,Company name\n1,Acme\n", encoding="utf-8")
    warehouse = tmp_path / "wh" / "journey.duckdb"
    warehouse.parent.mkdir()
    warehouse.write_bytes(b"warehouse")
    (warehouse.parent / "marts.duckdb").write_bytes(b"publication")
    monkeypatch.delenv("JOURNEY_PUBLISH_DIR", raising=False)
    monkeypatch.setenv("JOURNEY_WAREHOUSE", str(warehouse))
    fastpath.record_good_build(exports, warehouse, fastpath.inputs_fingerprint(exports), 12.0)
    return exports, warehouse


def _bump_mtime(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_nothing_changed_is_recognised(recorded):
    exports, warehouse = recorded
    state = fastpath.unchanged_since_last_build(exports, warehouse)
    assert state is not None and state["seconds"] == 12.0 and state["exports_dir"] == str(exports)


def test_paths_named_by_flag_or_by_default_are_the_same_build(recorded, monkeypatch):
    """`make run` passes --exports and --warehouse (pinned in JOURNEY_*), a bare `journey build` does not."""
    exports, warehouse = recorded
    monkeypatch.setenv("JOURNEY_EXPORTS_DIR", str(exports))  # recorded without it
    assert fastpath.unchanged_since_last_build(exports, warehouse) is not None


@pytest.mark.parametrize(
    "change",
    [
        "touch_export",
        "new_export",
        "removed_export",
        "export_in_new_folder",
        "setting",
        "warehouse_changed",
        "publication_gone",
        "state_of_a_failed_build",
        "other_exports_folder",
    ],
)
def test_any_change_means_a_build(recorded, change, monkeypatch, tmp_path):
    exports, warehouse = recorded
    companies = exports / "crm" / "hubspot_companies.csv"
    if change == "touch_export":
        _bump_mtime(companies)  # same bytes, newer time: rebuilt (the loader then finds it unchanged)
    elif change == "new_export":
        (exports / "crm" / "hubspot_contacts.csv").write_text("Record ID\n1\n", encoding="utf-8")
    elif change == "removed_export":
        companies.unlink()
    elif change == "export_in_new_folder":
        (exports / "billing").mkdir()
        (exports / "billing" / "stripe_invoices.jsonl").write_text("{}\n", encoding="utf-8")
    elif change == "setting":
        monkeypatch.setenv("JOURNEY_MEMORY_LIMIT", "1GB")
    elif change == "warehouse_changed":
        warehouse.write_bytes(b"warehouse changed by hand")
    elif change == "publication_gone":
        (warehouse.parent / "marts.duckdb").unlink()
    elif change == "state_of_a_failed_build":
        fastpath.forget_build(warehouse)
    elif change == "other_exports_folder":
        other = tmp_path / "other"
        other.mkdir()
        exports = other
    assert fastpath.unchanged_since_last_build(exports, warehouse) is None


def test_a_changed_model_means_a_build(recorded, monkeypatch, tmp_path):
    """The project's own definitions are part of what a build reads."""
    exports, warehouse = recorded
    project = tmp_path / "project"
    for folder in ("dbt/models/marts", "dbt/macros", "expectations", "dagster_project"):
        (project / folder).mkdir(parents=True)
    model = project / "dbt/models/marts/mart_x.sql"
    model.write_text("select 1", encoding="utf-8")
    monkeypatch.setattr(fastpath.settings, "REPO_ROOT", project)
    fastpath.record_good_build(exports, warehouse, fastpath.inputs_fingerprint(exports), 1.0)
    assert fastpath.unchanged_since_last_build(exports, warehouse) is not None
    model.write_text("select 2", encoding="utf-8")
    _bump_mtime(model)
    assert fastpath.unchanged_since_last_build(exports, warehouse) is None


def test_symlinked_export_folders_are_followed(recorded, tmp_path):
    exports, warehouse = recorded
    elsewhere = tmp_path / "support_elsewhere"
    elsewhere.mkdir()
    (elsewhere / "zendesk_tickets.jsonl").write_text("{}\n", encoding="utf-8")
    (exports / "support").symlink_to(elsewhere, target_is_directory=True)
    (exports / "loop").symlink_to(exports, target_is_directory=True)  # a loop is walked once
    fastpath.record_good_build(exports, warehouse, fastpath.inputs_fingerprint(exports), 1.0)
    assert fastpath.unchanged_since_last_build(exports, warehouse) is not None
    _bump_mtime(elsewhere / "zendesk_tickets.jsonl")
    assert fastpath.unchanged_since_last_build(exports, warehouse) is None


@pytest.mark.slow
def test_second_build_with_nothing_changed_stops_early(tmp_path):
    exports = tmp_path / "exports"
    subprocess.run(["cp", "-r", str(MINI_EXPORTS), str(exports)], check=True)
    warehouse = tmp_path / "wh" / "journey.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    env.pop("JOURNEY_PUBLISH_DIR", None)
    command = [sys.executable, "-m", "dagster_project.cli", "build", "--exports", str(exports),
               "--warehouse", str(warehouse)]  # fmt: skip

    first = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "nothing changed" not in first.stderr
    warehouse_bytes = warehouse.read_bytes()

    second = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "nothing changed since the build of" in second.stderr
    assert "dagster" not in (second.stdout + second.stderr).lower()  # stopped before Dagster started
    assert "ending MRR" in second.stdout  # the summary of the current marts is still shown
    assert warehouse.read_bytes() == warehouse_bytes

    # --force starts a real build (its first line says so); stopped there: a full build is proven above
    forced = subprocess.Popen([*command, "--force"], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)  # fmt: skip
    try:
        assert forced.stdout is not None
        first_line = forced.stdout.readline()
    finally:
        os.killpg(forced.pid, signal.SIGKILL)
        forced.wait(timeout=60)
    assert first_line.startswith("building "), first_line
    assert fastpath.unchanged_since_last_build(exports, warehouse) is None  # a started build is never skipped


def test_a_changed_dbt_var_means_a_build(recorded, monkeypatch):
    """`journey build --var` (JOURNEY_DBT_VARS) and mapping.yml's vars: block are both what a build reads."""
    from dagster_project import cli
    from dagster_project.transform import dbt_vars

    exports, warehouse = recorded
    monkeypatch.setenv(dbt_vars.DBT_VARS_ENV, "{}")  # restored after the test
    assert cli._resolve_dbt_vars(exports, ["mrr_month_membership=any_overlap"]) == {
        "mrr_month_membership": "any_overlap"
    }
    assert fastpath.unchanged_since_last_build(exports, warehouse) is None
    fastpath.record_good_build(exports, warehouse, fastpath.inputs_fingerprint(exports), 1.0, dbt_vars={"a": 1})
    state = fastpath.unchanged_since_last_build(exports, warehouse)
    assert state is not None and state["dbt_vars"] == {"a": 1}
    cli._resolve_dbt_vars(exports, ["mrr_month_membership=end_of_month"])
    assert fastpath.unchanged_since_last_build(exports, warehouse) is None
    cli._resolve_dbt_vars(exports, ["mrr_month_membership=any_overlap"])
    assert fastpath.unchanged_since_last_build(exports, warehouse) is not None
    (exports / "mapping.yml").write_text("vars:\n  reporting_currency: eur\n", encoding="utf-8")
    assert fastpath.unchanged_since_last_build(exports, warehouse) is None
