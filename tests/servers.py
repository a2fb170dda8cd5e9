"""Real `uroster` processes for end-to-end tests and benchmarks."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

UROSTER = Path(sys.executable).with_name("uroster")


def station_today() -> date:
    """Today where the stations are (the service's default timezone, Asia/Shanghai): the
    console's weeks begin there, up to a day before or after the machine's own date."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, port: int, **settings: str) -> dict[str, str]:
    """The environment of a child process; `settings` are UROSTER_* values by name."""
    return (
        os.environ
        | {
            "UROSTER_DATABASE_URL": database_url,
            "UROSTER_HOST": "127.0.0.1",
            "UROSTER_PORT": str(port),
            "UROSTER_ARGON2_TIME_COST": "1",
            "UROSTER_ARGON2_MEMORY_KIB": "1024",
            "UROSTER_LOG_LEVEL": "WARNING",
        }
        | {f"UROSTER_{name.upper()}": value for name, value in settings.items()}
    )


def migrate(database_url: str) -> None:
    subprocess.run(
        [str(UROSTER), "migrate"],
        env=server_env(database_url, 0),
        check=True,
        capture_output=True,
        timeout=120,
    )


class Process:
    """A `uroster <command>` child process writing to a log file."""

    def __init__(
        self, command: str, env: dict[str, str], log_path: Path, args: Sequence[str] = ()
    ) -> None:
        self.log_path = log_path
        self.log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            [str(UROSTER), command, *args], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def kill_hard(self) -> None:
        """SIGKILL: the process gets no chance to tidy up, as in a crash."""
        self.popen.kill()
        self.popen.wait()
        self.log.close()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()


def start_server(
    database_url: str,
    log_path: Path,
    timeout: float = 20,
    args: Sequence[str] = (),
    **settings: str,
):
    """`uroster serve [args]` on a free port, once /readyz answers: (process, base URL)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = Process("serve", server_env(database_url, port, **settings), log_path, args)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            process.stop()
            raise RuntimeError(f"the server exited:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.stop()
    raise RuntimeError(f"the server did not answer within {timeout} s:\n{log_path.read_text()}")


def start_worker(
    database_url: str, log_path: Path, args: Sequence[str] = (), **settings: str
) -> Process:
    return Process("worker", server_env(database_url, 0, **settings), log_path, args)


@contextmanager
def running_server(database_url: str, log_path: Path, **settings: str) -> Iterator[str]:
    """`uroster serve` for the duration of the block; yields its base URL."""
    process, base_url = start_server(database_url, log_path, **settings)
    try:
        yield base_url
    finally:
        process.stop()
