"""Speed and memory benchmark: `journey generate` and `journey build` at several sizes.

Each step runs as its own process; peak memory is the largest resident set of that process and
everything it waited for (dbt runs as a subprocess of the Dagster build). Results go to
benchmarks/RESULTS.md (the table for this machine is replaced, older notes are kept above it).

    python benchmarks/run.py --sizes 500,20000 [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("RESULTS.md")
MARKER = "<!-- results table: written by benchmarks/run.py -->"


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command in a fresh process; return (seconds, peak RSS in MiB of it and its children)."""
    probe = (
        "import resource, subprocess, sys;"
        "code = subprocess.call(sys.argv[1:]);"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "print(f'PEAK_KIB={peak}', file=sys.stderr); sys.exit(code)"
    )
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-c", probe, *command], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
        raise SystemExit(f"benchmark step failed: {' '.join(command)}")
    peak_kib = next(
        int(line.split("=", 1)[1]) for line in completed.stderr.splitlines() if line.startswith("PEAK_KIB=")
    )
    return seconds, peak_kib / 1024


def folder_mib(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def run(sizes: list[int], keep: Path | None) -> list[dict]:
    journey = str(Path(sys.executable).with_name("journey"))
    work = keep or Path(tempfile.mkdtemp(prefix="journey-bench-"))
    rows = []
    for size in sizes:
        exports = work / f"exports_{size}"
        warehouse = work / f"warehouse_{size}" / "journey.duckdb"
        shutil.rmtree(exports, ignore_errors=True)
        shutil.rmtree(warehouse.parent, ignore_errors=True)
        env = {**os.environ, "DAGSTER_HOME": "", "JOURNEY_DBT_TARGET": "target_bench"}
        env.pop("DAGSTER_HOME")
        print(f"[{size:,} accounts] generate …", flush=True)
        gen_s, gen_mib = measure(
            [journey, "generate", "--accounts", str(size), "--seed", "7", "--out", str(exports)], env
        )
        print(f"[{size:,} accounts] build …", flush=True)
        build_s, build_mib = measure(
            [journey, "build", "--exports", str(exports), "--warehouse", str(warehouse), "--log-level", "ERROR"],
            env,
        )
        rows.append(
            {
                "accounts": size,
                "generate_s": gen_s,
                "generate_peak_mib": gen_mib,
                "exports_mib": folder_mib(exports),
                "build_s": build_s,
                "build_peak_mib": build_mib,
                "warehouse_mib": warehouse.stat().st_size / 2**20,
            }
        )
        print(rows[-1], flush=True)
    if keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def write_results(rows: list[dict]) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    table = [
        MARKER,
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine}.",
        "",
        "| accounts | generate (s) | generate peak RSS (MiB) | exports (MiB) | build (s) | build peak RSS (MiB) "
        "| warehouse (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        table.append(
            f"| {row['accounts']:,} | {row['generate_s']:.1f} | {row['generate_peak_mib']:.0f} "
            f"| {row['exports_mib']:.1f} | {row['build_s']:.1f} | {row['build_peak_mib']:.0f} "
            f"| {row['warehouse_mib']:.1f} |"
        )
    head = RESULTS.read_text().split(MARKER)[0] if RESULTS.exists() else "# Benchmark results\n\n"
    RESULTS.write_text(head + "\n".join(table) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,20000", help="comma-separated account counts")
    parser.add_argument("--keep", type=Path, help="keep generated exports and warehouses in this folder")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    write_results(run(sizes, args.keep))
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
