"""Articles → passages of a few sentences, each carrying its provenance."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

from retrieval.ingest.corpus import Article, SourceFile, split_articles
from retrieval.ingest.text import MappedText, split_sentences
from retrieval.language.places import gazetteer

TARGET_CHARS = 200  # a passage grows until about this long…
MAX_CHARS = 300  # …never past this (a longer sentence is cut at commas)…
MIN_CHARS = 80  # …and is not closed while shorter than this.
OVERLAP_MAX = 60  # a short last sentence is repeated at the start of the next passage.


@dataclass
class Passage:
    """A few sentences of one article, with where they came from and what they concern."""

    id: str
    source: str
    start: int
    end: int
    text: str
    headline: str | None
    places: list[str]
    article_places: list[str]
    article: int
    runs: list[list[int]] = field(default_factory=list, repr=False)

    @property
    def index_text(self) -> str:
        """What is embedded and BM25-indexed: the article's headline and place carried onto the passage."""
        context = [self.headline or "", " ".join(p for p in self.article_places if p not in self.text)]
        return "｜".join(x for x in [*context, self.text] if x)

    def original_offset(self, i: int) -> int:
        """Offset in the source file of character i of ``text``."""
        for start, orig, length in self.runs:
            if start <= i < start + length:
                return orig + (i - start)
        raise IndexError(i)

    def to_dict(self) -> dict:
        """Plain JSON-able form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Passage":
        """Inverse of ``to_dict``."""
        return cls(**data)


def _pieces(sentence: MappedText) -> list[MappedText]:
    """A sentence longer than MAX_CHARS is cut after its commas."""
    if len(sentence) <= MAX_CHARS:
        return [sentence]
    pieces, start = [], 0
    for i, ch in enumerate(sentence.text):
        if ch in "，,、" and i + 1 - start >= TARGET_CHARS // 2:
            pieces.append(sentence.slice(start, i + 1))
            start = i + 1
        elif i + 1 - start >= MAX_CHARS:
            pieces.append(sentence.slice(start, i + 1))
            start = i + 1
    if start < len(sentence):
        pieces.append(sentence.slice(start, len(sentence)))
    return pieces


def _units(article: Article) -> list[tuple[MappedText, bool]]:
    """Sentences of the article in order, each flagged when it starts a paragraph."""
    units = []
    for para in article.paragraphs:
        for n, sentence in enumerate(split_sentences(para.text)):
            for k, piece in enumerate(_pieces(sentence)):
                units.append((piece, n == 0 and k == 0))
    return units


def chunk_article(article: Article) -> list[Passage]:
    """Pack sentences into passages of TARGET_CHARS, never across articles."""
    units = _units(article)
    passages: list[Passage] = []
    i = 0
    while i < len(units):
        group = [units[i]]
        length = len(units[i][0])
        j = i + 1
        while j < len(units) and (length < MIN_CHARS or length + len(units[j][0]) <= TARGET_CHARS):
            if length + len(units[j][0]) > MAX_CHARS:
                break
            group.append(units[j])
            length += len(units[j][0])
            j += 1
        passages.append(_passage(article, group, len(passages)))
        # Overlap: the next passage repeats this one's last sentence when it is short, so a fact
        # split across the boundary ("截至3月17日，" | "该区上报企业6481家…") stays whole in one passage.
        last = group[-1][0]
        i = j - 1 if (j < len(units) and len(group) > 1 and len(last) <= OVERLAP_MAX) else j
    return passages


def _passage(article: Article, group: list[tuple[MappedText, bool]], n: int) -> Passage:
    text = MappedText()
    for k, (unit, starts_paragraph) in enumerate(group):
        text.extend(unit, sep="\n" if (k and starts_paragraph) else "", sep_offset=unit.offsets[0])
    start, end = text.span
    digest = hashlib.sha1(f"{article.source}:{start}:{end}".encode()).hexdigest()[:8]
    return Passage(
        id=f"{article.source.rsplit('.', 1)[0]}-{start}-{digest}",
        source=article.source,
        start=start,
        end=end,
        text=text.text,
        headline=article.headline,
        places=gazetteer().find(text.text),
        article_places=article.places,
        article=article.index,
        runs=text.runs(),
    )


def passages_of(files: list[SourceFile]) -> tuple[list[Passage], int]:
    """All passages of the files and how many articles they came from."""
    passages, articles = [], 0
    for f in files:
        for article in split_articles(f):
            articles += 1
            passages.extend(chunk_article(article))
    return passages, articles
