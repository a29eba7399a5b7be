"""The agent's turn through the Python client, for bench/agent-turn.ts: `BENCH_CONNECTIONS`
conversations side by side for `BENCH_SECONDS`, each a SessionStoreSession on its own key and
user (tokens in `BENCH_TOKENS`), reading the latest 20 items then appending two; prints one JSON
line with turns per second and a whole turn's latency (ms)."""

import asyncio
import json
import os
import time

from session_store import SessionStoreSession


def item(role: str, text: str) -> dict:
    if role == "user":
        return {"role": "user", "content": [{"type": "input_text", "text": text}]}
    return {"type": "message", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": text}]}


async def main() -> None:
    base_url, prefix = os.environ["BENCH_BASE_URL"], os.environ["BENCH_KEY_PREFIX"]
    seconds = float(os.environ["BENCH_SECONDS"])
    tokens = json.loads(os.environ["BENCH_TOKENS"])
    sessions = [SessionStoreSession(f"{prefix}-{index}", base_url=base_url, token=token) for index, token in enumerate(tokens)]
    await asyncio.gather(*(session.get_items(20) for session in sessions))  # creates each by key, outside the measure
    latencies: list[float] = []
    errors = 0
    until = time.perf_counter() + seconds

    async def converse(index: int, session: SessionStoreSession) -> None:
        nonlocal errors
        turn = 0
        while time.perf_counter() < until:
            started = time.perf_counter()
            try:
                await session.get_items(20)
                await session.add_items([item("user", f"question {index}.{turn}"), item("assistant", f"answer {index}.{turn}")])
                latencies.append((time.perf_counter() - started) * 1000)
            except Exception:
                errors += 1
            turn += 1

    await asyncio.gather(*(converse(index, session) for index, session in enumerate(sessions)))
    latencies.sort()
    at = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))]) if latencies else None  # noqa: E731
    print(json.dumps({"rps": round(len(latencies) / seconds), "p50": at(0.5), "p99": at(0.99), "errors": errors}))


asyncio.run(main())
