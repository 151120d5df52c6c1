"""The Telegram face (python-telegram-bot 22): handlers in handlers.py, wiring in app.py, replies in format.py."""

from bot.telegram.app import (
    AllowListError,
    StartupError,
    TelegramWebhook,
    TokenError,
    allowed_chats,
    build_application,
    check_token_accepted,
    load_token,
    run,
    webhook_secret,
)

__all__ = ["AllowListError", "StartupError", "TelegramWebhook", "TokenError", "allowed_chats", "build_application",
           "check_token_accepted", "load_token", "run", "webhook_secret"]
