"""Guards that run before any route reads a body: the API key, then a streaming body-size limit."""

from __future__ import annotations

import hmac
import json
import re
import uuid

from bot.http.schemas import MAX_BODY_BYTES, ErrorOut
from retrieval.config import ApiSettings

PUBLIC_PATHS = {"/", "/health", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
READ_POSTS = {"/ask"}  # a POST that only reads
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """Text with control characters shown as \\xNN, safe for a log line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def key_required(method: str, path: str, settings: ApiSettings, public: set[str]) -> bool:
    """Whether this request needs the API key: always for writes, for reads when configured."""
    if not settings.api_key or path in public:
        return False
    writes = method not in ("GET", "HEAD", "OPTIONS") and path not in READ_POSTS
    return writes or settings.key_for_reads


def key_given(headers: dict[str, str], key: str) -> bool:
    """Constant-time check of Authorization: Bearer … or X-API-Key against the key."""
    given = headers.get("x-api-key") or ""
    auth = headers.get("authorization") or ""
    if auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    return hmac.compare_digest(given.encode("utf-8", "replace"), key.encode("utf-8", "replace"))


class Guard:
    """ASGI middleware: the API key first, then a body-size limit counted as bytes arrive (chunked or not).

    Both answer before a route reads anything, so an unauthorised or oversized body is never buffered.
    """

    def __init__(self, app, settings: ApiSettings, public: set[str], max_body: int = MAX_BODY_BYTES):
        self.app, self.settings, self.public, self.max_body = app, settings, public, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if key_required(scope["method"], scope["path"], self.settings, self.public) and \
                not key_given(headers, self.settings.api_key):
            return await _send_error(scope, send, 401, "a valid API key is required (Authorization: Bearer … or X-API-Key)")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await _send_error(scope, send, 413, "request body too large", f"the limit is {self.max_body} bytes")
        state = {"received": 0, "rejected": False}

        async def limited_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_body and not state["rejected"]:
                    state["rejected"] = True
                    await _send_error(scope, send, 413, "request body too large", f"the limit is {self.max_body} bytes")
                    return {"type": "http.disconnect"}  # the route stops reading; nothing more is buffered
            return message

        async def guarded_send(message):
            if not state["rejected"]:  # the 413 is already out; the route's own reply is dropped
                await send(message)

        await self.app(scope, limited_receive, guarded_send)


async def _send_error(scope, send, status: int, error: str, detail=None) -> None:
    rid = scope.get("state", {}).get("request_id") or uuid.uuid4().hex[:12]
    body = json.dumps(ErrorOut(error=error, detail=detail, request_id=rid).model_dump(), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
