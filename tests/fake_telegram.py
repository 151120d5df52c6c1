"""A small fake Telegram Bot API server (Starlette on uvicorn) that records every call the bot makes."""

from __future__ import annotations

import itertools
import json
import threading
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "渝问", "username": "yuwen_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}


class FakeTelegram:
    """Serves /bot<token>/<method>; tests push updates and read back the recorded requests."""

    def __init__(self, token: str):
        self.token = token
        self.calls: list[tuple[str, dict, float]] = []
        self.updates: list[dict] = []
        self.reject_html_once = False  # answer the next HTML sendMessage with 400 "can't parse entities"
        self.flood_once = 0  # seconds of retry_after for the next sendMessage (0: off)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/bot{token}/{method}", self.handle, methods=["GET", "POST"])])

    def push(self, update: dict) -> None:
        with self._lock:
            update = {"update_id": next(self._ids), **update}
            self.updates.append(update)

    def message(self, text: str, chat_id: int = 1001, chat_type: str = "private", **extra) -> None:
        chat = {"id": chat_id, "type": chat_type, **({"title": "群"} if chat_type != "private" else {"first_name": "用户"})}
        msg = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat,
               "from": {"id": 77, "is_bot": False, "first_name": "用户"}, **extra}
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self.push({"message": msg})

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[dict]:
        return [p for m, p, _ in self.calls if m == method and (chat_id is None or str(p.get("chat_id")) == str(chat_id))]

    def wait_for(self, predicate, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"timed out; calls so far: {[(m, p) for m, p, _ in self.calls]}")

    async def handle(self, request: Request):
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.path_params["method"]
        params: dict = {}
        if request.headers.get("content-type", "").startswith("application/json"):
            params = await request.json()
        elif request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form()  # sendPhoto uploads the picture
            for key, value in form.items():
                params[key] = value.file.read() if hasattr(value, "file") else value
        else:
            from urllib.parse import parse_qsl

            # PTB posts url-encoded forms (no files here); complex values are JSON strings.
            for key, value in parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True):
                try:
                    params[key] = json.loads(value)
                except (ValueError, TypeError):
                    params[key] = value
        if method != "getUpdates":
            self.calls.append((method, params, time.monotonic()))
        body = self.reply(method, params)
        return JSONResponse(body, status_code=200 if body["ok"] else body["error_code"])  # as Telegram does

    def reply(self, method: str, params: dict) -> dict:
        if method == "getMe":
            return {"ok": True, "result": BOT_USER}
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            with self._lock:
                pending = [u for u in self.updates if u["update_id"] >= offset]
            return {"ok": True, "result": pending}
        if method == "sendMessage":
            if self.flood_once:
                seconds, self.flood_once = self.flood_once, 0
                return {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {seconds}",
                        "parameters": {"retry_after": seconds}}
            if self.reject_html_once and params.get("parse_mode") == "HTML":
                self.reject_html_once = False
                return {"ok": False, "error_code": 400,
                        "description": "Bad Request: can't parse entities: unsupported start tag"}
            chat_id = int(params["chat_id"])
            return {"ok": True, "result": {"message_id": next(self._ids), "date": int(time.time()),
                                           "chat": {"id": chat_id, "type": "private"}, "text": params.get("text", "")}}
        if method == "sendPhoto":
            return {"ok": True, "result": {"message_id": next(self._ids), "date": int(time.time()),
                                           "chat": {"id": int(params["chat_id"]), "type": "private"},
                                           "photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]}}
        if method in ("sendChatAction", "setMyCommands", "deleteWebhook", "answerInlineQuery", "setWebhook"):
            return {"ok": True, "result": True}
        return {"ok": False, "error_code": 404, "description": f"Not Found: method {method} is not faked"}
