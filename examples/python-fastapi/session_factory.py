"""Where the agents get their sessions: the one place that knew SQLiteSession.

Before (one container, a local file):   SQLiteSession(session_id=f"agent_{conversation_id}")
After (any container, the store):       SessionStoreSession(f"agent_{conversation_id}", ...)
"""

import os

from session_store import SessionStoreSession


def create_agent_session(conversation_id: str) -> SessionStoreSession:
    # A new object per request is fine: it holds no history, only the key, and shares one connection pool.
    return SessionStoreSession(
        f"agent_{conversation_id}",
        base_url=os.environ.get("SESSION_STORE_URL", "http://127.0.0.1:3000"),
        token=os.environ["SESSION_STORE_TOKEN"],
    )
