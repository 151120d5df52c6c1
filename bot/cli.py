"""The command line face: `newsqa index`, `newsqa ask`, `newsqa serve`, `newsqa eval`."""

from __future__ import annotations

import json
import logging
import sys
from functools import lru_cache
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from bot.logs import configure_logging

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="渝问 / newsqa: ask questions about Chinese news articles, get cited answers.")
# Off a terminal (CI logs, pipes) rich would wrap tables at 80 columns; give them room.
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1


@lru_cache(maxsize=1)
def config():
    """The configuration, read once per run (environment, then .env); a bad value is one line and exit 2."""
    from retrieval.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)


def _engine(progress: bool = True, rebuild: bool = False):
    """Open the engine, building the index first if needed; exit cleanly on failure."""
    from embeddings import EmbedderError
    from retrieval.engine import CorpusError, Engine, StoreError

    engine = Engine(config().engine(), warn=lambda message: err.print(f"[yellow]warning:[/] {message}"))
    try:
        report = engine.open(rebuild=rebuild, progress=progress)
    except (EmbedderError, CorpusError, StoreError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_FAILURE)
    except OSError as exc:
        err.print(f"[red]error:[/] cannot read or write the index: {exc}")
        raise typer.Exit(EXIT_FAILURE)
    if report.rebuilt:
        embedded = ""
        if report.embedded:
            rate = report.embedded / report.seconds_embedding if report.seconds_embedding else 0.0
            embedded = f" ({report.embedded} embedded now, {rate:.1f} passages/s)"
        elif report.embedded == 0:
            embedded = " (none embedded again)"
        err.print(f"built the index ({report.reason}): {report.articles} articles, "
                  f"{report.passages} passages{embedded} in {report.seconds:.1f} s")
    return engine


@app.command()
def index(rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild even when the stored index is current.")):
    """Build the index of the corpus folder (or check that the stored one is current)."""
    import time

    started = time.perf_counter()
    engine = _engine(rebuild=rebuild)
    engine.encode_sentences()  # stored with the index: `ask` then reads the reader's sentence vectors
    manifest = engine.manifest
    milvus = engine.settings.milvus
    where = (f"Milvus {'Lite ' if milvus.embedded else ''}{milvus.uri}, collection {milvus.collection}"
             if milvus else engine.settings.index_dir)
    out.print(f"index: {where}")
    out.print(f"{engine.articles} articles, {len(engine.passages)} passages, model {manifest.model} "
              f"({manifest.dimension}-dim; licence: {engine.model_licence}), built {manifest.built_at}; "
              f"{time.perf_counter() - started:.1f} s")


@app.command(name="import")
def import_articles(folder: Path = typer.Argument(..., help="A folder of UTF-8 .txt articles to add to the corpus.")):
    """Add a folder of articles: copy the new ones into the corpus and index them (run again to resume)."""
    from retrieval.engine import CorpusError, StoreError

    if not folder.is_dir():
        err.print(f"[red]error:[/] {folder} is not a folder", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    engine = _engine()
    try:
        report = engine.import_folder(folder, progress=True)
    except (CorpusError, StoreError, OSError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_FAILURE)
    engine.encode_sentences()
    for name, why in report.rejected:
        err.print(f"[yellow]skipped[/] {name}: {why}", highlight=False)
    build = report.build
    rate = build.embedded / build.seconds_embedding if build.embedded and build.seconds_embedding else None
    embedded = (f"{build.embedded} passages embedded" + (f" at {rate:.1f} passages/s" if rate else "")
                if build.embedded is not None else ("index rebuilt" if build.rebuilt else "index current"))
    out.print(f"imported {len(report.copied)} new, {len(report.present)} already in the corpus, "
              f"{len(report.rejected)} skipped; {embedded}; {build.articles} articles, {build.passages} passages "
              f"in {build.seconds:.1f} s")


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, e.g. 綦江复工率多少"),
    top_k: int = typer.Option(5, "--top-k", "-k", min=1, max=20, help="How many passages to cite (1-20)."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer contract as JSON."),
):
    """Answer a question from the articles, with the numbers and the passages they come from."""
    from retrieval.engine import QuestionError, check_question

    try:
        check_question(question)
    except QuestionError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_BAD_INPUT)
    engine = _engine(progress=False)
    answer = engine.ask(question, top_k=top_k)
    if as_json:
        sys.stdout.write(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    from bot.render import render_console

    render_console(answer, out)


@app.command()
def chat(top_k: int = typer.Option(5, "--top-k", "-k", min=1, max=20, help="How many passages to cite (1-20).")):
    """A conversation: ask, then follow up (那南岸呢, 返岗率呢, 出处是哪里); /new starts over, /quit or Ctrl-D ends."""
    from bot.conversation import ask_in_conversation
    from bot.render import render_data
    from retrieval.engine import QuestionError, check_question

    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:  # not on every platform; input() still works
        pass
    engine = _engine(progress=False)
    last = None
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = input("问：" if interactive else "")
        except (EOFError, KeyboardInterrupt):
            break
        line = line.strip()
        if line in ("/quit", "/exit"):
            break
        if line == "/new":
            last = None
            out.print("（新对话）")
            continue
        if not line:
            continue
        try:
            check_question(line)
        except QuestionError as exc:
            err.print(f"[red]error:[/] {exc}")
            continue
        data, last = ask_in_conversation(engine.ask, line, last, top_k)
        if data.get("resolved_question") and data["resolved_question"] != line:
            out.print(f"[dim]（理解为：{data['resolved_question']}）[/]")
        render_data(data, out)


@app.command()
def facts(
    metric: Optional[str] = typer.Option(None, "--metric", help="What the number measures, e.g. 复工率 (synonyms match)."),
    place: Optional[str] = typer.Option(None, "--place", help="Whose number it is, e.g. 綦江."),
    kind: Optional[str] = typer.Option(None, "--kind", help="percent | money | count | measure | duration | ratio | number"),
    limit: int = typer.Option(1000, "--limit", min=1, max=100000, help="At most this many rows."),
    output: str = typer.Option("table", "--format", help="table | csv | json"),
):
    """List the figures the articles give (the facts table), filtered by metric, place and kind."""
    from retrieval.facts import KINDS

    if output not in ("table", "csv", "json"):
        err.print("[red]error:[/] --format is table, csv or json")
        raise typer.Exit(EXIT_BAD_INPUT)
    if kind and kind not in KINDS:
        err.print(f"[red]error:[/] --kind is one of {', '.join(KINDS)}")
        raise typer.Exit(EXIT_BAD_INPUT)
    engine = _engine(progress=False)
    rows, total = engine.state.facts.query(metric=metric, place=place, kind=kind, limit=limit)
    from bot.render import render_facts

    render_facts(rows, total, output, out)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    telegram_webhook_url: Optional[str] = typer.Option(
        None, "--telegram-webhook-url", help="Also run the Telegram bot as a webhook on this server's public URL."),
):
    """Serve the HTTP API and the chat page (uvicorn); optionally the Telegram webhook on the same app."""
    from bot.http import EngineHolder, EngineProxy, create_app
    from bot.server import run_server
    from retrieval.config import ConfigError

    configure_logging(logging.INFO)  # one line per request: method, path, status, ms
    from retrieval.engine import Engine

    holder = EngineHolder(Engine(config().engine()))
    extensions = []
    if telegram_webhook_url:
        extensions.append(_telegram_webhook(telegram_webhook_url, EngineProxy(holder)))
    try:
        app = create_app(holder=holder, extensions=extensions, settings=config().api())
    except ConfigError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    run_server(app, host, port)


def _telegram_webhook(public_url: str, engine):
    """The Telegram bot as a route of the HTTP server (token from TELEGRAM_BOT_TOKEN)."""
    from bot.telegram.app import (
        AllowListError,
        StartupError,
        TelegramWebhook,
        TokenError,
        allowed_chats,
        build_application,
        check_token_accepted,
        load_token,
        webhook_secret,
    )

    settings = config().telegram()
    try:
        token = load_token(settings)
        configure_logging(logging.INFO, secret=token)
        allowed = allowed_chats(settings.allowed_chats)
        check_token_accepted(token, settings.api_base_url)  # a rejected token is one line here, not a traceback
    except (TokenError, AllowListError, StartupError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    application = build_application(token, engine, base_url=settings.api_base_url, allowed=allowed)
    return TelegramWebhook(application, public_url, webhook_secret(settings))


@app.command(name="eval")
def evaluate(
    questions: Path = typer.Option(None, "--questions", help="A questions.jsonl file (default: tests/data/questions.jsonl)."),
    benchmark: Optional[str] = typer.Option(None, "--benchmark", help="dureader | cmrc | drcd: an external SQuAD-format set."),
    path: Path = typer.Option(Path("../shared/benchmarks"), "--path", help="Folder holding the external sets."),
    limit: int = typer.Option(0, "--limit", help="Use only the first N questions (0: all)."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the figures as JSON here."),
    show_failures: bool = typer.Option(False, "--show-failures", help="List the questions each mode got wrong."),
    check_floors: bool = typer.Option(False, "--check-floors", help="Exit 1 if a figure drops below its floor."),
    answers: bool = typer.Option(False, "--answers", help="With --benchmark: answer-level reader vs baseline on its "
                                 "numeric questions (--limit sets how many articles form the corpus; default 100)."),
    model: Optional[str] = typer.Option(None, "--model", help="Measure another embedding backend (or model folder); "
                                        "its index is kept beside the bot's (var/index-<model>)."),
    one_page: bool = typer.Option(False, "--one-page", help="Answers over corpora of one page each: a question over "
                                  "the page holding its evidence, and over another page (to be refused)."),
):
    """Measure retrieval and answers: hit@k, MRR, nDCG, number accuracy, abstention, latency per mode."""
    from bot.evaluate import run_eval

    code = run_eval(questions=questions, benchmark=benchmark, path=path, limit=limit, json_out=json_out,
                    show_failures=show_failures, console=out, errors=err, check_floors=check_floors,
                    answers=answers, model=model, one_page=one_page)
    raise typer.Exit(code)


@app.command()
def telegram(
    webhook_url: Optional[str] = typer.Option(None, "--webhook-url", help="Use a webhook at this public URL instead of polling."),
    port: int = typer.Option(8443, help="Port for the standalone webhook server."),
):
    """Run the Telegram bot (token in TELEGRAM_BOT_TOKEN, from the environment or .env)."""
    from bot.telegram.app import AllowListError, StartupError, TokenError, run
    from embeddings import EmbedderError
    from retrieval.engine import CorpusError, StoreError

    try:
        run(config().telegram(), config().engine(), webhook_url=webhook_url, port=port)
    except (TokenError, AllowListError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    except (StartupError, CorpusError, EmbedderError, StoreError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(EXIT_FAILURE)


def main() -> None:
    """Console-script entry point."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show Chinese (PYTHONIOENCODING=ascii, a C locale) gets \\uXXXX escapes,
        # not a UnicodeEncodeError traceback.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    configure_logging()
    app()


if __name__ == "__main__":
    main()
