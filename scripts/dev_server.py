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
shutdown), waits up to ``--grace`` seconds, then kills whatever of the group is left, and exits.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def dev_command(host: str, port: int, module: str) -> list[str]:
    dg = Path(sys.executable).with_name("dg")
    return [str(dg), "dev", "-m", module, "--host", host, "--port", str(port)]


def _default_signals() -> None:
    """In the child, before exec: stop signals at their defaults whatever the launcher ignored."""
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_DFL)


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is still running (zombies awaiting their parent count as gone)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    states = subprocess.run(["ps", "-o", "stat=", "-g", str(pgid)], capture_output=True, text=True).stdout
    return any(state.strip() and not state.strip().startswith("Z") for state in states.splitlines())


def stop_group(process: subprocess.Popen, grace: float) -> None:
    """Ask the group to stop (SIGINT), then SIGTERM after half the grace, then SIGKILL what is left."""
    pgid = process.pid
    deadline = time.monotonic() + grace
    for number, until in ((signal.SIGINT, time.monotonic() + grace / 2), (signal.SIGTERM, deadline)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, number)
        while time.monotonic() < until:
            process.poll()  # reap dg itself, so it does not linger as a zombie
            if not group_alive(pgid):
                return
            time.sleep(0.2)
    remaining = subprocess.run(["ps", "-o", "pid=,args=", "-g", str(pgid)], capture_output=True, text=True).stdout
    print(
        f"dev server: still running {grace:.0f}s after the stop request, killing:\n{remaining.rstrip()}",
        file=sys.stderr,
    )
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
        preexec_fn=_default_signals,
    )
    try:
        while not stop_requested:
            try:
                code = process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
            # dg ended by itself (a bad port, a code location that does not load): end what it left.
            if group_alive(process.pid):
                stop_group(process, args.grace)
            return code
        print(
            f"dev server: {signal.Signals(stop_requested[0]).name} received, stopping the Dagster UI ...",
            file=sys.stderr,
        )
        stop_group(process, args.grace)
        print("dev server: stopped", file=sys.stderr)
        return 0
    finally:
        if process.poll() is None or group_alive(process.pid):
            stop_group(process, args.grace)


if __name__ == "__main__":
    sys.exit(main())
