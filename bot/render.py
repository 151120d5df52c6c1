"""Plain-terminal rendering of an Answer (the CLI's face)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

PREVIEW = 160


def render_console(answer, console: Console) -> None:
    """Print the answer, its numbers and the cited passages with their provenance."""
    render_data(answer.to_dict(), console)


def render_data(data: dict, console: Console) -> None:
    """Print an answer contract dict: the answer and the cited passages with their provenance."""
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


FACT_COLUMNS = ("subject", "label", "text", "value", "unit", "kind", "date", "source", "file_start", "file_end")


def render_facts(facts, total: int, output: str, console: Console) -> None:
    """Print facts as a table, CSV or JSON (CSV and JSON go to stdout unstyled, for pipes)."""
    import csv
    import json
    import sys

    if output == "json":
        sys.stdout.write(json.dumps({"total": total, "facts": [f.to_dict() for f in facts]}, ensure_ascii=False,
                                    indent=1) + "\n")
        return
    if output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(FACT_COLUMNS)
        for f in facts:
            writer.writerow([getattr(f, c) for c in FACT_COLUMNS])
        return
    from rich.table import Table

    table = Table(title=f"{len(facts)} of {total} figures")
    for column in ("place", "metric as written", "number", "date", "source (characters)"):
        table.add_column(column)
    for f in facts:
        table.add_row(escape(f.subject or "—"), escape(f.label or "—"), escape(f.text), escape(f.date or ""),
                      escape(f"{f.source} {f.file_start}–{f.file_end}"))
    console.print(table)
