"""Open a page in headless Chromium through the DevTools protocol: console errors, network, screenshot.

Used by the report's browser test and to take the README screenshots::

    python scripts/headless_chromium.py URL --screenshot out.png [--width 1400] [--wait-js EXPR]

Chromium is Debian's ``chromium`` package (``scripts/ensure_chromium.sh`` installs it). Only the page's
own addresses are ever requested; the browser's background networking is switched off.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
]


def find_chromium() -> str | None:
    configured = os.environ.get("JOURNEY_CHROMIUM")
    for name in ([configured] if configured else []) + list(CHROMIUM_NAMES):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageReport:
    url: str
    console_errors: list[str] = field(default_factory=list)
    console_messages: list[str] = field(default_factory=list)
    requested_urls: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    evaluation: object = None
    waited_seconds: float = 0.0
    screenshot: Path | None = None


class DevToolsSession:
    """A minimal DevTools protocol client over one websocket, attached to one page target."""

    def __init__(self, websocket_url: str) -> None:
        from websockets.sync.client import connect

        self._exit_stack = contextlib.ExitStack()
        self._socket = self._exit_stack.enter_context(connect(websocket_url, max_size=None, open_timeout=30))
        self._ids = itertools.count(1)
        self._events: list[dict] = []
        self.session_id: str | None = None

    def close(self) -> None:
        self._exit_stack.close()

    def send(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        message_id = next(self._ids)
        message = {"id": message_id, "method": method, "params": params or {}}
        if self.session_id and not method.startswith("Target."):
            message["sessionId"] = self.session_id
        self._socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self._socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools {method} failed: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def drain(self, seconds: float) -> None:
        """Read events for ``seconds`` (console messages, network) without sending anything."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                self._events.append(json.loads(self._socket.recv(timeout=remaining)))
            except TimeoutError:
                return

    def take_events(self) -> list[dict]:
        events, self._events = self._events, []
        return events


def _launch(chromium: str, profile: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: closing it ends every helper process too
    )
    deadline = time.monotonic() + 60
    assert process.stderr is not None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        match = re.search(r"DevTools listening on (ws://\S+)", line)
        if match:
            return process, match.group(1)
    _stop(process)
    raise RuntimeError(f"{chromium} did not start its DevTools endpoint (exit code {process.poll()})")


def _stop(process: subprocess.Popen) -> None:
    """End the Chromium this module started, with its helper processes (its own process group)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _record(events: list[dict], report: PageReport) -> None:
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(argument.get("value", argument.get("description", ""))) for argument in params["args"])
            report.console_messages.append(f"{params['type']}: {text}")
            if params["type"] in {"error", "assert"}:
                report.console_errors.append(text)
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text", "")
            report.console_errors.append(f"uncaught: {description}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            report.console_errors.append(f"{params['entry']['source']}: {params['entry']['text']}")
        elif method == "Network.requestWillBeSent":
            report.requested_urls.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            report.failed_requests.append(f"{params.get('requestId')}: {params.get('errorText')}")


def open_page(
    url: str,
    screenshot: Path | None = None,
    width: int = 1400,
    height: int = 900,
    wait_js: str | None = None,
    evaluate_js: str | None = None,
    timeout: float = 90,
    settle_seconds: float = 1.0,
    full_page: bool = True,
    clip_selector: str | None = None,
    before_screenshot_js: str | None = None,
    init_js: str | None = None,
) -> PageReport:
    """Load ``url``; wait until ``wait_js`` is true; evaluate ``evaluate_js``; screenshot; report.

    ``init_js`` runs in the page before its own scripts (e.g. to set a local-storage key the page reads).
    """
    chromium = find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium found (install Debian's chromium: scripts/ensure_chromium.sh)")
    report = PageReport(url=url)
    with tempfile.TemporaryDirectory(prefix="journey-chromium-", ignore_cleanup_errors=True) as profile:
        process, browser_url = _launch(chromium, Path(profile))
        session = DevToolsSession(browser_url)
        try:
            target = session.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session.session_id = session.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
                "sessionId"
            ]
            for domain in ("Page", "Runtime", "Log", "Network"):
                session.send(f"{domain}.enable")
            session.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            if init_js:
                session.send("Page.addScriptToEvaluateOnNewDocument", {"source": init_js})
            started = time.monotonic()
            session.send("Page.navigate", {"url": url})
            condition = "document.readyState === 'complete'" + (f" && ({wait_js})" if wait_js else "")
            while True:
                value = (
                    session.send("Runtime.evaluate", {"expression": f"Boolean({condition})", "returnByValue": True})
                    .get("result", {})
                    .get("value")
                )
                if value:
                    break
                if time.monotonic() - started > timeout:
                    raise TimeoutError(f"{url}: still waiting after {timeout:.0f}s for {condition}")
                session.drain(0.25)
            report.waited_seconds = time.monotonic() - started
            session.drain(settle_seconds)
            if before_screenshot_js:
                session.send("Runtime.evaluate", {"expression": before_screenshot_js, "awaitPromise": True})
                session.drain(settle_seconds)
            if evaluate_js:
                report.evaluation = (
                    session.send("Runtime.evaluate", {"expression": evaluate_js, "returnByValue": True})
                    .get("result", {})
                    .get("value")
                )
            if screenshot is not None:
                report.screenshot = _screenshot(session, Path(screenshot), width, height, full_page, clip_selector)
            _record(session.take_events(), report)
        finally:
            with contextlib.suppress(Exception):
                session.send("Browser.close", timeout=5)
            session.close()
            _stop(process)
    return report


def _element_box(session: DevToolsSession, selector: str) -> dict:
    expression = (
        f"(() => {{ const box = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
        " return {x: box.left + window.scrollX, y: box.top + window.scrollY,"
        " width: box.width, height: box.height, scale: 1}; })()"
    )
    reply = session.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
    if "value" not in reply.get("result", {}):
        raise RuntimeError(f"no element {selector!r} to screenshot: {reply}")
    return reply["result"]["value"]


def _screenshot(
    session: DevToolsSession,
    path: Path,
    width: int,
    height: int,
    full_page: bool,
    clip_selector: str | None = None,
) -> Path:
    if full_page or clip_selector:
        metrics = session.send("Page.getLayoutMetrics")
        content = metrics.get("cssContentSize") or metrics["contentSize"]
        height = max(height, int(content["height"]))
    session.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    session.drain(0.5)
    params: dict = {"format": "png", "captureBeyondViewport": True}
    if clip_selector:
        params["clip"] = _element_box(session, clip_selector)
    data = session.send("Page.captureScreenshot", params)["data"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(data))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--wait-js", help="a JavaScript expression to wait for (default: document loaded)")
    parser.add_argument("--viewport-only", action="store_true", help="screenshot the viewport, not the page")
    parser.add_argument("--clip", help="a CSS selector: screenshot only that element")
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--settle", type=float, default=1.0, help="seconds to wait after the page is ready")
    parser.add_argument("--before-js", help="JavaScript to run before the screenshot (e.g. close a dialog)")
    args = parser.parse_args(argv)
    report = open_page(
        args.url,
        screenshot=args.screenshot,
        width=args.width,
        height=args.height,
        wait_js=args.wait_js,
        timeout=args.timeout,
        full_page=not args.viewport_only,
        clip_selector=args.clip,
        settle_seconds=args.settle,
        before_screenshot_js=args.before_js,
    )
    print(f"loaded {report.url} in {report.waited_seconds:.1f}s; {len(report.requested_urls)} requests")
    for error in report.console_errors:
        print(f"console error: {error}")
    if report.screenshot:
        print(f"screenshot: {report.screenshot}")
    return 1 if report.console_errors else 0


if __name__ == "__main__":
    sys.exit(main())
