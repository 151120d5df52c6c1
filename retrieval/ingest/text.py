"""Cleaned text that remembers where every character came from in the original file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Sentence ends; a closing quote or bracket right after one belongs to the same sentence.
SENTENCE_END = "。！？!?；;…"
CLOSERS = "”’」』）)】"
# What bounds the sentence a number is read in: the clause stops also cut at ；, so a ；-list item stands alone,
# while the sentence stops keep it whole (截至3月17日，A…；B… : the date holds for both).
CLAUSE_STOPS = "。！？；\n"
SENTENCE_STOPS = "。！？\n"
# A paragraph (not a layout break) ends with one of these.
PARAGRAPH_END = SENTENCE_END + "：:" + CLOSERS


def sentence_bounds(text: str, start: int, end: int | None = None, stops: str = SENTENCE_STOPS) -> tuple[int, int]:
    """(first, stop) of the sentence holding text[start:end]: first is just after the last stop before start,
    stop is the index of the first stop at or after end (len(text) when there is none)."""
    first = max(text.rfind(c, 0, start) for c in stops) + 1
    found = [i for i in (text.find(c, start if end is None else end) for c in stops) if i >= 0]
    return first, min(found) if found else len(text)


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def normalize_char(ch: str) -> str:
    """Full-width ASCII letters, digits and number signs to half-width; Chinese punctuation stays."""
    code = ord(ch)
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)
    return {"％": "%", "．": ".", "＋": "+", "－": "-", "／": "/", "～": "~", "\u3000": " ", "\xa0": " "}.get(ch, ch)


@dataclass
class MappedText:
    """A cleaned string plus, for each of its characters, the offset of its source character."""

    text: str = ""
    offsets: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.text)

    def append(self, ch: str, offset: int) -> None:
        """Add one character that came from ``offset`` in the original."""
        self.text += ch
        self.offsets.append(offset)

    def extend(self, other: "MappedText", sep: str = "", sep_offset: int | None = None) -> None:
        """Append another mapped text, optionally after a separator mapped to ``sep_offset``."""
        if sep and self.text:
            for ch in sep:
                self.append(ch, sep_offset if sep_offset is not None else other.offsets[0])
        self.text += other.text
        self.offsets.extend(other.offsets)

    def slice(self, start: int, end: int) -> "MappedText":
        """The characters [start, end) with their offsets."""
        return MappedText(self.text[start:end], self.offsets[start:end])

    def strip(self) -> "MappedText":
        """Without leading or trailing whitespace."""
        start, end = 0, len(self.text)
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return self.slice(start, end)

    @property
    def span(self) -> tuple[int, int]:
        """(start, end) in the original file: end is one past the last source character."""
        return (self.offsets[0], self.offsets[-1] + 1) if self.offsets else (0, 0)

    def runs(self) -> list[list[int]]:
        """Compact offset map: [cleaned_start, original_start, length] for each contiguous run."""
        runs: list[list[int]] = []
        for i, off in enumerate(self.offsets):
            if runs and runs[-1][1] + runs[-1][2] == off and runs[-1][0] + runs[-1][2] == i:
                runs[-1][2] += 1
            else:
                runs.append([i, off, 1])
        return runs


def clean_line(raw: str, base: int, keep_cjk_space: bool = False) -> MappedText:
    """Normalise one line; spaces survive only between ASCII words (or in headlines, collapsed)."""
    out = MappedText()
    chars = [normalize_char(c) for c in raw]
    for i, ch in enumerate(chars):
        if ch.isspace():
            prev = out.text[-1] if out.text else ""
            nxt = next((c for c in chars[i + 1 :] if not c.isspace()), "")
            if not prev or not nxt or prev == " ":
                continue
            # OCR spreads 3 月 20 日 and 高 质 量 out with spaces; English keeps its word gaps.
            if (_is_ascii_alnum(prev) and _is_ascii_alnum(nxt)) or (
                keep_cjk_space and not prev.isdigit() and not nxt.isdigit()
            ):
                out.append(" ", base + i)
            continue
        if ch == "\ufffd" or (not ch.isprintable()):
            continue
        out.append(ch, base + i)
    return out


def join_lines(lines: list[MappedText], newline_offsets: list[int]) -> MappedText:
    """Join wrapped lines: no separator in Chinese, one space between two ASCII words."""
    out = MappedText()
    for line, nl in zip(lines, newline_offsets):
        if not line.text:
            continue
        if out.text and _is_ascii_alnum(out.text[-1]) and _is_ascii_alnum(line.text[0]):
            out.append(" ", nl)
        out.extend(line)
    return out


_SENTENCE_RE = re.compile(rf"[^{SENTENCE_END}]*[{SENTENCE_END}]+[{CLOSERS}]*|[^{SENTENCE_END}]+$")


def split_sentences(text: MappedText) -> list[MappedText]:
    """Cut at 。！？；… (with any closing quote); keeps every character exactly once."""
    pieces = []
    for match in _SENTENCE_RE.finditer(text.text):
        if match.group().strip():
            pieces.append(text.slice(match.start(), match.end()).strip())
    return [p for p in pieces if p.text]


def ends_paragraph(text: str) -> bool:
    """True when text ends the way a finished paragraph does."""
    text = text.rstrip()
    return bool(text) and text[-1] in PARAGRAPH_END
