"""The README's commands, run as written by a newcomer on a fresh clone of this commit.

Every command the README shows (in a shell block or as inline code: `make …`, `journey …`,
`.venv/bin/journey …`, `mf …`, `dbt …`) is either run here or listed in ``NOT_RUN`` with the reason;
a command that is neither fails the fast test, so a new README command is a decision.

The slow test `git clone`s HEAD into a temporary folder, links the running virtualenv in as `.venv`
(as `make` would have created it) and runs the commands there, in README order after `make run`:
exit code 0 for each, and what each promises — the summary names every output and they exist, a
rebuild with nothing changed stops at once, `journey metrics` answers, `journey dbt` builds the
analysts' models, the generator writes its manifest. `make` is run with `-o .venv/.installed`: the
set-up step (install the pinned packages, `journey prepare`) is skipped because the venv is
installed; `journey prepare` is run in the clone instead, as that step would, and PYTHONPATH points
at the clone (what the editable install of the clone would do).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
TIMEOUT = 1200
STAMP = ".venv/.installed"  # the Makefile's set-up stamp

SHELL_BLOCK = re.compile(r"^```(?:sh|bash|shell|console)\n(.*?)^```", re.S | re.M)
FENCED = re.compile(r"^```.*?^```", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")
COMMAND = re.compile(r"^(?:[A-Z_]+=\S+\s+)*(?:make|journey|\.venv/bin/journey|mf|dbt)\s+\S")  # a word alone is a name

# README placeholders and what the test puts in their place (the clone's own sample and warehouse,
# so the documented `journey build` is a rebuild of what `make run` built).
PLACEHOLDERS = {
    "path/to/exports": "data/sample/exports",
    "path/to/journey.duckdb": "data/warehouse/journey.duckdb",
    "--accounts N": "--accounts 20",
    "--seed S": "--seed 7",
    "--out DIR": "--out {tmp}/generated",
    "[--dirty]": "--dirty",
}

NOT_RUN = {
    "make test": "the whole test suite, this test among them",
    "make test-fast": "the day-to-day test subset, this fast test among them",
    "make dev": (
        "a server that runs until stopped: tests/test_dev_server.py starts it on a free port and stops it; "
        "tests/test_definitions_serving.py loads its code location"
    ),
    "DAGSTER_PORT=3001 make dev": "the same server on another port (tests/test_dev_server.py sets DAGSTER_PORT)",
    "make lint": "a developer check (ruff, sqlfluff) that CI runs, no user output",
    "make docs": "dbt docs generate for analysts: a slow dbt compile; `journey dbt` is run",
    "make generate": "20,000 accounts by default, too big for a test; `journey generate` is run small",
    "make bench": "the benchmark: generates and builds up to a million accounts",
    "mf query --metrics nps --group-by metric_time__month,nps_response__segment": (
        "the bare MetricFlow form; the README's `.venv/bin/journey metrics query` form of it is run"
    ),
    "dbt build --select analysts": "the bare dbt form; the README's `.venv/bin/journey dbt build` form of it is run",
    "dbt docs": "names dbt's docs feature (`make docs` writes them), not a command to type",
    "journey export-raw --to postgres --warehouse w.duckdb": (
        "needs a PostgreSQL server; tests/test_postgres_engine.py runs it against a throw-away one"
    ),
    "make test-postgres": "the PostgreSQL test file alone; it runs in make test",
}


def readme_commands(text: str) -> list[str]:
    """The commands the README shows, in order of first appearance, placeholders as written."""
    found: list[str] = []
    for block in SHELL_BLOCK.findall(text):
        found += [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]
    found += [span.strip() for span in INLINE.findall(FENCED.sub("", text)) if COMMAND.match(span.strip())]
    return list(dict.fromkeys(found))


def runnable(command: str, tmp: Path) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        command = command.replace(placeholder, value.format(tmp=tmp))
    if command.startswith("make "):
        command = command.replace("make ", f"make -o {STAMP} ", 1)
    return command


def test_the_readme_parser_finds_shell_blocks_and_inline_commands():
    text = (
        "Run\n\n```sh\nmake run\n# a comment\nmake test\n```\n\nthen `journey build --force` or "
        "`.venv/bin/journey metrics query --metrics mrr`, not `marts.duckdb` nor `DAGSTER_PORT=1 make dev`.\n"
        "```python\nmake_this = 'not a command'\n```\n"
    )
    assert readme_commands(text) == [
        "make run",
        "make test",
        "journey build --force",
        ".venv/bin/journey metrics query --metrics mrr",
        "DAGSTER_PORT=1 make dev",
    ]
    assert runnable("make run", Path("/t")) == f"make -o {STAMP} run"
    assert runnable("journey generate --accounts N --seed S --out DIR [--dirty]", Path("/t")) == (
        "journey generate --accounts 20 --seed 7 --out /t/generated --dirty"
    )


def test_every_readme_command_is_run_or_not_run_for_a_stated_reason():
    commands = readme_commands(README.read_text(encoding="utf-8"))
    run = [command for command in commands if command not in NOT_RUN]
    unknown = [command for command in run if not any(command.startswith(prefix) for prefix in CHECKS)]
    assert unknown == [], "README commands this test neither runs nor lists in NOT_RUN with a reason"
    # what a newcomer runs first is in the README and run here
    assert "make run" in run
    assert any(command.startswith((".venv/bin/journey metrics", "journey metrics")) for command in run)
    assert any(command.startswith((".venv/bin/journey dbt", "journey dbt")) for command in run)
    stale = sorted(set(NOT_RUN) - set(commands))
    assert stale == [], "NOT_RUN names commands the README no longer shows"


def test_the_readme_carries_its_own_contract_and_shows_the_asset_groups():
    """Issue 12, items 4 and 7: the README points at the repository's own docs, never at an outside
    spec; it names the twelve asset groups, links their pages and shows the lineage screenshot."""
    from tests.test_asset_keys import GROUPS

    text = README.read_text(encoding="utf-8")
    assert "shared/spec" not in text and "marts.md" not in text
    assert "(docs/exports.md)" in text and "(docs/metrics.md)" in text
    assert [group for group in GROUPS if f"`{group}`" not in text] == []
    pages = re.findall(r"http://127\.0\.0\.1:3000/locations/dagster_project\.definitions/asset-groups/(\w+)", text)
    assert pages and set(pages) <= set(GROUPS), pages
    assert "http://127.0.0.1:3000/asset-groups" in text
    image = REPO_ROOT / "docs" / "img" / "asset_graph.png"
    assert "(docs/img/asset_graph.png)" in text
    header = image.read_bytes()[:24]
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and width >= 1200 and height >= 800, (width, height)
    assert image.stat().st_size < 400_000, "keep the README's screenshot small (scripts/asset_graph_screenshot.py)"


# --- the slow test: the commands on a fresh clone ------------------------------------------------


def _summary_names_every_output(done: subprocess.CompletedProcess, clone: Path, tmp: Path) -> None:
    folder = clone / "data" / "warehouse"
    summary = done.stdout
    for output in (folder / "marts.duckdb", folder / "parquet", folder / "journey_map.html",
                   folder / "quality" / "latest.html"):
        assert str(output) in summary and output.exists(), f"the summary names {output} and it exists"
    log = re.search(r"full log\s+(\S+)", summary)
    assert log and Path(log.group(1)).is_file(), "the summary names the full log"
    assert re.search(r"ending MRR\s+[\d,.]+ [A-Z]{3} \(reporting currency", summary), summary
    assert (folder / "journey.duckdb").is_file(), "the README's warehouse path"
    assert len((done.stdout + done.stderr).splitlines()) <= 45, "make run's output fits on one screen"


def _nothing_changed(done: subprocess.CompletedProcess, clone: Path, tmp: Path) -> None:
    assert "nothing changed since the build of" in done.stdout + done.stderr, done.stdout + done.stderr


def _generated(done: subprocess.CompletedProcess, clone: Path, tmp: Path) -> None:
    out = tmp / "generated"
    assert (out / "manifest.json").is_file(), "--dirty writes the manifest of injected faults"
    assert sorted(path.name for path in out.iterdir() if path.is_dir()) == [
        "billing", "crm", "product", "support", "surveys",
    ]


def _report_drawn(done: subprocess.CompletedProcess, clone: Path, tmp: Path) -> None:
    report = clone / "data" / "warehouse" / "journey_map.html"
    assert report.stat().st_size > 10_000 and "<html" in report.read_text(encoding="utf-8")[:2000].lower()


def _metrics_answer(done: subprocess.CompletedProcess, clone: Path, tmp: Path) -> None:
    assert "Env var required" not in done.stdout + done.stderr
    assert re.search(r"\d{4}-\d{2}-\d{2}", done.stdout), "a row per month: " + done.stdout[-2000:]


def _metrics_listed(done: subprocess.CompletedProcess, clone: Path, tmp: Path) -> None:
    names = metric_names()
    missing = [name for name in names if not re.search(rf"\b{re.escape(name)}\b", done.stdout)]
    assert names and missing == [], f"metrics not listed: {missing}\n{done.stdout[-2000:]}"


def _analysts_built(done: subprocess.CompletedProcess, clone: Path, tmp: Path) -> None:
    assert "analyst_mrr_by_segment" in done.stdout and re.search(r"ERROR=0\b", done.stdout), done.stdout[-2000:]


# What each command the test runs must show, by the start of the command (placeholders as written).
CHECKS = {
    "make run": _summary_names_every_output,
    ".venv/bin/journey build --exports path/to/exports": _nothing_changed,
    "journey build": _nothing_changed,
    "journey generate": _generated,
    "journey report": _report_drawn,
    ".venv/bin/journey metrics query": _metrics_answer,
    "journey metrics list metrics": _metrics_listed,
    ".venv/bin/journey metrics list metrics": _metrics_listed,
    ".venv/bin/journey dbt build --select analysts": _analysts_built,
}
# Not shown in the README yet, run anyway: how a newcomer finds the metrics' names.
ALSO_RUN = ".venv/bin/journey metrics list metrics"


def metric_names() -> list[str]:
    document = yaml.safe_load((REPO_ROOT / "dbt" / "models" / "semantic" / "_semantic__metrics.yml").read_text())
    return [metric["name"] for metric in document.get("metrics", [])]


def check_for(command: str):
    # the longest matching prefix: `journey build` must not take `.venv/bin/journey build --exports …`
    prefixes = sorted((prefix for prefix in CHECKS if command.startswith(prefix)), key=len, reverse=True)
    return CHECKS[prefixes[0]]


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readme") / "journey-warehouse"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(folder)], check=True,
                   timeout=300)
    (folder / ".venv").symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    return folder


def _env(clone: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("JOURNEY_", "DAGSTER_", "DBT_", "MAKE", "PYTEST_"))}
    env.update(
        PYTHONPATH=str(clone),
        PATH=f"{clone / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        GX_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        COLUMNS="120",
    )
    return env


def _run(command: str, clone: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=clone, env=_env(clone), capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)


@pytest.mark.slow
def test_the_readme_commands_run_as_written_on_a_fresh_clone(clone, tmp_path):
    prepared = _run(".venv/bin/python -m dagster_project.cli prepare", clone)  # the stamp's last step
    assert prepared.returncode == 0, prepared.stdout[-2000:] + prepared.stderr[-2000:]

    commands = [command for command in readme_commands(README.read_text(encoding="utf-8")) if command not in NOT_RUN]
    commands.sort(key=lambda command: command != "make run")  # everything else needs the warehouse
    if not any(command.endswith("journey metrics list metrics") for command in commands):
        commands.append(ALSO_RUN)
    ran = []
    for command in commands:
        done = _run(runnable(command, tmp_path), clone)
        output = f"$ {command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        assert done.returncode == 0, f"exit {done.returncode}\n{output}"
        check_for(command)(done, clone, tmp_path)
        ran.append(command)
    assert "make run" in ran and len(ran) >= 6, ran
