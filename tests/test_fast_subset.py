"""`make test-fast` (`pytest --fast`) is the day-to-day subset (issue 12, item 8).

It keeps the tests that need no warehouse and those on the one shared mini build; it leaves out the
tests marked slow and those that need the generated or generic-profile builds (tests/conftest.py).
Checked by collecting real test files with and without ``--fast``.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

FILES = ["tests/test_cli.py", "tests/test_report.py", "tests/test_dev_server.py"]


def collected(*options: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *options, *FILES],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return {line.strip() for line in done.stdout.splitlines() if "::" in line}


def test_fast_leaves_out_slow_tests_and_heavy_builds():
    everything, fast = collected(), collected("--fast")
    assert fast < everything
    left_out = everything - fast
    # marked slow: end-to-end builds, the dev server
    screenful = "tests/test_cli.py::test_a_build_prints_a_screenful_phase_lines_and_a_summary_naming_every_output"
    assert screenful in left_out
    assert not any(test.startswith("tests/test_dev_server.py::") for test in fast)
    # needs the generated business's build
    assert "tests/test_report.py::test_the_build_writes_the_report_beside_the_warehouse" in left_out
    # kept: no warehouse needed, or the shared mini build
    assert "tests/test_cli.py::test_help_has_no_rst_markup_and_describes_every_command" in fast
    assert "tests/test_report.py::test_every_cohort_row_is_labelled_with_its_size" in fast
    assert "tests/test_report.py::test_journey_report_command_writes_beside_the_warehouse" in fast  # mini build
