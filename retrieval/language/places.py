"""A small gazetteer: which places a text names, so 綦江 questions find 綦江 passages."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from importlib import resources

# Places that say "this city as a whole": weaker evidence than a district name.
GENERIC = {"重庆"}


class Gazetteer:
    """Maps every alias (南岸区, 南岸) to one canonical place name and finds them in text."""

    def __init__(self, entries: dict[str, list[str]]):
        self.alias_to_place: dict[str, str] = {}
        for place, aliases in entries.items():
            for alias in [place, *aliases]:
                self.alias_to_place[alias] = place
        # Longest alias first so 重庆经开区 wins over 经开区 and 重庆; Latin names only as whole words
        # (banan is 巴南, bananas is not).
        pattern = "|".join(rf"(?<![a-z']){re.escape(a)}(?![a-z])" if a.isascii() else re.escape(a)
                           for a in sorted(self.alias_to_place, key=len, reverse=True))
        self._regex = re.compile(pattern)

    @classmethod
    def bundled(cls) -> "Gazetteer":
        """Load the gazetteer shipped in retrieval/data/places.txt."""
        text = resources.files("retrieval").joinpath("data/places.txt").read_text("utf-8")
        entries: dict[str, list[str]] = {}
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                head, *aliases = line.split()
                entries[head] = [alias.replace("_", " ") for alias in aliases]  # hong_kong is "hong kong"
        return cls(entries)

    @property
    def aliases(self) -> list[str]:
        """Every surface form, for the tokenizer's user dictionary."""
        return list(self.alias_to_place)

    def find(self, text: str) -> list[str]:
        """Canonical places named in text, in order of first mention, without repeats."""
        seen: dict[str, None] = {}
        for match in self._regex.finditer(text):
            seen.setdefault(self.alias_to_place[match.group()], None)
        return list(seen)

    def last(self, text: str) -> str | None:
        """The canonical place named last in text, or None."""
        found = None
        for match in self._regex.finditer(text):
            found = self.alias_to_place[match.group()]
        return found

    def prefix(self, text: str) -> str | None:
        """The alias text starts with (南岸区复工率 → 南岸区), or None."""
        match = self._regex.match(text)
        return match.group() if match else None

    def count(self, text: str) -> Counter:
        """How often each canonical place is named in text."""
        return Counter(self.alias_to_place[m.group()] for m in self._regex.finditer(text))

    def main_places(self, headline: str, body: str, limit: int = 3) -> list[str]:
        """The places an article is about: named in its headline or often in its body, districts before 重庆."""
        counts = self.count(body)
        for place in self.find(headline):
            counts[place] += 5  # a headline place is the article's subject
        ranked = sorted(counts.items(), key=lambda kv: (kv[0] in GENERIC, -kv[1]))
        return [place for place, n in ranked if n >= 2 or place in self.find(headline)][:limit] or [
            place for place, _ in ranked[:1]
        ]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The bundled gazetteer, loaded once."""
    return Gazetteer.bundled()
