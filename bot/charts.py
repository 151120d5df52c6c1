"""Bar charts of figures (matplotlib, no display), drawn only with a font that has the Chinese glyphs.

The font is looked up at run time among the fonts matplotlib knows (Debian: fonts-wqy-microhei or
fonts-noto-cjk); without one there is no chart rather than a chart of empty boxes.
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache

MIN_BARS = 3  # fewer figures read better as text
SAMPLE = "复工率綦江南岸返岗亿元"  # glyphs a usable font must have
_lock = threading.Lock()  # pyplot keeps global state


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The path of an installed font that draws Chinese, or None."""
    try:
        from matplotlib import font_manager
        from matplotlib.ft2font import FT2Font
    except ImportError:
        return None
    for entry in sorted(font_manager.fontManager.ttflist, key=lambda f: f.fname):
        try:
            charmap = FT2Font(entry.fname).get_charmap()
        except (OSError, RuntimeError, ValueError):
            continue
        if all(ord(c) in charmap for c in SAMPLE):
            return entry.fname
    return None


def bar_chart(bars: list[tuple[str, float, str]], title: str) -> bytes | None:
    """A PNG of horizontal bars (label, value, value as written), largest first; None without a CJK font
    or with fewer than MIN_BARS bars."""
    font = cjk_font()
    if font is None or len(bars) < MIN_BARS:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    prop = font_manager.FontProperties(fname=font)
    bars = sorted(bars, key=lambda b: b[1])
    with _lock:
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(bars) + 1.2), dpi=110)
        try:
            ax.barh(range(len(bars)), [b[1] for b in bars], color="#4a7fb5")
            ax.set_yticks(range(len(bars)), [b[0] for b in bars], fontproperties=prop)
            for i, (_, value, written) in enumerate(bars):
                ax.text(value, i, f" {written}", va="center", fontproperties=prop, fontsize=9)
            ax.set_title(title, fontproperties=prop)
            ax.spines[["top", "right"]].set_visible(False)
            ax.set_xlim(0, max(b[1] for b in bars) * 1.25 or 1)
            fig.tight_layout()
            out = io.BytesIO()
            fig.savefig(out, format="png")
        finally:
            plt.close(fig)
    return out.getvalue()


def facts_chart(facts, title: str) -> bytes | None:
    """A bar chart of facts of one kind and unit (the most common among them), one bar per fact."""
    usable = [f for f in facts if f.value is not None and f.subject]
    if not usable:
        return None
    common = max({(f.kind, f.unit) for f in usable}, key=lambda ku: sum((f.kind, f.unit) == ku for f in usable))
    same = [f for f in usable if (f.kind, f.unit) == common]
    return bar_chart([(f"{f.subject} · {f.label or ''}"[:24], f.value, f.text) for f in same], title)
