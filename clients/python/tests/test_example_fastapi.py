"""examples/python-fastapi: two uvicorn processes, no sticky routing, one conversation's turns sent
to them in turn: one history, and a restart of either loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service import ROOT, Service, new_user, spare_port, token_for

EXAMPLE = ROOT / "examples" / "python-fastapi"


class Uvicorn:
    def __init__(self, store: Service, token: str) -> None:
        self.port = spare_port()
        self.env = {
            **os.environ,
            "SESSION_STORE_URL": store.url,
            "SESSION_STORE_TOKEN": token,
            "AGENT_MODEL": "offline",
            "OPENAI_AGENTS_DISABLE_TRACING": "1",
            "PYTHONPATH": str(ROOT / "clients" / "python" / "src"),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> Uvicorn:
        command = [sys.executable, "-m", "uvicorn", "app:app", "--port", str(self.port), "--log-level", "warning"]
        self.process = subprocess.Popen(command, cwd=EXAMPLE, env=self.env)
        return self

    def ready(self) -> Uvicorn:
        assert self.process is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"uvicorn exited with {self.process.returncode}"
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("uvicorn did not start within 60 s")

    def stop(self, how: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(how)
            self.process.wait(timeout=30)

    def ask(self, conversation_id: str, query: str) -> str:
        answer = httpx.post(f"{self.url}/chat", json={"query": query, "conversation_id": conversation_id}, timeout=60)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["answer"])

    def history(self, conversation_id: str) -> list[dict]:
        return list(httpx.get(f"{self.url}/conversations/{conversation_id}", timeout=60).json()["items"])


@pytest.fixture
def apps(service: Service) -> Iterator[tuple[Uvicorn, Uvicorn]]:
    token = token_for(new_user("fastapi"))
    first, second = Uvicorn(service, token), Uvicorn(service, token)
    try:
        # Started side by side: importing the SDK takes a while.
        yield first.spawn().ready(), second.spawn().ready()
    finally:
        first.stop()
        second.stop()


def test_two_processes_share_one_conversation_and_a_restart_loses_nothing(apps: tuple[Uvicorn, Uvicorn]) -> None:
    first, second = apps
    conversation = f"c-{time.time_ns()}"
    turns = 0

    def ask(app: Uvicorn) -> None:
        nonlocal turns
        turns += 1
        answer = app.ask(conversation, f"question {turns}")
        # The answer numbers the turn and quotes the question before: only the shared history tells.
        before = f" Before that you asked: question {turns - 1}" if turns > 1 else ""
        assert answer == f"Turn {turns}: Paris: sunny, 24°C.{before}"

    for app in (first, second, first, second):
        ask(app)
    history = first.history(conversation)
    assert second.history(conversation) == history
    # Per turn: the question, the weather call and its output, the answer.
    assert len(history) == 4 * turns

    # Both restarted (one stopped, one killed), side by side: importing the SDK takes a while.
    first.stop()
    second.stop(signal.SIGKILL)
    first.spawn(), second.spawn()
    first.ready(), second.ready()
    for app in (second, first, second, first):
        ask(app)
    assert first.history(conversation) == second.history(conversation)
    assert first.history(conversation)[: len(history)] == history
    assert len(first.history(conversation)) == 4 * turns == 32
