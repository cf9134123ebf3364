"""A throwaway PostgreSQL cluster for the tests: made with Debian's binaries in a temporary
folder, served on 127.0.0.1 at a free port with trust for loopback, a database per test, and
stopped and removed at the end, whatever happened.

initdb refuses to run as root, and the tests here run as root: the cluster then belongs to the
`postgres` system user, and its programs run as that user."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

INSTALL = ("PostgreSQL is not installed: install Debian's postgresql package "
           "(apt-get install postgresql) to run the history's tests against PostgreSQL.")
# A test cluster need not survive a crash of the machine: no waiting for the disk.
FAST = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c max_connections=100")


def binaries() -> Path | None:
    """Return the folder of the newest PostgreSQL server programs installed, if any."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on at this moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One running cluster: `database()` makes a new, empty database and returns its URL."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="recruit-dash-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        self._as_postgres = os.geteuid() == 0
        try:
            if self._as_postgres:
                shutil.chown(self.folder, "postgres", "postgres")
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E",
                      "UTF8", "--locale=C.UTF-8", "-N")
            self.start()
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        """Start the server (again, after `stop`) on the same port."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w",
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 {FAST}",
                  "start")

    def stop(self) -> None:
        """Stop the server at once, as a crash or a power cut would."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """Make a new, empty database; return its URL."""
        name = f"history_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop(self, url: str) -> None:
        """Drop a database made by `database`, ending any connection still open to it."""
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        """Stop the server and remove its folder."""
        try:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
