"""Answer contract → Telegram messages: HTML with escaped text, numbers in bold, split at ≤ 4096 characters."""

from __future__ import annotations

import html
import re

TELEGRAM_LIMIT = 4096
QUOTE_CHARS = 220  # passage text shown per citation, trimmed around the cited numbers


def _bold_numbers(text: str, numbers: list[str]) -> str:
    """Escape text and wrap each occurrence of a number string in <b>…</b>."""
    needles = sorted({n for n in numbers if n}, key=len, reverse=True)
    if not needles:
        return html.escape(text, quote=False)
    pattern = re.compile("|".join(re.escape(n) for n in needles))
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last:m.start()], quote=False))
        out.append(f"<b>{html.escape(m.group(), quote=False)}</b>")
        last = m.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def trim_around(text: str, needles: list[str], width: int = QUOTE_CHARS) -> str:
    """The part of a passage around its first cited number (or its start), with … where cut."""
    text = text.replace("\n", " ")
    if len(text) <= width:
        return text
    positions = [text.find(n) for n in needles if n and n in text]
    centre = min(positions) if positions else 0
    start = max(0, min(centre - width // 3, len(text) - width))
    piece = text[start:start + width]
    return ("…" if start > 0 else "") + piece + ("…" if start + width < len(text) else "")


def _blocks(data: dict, rich: bool) -> list[str]:
    """Self-contained pieces of the reply: the answer, then one block per citation (tags never span blocks)."""
    numbers = [n["text"] for n in data["numbers"]]
    esc = (lambda s: html.escape(s, quote=False)) if rich else (lambda s: s)
    blocks = [_bold_numbers(data["answer"], numbers) if rich else data["answer"]]
    if data["citations"]:
        blocks.append(esc("出处：" if data["answerable"] else "相关段落："))
    for i, c in enumerate(data["citations"], 1):
        cited = [n["text"] for n in data["numbers"] if n["citation"] == i]
        quote = trim_around(c["text"], cited)
        title = c["title"] or "（无标题）"
        if rich:
            blocks.append(f"<b>[{i}] {esc(title)}</b>\n<i>{esc(c['source'])}</i>\n"
                          f"<blockquote>{_bold_numbers(quote, cited)}</blockquote>")
        else:
            blocks.append(f"[{i}] {title}\n{c['source']}\n{quote}")
    return blocks


def _split_plain(text: str, limit: int) -> list[str]:
    """Split plain text at line breaks, then hard, so every piece fits."""
    units = []
    for line in text.split("\n"):
        while len(line) > limit:  # a line longer than a message is cut where it must be
            units.append(line[:limit])
            line = line[limit:]
        units.append(line)
    return _join_up_to(units, "\n", limit)


def _join_up_to(units: list[str], separator: str, limit: int) -> list[str]:
    """Consecutive units (each at most limit long) joined by separator into texts of at most limit characters."""
    out, current = [], ""
    for unit in units:
        candidate = f"{current}{separator}{unit}" if current else unit
        if len(candidate) > limit:
            out.append(current)
            current = unit
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def _escaped_fitting(piece: str, limit: int) -> list[str]:
    """Escape piece, halving it until each escaped part fits (escaping can lengthen text)."""
    escaped = html.escape(piece, quote=False)
    if len(escaped) <= limit:
        return [escaped]
    middle = len(piece) // 2
    return _escaped_fitting(piece[:middle], limit) + _escaped_fitting(piece[middle:], limit)


def pack(blocks: list[str], limit: int = TELEGRAM_LIMIT, rich: bool = True) -> list[str]:
    """Join blocks into messages of at most limit characters, splitting only between blocks.

    A single block longer than the limit loses its formatting and is split at line boundaries,
    so a tag is never cut in half.
    """
    messages, run = [], []
    for block in blocks:
        if len(block) <= limit:
            run.append(block)
            continue
        messages += _join_up_to(run, "\n\n", limit)
        run = []
        plain = re.sub(r"<[^>]+>", "", block)
        plain = html.unescape(plain) if rich else plain
        for piece in _split_plain(plain, limit):
            messages.extend(_escaped_fitting(piece, limit) if rich else [piece])
    messages += _join_up_to(run, "\n\n", limit)
    return messages


def answer_messages(data: dict, limit: int = TELEGRAM_LIMIT) -> tuple[list[str], list[str]]:
    """(HTML messages, the same as plain text) for an answer contract dict."""
    return pack(_blocks(data, rich=True), limit, rich=True), pack(_blocks(data, rich=False), limit, rich=False)
