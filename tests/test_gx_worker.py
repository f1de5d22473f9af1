"""The Great Expectations helper process: same outcomes as in-process, and it never outlives a build.

A build starts the helper first thing (``quality.gx_worker.start``) so GX imports while Dagster starts.
The helper must let go of the build's stdout/stderr (a caller reading them to the end would otherwise
wait for ever) and end when the build process ends, however it ends.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from dagster_project.quality import gx_worker, suites
from tests.conftest import REPO_ROOT

SCRIPT = """
import os, sys, time
from dagster_project.quality import gx_worker
gx_worker.start()
pids = set()
for _ in range(600):  # the helper process appears within seconds
    pids = {child.pid for child in __import__('multiprocessing').active_children()}
    if pids:
        break
    time.sleep(0.1)
print(*pids, flush=True)
os._exit(0)  # gone at once: no atexit, no pool shutdown (as a killed build)
"""


def test_the_helper_lets_go_of_the_output_and_ends_with_the_build():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    helpers = [int(pid) for pid in done.stdout.split()]
    assert helpers, "the build started a helper process"
    deadline = time.monotonic() + 60
    while any(Path(f"/proc/{pid}").exists() for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = [pid for pid in helpers if Path(f"/proc/{pid}").exists()
             and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]  # fmt: skip
    assert not alive, "the helper outlived the build"


def test_outcomes_are_the_same_in_the_helper_and_in_process():
    suite = next(item for item in suites.load_suites(kind="raw") if item.name.endswith("hubspot_companies"))
    column = next(e["kwargs"]["column"] for e in suite.expectations if "column" in e.get("kwargs", {}))
    frame = pd.DataFrame({column: ["a", None, "c"], "_source_file": ["f.csv"] * 3, "_row_number": [1, 2, 3]})
    here = suites.validate_frame_here(frame, suite)
    gx_worker.start()
    try:
        there = suites.validate_frame(frame, suite)
    finally:
        gx_worker.stop()
    assert [(o.name, o.success, o.unexpected_count) for o in there] == [
        (o.name, o.success, o.unexpected_count) for o in here
    ]
    assert any(not outcome.success for outcome in here), "the frame fails something, so the comparison means something"
