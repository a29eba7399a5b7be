from __future__ import annotations

import json
from typing import Any


class SessionStoreError(Exception):
    """An error answer of the service (NestJS's shape plus `code`), or no answer at all.

    `status` is the HTTP status (None when the service could not be reached within the retry
    time), `code` the API's stable code such as `SESSION_NOT_FOUND` (None when the answer has
    none), `body` the answer's JSON.
    """

    def __init__(self, status: int | None, body: Any = None, *, message: str | None = None) -> None:
        self.status = status
        self.body = body
        self.code: str | None = body.get("code") if isinstance(body, dict) else None
        if message is None:
            detail = body.get("message", body) if isinstance(body, dict) else body
            message = f"session store answered {status}{f' {self.code}' if self.code else ''}: {json.dumps(detail)}"
        super().__init__(message)

    @classmethod
    def unreachable(cls, method: str, url: str, cause: BaseException) -> SessionStoreError:
        return cls(None, message=f"session store unreachable ({method} {url}): {type(cause).__name__}: {cause}")
