"""Real S3 (SeaweedFS `weed mini`, SigV4 enforced) and CloudFront (moto server) for tests.

Every port is chosen free on 127.0.0.1 and passed explicitly; every server is stopped,
and SeaweedFS's leftover gRPC sockets removed. See ../shared/notes/s3-test-servers.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ACCESS_KEY = "overdue-test-publisher"
SECRET_KEY = "overdue-test-secret-0123456789abcdef"
BIN = Path(sys.executable).parent


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def s3_client(endpoint: str, secret: str = SECRET_KEY, key: str = ACCESS_KEY) -> Any:
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )  # fmt: skip


class SeaweedServer:
    """`weed mini` with one identity; data survives stop/start in the same directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "data").mkdir(parents=True, exist_ok=True)
        (root / "logs").mkdir(exist_ok=True)
        names = ["master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc",
                 "s3", "s3_grpc", "admin", "admin_grpc", "metrics"]  # fmt: skip
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        (root / "s3.json").write_text(json.dumps({"identities": [{
            "name": "publisher",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def command(self) -> list[str]:
        p, d = self.ports, self.root
        return [
            str(BIN / "weed"), f"-logdir={d / 'logs'}", "mini",
            f"-dir={d / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", "-admin.ui=false", "-webdav=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.allowDeleteBucketNotEmpty=false",
            f"-filer.localSocket={d / 'f.sock'}", f"-s3.localSocket={d / 's.sock'}",
            f"-s3.config={d / 's3.json'}",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}",
            f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
            f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}",
            f"-admin.port={p['admin']}", f"-admin.port.grpc={p['admin_grpc']}",
            f"-metricsPort={p['metrics']}",
        ]  # fmt: skip

    def start(self, timeout: float = 60) -> None:
        log_path = self.root / "logs" / "stdout.log"
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
            start_new_session=True,
        )  # fmt: skip
        client = s3_client(self.endpoint)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"weed mini exited with {self.process.returncode}; see {log_path}"
                )
            try:
                client.list_buckets()
                return
            except Exception:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"weed mini did not answer within {timeout}s; see {log_path}")

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self._cleanup_sockets()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self._cleanup_sockets()
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self._cleanup_sockets()

    def _cleanup_sockets(self) -> None:
        for port in self.ports.values():
            for sock in Path("/tmp").glob(f"seaweedfs-*-grpc-{port}.sock"):
                sock.unlink(missing_ok=True)


class MotoServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_ports(1)[0]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> None:
        log_path = self.root / "moto.log"
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited; see {log_path}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("moto_server did not answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def have_weed() -> bool:
    return (BIN / "weed").exists() or shutil.which("weed") is not None
