"""The session store's Python client: an OpenAI Agents SDK session kept in the store, and the API."""

from .client import AsyncSessionStoreClient, SessionStoreClient
from .errors import SessionStoreError
from .session import SessionStoreSession

__all__ = ["AsyncSessionStoreClient", "SessionStoreClient", "SessionStoreError", "SessionStoreSession"]
