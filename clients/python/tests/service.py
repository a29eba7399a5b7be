"""The real service for the Python suite: `node dist/src/main.js` (built by `npm run build`) on a
spare port, with a PostgreSQL database and a Redis index of the suite's own, claimed and given
back as a Jest run does (test/setup/hold-test-resources.mjs); tokens minted as
test/factories/token.factory.ts mints them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
SECRET = "python-suite-secret-at-least-16-chars"
READY_SECONDS = 60.0


def node() -> str:
    # The project's pinned Node when installed (npm scripts put it first on PATH too).
    pinned = ROOT / "node_modules" / ".bin" / "node"
    return str(pinned) if pinned.exists() else (shutil.which("node") or "node")


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def token_for(user: str, roles: list[str] | None = None, expires_in: int = 3600) -> str:
    """An HS256 token as an issuer would mint it (src/auth/token-signer.ts): sub, roles, iat, exp."""

    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()

    now = int(time.time())
    unsigned = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': user, 'roles': roles or [], 'iat': now, 'exp': now + expires_in})}"
    signature = hmac.new(SECRET.encode(), unsigned.encode(), hashlib.sha256).digest()
    return f"{unsigned}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def new_user(prefix: str = "py") -> str:
    return f"{prefix}-{uuid.uuid4()}"


class Resources:
    """The database and Redis index of this run, held by a node process until close()."""

    def __init__(self) -> None:
        if not (ROOT / "dist" / "src" / "main.js").exists():
            raise RuntimeError("dist/src/main.js is missing: run `npm run build` first")
        self.holder = subprocess.Popen(
            [node(), "test/setup/hold-test-resources.mjs"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.holder.stdout is not None
        line = self.holder.stdout.readline()
        if not line:
            raise RuntimeError("could not claim a test database and Redis index (see the output above)")
        claimed = json.loads(line)
        self.database_url: str = claimed["databaseUrl"]
        self.redis_url: str = claimed["redisUrl"]

    def close(self) -> None:
        assert self.holder.stdin is not None
        self.holder.stdin.close()  # the holder drops the database and flushes the index
        self.holder.wait(timeout=60)


class Service:
    """One instance of the service; several may share the resources (any instance serves any request)."""

    def __init__(self, resources: Resources, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.resources = resources
        self.port = port or spare_port()
        self.env = env or {}
        self.workdir = tempfile.mkdtemp(prefix="session-store-py-")  # no .env, no ./data of the repository's
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Service:
        env = {
            **os.environ,
            "NODE_ENV": "test",
            "PORT": str(self.port),
            "DATABASE_URL": self.resources.database_url,
            "REDIS_URL": self.resources.redis_url,
            "AUTH_JWT_SECRET": SECRET,
            "CLEANUP_CRON": "off",
            "RATE_LIMIT_PER_MINUTE": "0",
            **self.env,
        }
        log = open(Path(self.workdir) / "service.log", "ab")
        self.process = subprocess.Popen([node(), str(ROOT / "dist" / "src" / "main.js")], cwd=self.workdir, env=env, stdout=log, stderr=log)
        print(f"service on {self.url}, log in {self.workdir}/service.log")
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"the service was not ready within {READY_SECONDS} s:\n{self.log()[-4000:]}")

    def stop(self, how: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(how)
            self.process.wait(timeout=30)
        self.process = None

    def log(self) -> str:
        return (Path(self.workdir) / "service.log").read_text(errors="replace")
