"""Where things live: corpus folder and index folder, from the environment or defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


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
