"""Telegram wiring: the token, the allow-list, the application with its handlers, polling or a webhook."""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re

from fastapi import APIRouter, HTTPException, Request
from telegram import (
    Update,
)
from telegram.error import (
    InvalidToken,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.logs import configure_logging, redact
from bot.telegram.handlers import (
    COMMANDS,
    MIN_SECONDS_BETWEEN_QUESTIONS,
    ask_command,
    gate,
    help_command,
    inline_query,
    new_conversation,
    not_text,
    on_error,
    sources,
    start,
    text_message,
)
from retrieval.config import DEFAULT_TELEGRAM_API, TelegramSettings

log = logging.getLogger("newsqa.telegram")
TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
DEFAULT_BASE_URL = DEFAULT_TELEGRAM_API


class TokenError(ValueError):
    """The bot token is missing, malformed, or rejected by Telegram (the message never contains it)."""


class AllowListError(ValueError):
    """TELEGRAM_ALLOWED_CHATS has an entry that is not a chat id: refuse to start rather than let everyone in."""


def load_token(settings: TelegramSettings) -> str:
    """The configured token, checked for shape before any network call."""
    token = settings.token.get_secret_value().strip() if settings.token else ""
    if not token:
        raise TokenError("TELEGRAM_BOT_TOKEN is not set (in the environment or .env); get one from @BotFather")
    if not TOKEN_RE.match(token):
        raise TokenError("TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC…)")
    return token



# ---- wiring -----------------------------------------------------------------------------------

async def _post_init(application: Application) -> None:
    await application.bot.set_my_commands(COMMANDS)


def allowed_chats(raw: str | None) -> set[int] | None:
    """TELEGRAM_ALLOWED_CHATS (chat ids separated by commas or spaces) as a set, or None when unset.

    Any entry that is not a chat id (@mygroup, 1001;2002) raises AllowListError: an allow-list that
    cannot be read must not silently let everyone in.
    """
    if not raw or not raw.strip():
        return None
    entries = [x for x in re.split(r"[,\s]+", raw.strip()) if x]
    bad = [x for x in entries if not re.fullmatch(r"-?\d{1,20}", x)]
    if bad:
        raise AllowListError(f"TELEGRAM_ALLOWED_CHATS: {bad[0]!r} is not a numeric chat id "
                             "(use ids such as 123456789 or -1001234567890, separated by commas)")
    return {int(x) for x in entries}


def build_application(token: str, engine, base_url: str | None = None, allowed: set[int] | None = None,
                      min_interval: float = MIN_SECONDS_BETWEEN_QUESTIONS, max_retries: int = 3) -> Application:
    """The PTB application with every handler registered; engine needs .ask(q, top_k) and .article_list()."""
    base_url = base_url or DEFAULT_BASE_URL
    base_file_url = base_url.rstrip("/").removesuffix("/bot") + "/file/bot"
    application = (ApplicationBuilder().token(token).base_url(base_url).base_file_url(base_file_url)
                   .rate_limiter(AIORateLimiter(max_retries=max_retries)).post_init(_post_init)
                   .concurrent_updates(True).build())
    application.bot_data.update(engine=engine, allowed_chats=allowed, min_interval=min_interval)
    new_messages = filters.UpdateType.MESSAGE  # edits of old messages are ignored
    application.add_handler(TypeHandler(Update, gate), group=-1)
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("sources", sources))
    application.add_handler(CommandHandler("ask", ask_command))
    application.add_handler(CommandHandler("new", new_conversation))
    application.add_handler(MessageHandler(new_messages & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, text_message))
    application.add_handler(MessageHandler(new_messages & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.CAPTION,
                                           not_text))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_error_handler(on_error)
    return application


class TelegramWebhook:
    """The bot as a route on the HTTP server: POST /telegram/webhook with Telegram's secret-token header."""

    path = "/telegram/webhook"

    def __init__(self, application: Application, public_url: str, secret: str):
        self.application, self.secret = application, secret
        self.url = public_url.rstrip("/") + self.path
        self.router = APIRouter()

        @self.router.post(self.path, include_in_schema=False)
        async def receive(request: Request):
            given = request.headers.get("x-telegram-bot-api-secret-token", "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                raise HTTPException(403, "wrong or missing secret token")
            try:
                data = await request.json()
                if not isinstance(data, dict):
                    raise TypeError("the body is not a JSON object")
                update = Update.de_json(data, self.application.bot)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise HTTPException(400, f"not a Telegram update: {exc}")
            await self.application.update_queue.put(update)
            return {"ok": True}

    async def start(self) -> None:
        """Initialise and start the application, register commands and the webhook with Telegram.

        Raises TokenError (without the token in it) when Telegram rejects the token.
        """
        try:
            await self.application.initialize()
        except InvalidToken:
            raise TokenError(REJECTED) from None
        await _post_init(self.application)
        await self.application.start()
        await self.application.bot.set_webhook(self.url, secret_token=self.secret, allowed_updates=Update.ALL_TYPES)

    async def stop(self) -> None:
        """Stop processing updates (the webhook stays registered for the next start)."""
        await self.application.stop()
        await self.application.shutdown()


REJECTED = ("Telegram rejected TELEGRAM_BOT_TOKEN (revoked or mistyped? check it with @BotFather), "
            "or TELEGRAM_API_BASE_URL does not point at a Bot API server")


def run(settings: TelegramSettings, engine_settings, webhook_url: str | None = None, port: int = 8443) -> None:
    """`newsqa telegram`: check the token, load the index, then poll (or serve a webhook) until stopped.

    Raises TokenError or AllowListError (one line, never the token) for a bad configuration.
    """
    token = load_token(settings)
    configure_logging(logging.INFO, secret=token)
    allowed = allowed_chats(settings.allowed_chats)
    check_token_accepted(token, settings.api_base_url)  # one line for a rejected token, before PTB logs tracebacks
    from retrieval.engine import Engine

    engine = Engine(engine_settings)
    engine.open()
    engine.warm_up()  # the model, BM25 and the reader's sentence vectors, before the first message
    application = build_application(token, engine, base_url=settings.api_base_url, allowed=allowed)
    try:
        if webhook_url:
            secret = webhook_secret(settings)
            application.run_webhook(listen="0.0.0.0", port=port, url_path="telegram", secret_token=secret,
                                    webhook_url=webhook_url.rstrip("/") + "/telegram")
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        raise TokenError(REJECTED) from None
    except TelegramError as exc:
        raise StartupError(f"could not start the Telegram bot: {redact(str(exc), token)}") from None


def webhook_secret(settings: TelegramSettings) -> str:
    """The configured webhook secret, or a random one for this start."""
    return settings.webhook_secret.get_secret_value() if settings.webhook_secret else os.urandom(16).hex()


def check_token_accepted(token: str, base_url: str | None = None) -> None:
    """Ask the Bot API who the bot is; TokenError (without the token) if it rejects the token."""
    from telegram import Bot

    base_url = base_url or DEFAULT_BASE_URL

    async def ask() -> None:
        async with Bot(token, base_url=base_url) as bot:
            await bot.get_me()

    try:
        asyncio.run(ask())
    except InvalidToken:
        raise TokenError(REJECTED) from None
    except TelegramError as exc:
        raise StartupError(f"could not reach the Telegram Bot API: {redact(str(exc), token)}") from None


class StartupError(RuntimeError):
    """The bot could not reach or use the Bot API at start (the message is one line, without the token)."""
