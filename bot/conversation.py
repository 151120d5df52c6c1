"""Conversations for every face: the last turn of each, kept in memory with an idle timeout and a cap.

A follow-up (那南岸呢, 返岗率呢, 出处是哪里) is resolved against the last turn by retrieval.answering.followup;
this module only decides where turns live and for how long.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict

from retrieval.answering.followup import Turn, about_last, resolve, turn_of

IDLE_SECONDS = 30 * 60  # a conversation idle this long is forgotten; the next question starts a new one
MAX_CONVERSATIONS = 10_000  # the least recently used are forgotten beyond this


class Conversations:
    """conversation id → last Turn, with an idle timeout and a cap; safe across threads."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS, cap: int = MAX_CONVERSATIONS, clock=time.monotonic):
        self.idle_seconds, self.cap, self.clock = idle_seconds, cap, clock
        self._turns: OrderedDict[str, tuple[float, Turn]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conversation_id: str | None) -> Turn | None:
        """The last turn of a live conversation; None when unknown or idle too long."""
        if not conversation_id:
            return None
        with self._lock:
            entry = self._turns.get(conversation_id)
            if entry is None:
                return None
            if self.clock() - entry[0] > self.idle_seconds:
                del self._turns[conversation_id]
                return None
            return entry[1]

    def put(self, conversation_id: str, turn: Turn) -> None:
        """Remember the turn as the conversation's last."""
        with self._lock:
            self._turns[conversation_id] = (self.clock(), turn)
            self._turns.move_to_end(conversation_id)
            while len(self._turns) > self.cap:
                self._turns.popitem(last=False)

    def forget(self, conversation_id: str) -> None:
        """Start over (新对话, /new)."""
        with self._lock:
            self._turns.pop(conversation_id, None)


def new_id() -> str:
    """A fresh conversation id."""
    return uuid.uuid4().hex


def ask_in_conversation(ask, question: str, last: Turn | None, top_k: int = 5) -> tuple[dict, Turn]:
    """Answer a question in the light of the last turn: (the answer contract with resolved_question, the new turn).

    ask(question, top_k) is Engine.ask; a question about the last answer (出处是哪里) is answered from it.
    """
    resolved, about = resolve(question, last)
    if about and last is not None:
        previous = last.answer or {}
        data = {**previous, "question": question, "answer": about_last(question, last)}
        data["answerable"] = bool(previous.get("answerable"))
        data["resolved_question"] = resolved
        return data, last
    data = ask(resolved, top_k).to_dict()
    data["question"], data["resolved_question"] = question, resolved
    return data, turn_of(resolved, data)
