"""The facts table: every number of every passage as a row, in SQLite beside the index.

Built from the passages alone (no model), so a missing, damaged or stale file is simply rebuilt. Written
to a temporary file and renamed into place, so readers always open a whole table.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from retrieval.files import atomic_write
from retrieval.ingest.passages import Passage
from retrieval.language.metrics import canonical, find_metrics
from retrieval.language.numbers import NumberMention, mentions_of_passage
from retrieval.language.places import gazetteer

FACTS_FILE = "facts.sqlite"
SCHEMA_VERSION = 2  # bump when what becomes a fact changes: the table is rebuilt
KINDS = ("percent", "money", "count", "measure", "duration", "ratio", "date", "number")
PAGE_YEAR = re.compile(r"((?:19|20)\d{2})年")
MONTH_DAY = re.compile(r"(\d{1,2})月(?:(\d{1,2})[日号])?")
_COLUMNS = """
    id INTEGER PRIMARY KEY, passage_id TEXT NOT NULL, source TEXT NOT NULL, headline TEXT,
    text TEXT NOT NULL, value REAL, value_max REAL, unit TEXT, kind TEXT NOT NULL, qualifier TEXT,
    label TEXT, metric TEXT, subject TEXT, date TEXT, date_normalised TEXT,
    start INTEGER NOT NULL, end INTEGER NOT NULL, file_start INTEGER NOT NULL, file_end INTEGER NOT NULL
"""


class FactsError(RuntimeError):
    """The facts table cannot be written (the index folder is not writable)."""


@dataclass(frozen=True)
class Fact:
    """One number as the articles state it: what it measures, whose it is, when, and where it stands."""

    id: int
    passage_id: str
    source: str
    headline: str | None
    text: str
    value: float | None
    value_max: float | None
    unit: str
    kind: str
    qualifier: str | None
    label: str | None
    metric: str | None
    subject: str | None
    date: str | None
    date_normalised: str | None  # YYYY-MM(-DD) when the date and the page's year say it
    start: int  # offsets of the number in the passage text
    end: int
    file_start: int  # ... and in the source file
    file_end: int

    def mention(self) -> NumberMention:
        """The number as a NumberMention of its passage (for answers, which quote it verbatim)."""
        return NumberMention(self.text, self.start, self.end, self.value, self.value_max, self.unit, self.kind,
                             self.qualifier, self.label, self.metric, self.subject, self.date)

    def to_dict(self) -> dict:
        """Plain JSON form."""
        return dict(self.__dict__)


def normalised_date(written: str | None, page_year: str | None) -> str | None:
    """截至3月17日 on a 2020 page → 2020-03-17; None when the year or month is not known."""
    if not written or not page_year:
        return None
    year = PAGE_YEAR.search(written)
    m = MONTH_DAY.search(written)
    if not m:
        return None
    y = year.group(1) if year else page_year
    return f"{y}-{int(m.group(1)):02d}" + (f"-{int(m.group(2)):02d}" if m.group(2) else "")


def _page_year(passages: list[Passage]) -> dict[tuple[str, int], str | None]:
    """The year an article's own text names most often (news pages write 2020年 somewhere), per article."""
    counts: dict[tuple[str, int], dict[str, int]] = {}
    for p in passages:
        years = counts.setdefault((p.source, p.article), {})
        for y in PAGE_YEAR.findall(p.text):
            years[y] = years.get(y, 0) + 1
    return {key: (max(years, key=years.get) if years else None) for key, years in counts.items()}


def facts_of(passages: list[Passage], first_id: int = 1) -> list[Fact]:
    """Every number mention of the passages as a Fact (dates themselves are not facts)."""
    years = _page_year(passages)
    out, seen = [], set()
    for p in passages:
        for m in mentions_of_passage(p):
            if m.kind in ("date", "phone") or (m.kind == "number" and not m.label):
                continue
            where = (p.source, p.original_offset(m.start))
            if where in seen:  # neighbouring passages overlap by a sentence: one fact per place in the file
                continue
            seen.add(where)
            metric = m.metric or (find_metrics(m.label or "") or [None])[-1]
            out.append(Fact(first_id + len(out), p.id, p.source, p.headline, m.text, m.value, m.value_max, m.unit,
                            m.kind, m.qualifier, m.label, metric, m.subject, m.date,
                            normalised_date(m.date, years.get((p.source, p.article))), m.start, m.end,
                            p.original_offset(m.start), p.original_offset(m.end - 1) + 1))
    return out


class FactStore:
    """The facts table of one index folder: built from passages, queried by metric, place and kind."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / FACTS_FILE

    def _connect(self):
        """A read-only connection, closed when the with-block ends."""
        return closing(sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True))

    def current(self, fingerprint: str) -> bool:
        """Whether the stored table was built from the corpus with this fingerprint."""
        try:
            with self._connect() as db:
                meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error:
            return False
        return meta.get("schema") == str(SCHEMA_VERSION) and meta.get("fingerprint") == fingerprint

    def build(self, passages: list[Passage], fingerprint: str) -> int:
        """Write the table for these passages (replacing any other); returns the number of facts."""
        facts = facts_of(passages)
        self._write(lambda tmp: self._create(tmp, facts, fingerprint))
        return len(facts)

    def add(self, passages: list[Passage], fingerprint: str) -> int:
        """Add the facts of new passages to a copy of the table and put the copy in place."""
        def write(tmp: Path):
            shutil.copyfile(self.path, tmp)
            with closing(sqlite3.connect(tmp)) as db, db:
                first = (db.execute("SELECT COALESCE(MAX(id), 0) FROM facts").fetchone()[0] or 0) + 1
                facts = facts_of(passages, first)
                self._insert(db, facts)
                db.execute("UPDATE meta SET value = ? WHERE key = 'fingerprint'", (fingerprint,))
            added.append(len(facts))

        added: list[int] = []
        self._write(write)
        return added[0]

    def _write(self, fill) -> None:
        try:
            atomic_write(self.path, fill)
        except (OSError, sqlite3.Error) as exc:
            raise FactsError(f"cannot write the facts table in {self.path.parent}: {exc}") from exc

    @staticmethod
    def _create(path: Path, facts: list[Fact], fingerprint: str) -> None:
        path.unlink(missing_ok=True)
        with closing(sqlite3.connect(path)) as db, db:
            db.execute(f"CREATE TABLE facts ({_COLUMNS})")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            db.executemany("INSERT INTO meta VALUES (?, ?)", [("schema", str(SCHEMA_VERSION)), ("fingerprint", fingerprint)])
            for column in ("metric", "subject", "kind"):
                db.execute(f"CREATE INDEX facts_{column} ON facts ({column})")
            FactStore._insert(db, facts)

    @staticmethod
    def _insert(db: sqlite3.Connection, facts: list[Fact]) -> None:
        if facts:
            fields = list(facts[0].__dict__)
            db.executemany(f"INSERT INTO facts ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
                           [tuple(f.__dict__.values()) for f in facts])

    def query(self, metric: str | None = None, place: str | None = None, kind: str | None = None,
              limit: int = 100, offset: int = 0) -> tuple[list[Fact], int]:
        """Facts matching every given filter, in corpus order, and how many match in all.

        metric matches the canonical metric (复工率 finds 复工复产率) or the label's wording; place matches
        the subject, by any of its names (南岸区 = 南岸).
        """
        where, args = [], []
        if metric:
            wanted = canonical(metric) or metric
            where.append("(metric = ? OR label LIKE ?)")
            args += [wanted, f"%{metric}%"]
        if place:
            where.append("subject = ?")
            args.append(gazetteer().alias_to_place.get(place, place))
        if kind:
            where.append("kind = ?")
            args.append(kind)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._connect() as db:
            total = db.execute(f"SELECT COUNT(*) FROM facts{clause}", args).fetchone()[0]
            rows = db.execute(f"SELECT * FROM facts{clause} ORDER BY id LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        return [Fact(*row) for row in rows], total

    def by_ids(self, ids: list[int]) -> list[Fact]:
        """The facts with these ids, in the order given (unknown ids are skipped)."""
        if not ids:
            return []
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM facts WHERE id IN ({', '.join('?' * len(ids))})", ids).fetchall()
        found = {row[0]: Fact(*row) for row in rows}
        return [found[i] for i in ids if i in found]

    def count_by_source(self) -> dict[str, int]:
        """How many facts each source file holds."""
        with self._connect() as db:
            return dict(db.execute("SELECT source, COUNT(*) FROM facts GROUP BY source ORDER BY source").fetchall())
