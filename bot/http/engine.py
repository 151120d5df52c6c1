"""The engine behind the HTTP app: loaded once in the background, so /health answers (503) while it loads."""

from __future__ import annotations

import logging
import threading

from fastapi import HTTPException

log = logging.getLogger("newsqa.http")


class EngineHolder:
    """Loads the Engine in a background thread so /health answers (503) while it loads."""

    def __init__(self, engine=None):
        self.engine = engine
        self.error: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the index in the background (build it if needed)."""
        if self.engine is not None and self.engine.ready:
            return

        def load():
            try:
                from retrieval.engine import Engine

                engine = self.engine or Engine()
                engine.open()
                engine.warm_up()  # load the model and build BM25 now, not on the first question
                self.engine = engine
            except Exception as exc:  # reported by /health and 503s, never raised into the server
                log.exception("index failed to load")
                self.error = str(exc)

        self._thread = threading.Thread(target=load, name="index-loader", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Block until loading finished (tests, benchmarks)."""
        if self._thread:
            self._thread.join(timeout)

    def get(self):
        """The ready engine, or a 503."""
        if self.engine is None or not self.engine.ready:
            detail = f"the index failed to load: {self.error}" if self.error else "the index is still loading"
            raise HTTPException(503, detail)
        return self.engine


class EngineProxy:
    """The loaded engine for other faces sharing this server (the Telegram webhook); 503 until it is ready."""

    def __init__(self, holder: EngineHolder):
        self.holder = holder

    def ask(self, question: str, top_k: int = 5):
        """Engine.ask on the loaded engine."""
        return self.holder.get().ask(question, top_k)

    def article_list(self) -> list[dict]:
        """Engine.article_list on the loaded engine."""
        return self.holder.get().article_list()

    def facts_by_ids(self, ids: list[int]):
        """Engine.facts_by_ids on the loaded engine."""
        return self.holder.get().facts_by_ids(ids)
