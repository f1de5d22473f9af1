"""Run the Dagster UI on the project (`dg dev`) and stop it, with every process it started, on a signal.

``make dev`` runs this::

    python scripts/dev_server.py [--host 127.0.0.1] [--port 3000]

Why a wrapper and not ``dg dev`` itself: Dagster maps SIGTERM onto whatever SIGINT does
(``dagster._utils.interrupts.setup_interrupt_handlers``), in ``dg dev`` and in each process it starts
(webserver, daemon, code server, gRPC server). A shell that starts a command in the background without
job control (a script's ``make dev &``, CI steps, service managers, test harnesses) starts it with SIGINT
*ignored*, so every Dagster process then ignores SIGTERM too, and the server can only be killed. And
``dg dev`` kills only its direct children when they are slow to stop, so the code server's own children
could outlive it.

This wrapper starts ``dg dev`` in a process group of its own, with SIGINT and SIGTERM at their default
dispositions. On Ctrl-C (SIGINT), SIGTERM or SIGHUP it asks the group to stop (SIGINT: Dagster's orderly
shutdown), waits up to ``--grace`` seconds (a second Ctrl-C cuts that short), then kills whatever of the
group is left, and exits. On Linux the server is also interrupted if this wrapper itself is killed.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def dev_command(host: str, port: int, module: str) -> list[str]:
    dg = Path(sys.executable).with_name("dg")
    return [str(dg), "dev", "-m", module, "--host", host, "--port", str(port)]


def _prepare_child() -> None:
    """In the child, before exec: stop signals at their defaults whatever the launcher ignored, and
    (Linux) an interrupt when this wrapper dies, even by SIGKILL, so the server never outlives it."""
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGINT), 0, 0, 0)


def group_members(pgid: int) -> dict[int, str]:
    """pid → command line of the group's live processes (zombies awaiting their parent are gone)."""
    members: dict[int, str] = {}
    proc = Path("/proc")
    if not proc.is_dir():  # no /proc (macOS): ask the kernel whether the group still has a process
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return {}
        except PermissionError:
            pass
        return {pgid: "(process group)"}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid or fields[0] == "Z":
                continue
            members[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    return members


def stop_group(process: subprocess.Popen, grace: float, hurry: Callable[[], bool] = lambda: False) -> None:
    """Ask the group to stop (SIGINT: Dagster's orderly shutdown), SIGTERM after half the grace, SIGKILL
    what is left after the grace, or at once when ``hurry()`` turns true (a second Ctrl-C)."""
    pgid = process.pid
    deadline = time.monotonic() + grace
    for number, until in ((signal.SIGINT, time.monotonic() + grace / 2), (signal.SIGTERM, deadline)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, number)
        while time.monotonic() < until and not hurry():
            process.poll()  # reap dg itself, so it does not linger as a zombie
            if not group_members(pgid):
                return
            time.sleep(0.2)
    remaining = "\n".join(f"  {pid} {command[:120]}" for pid, command in group_members(pgid).items())
    reason = "a second stop signal" if hurry() else f"{grace:.0f}s after the stop request"
    print(f"dev server: still running {reason}, killing:\n{remaining}", file=sys.stderr)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("DAGSTER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DAGSTER_PORT", "3000")))
    parser.add_argument("--module", default="dagster_project.definitions", help="the code location's module")
    parser.add_argument("--grace", type=float, default=30.0, help="seconds to wait for an orderly stop")
    args = parser.parse_args(argv)

    stop_requested: list[int] = []

    def request_stop(number: int, _frame) -> None:
        stop_requested.append(number)

    for number in STOP_SIGNALS:
        signal.signal(number, request_stop)

    process = subprocess.Popen(
        dev_command(args.host, args.port, args.module),
        start_new_session=True,  # its own group: a stop reaches the code server's children too
        preexec_fn=_prepare_child,
    )
    try:
        while not stop_requested:
            try:
                code = process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
            # dg ended by itself (a bad port, a code location that does not load): end what it left.
            if group_members(process.pid):
                stop_group(process, args.grace)
            return code
        print(
            f"dev server: {signal.Signals(stop_requested[0]).name} received, stopping the Dagster UI ...",
            file=sys.stderr,
        )
        stop_group(process, args.grace, hurry=lambda: len(stop_requested) > 1)
        print("dev server: stopped", file=sys.stderr)
        return 0
    finally:
        if process.poll() is None or group_members(process.pid):
            stop_group(process, args.grace)


if __name__ == "__main__":
    sys.exit(main())
