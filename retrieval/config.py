"""Where things live and how the server is guarded: read from the environment once, validated."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"", "0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting has a value that cannot be understood (the message names the variable and the value)."""


def parse_flag(name: str, value: str | None) -> bool:
    """A yes/no setting: 1/true/yes/on or 0/false/no/off (any case); anything else is a ConfigError."""
    word = (value or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value (use 1/true/yes/on or 0/false/no/off)")


@dataclass(frozen=True)
class Settings:
    """Paths the engine reads and writes."""

    corpus_dir: Path
    index_dir: Path

    @classmethod
    def from_env(cls) -> "Settings":
        """NEWSQA_CORPUS (default seeds/) and NEWSQA_INDEX_DIR (default var/index/, git-ignored)."""
        corpus = Path(os.environ.get("NEWSQA_CORPUS") or REPO_ROOT / "seeds").expanduser()
        index = Path(os.environ.get("NEWSQA_INDEX_DIR") or REPO_ROOT / "var" / "index").expanduser()
        return cls(corpus, index)


@dataclass(frozen=True)
class ApiSettings:
    """Who may use the HTTP API: an optional key for writes, and optionally for reads too."""

    api_key: str | None
    key_for_reads: bool

    @classmethod
    def from_env(cls) -> "ApiSettings":
        """NEWSQA_API_KEY (unset: open) and NEWSQA_API_KEY_READS (a yes/no value)."""
        return cls(os.environ.get("NEWSQA_API_KEY") or None,
                   parse_flag("NEWSQA_API_KEY_READS", os.environ.get("NEWSQA_API_KEY_READS")))
