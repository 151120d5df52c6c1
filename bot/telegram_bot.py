"""The Telegram face (python-telegram-bot 22): short async handlers; all wiring happens in build_application."""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
import time

from fastapi import APIRouter, HTTPException, Request
from telegram import (
    BotCommand,
    InlineQueryResultArticle,
    InputTextMessageContent,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.conversation import IDLE_SECONDS, ask_in_conversation
from bot.logs import configure_logging, redact
from bot.telegram_format import answer_messages
from retrieval.config import DEFAULT_TELEGRAM_API, TelegramSettings

log = logging.getLogger("newsqa.telegram")
TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
DEFAULT_BASE_URL = DEFAULT_TELEGRAM_API
EXAMPLES = ["綦江复工率多少", "南岸返岗率是多少", "小米未来5年投入多少钱"]
MIN_SECONDS_BETWEEN_QUESTIONS = 1.0
CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption
TYPING_EVERY = 4.0
COMMANDS = [BotCommand("start", "开始 / 示例问题"), BotCommand("help", "怎么提问"),
            BotCommand("sources", "收录的文章"), BotCommand("ask", "提问，例如 /ask 綦江复工率多少"),
            BotCommand("new", "新对话：忘掉前面的问题")]
HELP = ("我根据收录的新闻文章回答问题，给出文章里的数字和出处；文章里没有的，我会直说没有。\n"
        "直接发问题即可（群里请用 /ask 问题 或 @我），例如：\n" + "\n".join(f"• {q}" for q in EXAMPLES) +
        "\n可以接着问，例如先问“綦江复工率多少”，再问“那南岸呢”。/new 开始新对话，/sources 查看收录的文章。")


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


# ---- handlers ---------------------------------------------------------------------------------

def _engine(context: ContextTypes.DEFAULT_TYPE):
    return context.application.bot_data["engine"]


def _allowed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    allowed = context.application.bot_data.get("allowed_chats")
    if not allowed:
        return True
    # Inline queries come from a user, not a chat: a user is let in when their private chat (same id) is.
    who = update.effective_chat or update.effective_user
    return who is not None and who.id in allowed


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greeting and example questions as a reply keyboard."""
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(q)] for q in EXAMPLES], resize_keyboard=True)
    await update.effective_message.reply_text("你好！我是渝问，回答关于新闻文章的问题。试试这些：", reply_markup=keyboard)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What the bot knows and how to ask."""
    await update.effective_message.reply_text(HELP)


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The articles the bot answers from."""
    articles = _engine(context).article_list()
    lines = [f"{i}. {a['headline'] or '（无标题）'} — {a['source']}" for i, a in enumerate(articles, 1)]
    await _send_plain(update, context, "收录的文章：\n" + "\n".join(lines))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask 问题"""
    question = " ".join(context.args or [])
    if not question.strip():
        await update.effective_message.reply_text("用法：/ask 问题，例如 /ask 綦江复工率多少")
        return
    await answer_question(update, context, question)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Plain text in a private chat, or a group message that mentions the bot, is a question."""
    message = update.effective_message
    text = message.text or message.caption or ""
    if update.effective_chat.type != ChatType.PRIVATE:
        mention = f"@{context.bot.username}"
        if mention.lower() not in text.lower():
            return
        text = re.sub(re.escape(mention), " ", text, flags=re.IGNORECASE)
    await answer_question(update, context, text)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos without captions, voice…: explain that questions are text."""
    await update.effective_message.reply_text("我只能回答文字问题，例如：綦江复工率多少")


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@bot 问题 → up to 3 results: the answer, then the top cited passages."""
    query = update.inline_query
    from retrieval.engine import QuestionError, check_question

    try:
        question = check_question(query.query)
    except QuestionError:
        await query.answer([], cache_time=5)
        return
    if _too_soon(context, query.from_user.id):
        await query.answer([], cache_time=1)
        return
    data = (await asyncio.to_thread(_engine(context).ask, question, 3)).to_dict()
    html_messages, _ = answer_messages(data)
    results = [InlineQueryResultArticle(id="answer", title=data["answer"][:60], description=question,
                                        input_message_content=InputTextMessageContent(html_messages[0][:4096],
                                                                                      parse_mode=ParseMode.HTML))]
    for i, c in enumerate(data["citations"][:2], 1):
        results.append(InlineQueryResultArticle(id=f"c{i}", title=(c["title"] or c["source"])[:60],
                                                description=c["text"][:100],
                                                input_message_content=InputTextMessageContent(c["text"][:4096])))
    await query.answer(results[:3], cache_time=30)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the traceback for the operator; the user gets one friendly line."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, "抱歉，出了点问题，请稍后再试。")
        except Exception:  # the chat may be gone or Telegram unreachable; the log line above is what matters
            log.warning("could not tell the user about the error")


# ---- answering --------------------------------------------------------------------------------

async def gate(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs first for every update (group -1): outside the allow-list, a polite refusal and nothing else."""
    if not isinstance(update, Update) or _allowed(update, context):
        return
    if update.inline_query is not None:
        await update.inline_query.answer([], cache_time=60, is_personal=True)
    elif update.callback_query is not None:
        await update.callback_query.answer("抱歉，这个机器人只在指定的聊天中使用。")
    elif update.effective_message is not None and update.edited_message is None:
        await update.effective_message.reply_text("抱歉，这个机器人只在指定的聊天中使用。")
    raise ApplicationHandlerStop


def _too_soon(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> bool:
    last = context.application.bot_data.setdefault("last_question", {})
    now = time.monotonic()
    if now - last.get(chat_id, -1e9) < context.application.bot_data.get("min_interval", MIN_SECONDS_BETWEEN_QUESTIONS):
        return True
    last[chat_id] = now
    return False


async def _keep_typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    while True:
        try:
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except (BadRequest, Forbidden, RetryAfter):
            return
        await asyncio.sleep(TYPING_EVERY)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Validate, rate-limit, answer off the event loop with a typing indicator, and reply."""
    from retrieval.engine import MAX_QUESTION_CHARS, QuestionError, check_question

    chat_id = update.effective_chat.id
    try:
        question = check_question(question)
    except QuestionError:
        text = question.strip()
        reply = (f"问题太长了（{len(text)}字），请控制在{MAX_QUESTION_CHARS}字以内。" if len(text) > MAX_QUESTION_CHARS
                 else "请用文字提问，例如：綦江复工率多少")
        await update.effective_message.reply_text(reply)
        return
    if _too_soon(context, chat_id):
        await update.effective_message.reply_text("请慢一点：每秒最多回答一个问题。")
        return
    typing = asyncio.create_task(_keep_typing(context, chat_id))
    try:
        data, turn = await asyncio.to_thread(ask_in_conversation, _engine(context).ask, question, _last_turn(context),
                                             context.application.bot_data.get("top_k", 3))
    finally:
        typing.cancel()
    context.chat_data["turn"] = (time.monotonic(), turn)
    html_messages, plain_messages = answer_messages(data)
    chart = await asyncio.to_thread(_chart, _engine(context), data.get("facts") or [])
    if chart is not None:
        # The chart first, the answer as its caption (split to Telegram's 1024 characters), the rest after it.
        html_messages, plain_messages = answer_messages(data, CAPTION_LIMIT)
        await context.bot.send_photo(chat_id, photo=chart, caption=html_messages[0], parse_mode=ParseMode.HTML)
        html_messages, plain_messages = html_messages[1:], plain_messages[1:]
    if html_messages:
        await _send_html(update, context, html_messages, plain_messages)


def _chart(engine, fact_ids: list[int]) -> bytes | None:
    """A bar chart of a table answer's figures, or None (fewer than 3, no Chinese font, no facts lookup)."""
    if len(fact_ids) < 3 or not hasattr(engine, "facts_by_ids"):
        return None
    from bot.charts import facts_chart

    return facts_chart(engine.facts_by_ids(fact_ids), "")


def _last_turn(context: ContextTypes.DEFAULT_TYPE):
    """This chat's last turn, unless it is older than the idle limit (then the chat starts over)."""
    at, turn = context.chat_data.get("turn") or (0.0, None)
    return turn if time.monotonic() - at <= IDLE_SECONDS else None


async def new_conversation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/new: forget the conversation, so the next question stands alone."""
    context.chat_data.pop("turn", None)
    await update.effective_message.reply_text("好的，重新开始。请提问，例如：綦江复工率多少")


async def _send_html(update: Update, context: ContextTypes.DEFAULT_TYPE, html_messages: list[str],
                     plain_messages: list[str]) -> None:
    chat_id = update.effective_chat.id
    try:
        for text in html_messages:
            await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, disable_web_page_preview=True)
    except BadRequest as exc:
        if "parse entities" not in str(exc).lower():
            raise
        log.warning("Telegram rejected the HTML (%s); resending as plain text", exc)
        for text in plain_messages:
            await context.bot.send_message(chat_id, text, disable_web_page_preview=True)


async def _send_plain(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    from bot.telegram_format import _split_plain

    for piece in _split_plain(text, 4096):
        await context.bot.send_message(update.effective_chat.id, piece)


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
