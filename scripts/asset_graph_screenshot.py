"""Screenshot the Dagster UI's global asset lineage (the README's ``docs/img/asset_graph.png``).

    python scripts/asset_graph_screenshot.py [--warehouse WAREHOUSE] [--out docs/img/asset_graph.png]

Starts the Dagster UI on the project the way ``make dev`` does (``scripts/dev_server.py``), on a free
port with a throw-away ``DAGSTER_HOME``, an empty exports folder (so the exports sensor starts no
build) and the given built warehouse (``make run`` builds one); opens *Lineage* (``/asset-groups``)
in headless Chromium (``scripts/ensure_chromium.sh`` installs it); waits until the graph is drawn,
saves the screenshot, and stops the server with every process it started.

Dagster's community sign-up dialog opens over a fresh instance served on 127.0.0.1: the throw-away
instance's ``dagster.yaml`` switches it off (``nux: enabled: false``) and the page's local storage
marks it as seen (key ``communityNux``), so it never covers the graph. Local storage also sets the
graph's direction (``asset-graph-direction``, ``--direction``) and folds Dagster's navigation bar
(``dagster-nav-collapsed``) to leave the graph more room. Groups are drawn collapsed, one box each.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = REPO_ROOT / "scripts"
sys.path.insert(0, str(SCRIPTS))

import headless_chromium  # noqa: E402  (a sibling script, not a package)

# True once the lineage graph has drawn its asset-group boxes (SVG foreignObjects hold the nodes).
GRAPH_DRAWN_JS = "document.querySelectorAll('svg foreignObject').length >= 12"


def page_settings_js(direction: str) -> str:
    """Local-storage settings the page reads on load: community dialog seen, graph direction, navigation folded."""
    settings = {"communityNux": "1", "asset-graph-direction": direction, "dagster-nav-collapsed": True}
    return "".join(f"localStorage.setItem({json.dumps(k)}, {json.dumps(json.dumps(v))});" for k, v in settings.items())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def instance_home(root: Path) -> Path:
    """A throw-away DAGSTER_HOME: the project's instance settings, community dialog off."""
    home = root / "dagster_home"
    home.mkdir()
    settings = (REPO_ROOT / "dagster_project" / "dagster.yaml").read_text(encoding="utf-8")
    (home / "dagster.yaml").write_text(settings.rstrip() + "\nnux:\n  enabled: false\n", encoding="utf-8")
    return home


def wait_until_served(url: str, server: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the dev server exited with code {server.returncode}; its log: {log}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/server_info", timeout=5) as reply:
            json.load(reply)
            return
        time.sleep(1)
    raise TimeoutError(f"the dev server did not answer {url}/server_info within {timeout:.0f}s; its log: {log}")


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to the wrapper's group (as a service manager would); it stops dg dev and its processes."""
    if server.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=REPO_ROOT / "data" / "warehouse" / "journey.duckdb")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "img" / "asset_graph.png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1050)
    parser.add_argument("--direction", choices=("vertical", "horizontal"), default="horizontal")
    parser.add_argument("--timeout", type=float, default=240, help="seconds to wait for the server and the graph")
    args = parser.parse_args(argv)

    warehouse = args.warehouse.resolve()
    if not warehouse.exists():
        print(f"no warehouse at {warehouse}: build one first (make run), or pass --warehouse", file=sys.stderr)
        return 2
    if headless_chromium.find_chromium() is None:
        print("no Chromium found: run scripts/ensure_chromium.sh (or set JOURNEY_CHROMIUM)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="journey-asset-graph-") as temp:
        root = Path(temp)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        empty_exports = root / "exports"
        empty_exports.mkdir()
        env = dict(
            os.environ,
            DAGSTER_HOME=str(instance_home(root)),
            JOURNEY_WAREHOUSE=str(warehouse),
            JOURNEY_EXPORTS_DIR=str(empty_exports),  # the exports sensor never starts a build meanwhile
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
            GX_ANALYTICS_ENABLED="false",
            DO_NOT_TRACK="1",
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        log = root / "dev_server.log"
        with log.open("w", encoding="utf-8") as log_file:
            server = subprocess.Popen(
                [sys.executable, str(SCRIPTS / "dev_server.py"), "--host", "127.0.0.1", "--port", str(port)],
                cwd=REPO_ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_until_served(url, server, log, args.timeout)
                report = headless_chromium.open_page(
                    f"{url}/asset-groups",
                    screenshot=args.out,
                    width=args.width,
                    height=args.height,
                    wait_js=GRAPH_DRAWN_JS,
                    timeout=args.timeout,
                    settle_seconds=3.0,
                    full_page=False,
                    init_js=page_settings_js(args.direction),
                )
            except Exception:
                shutil.copy(log, args.out.with_suffix(".server.log"))
                raise
            finally:
                stop(server)
    size_kb = args.out.stat().st_size / 1024
    print(f"screenshot: {args.out} ({size_kb:.0f} KB, page ready after {report.waited_seconds:.0f}s)")
    for error in report.console_errors:
        print(f"console error: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
