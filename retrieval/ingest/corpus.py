"""OCR'd newspaper pages → articles: joined lines, headlines attached, duplicates dropped."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.ingest.text import MappedText, clean_line, ends_paragraph, join_lines
from retrieval.language.places import gazetteer

log = logging.getLogger(__name__)

# How an article opens on these pages: 本报讯（记者 …）, □本报记者 …, ■ 作者.
BYLINE_RE = re.compile(r"^\s*(本报讯|□|■|◎|本报记者|本报首席记者)")
# Photo credit lines ("记者 齐岚森 摄/视觉重庆") are layout, not content.
CREDIT_RE = re.compile(r"^\s*[^。，,；;]{0,24}摄(影)?\s*([/／].{0,12})?\s*$")
MAX_HEADLINE_CHARS = 48
MAX_HEADLINE_LINES = 3


@dataclass
class Paragraph:
    """A run of cleaned text with its kind: body text, a heading, or an article's opening byline."""

    text: MappedText
    kind: str  # "text" | "heading"
    byline: bool = False


@dataclass
class Article:
    """One article of a page: its headline, the places it concerns, and its body paragraphs."""

    source: str
    index: int
    headline: str | None
    paragraphs: list[Paragraph] = field(default_factory=list)
    places: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        """The article's cleaned text, paragraphs separated by newlines."""
        return "\n".join(p.text.text for p in self.paragraphs)


@dataclass
class SourceFile:
    """One text file of the corpus, its raw text, and a fingerprint of its bytes."""

    name: str
    text: str
    sha256: str


def read_corpus(folder: Path, warn=log.warning) -> list[SourceFile]:
    """Every readable UTF-8 ``.txt`` in folder (sorted by name); others are reported and skipped."""
    files = []
    if not folder.is_dir():
        warn(f"corpus folder {folder} does not exist")
        return files
    for path in sorted(folder.glob("*.txt")):
        if not path.is_file():  # a FIFO or device named x.txt would block the read forever
            warn(f"skipped {path.name}: not a regular file")
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            warn(f"skipped {path.name}: cannot read it ({exc.strerror})")
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            warn(f"skipped {path.name}: not UTF-8 (byte {exc.start}); save it as UTF-8 to include it")
            continue
        if not text.strip():
            warn(f"skipped {path.name}: empty file")
            continue
        if "\x00" in text:
            warn(f"skipped {path.name}: looks binary (contains NUL bytes)")
            continue
        files.append(SourceFile(path.name, text, hashlib.sha256(data).hexdigest()))
    return files


@dataclass
class _Block:
    """Lines between two blank lines."""

    lines: list[MappedText]
    raw_lines: list[str]
    text: MappedText


def _spans_word(left: str, right: str) -> bool:
    """True when a line break between left and right cuts a word in two (两|者, 互|联网)."""
    from retrieval.language.tokenizer import (
        jieba_tokenizer,  # jieba's dictionary takes a second to load
    )

    jieba = jieba_tokenizer()

    left, right = left.strip()[-4:], right.strip()[:4]
    if not left or not right or not ("\u4e00" <= left[-1] <= "\u9fff" and "\u4e00" <= right[0] <= "\u9fff"):
        return False
    pos = 0
    for token in jieba.lcut(left + right, HMM=False):
        if pos < len(left) < pos + len(token):
            return True
        pos += len(token)
    return False


def _regroup_double_spaced(blocks: list[_Block]) -> list[_Block]:
    """Pages printed with a blank line after every line: rebuild blocks from line widths."""
    lengths = [len(b.text.text.strip()) for b in blocks]
    regrouped: list[_Block] = []
    current: list[_Block] = []
    for i, block in enumerate(blocks):
        text = block.text.text.strip()
        prev_done = not current and (not regrouped or ends_paragraph(regrouped[-1].text.text))
        # Column widths differ between the articles of a page: compare with the neighbouring lines.
        width = sorted(lengths[max(i - 4, 0) : i + 5])[len(lengths[max(i - 4, 0) : i + 5]) // 2]
        short = len(text) < 0.85 * width
        # A paragraph's first line is two characters short (its indent was lost), a heading far more.
        if len(text) <= width - 5 and prev_done and not ends_paragraph(text) and _looks_like_heading(block):
            regrouped.append(block)  # a heading line stands alone
            continue
        current.append(block)
        if (short and ends_paragraph(text)) or i == len(blocks) - 1:
            merged = MappedText()
            for b in current:
                merged.extend(b.text)
            regrouped.append(_Block([b.lines[0] for b in current], [b.raw_lines[0] for b in current], merged))
            current = []
    if current:
        merged = MappedText()
        for b in current:
            merged.extend(b.text)
        regrouped.append(_Block([b.lines[0] for b in current], [b.raw_lines[0] for b in current], merged))
    return regrouped


def _blocks(text: str) -> list[_Block]:
    blocks, lines, raws, newlines = [], [], [], []
    pos = 0
    for raw in text.splitlines(keepends=True):
        content = raw.rstrip("\r\n")
        if not content.strip():
            if lines:
                blocks.append(_Block(lines, raws, join_lines(lines, newlines)))
            lines, raws, newlines = [], [], []
        elif not CREDIT_RE.match(content):
            lines.append(clean_line(content, pos))
            raws.append(content)
            newlines.append(max(pos - 1, 0))
        pos += len(raw)
    if lines:
        blocks.append(_Block(lines, raws, join_lines(lines, newlines)))
    blocks = [b for b in blocks if b.text.text.strip()]
    if len(blocks) > 20 and sum(len(b.lines) == 1 for b in blocks) > 0.8 * len(blocks):
        blocks = _regroup_double_spaced(blocks)
    return blocks


def _first_fragment(text: str) -> str:
    match = re.match(r"[^。！？!?；;，,]*", text)
    return match.group() if match else text


def _looks_like_heading(block: _Block) -> bool:
    text = block.text.text.strip()
    if any(_spans_word(a.text, b.text) for a, b in zip(block.lines, block.lines[1:])):
        return False  # body lines break inside words; headline lines break between phrases
    return (
        len(block.lines) <= MAX_HEADLINE_LINES
        and len(text) <= MAX_HEADLINE_CHARS
        and not ends_paragraph(text)
        and text[-1] not in "，,、"
        and "。" not in text
        and not re.search(r"[\u4e00-\u9fff\d],[\u4e00-\u9fff\d]", text)  # a half-width clause comma: body text (003)
        and not BYLINE_RE.match(text)
    )


def _paragraphs(text: str) -> list[Paragraph]:
    """Blocks → paragraphs: a block that continues an unfinished sentence is joined to it."""
    paragraphs: list[Paragraph] = []
    blocks = _blocks(text)
    for i, block in enumerate(blocks):
        prev = paragraphs[-1] if paragraphs else None
        nxt = blocks[i + 1].text.text.strip() if i + 1 < len(blocks) else ""
        after_finished = prev is None or prev.kind == "heading" or ends_paragraph(prev.text.text)
        heading = _looks_like_heading(block) and after_finished
        if heading and prev is not None and prev.kind == "heading" and len(_first_fragment(nxt)) <= 2 and nxt:
            # "没有一个春天不会到" + "来。": a column break inside the opening sentence.
            heading = False
        if heading and nxt and not BYLINE_RE.match(nxt) and _spans_word(block.text.text, nxt):
            heading = False  # "…如何能做到两" + "者兼顾呢？": a column break, not a headline
        if heading:
            paragraphs.append(Paragraph(_heading_text(block), "heading"))
        elif prev is not None and prev.kind == "text" and not ends_paragraph(prev.text.text) and not BYLINE_RE.match(
            block.raw_lines[0]
        ):
            prev.text.extend(block.text)  # layout break inside a sentence
        else:
            paragraphs.append(Paragraph(block.text, "text", byline=bool(BYLINE_RE.match(block.raw_lines[0]))))
    return paragraphs


def _heading_text(block: _Block) -> MappedText:
    # Headline lines keep their spaces ("前三季度重庆 社会融资规模增量…"); lines join with a space.
    out = MappedText()
    for raw, line in zip(block.raw_lines, block.lines):
        if not line.offsets:
            continue  # a line of nothing but dropped characters (control codes, odd line separators)
        cleaned = clean_line(raw, line.offsets[0] - (len(raw) - len(raw.lstrip())), keep_cjk_space=True).strip()
        if cleaned.text:
            out.extend(cleaned, sep=" ", sep_offset=cleaned.offsets[0] - 1)
    return out


def _overlap(headline: str, body: str) -> float:
    """Share of the headline's character bigrams that occur in body."""
    grams = {headline[i : i + 2] for i in range(len(headline) - 1)} - {"  "}
    return sum(g in body for g in grams) / max(len(grams), 1)


def _dedupe(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Drop a text paragraph that repeats an earlier one (OCR pages print some twice)."""
    seen: set[str] = set()
    kept = []
    for para in paragraphs:
        key = re.sub(r"\W", "", para.text.text)
        if para.kind == "text" and len(key) >= 12:
            if key in seen:
                continue
            seen.add(key)
        kept.append(para)
    return kept


def split_articles(source: SourceFile) -> list[Article]:
    """Cut one page into articles and give each its headline, whether printed before or after it."""
    paragraphs = _dedupe(_paragraphs(source.text))
    groups: list[list[Paragraph]] = []  # alternating heading runs and body runs
    for para in paragraphs:
        is_heading = para.kind == "heading"
        starts_body = para.byline and groups and groups[-1][0].kind != "heading"
        if not groups or starts_body or (groups[-1][0].kind == "heading") != is_heading:
            groups.append([])  # a byline starts a new body even right after another body
        groups[-1].append(para)
    multi_article = sum(p.byline for p in paragraphs) >= 2

    bodies = [i for i, g in enumerate(groups) if g[0].kind != "heading"]
    if not multi_article:
        # A single feature: headings at the top are its headline, later ones are section titles.
        head = groups[0] if groups and groups[0][0].kind == "heading" else []
        body = [p for g in groups[1 if head else 0 :] for p in g]
        return [_article(source, 0, head, body)]

    # Multi-article page: does this page print headlines above or below their article?
    # Vote with the headlines that sit between two bodies: which neighbour do they resemble?
    votes = 0
    for i, group in enumerate(groups):
        if group[0].kind == "heading" and 0 < i < len(groups) - 1:
            text = " ".join(p.text.text for p in group)
            before = "\n".join(p.text.text for p in groups[i - 1])
            after = "\n".join(p.text.text for p in groups[i + 1])
            votes += (_overlap(text, after) > _overlap(text, before)) - (_overlap(text, before) > _overlap(text, after))
    trailing = votes < 0

    articles: list[Article] = []
    for n, bi in enumerate(bodies):
        if trailing:
            head = groups[bi + 1] if bi + 1 < len(groups) and groups[bi + 1][0].kind == "heading" else []
            if not head and bi > 0 and groups[bi - 1][0].kind == "heading" and bi - 1 == 0:
                head = groups[0]
        else:
            head = groups[bi - 1] if bi > 0 and groups[bi - 1][0].kind == "heading" else []
        articles.append(_article(source, n, head, groups[bi]))
    return articles


def _article(source: SourceFile, index: int, head: list[Paragraph], body: list[Paragraph]) -> Article:
    headline = " ".join(p.text.text for p in head).strip() or None
    article = Article(source.name, index, headline, [p for p in body if p.text.text.strip()])
    article.places = gazetteer().main_places(headline or "", article.body)
    return article


def write_new_file(path: Path, data: bytes) -> None:
    """Create path with data, atomically (temp file + rename), failing if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.link(tmp, path)  # fails with FileExistsError instead of overwriting
    finally:
        tmp.unlink(missing_ok=True)
