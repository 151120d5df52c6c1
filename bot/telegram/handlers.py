"""Telegram handlers: short async functions, each one kind of update; the gate runs before all of them."""

from __future__ import annotations

import asyncio
import logging
import re
import time

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
    RetryAfter,
)
from telegram.ext import (
    ApplicationHandlerStop,
    ContextTypes,
)

from bot.conversation import IDLE_SECONDS, ask_in_conversation
from bot.telegram.format import answer_messages

log = logging.getLogger("newsqa.telegram")
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
    from bot.telegram.format import _split_plain

    for piece in _split_plain(text, 4096):
        await context.bot.send_message(update.effective_chat.id, piece)


