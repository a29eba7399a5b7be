"""Writes sessions with the real Agents SDK's RedisSession or SQLAlchemySession (PostgreSQL), and
what get_items() returns for each session.

usage: python make_agents_server.py redis <url> <key prefix> <expected.json> [--grow]
       python make_agents_server.py postgres <sqlalchemy url> <expected.json> [--grow]
The same sessions as make_agents_sqlite.py (plain turns, tool calls, unicode, a large item); with
--grow one session gets one more item after a first import.
"""
import asyncio
import json
import sys

from make_agents_sqlite import conversation

IDS = ["conv-alpha", "conv-β-ünïcode", "conv-large", "conv-empty-turns"]


def open_sessions(kind, args):
    if kind == "redis":
        from agents.extensions.memory import RedisSession

        url, prefix = args[0], args[1]
        return {sid: RedisSession.from_url(sid, url=url, key_prefix=prefix) for sid in IDS}, args[2]
    from agents.extensions.memory import SQLAlchemySession

    url = args[0]
    return {sid: SQLAlchemySession.from_url(sid, url=url, create_tables=True) for sid in IDS}, args[1]


async def main():
    grow = "--grow" in sys.argv
    args = [arg for arg in sys.argv[1:] if arg != "--grow"]
    sessions, expected_path = open_sessions(args[0], args[1:])
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
        if hasattr(session, "close"):
            await session.close()
        else:
            await session.engine.dispose()
    with open(expected_path, "w") as out:
        json.dump(expected, out)


asyncio.run(main())
