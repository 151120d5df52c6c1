"""Dependencies the routes declare: the loaded engine and the conversations."""

from __future__ import annotations

from fastapi import Request

from bot.conversation import Conversations


def get_engine(request: Request):
    """The loaded Engine (503 while it loads or when it failed to)."""
    return request.app.state.holder.get()


def get_conversations(request: Request) -> Conversations:
    """The server's conversations (last turn of each)."""
    return request.app.state.conversations
