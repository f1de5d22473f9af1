"""A throw-away PostgreSQL server for the tests: initdb into a temp folder, start it on a free local
port (its unix socket in that folder too), stop it and remove the folder at the end.

PostgreSQL refuses to run as root, so as root the server runs as the OS user ``postgres`` (created by
the Debian package) through ``runuser``, in a folder that user owns; nothing is left behind either way.
The binaries come from the OS packages (``scripts/ensure_postgres.sh`` installs them).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "journey"


def find_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl (PATH first, then Debian's /usr/lib/postgresql/<n>/bin)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0].parent if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    dbname: str
    socket_dir: Path

    def env(self) -> dict[str, str]:
        """The environment dbt/profiles.yml's `postgres` target reads."""
        return {
            "JOURNEY_PG_HOST": self.host,
            "JOURNEY_PG_PORT": str(self.port),
            "JOURNEY_PG_USER": self.user,
            "JOURNEY_PG_PASSWORD": "",
            "JOURNEY_PG_DBNAME": self.dbname,
        }

    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"


@contextlib.contextmanager
def running_postgres(dbname: str = "journey") -> Iterator[PostgresServer]:
    """Start a fresh server, yield how to reach it, stop it and remove its folder."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found; run scripts/ensure_postgres.sh")
    as_root = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="journey-pg-"))
    data_dir = root / "data"
    log_file = root / "server.log"
    if as_root:
        # the folder belongs to the unprivileged user that runs the server; mkdtemp made it 0700
        shutil.chown(root, user="postgres", group="postgres")

    def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
        command = ["runuser", "-u", "postgres", "--", *args] if as_root else args
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)

    port = _free_port()
    started = False
    try:
        run([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", SUPERUSER, "--auth=trust",
             "--encoding=UTF8", "--locale=C", "--no-sync"])
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c timezone=UTC -c fsync=off -c full_page_writes=off"
        )
        run([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(log_file), "-o", options, "-w", "-t", "60",
             "start"])
        started = True
        run([str(bin_dir / "createdb"), "-h", str(root), "-p", str(port), "-U", SUPERUSER, dbname])
        yield PostgresServer(host="127.0.0.1", port=port, user=SUPERUSER, dbname=dbname, socket_dir=root)
    except subprocess.CalledProcessError as error:
        server_log = log_file.read_text() if log_file.exists() else ""
        raise RuntimeError(
            f"PostgreSQL set-up failed: {' '.join(error.cmd)}\n{error.stderr}\n{server_log[-2000:]}"
        ) from error
    finally:
        if started:
            with contextlib.suppress(subprocess.CalledProcessError):
                run([str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "-t", "60", "stop"])
            time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)
