"""Speed and memory benchmark: `journey build` against the straight-DuckDB floor, at several sizes.

For each size: `journey generate` writes the exports; a cold `journey build` builds them (wall time,
per-phase seconds, peak memory); `benchmarks/floor.py` does the same loading and core marts in plain
DuckDB SQL on the same files (and checks its ending MRR against the build's mart); a rebuild with no
file changed; then a new drop of ~1% more accounts (another seed, written into the same folders under
new file names) and a rebuild after it. Optionally (--sample) a cold build of the shipped sample.

Memory is the peak of the SUM of the resident set sizes of the whole process tree (the build, dbt and
every other child), sampled from /proc every 0.2 s. Per-phase seconds come from `last_build.json`
beside the warehouse when the CLI writes it, else from the Dagster and dbt log lines.

Results: benchmarks/results.json (a list of runs; runs of other sizes already there are kept),
benchmarks/RESULTS.md (machine, versions, tables, the targets) and benchmarks/time_vs_accounts.png.

    python benchmarks/run.py --sizes 10000,100000,1000000 [--sample] [--keep DIR] [--label full]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import itertools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
RESULTS_MD = HERE / "RESULTS.md"
RESULTS_JSON = HERE / "results.json"
PLOT = HERE / "time_vs_accounts.png"
MARKER = "<!-- results: written by benchmarks/run.py, everything below this line is replaced -->"
PHASES = ("startup", "ingest", "raw_checks", "models", "tests", "mart_checks", "publish", "report")
SEED = 7
DROP_SEED = 13  # the generator's export date is the end of October 2026 minus seed % 6 months: 13 ≡ 7
DROP_SHARE = 0.01
PAGE = os.sysconf("SC_PAGE_SIZE")

# Targets from issue 14 (2-core, 24 GiB machine).
TARGET_1M_SECONDS = 15 * 60
TARGET_1M_PEAK_MB = 8000
TARGET_FLOOR_RATIO = 1.5
TARGET_SAMPLE_SECONDS = 45
TARGET_REBUILD_SECONDS = 15
TARGET_DROP_SHARE = 0.10


# --- measuring a process tree -------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                # the command name may hold spaces and parentheses: the fields start after the last ')'
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_rss_bytes(root: int) -> int:
    """The sum of the resident set sizes of ``root`` and all its descendants, now."""
    children = _children_map()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


class Measured:
    def __init__(self, seconds: float, peak_mb: float, stdout: str, stderr: str, started_at: float):
        self.seconds = seconds
        self.peak_mb = peak_mb
        self.stdout = stdout
        self.stderr = stderr
        self.started_at = started_at  # wall clock (time.time()) at launch


def measure(command: list[str], env: dict[str, str], what: str) -> Measured:
    """Run a command; wall seconds and the peak of the summed RSS of its process tree (every 0.2 s)."""
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        return _measure(command, env, what, out, err)


def _measure(command: list[str], env: dict[str, str], what: str, out, err) -> Measured:
    started_at = time.time()
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=err, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(process.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        code = process.wait()
    except BaseException:  # interrupted: do not leave a build running behind the benchmark
        process.kill()
        process.wait()
        raise
    finally:
        done.set()
    seconds = time.monotonic() - started
    sampler.join()
    out.seek(0)
    err.seek(0)
    stdout, stderr = out.read(), err.read()
    if code != 0:
        sys.stderr.write(stdout[-4000:] + stderr[-4000:])
        raise SystemExit(f"benchmark step failed ({what}, exit {code}): {' '.join(command)}")
    return Measured(seconds, peak / 2**20, stdout, stderr, started_at)


# --- phases -------------------------------------------------------------------------------------

DAGSTER_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ([+-]\d{4}) - dagster - \w+ - [^ ]+ - [0-9a-f-]+ - ([^ ]+) - "
)
DBT_NODE = re.compile(r"^\s*\d+ of \d+ (OK created|PASS|FAIL|WARN|ERROR)\b.*? (\w+) [^ ]+ \.*.*in (\d+(?:\.\d+)?)s\]")


def _classify_step(step: str) -> str:
    name = step.lower()
    if "dbt" in name:
        return "dbt"
    if "report" in name:
        return "report"
    if "publish" in name or "parquet" in name or "marts_file" in name:
        return "publish"
    if "mart" in name and ("check" in name or "expect" in name or "gx" in name):
        return "mart_checks"
    if "check" in name or "expect" in name or "gx" in name or "quality" in name or "suite" in name:
        return "raw_checks"
    return "ingest"


def phases_from_logs(measured: Measured) -> dict[str, float] | None:
    """Per-phase seconds from the Dagster log lines (whole seconds) and dbt's per-node timings.

    The fallback when the CLI writes no last_build.json. Steps run one after another in the build's
    process, so the time since the previous log line is given to the step of the next line; start-up is
    the time before the first line plus the time after the last one (summary, shut-down). The dbt step's
    share is split between models and tests by dbt's own node durations.
    """
    stamped = []
    for line in measured.stderr.splitlines():
        match = DAGSTER_LINE.match(line)
        if match:
            at = datetime.strptime(f"{match[1]} {match[2]}", "%Y-%m-%d %H:%M:%S %z").timestamp()
            stamped.append((at, match[3]))
    if not stamped:
        return None
    stamped.sort(key=lambda item: item[0])
    phases = dict.fromkeys(PHASES, 0.0)
    finished_at = measured.started_at + measured.seconds
    phases["startup"] = max(0.0, stamped[0][0] - measured.started_at) + max(0.0, finished_at - stamped[-1][0] - 1)
    model_s = test_s = 0.0
    for line in measured.stdout.splitlines():
        node = DBT_NODE.match(line)
        if node:
            if node[1] == "OK created":
                model_s += float(node[3])
            else:
                test_s += float(node[3])
    model_share = model_s / (model_s + test_s) if model_s + test_s else 1.0
    for (before, _), (at, step) in itertools.pairwise(stamped):
        kind = _classify_step(step)
        if kind == "dbt":
            phases["models"] += (at - before) * model_share
            phases["tests"] += (at - before) * (1 - model_share)
        else:
            phases[kind] += at - before
    return {name: round(seconds, 2) for name, seconds in phases.items()}


def read_phases(warehouse: Path, measured: Measured) -> tuple[dict[str, float] | None, str]:
    summary = warehouse.with_name("last_build.json")
    if summary.is_file():
        try:
            data = json.loads(summary.read_text())
            phases = {name: float(data.get("phases", {}).get(name, 0.0)) for name in PHASES}
            return phases, "last_build.json"
        except (ValueError, TypeError, AttributeError) as error:
            print(f"  note: {summary} is unreadable ({error}); phases from the logs instead", flush=True)
    phases = phases_from_logs(measured)
    return phases, "logs" if phases else "none"


# --- one size -----------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "JOURNEY_DBT_TARGET": "target_bench",
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance: no run history in the timings
    env.pop("JOURNEY_EXPORTS_DIR", None)
    env.pop("JOURNEY_WAREHOUSE", None)
    return env


def journey(*args: str) -> list[str]:
    return [sys.executable, "-m", "dagster_project.cli", *args]


def build_command(exports: Path, warehouse: Path) -> list[str]:
    return journey("build", "--exports", str(exports), "--warehouse", str(warehouse), "--log-level", "INFO")


def folder_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def add_drop(exports: Path, drop: Path, tag: str) -> int:
    """Copy every file of ``drop`` into the same folder of ``exports`` under a new name; return files."""
    copied = 0
    for path in sorted(drop.rglob("*")):
        if not path.is_file() or path.name == "manifest.json":
            continue
        stem, dot, suffix = path.name.partition(".")
        target = exports / path.parent.relative_to(drop) / f"{stem}_{tag}{dot}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        copied += 1
    return copied


def timed_build(exports: Path, warehouse: Path, env: dict[str, str], what: str) -> dict:
    measured = measure(build_command(exports, warehouse), env, what)
    phases, source = read_phases(warehouse, measured)
    return {"seconds": round(measured.seconds, 2), "peak_mb": round(measured.peak_mb), "phases": phases,
            "phases_source": source}


def run_size(accounts: int, work: Path, env: dict[str, str], label: str) -> dict:
    exports = work / f"exports_{accounts}"
    warehouse = work / f"warehouse_{accounts}" / "journey.duckdb"
    floor_db = work / f"floor_{accounts}.duckdb"
    for folder in (exports, warehouse.parent, work / f"drop_{accounts}"):
        shutil.rmtree(folder, ignore_errors=True)
    floor_db.unlink(missing_ok=True)

    def say(message: str) -> None:
        print(f"[{accounts:,} accounts] {message}", flush=True)

    say("generate …")
    generated = measure(
        journey("generate", "--accounts", str(accounts), "--seed", str(SEED), "--out", str(exports)), env, "generate"
    )
    say(f"  {generated.seconds:.1f}s, {folder_mb(exports):,.1f} MiB of exports; cold build …")
    cold = timed_build(exports, warehouse, env, "cold build")
    say(f"  {cold['seconds']:.1f}s, peak {cold['peak_mb']:,} MB (phases from {cold['phases_source']}); floor …")
    floor_json = work / f"floor_{accounts}.json"
    floor = measure(
        [sys.executable, str(HERE / "floor.py"), "--exports", str(exports), "--database", str(floor_db),
         "--compare", str(warehouse), "--json", str(floor_json)],
        env,
        "floor",
    )
    print(floor.stdout, end="", flush=True)
    floor_result = json.loads(floor_json.read_text())
    say(f"  floor {floor.seconds:.1f}s, peak {floor.peak_mb:,.0f} MB; rebuild, no file changed …")
    rebuild = timed_build(exports, warehouse, env, "no-change rebuild")
    drop_accounts = max(5, round(accounts * DROP_SHARE))
    say(f"  {rebuild['seconds']:.1f}s; a new drop of {drop_accounts:,} accounts (seed {DROP_SEED}) …")
    drop_folder = work / f"drop_{accounts}"
    measure(
        journey("generate", "--accounts", str(drop_accounts), "--seed", str(DROP_SEED), "--out", str(drop_folder)),
        env,
        "generate the drop",
    )
    drop_files = add_drop(exports, drop_folder, "drop1")
    drop = timed_build(exports, warehouse, env, "rebuild after the drop")
    say(f"  {drop['seconds']:.1f}s after a drop of {drop_files} files; the floor on the files after the drop …")
    drop_json = work / f"floor_{accounts}_drop.json"
    drop_floor = measure(
        [sys.executable, str(HERE / "floor.py"), "--exports", str(exports), "--database", str(floor_db),
         "--compare", str(warehouse), "--json", str(drop_json)],
        env,
        "floor after the drop",
    )
    print(drop_floor.stdout, end="", flush=True)
    drop_result = json.loads(drop_json.read_text())
    floor_figures = floor_result["figures"]
    built = floor_result.get("build_figures", {})
    return {
        "label": label,
        "accounts": accounts,
        "build_seconds": cold["seconds"],
        "peak_mb": cold["peak_mb"],
        "floor_seconds": round(floor.seconds, 2),
        "floor_peak_mb": round(floor.peak_mb),
        "floor_ratio": round(cold["seconds"] / floor.seconds, 2),
        "phases": cold["phases"],
        "phases_source": cold["phases_source"],
        "rebuild_seconds": rebuild["seconds"],
        "rebuild_peak_mb": rebuild["peak_mb"],
        "drop_accounts": drop_accounts,
        "drop_seconds": drop["seconds"],
        "drop_peak_mb": drop["peak_mb"],
        "drop_share_of_build": round(drop["seconds"] / cold["seconds"], 3),
        "drop_floor_seconds": round(drop_floor.seconds, 2),
        "drop_floor_ending_mrr": round(drop_result["figures"]["ending_mrr"], 2),
        "drop_build_ending_mrr": round(drop_result.get("build_figures", {}).get("ending_mrr", float("nan")), 2),
        "drop_mrr_agrees": drop_result.get("mrr_agrees"),
        "generate_seconds": round(generated.seconds, 2),
        "exports_mb": round(folder_mb(exports) - folder_mb(drop_folder), 1),
        "export_rows": sum(rows for table, rows in floor_result["rows"].items() if table != "invoice_lines"),
        "warehouse_mb": round(warehouse.stat().st_size / 2**20, 1),
        "floor_load_seconds": round(floor_result["load_seconds"], 2),
        "floor_transform_seconds": round(floor_result["transform_seconds"], 2),
        "as_of_month": floor_figures["as_of_month"],
        "floor_ending_mrr": round(floor_figures["ending_mrr"], 2),
        "build_ending_mrr": round(built.get("ending_mrr", float("nan")), 2),
        "mrr_agrees": floor_result.get("mrr_agrees"),
        "floor_active_accounts": floor_figures["active_accounts"],
        "build_active_accounts": built.get("active_accounts"),
        "floor_nps": floor_figures["nps"],
        "build_nps": built.get("nps"),
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
    }


def run_sample(work: Path, env: dict[str, str], label: str) -> dict:
    sample = REPO / "data" / "sample" / "exports"
    warehouse = work / "warehouse_sample" / "journey.duckdb"
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    print("[sample] cold build …", flush=True)
    cold = timed_build(sample, warehouse, env, "sample cold build")
    print(f"[sample]   {cold['seconds']:.1f}s; rebuild, no file changed …", flush=True)
    rebuild = timed_build(sample, warehouse, env, "sample rebuild")
    return {
        "label": label,
        "sample": True,
        "build_seconds": cold["seconds"],
        "peak_mb": cold["peak_mb"],
        "phases": cold["phases"],
        "phases_source": cold["phases_source"],
        "rebuild_seconds": rebuild["seconds"],
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
    }


# --- machine, results files, plot ---------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    memory_gib = os.sysconf("SC_PHYS_PAGES") * PAGE / 2**30
    versions = {}
    for package in ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "absent"
    load1 = os.getloadavg()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_1min_at_end": round(load1, 2),
        **versions,
    }


def merge_runs(new: list[dict]) -> list[dict]:
    """The runs of this invocation, plus earlier runs of other sizes (so a smoke run and the full one sit together)."""
    old = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else []
    keys = {(run.get("accounts"), run.get("sample", False)) for run in new}
    kept = [run for run in old if (run.get("accounts"), run.get("sample", False)) not in keys]
    return sorted(kept + new, key=lambda run: (not run.get("sample", False), run.get("accounts") or 0))


def _fmt(value, pattern: str = "{:.1f}") -> str:
    return "–" if value is None else pattern.format(value)


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "**missed**")


def write_markdown(runs: list[dict]) -> None:
    sized = [run for run in runs if not run.get("sample")]
    samples = [run for run in runs if run.get("sample")]
    lines = [MARKER, ""]
    machines = {
        json.dumps({key: value for key, value in run["machine"].items() if key != "load_1min_at_end"}, sort_keys=True)
        for run in runs
    }
    for described in sorted(machines):
        info = json.loads(described)
        lines.append(
            f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, {info['os']}; "
            f"Python {info['python']}, dagster {info['dagster']}, dagster-dbt {info['dagster-dbt']}, "
            f"dbt-core {info['dbt-core']}, dbt-duckdb {info['dbt-duckdb']}, duckdb {info['duckdb']}, "
            f"great-expectations {info['great-expectations']}."
        )
    lines += [
        "",
        "## Build against the floor",
        "",
        "| run | accounts | export rows | exports (MiB) | build (s) | peak (MB) | floor (s) | floor peak (MB) "
        "| build ÷ floor | no-change rebuild (s) | +1% drop (s) | drop ÷ build | measured | load (1 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for run in sized:
        lines.append(
            f"| {run['label']} | {run['accounts']:,} | {run['export_rows']:,} | {run['exports_mb']:,.1f} "
            f"| {run['build_seconds']:.1f} | {run['peak_mb']:,} | {run['floor_seconds']:.1f} "
            f"| {run['floor_peak_mb']:,} | {run['floor_ratio']:.1f}× | {run['rebuild_seconds']:.1f} "
            f"| {run['drop_seconds']:.1f} | {run['drop_share_of_build']:.0%} | {run['measured_at']} "
            f"| {run['machine']['load_1min_at_end']} |"
        )
    lines += [
        "",
        "## Phases of the cold build (seconds)",
        "",
        "| run | accounts | " + " | ".join(PHASES) + " | total | source | load (1 min) |",
        "|---|---:|" + "---:|" * len(PHASES) + "---:|---|---:|",
    ]
    for run in sized + samples:
        phases = run.get("phases") or {}
        accounts = "sample" if run.get("sample") else f"{run['accounts']:,}"
        lines.append(
            f"| {run['label']} | {accounts} | "
            + " | ".join(_fmt(phases.get(name)) for name in PHASES)
            + f" | {run['build_seconds']:.1f} | {run['phases_source']} | {run['machine']['load_1min_at_end']} |"
        )
    lines += [
        "",
        "## Floor and build agree? (latest month, `as_of_month`)",
        "",
        "| run | accounts | as_of_month | ending MRR, floor | ending MRR, build | agrees "
        "| active accounts floor / build | NPS floor / build | after the 1% drop: floor / build |",
        "|---|---:|---|---:|---:|---|---:|---:|---|",
    ]
    for run in sized:
        lines.append(
            f"| {run['label']} | {run['accounts']:,} | {run['as_of_month']} | {run['floor_ending_mrr']:,.2f} "
            f"| {run['build_ending_mrr']:,.2f} | {'yes' if run['mrr_agrees'] else '**no**'} "
            f"| {run['floor_active_accounts']:,} / {_fmt(run['build_active_accounts'], '{:,}')} "
            f"| {_fmt(run['floor_nps'])} / {_fmt(run['build_nps'])} "
            f"| {run['drop_floor_ending_mrr']:,.2f} / {run['drop_build_ending_mrr']:,.2f} "
            f"{'(agree)' if run['drop_mrr_agrees'] else '(**differ**)'} |"
        )
    million = next((run for run in sized if run["accounts"] == 1_000_000), None)
    sample = samples[-1] if samples else None
    lines += [
        "",
        "## Targets (2-core, 24 GiB)",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        f"| 1M accounts end to end ≤ 15 min | {_fmt(million and million['build_seconds'], '{:.0f} s')} "
        f"| {_verdict(million and million['build_seconds'] <= TARGET_1M_SECONDS)} |",
        f"| 1M accounts peak ≤ 8 GB | {_fmt(million and million['peak_mb'], '{:,} MB')} "
        f"| {_verdict(million and million['peak_mb'] <= TARGET_1M_PEAK_MB)} |",
        f"| ≤ 1.5× the floor at 1M | {_fmt(million and million['floor_ratio'], '{:.1f}×')} "
        f"| {_verdict(million and million['floor_ratio'] <= TARGET_FLOOR_RATIO)} |",
        f"| the sample's cold build ≤ 45 s | {_fmt(sample and sample['build_seconds'], '{:.1f} s')} "
        f"| {_verdict(sample and sample['build_seconds'] <= TARGET_SAMPLE_SECONDS)} |",
    ]
    for run in sized:
        lines.append(
            f"| no-change rebuild ≤ 15 s ({run['accounts']:,}) | {run['rebuild_seconds']:.1f} s "
            f"| {_verdict(run['rebuild_seconds'] <= TARGET_REBUILD_SECONDS)} |"
        )
        lines.append(
            f"| 1% drop ≤ 10% of a full build ({run['accounts']:,}) | {run['drop_share_of_build']:.0%} "
            f"| {_verdict(run['drop_share_of_build'] <= TARGET_DROP_SHARE)} |"
        )
    if sample:
        lines.append(
            f"| no-change rebuild ≤ 15 s (sample) | {sample['rebuild_seconds']:.1f} s "
            f"| {_verdict(sample['rebuild_seconds'] <= TARGET_REBUILD_SECONDS)} |"
        )
    if PLOT.exists():
        lines += ["", f"![time against accounts, log-log]({PLOT.name})"]
    head = RESULTS_MD.read_text().split(MARKER)[0] if RESULTS_MD.exists() else "# Benchmark results\n\n"
    RESULTS_MD.write_text(head + "\n".join(lines) + "\n")


def write_plot(runs: list[dict]) -> None:
    sized = sorted((run for run in runs if not run.get("sample")), key=lambda run: run["accounts"])
    if len(sized) < 1:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[dev]'): no plot", file=sys.stderr)
        return
    figure, axes = plt.subplots(figsize=(7, 4.5))
    labels = sorted({run["label"] for run in sized})
    series = (
        ("build_seconds", "journey build (cold)", "C0"),
        ("floor_seconds", "floor: straight DuckDB", "C1"),
        ("rebuild_seconds", "rebuild, no change", "C2"),
        ("drop_seconds", "rebuild after a 1% drop", "C3"),
    )
    # one line per label: a smoke run on a busy machine is never joined to a full run's points
    for number, label in enumerate(labels):
        runs_of_label = [run for run in sized if run["label"] == label]
        accounts = [run["accounts"] for run in runs_of_label]
        for key, name, colour in series:
            axes.plot(
                accounts,
                [run[key] for run in runs_of_label],
                marker="o",
                color=colour,
                linestyle=("-", "--", ":", "-.")[number % 4],
                label=f"{name} ({label})",
            )
    axes.axhline(TARGET_1M_SECONDS, color="grey", linestyle=":", linewidth=1, label="15 min target (1M)")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("accounts")
    axes.set_ylabel("wall time (s)")
    axes.set_title(f"Journey Warehouse benchmark ({', '.join(labels)})")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(PLOT, dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated account counts")
    parser.add_argument("--sample", action="store_true", help="also time a cold build of the shipped sample")
    parser.add_argument("--label", default="full", help="what this run is (e.g. smoke), shown beside its figures")
    parser.add_argument("--keep", type=Path, help="keep generated exports and warehouses in this folder")
    parser.add_argument("--render", action="store_true", help="only redraw RESULTS.md and the plot from results.json")
    args = parser.parse_args()
    if args.render:
        runs = json.loads(RESULTS_JSON.read_text())
        write_plot(runs)
        write_markdown(runs)
        return
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    work = args.keep or Path(tempfile.mkdtemp(prefix="journey-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = _env()
    runs = []
    try:
        if args.sample:
            runs.append(run_sample(work, env, args.label))
            RESULTS_JSON.write_text(json.dumps(merge_runs(runs), indent=2) + "\n")
        for size in sizes:
            runs.append(run_size(size, work, env, args.label))
            RESULTS_JSON.write_text(json.dumps(merge_runs(runs), indent=2) + "\n")  # kept if a later size fails
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    merged = merge_runs(runs)
    write_plot(merged)
    write_markdown(merged)
    print(RESULTS_MD.read_text())


if __name__ == "__main__":
    main()
