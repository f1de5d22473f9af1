"""`make dev` stops on Ctrl-C and on SIGTERM, leaving no process behind (issue 12).

Each test starts `make dev` on a free port with DAGSTER_HOME in a temporary folder and an empty exports
folder (so the exports sensor never starts a build), waits until the UI answers ``/server_info``, sends
the signal to make's process group, and asserts every process the server started is gone. Processes
are found by a marker in their environment, which every descendant inherits whatever its process group
or parent, so a process that moved to another group or was re-parented to init still counts.

The bound (90 s) is a hang check, not a timing: before the fix, a server started with SIGINT ignored
(as a shell starts a background job without job control) ignored SIGTERM in every Dagster process and
never stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.test_asset_keys import GROUPS

pytestmark = pytest.mark.slow  # the Dagster UI takes 30-60 s to start on a busy 2-core machine

STARTUP_TIMEOUT = 240
STOP_BOUND = 90
MARKER = "JOURNEY_DEV_SERVER_TEST"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def marked_processes(token: str) -> dict[int, str]:
    """pid → command line of every live (non-zombie) process whose environment holds the marker."""
    needle = f"{MARKER}={token}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if state != "Z":
            found[int(entry.name)] = command[:160]
    return found


def wait_until_served(url: str, make: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if make.poll() is not None:
            pytest.fail(f"make dev exited with code {make.returncode} before serving; its output:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as reply:
                return json.load(reply)
        except OSError:
            time.sleep(1)
    pytest.fail(f"make dev did not answer {url}/server_info within {STARTUP_TIMEOUT}s; its output:\n{log.read_text()}")


ASSET_GROUPS_QUERY = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name } assetGroups { groupName } } } } }
"""


def served_asset_groups(url: str) -> dict[str, list[str]]:
    """`location/repository` → the asset groups the running UI serves (GraphQL, as the UI asks)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        request = urllib.request.Request(
            f"{url}/graphql",
            data=json.dumps({"query": ASSET_GROUPS_QUERY}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as reply:
            nodes = json.load(reply)["data"]["repositoriesOrError"].get("nodes") or []
        if nodes or time.monotonic() > deadline:
            return {
                f"{node['location']['name']}/{node['name']}": sorted(g["groupName"] for g in node["assetGroups"])
                for node in nodes
            }
        time.sleep(2)


def ignore_sigint() -> None:
    """What a shell without job control does to a background job (`make dev &` in a script, CI)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_signals() -> None:
    """What a terminal gives a foreground job: Ctrl-C interrupts it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("launched", "preexec", "stop_signal"),
    [
        ("in the background with SIGINT ignored", ignore_sigint, signal.SIGTERM),
        ("in the foreground", default_signals, signal.SIGINT),
    ],
    ids=["sigterm-background", "ctrl-c-foreground"],
)
def test_make_dev_stops_on_a_signal_and_leaves_no_process(tmp_path: Path, launched, preexec, stop_signal):
    token = uuid.uuid4().hex
    port = free_port()
    exports = tmp_path / "exports"
    exports.mkdir()
    env = dict(
        os.environ,
        **{MARKER: token},
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
        DAGSTER_PORT=str(port),
        JOURNEY_EXPORTS_DIR=str(exports),
        JOURNEY_WAREHOUSE=str(tmp_path / "journey.duckdb"),
    )
    log = tmp_path / "make_dev.log"
    with log.open("w") as output:
        # -o: never redo the set-up (the virtualenv is ready; a test must not reinstall it)
        make = subprocess.Popen(
            ["make", "--no-print-directory", "-o", ".venv/.installed", "dev"],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=preexec,
        )
    try:
        url = f"http://127.0.0.1:{port}"  # DAGSTER_PORT chose the port (README: `DAGSTER_PORT=3001 make dev`)
        info = wait_until_served(url, make, log)
        assert info["dagster_webserver_version"] == info["dagster_version"]
        # the lineage view has the twelve groups; the README's group-page links name this location
        assert served_asset_groups(url) == {"dagster_project.definitions/__repository__": sorted(GROUPS)}
        readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
        assert set(re.findall(r"/locations/([\w.]+)/asset-groups/", readme)) == {"dagster_project.definitions"}
        started = marked_processes(token)
        commands = " | ".join(started.values())
        # the server really runs: webserver, daemon and the project's code location
        assert "dagster_webserver" in commands and "dagster._daemon" in commands, commands
        assert "dagster_project.definitions" in commands, commands

        os.killpg(make.pid, stop_signal)

        deadline = time.monotonic() + STOP_BOUND
        while (left := marked_processes(token)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not left, (
            f"launched {launched}, {signal.Signals(stop_signal).name} to make's group: still running after "
            f"{STOP_BOUND}s:\n" + "\n".join(f"{pid} {command}" for pid, command in left.items())
        )
        assert make.wait(timeout=10) is not None
        output = log.read_text()
        assert "dev server: stopped" in output, output
        # `make dev` runs `dg dev`, not the superseded `dagster dev` (issue 12, item 7)
        assert "superseded" not in output.lower() and "Use 'dg dev' instead" not in output, output
    finally:
        for pid in marked_processes(token):  # only ever the processes this test started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if make.poll() is None:
            make.kill()
            make.wait()
