"""Plain-terminal rendering of an Answer (the CLI's face)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

PREVIEW = 160


def render_console(answer, console: Console) -> None:
    """Print the answer, its numbers and the cited passages with their provenance."""
    data = answer.to_dict()
    style = "bold green" if data["answerable"] else "bold yellow"
    console.print(f"[{style}]{escape(data['answer'])}[/]")
    if data["citations"]:
        console.print("相关段落：" if not data["answerable"] else "出处：")
    for i, c in enumerate(data["citations"], 1):
        title = c["title"] or "（无标题）"
        text = c["text"].replace("\n", " ")
        if len(text) > PREVIEW:
            text = text[:PREVIEW] + "…"
        console.print(f"[bold][{i}][/] {escape(title)} — {escape(c['source'])} "
                      f"[dim]字符 {c['start']}–{c['end']}，得分 {c['score']:.3f}[/]")
        console.print(f"    {escape(text)}", soft_wrap=True)
