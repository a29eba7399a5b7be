"""Writes an SDK SQLiteSession file with the real Agents SDK, and what get_items() returns for each session.

usage: python make_agents_sqlite.py <db file> <expected.json> [sessions_table messages_table]
Several sessions: plain turns, tool calls and their outputs, unicode (astral, combining, RTL), a
large item; then a session grows after a first import when called again with --grow.
"""
import asyncio
import json
import sys

from agents import SQLiteSession


def conversation(n):
    return [
        {"role": "user", "content": f"question {n}: how much is 2+{n}? Ünïcödé 🦄 שלום"},
        {
            "type": "function_call",
            "call_id": f"call_{n}",
            "name": "add",
            "arguments": json.dumps({"a": 2, "b": n}),
            "id": f"fc_{n}",
            "status": "completed",
        },
        {"type": "function_call_output", "call_id": f"call_{n}", "output": str(2 + n)},
        {
            "id": f"msg_{n}",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": f"It is {2 + n}. e\u0301 \u00e9 \U0001f600", "annotations": []}],
        },
    ]


async def main():
    db, expected_path = sys.argv[1], sys.argv[2]
    rest = [arg for arg in sys.argv[3:] if arg != "--grow"]
    grow = "--grow" in sys.argv
    tables = {"sessions_table": rest[0], "messages_table": rest[1]} if rest else {}
    ids = ["conv-alpha", "conv-β-ünïcode", "conv-large", "conv-empty-turns"]
    sessions = {sid: SQLiteSession(sid, db, **tables) for sid in ids}
    if grow:
        await sessions["conv-alpha"].add_items([{"role": "user", "content": "one more thing"}])
    else:
        await sessions["conv-alpha"].add_items(conversation(1))
        await sessions["conv-alpha"].add_items(conversation(2))
        await sessions["conv-β-ünïcode"].add_items(conversation(3))
        large = {"role": "user", "content": "x" * 300_000 + " ✓"}
        await sessions["conv-large"].add_items([large, *conversation(4)])
        await sessions["conv-empty-turns"].add_items([{"role": "user", "content": ""}])
    expected = {sid: await session.get_items() for sid, session in sessions.items()}
    for session in sessions.values():
        session.close()
    with open(expected_path, "w") as out:
        json.dump(expected, out)


if __name__ == "__main__":
    asyncio.run(main())
