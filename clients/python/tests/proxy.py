"""A TCP proxy in front of the service that can lose one answer: when armed, the first answer to a
request whose first line matches is not passed on and both connections are closed, so the client
sees the network fail after the server has done the work (committed)."""

from __future__ import annotations

import asyncio
import re


class AnswerDroppingProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.armed: re.Pattern[str] | None = None
        self.dropped = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> AnswerDroppingProxy:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    def drop_next_answer_to(self, request_line: str) -> None:
        """Loses the next answer to a request whose first line matches, e.g. r"^POST \\S+/messages "."""
        self.armed = re.compile(request_line)

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        request_line = ""

        async def requests() -> None:
            nonlocal request_line
            while chunk := await client_reader.read(65536):
                head = chunk[:512].decode("latin-1")
                if re.match(r"^[A-Z]+ \S+ HTTP/1\.1\r\n", head):
                    request_line = head[: head.index("\r\n")]
                upstream_writer.write(chunk)
                await upstream_writer.drain()

        async def answers() -> None:
            while chunk := await upstream_reader.read(65536):
                if self.armed is not None and self.armed.search(request_line):
                    self.armed = None
                    self.dropped += 1
                    return
                client_writer.write(chunk)
                await client_writer.drain()

        tasks = [asyncio.ensure_future(requests()), asyncio.ensure_future(answers())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for writer in (client_writer, upstream_writer):
                writer.transport.abort()
