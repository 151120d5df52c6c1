"""`newsqa eval`: run the evaluation and print one row per mode (bm25, dense, hybrid, answer)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

from retrieval.config import REPO_ROOT

DEFAULT_QUESTIONS = REPO_ROOT / "tests" / "data" / "questions.jsonl"
COLUMNS = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10", "number_acc", "grounded", "abstain_unans",
           "answered_ans", "p50_ms", "p95_ms")


def _table(report) -> Table:
    table = Table(title=f"{report.dataset}: {report.questions} questions")
    table.add_column("mode")
    for c in COLUMNS:
        table.add_column(c, justify="right")
    for mode, figures in report.modes.items():
        cells = []
        for c in COLUMNS:
            v = figures.get(c)
            cells.append("–" if v is None else (f"{v:.0f}" if c.endswith("_ms") else f"{v:.3f}"))
        table.add_row(mode, *cells)
    return table


def _progress(console: Console, label: str):
    return lambda items: track(items, description=label, console=console, transient=True)


def seed_report(questions_path: Path, limit: int, console: Console, model: str | None = None):
    """Evaluate retrieval modes and the answer pipeline on a questions.jsonl over the corpus index."""
    from retrieval.config import Settings
    from retrieval.engine import Engine
    from retrieval.evaluation import (
        Report,
        evaluate_answers,
        evaluate_retrieval,
        load_questions,
        relevance,
    )

    questions = load_questions(questions_path)[: limit or None]
    settings = Settings.from_env()
    engine = Engine(settings.for_model(model) if model else settings, warn=lambda m: console.print(f"[yellow]warning:[/] {m}"))
    engine.open()
    engine.warm_up()  # as the servers do before their first question: timings are of questions, not of loading
    texts = [p.text for p in engine.passages]

    def total_relevant(q):
        return max(1, sum(relevance(texts, q.evidence)))

    modes, failures = evaluate_retrieval(
        questions, lambda text, mode, k: engine.search(text, top_k=k, mode=mode), lambda hit: hit.passage.text,
        total_relevant, progress=_progress(console, "retrieval"))
    answer_figures, answer_failures = evaluate_answers(questions, lambda text: engine.ask(text),
                                                       progress=_progress(console, "answers"))
    modes["answer"] = answer_figures
    return Report(questions_path.name, len(questions), modes, failures + answer_failures)


def benchmark_report(name: str, folder: Path, limit: int, console: Console, model: str | None = None):
    """Retrieval modes on an external SQuAD-format set: every distinct context is one document."""
    from embeddings import load_embedder
    from retrieval.engine import in_memory_searcher
    from retrieval.evaluation import (
        BENCHMARK_FILES,
        Report,
        evaluate_retrieval,
        load_squad,
    )

    if name not in BENCHMARK_FILES:
        raise ValueError(f"unknown benchmark {name!r}; choose one of {', '.join(BENCHMARK_FILES)}")
    path = Path(folder) / BENCHMARK_FILES[name]
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found (pass --path to the folder holding {BENCHMARK_FILES[name]})")
    contexts, questions = load_squad(path, limit)
    console.print(f"{name}: {len(contexts)} contexts, {len(questions)} questions; encoding contexts…")
    from retrieval.config import Settings

    embedder = load_embedder(model or Settings.from_env().model)
    searcher, _ = in_memory_searcher(contexts, embedder, progress=True)

    def rank(text, mode, k):
        vector = embedder.encode_query(text) if mode != "bm25" else None
        return searcher.rank(text, vector, mode=mode, top_k=k)

    modes, failures = evaluate_retrieval(questions, rank, lambda hit: f"#ctx{hit.passage.id}#", lambda q: 1,
                                         progress=_progress(console, name))
    return Report(name, len(questions), modes, failures)


def answers_report(benchmark: str, path: Path, console: Console, articles: int = 100, model: str | None = None) -> dict:
    """Reader vs the simple baseline on a set's numeric questions, then on its who/which/what questions (left-out
    articles' questions must be refused)."""
    from embeddings import load_embedder
    from retrieval.answering.benchmark import answer_benchmark, sentence_benchmark
    from retrieval.config import Settings

    console.print(f"{benchmark}: encoding the sentences of the numbers in {articles} articles…")
    embedder = load_embedder(model or Settings.from_env().model)
    figures = answer_benchmark(Path(path), benchmark, articles=articles, embedder=embedder)
    _print_figures(console, f"{benchmark}: numeric questions, {articles} articles in the corpus", figures)
    sentences = sentence_benchmark(Path(path), benchmark, articles=articles)
    _print_figures(console, f"{benchmark}: who/which/what questions (the answer's sentence holds the gold phrase)",
                   sentences)
    return {**figures, "sentences": sentences}


def _print_figures(console: Console, title: str, figures: dict) -> None:
    table = Table(title=title)
    for key in figures:
        table.add_column(key, justify="right")
    table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in figures.values()])
    console.print(table)


def one_page_report(questions_path: Path, limit: int, console: Console, model: str | None = None):
    """The answer pipeline over corpora of one page each (evaluation.one_page_questions): each page of the corpus
    indexed on its own, in a temporary folder, with the bot's model."""
    import shutil
    import tempfile

    from retrieval.config import Settings
    from retrieval.engine import Engine
    from retrieval.evaluation import Report, evaluate_answers, load_questions, one_page_questions

    questions = load_questions(questions_path)[: limit or None]
    settings = Settings.from_env()
    settings = settings.for_model(model) if model else settings
    files = sorted(settings.corpus_dir.glob("*.txt"))
    if not files:
        raise ValueError(f"no .txt pages in {settings.corpus_dir}")
    asked = one_page_questions(questions, {f.name: f.read_text("utf-8-sig", errors="replace") for f in files})
    engines, embedder = {}, None
    with tempfile.TemporaryDirectory(prefix="newsqa-one-page-") as folder:
        for f in files:
            if any(page == f.name for page, _ in asked):
                corpus = Path(folder) / f.stem / "corpus"
                corpus.mkdir(parents=True)
                shutil.copy(f, corpus / f.name)
                console.print(f"indexing {f.name} on its own…")
                engine = Engine(Settings(corpus, Path(folder) / f.stem / "index", settings.model), embedder=embedder)
                engine.open()
                engine.warm_up()
                engines[f.name], embedder = engine, engine.embedder  # one model for every page
        pages = iter(page for page, _ in asked)  # evaluate_answers asks them in this order
        figures, failures = evaluate_answers([q for _, q in asked], lambda text: engines[next(pages)].ask(text),
                                             progress=_progress(console, "answers"))
    return Report(f"{questions_path.name}, one page per corpus", len(asked), {"answer": figures}, failures)


def _report(questions, benchmark, path, limit, console: Console, model: str | None, one_page: bool):
    """The report asked for: an external set's retrieval, a question file over one page per corpus, or over the corpus."""
    if benchmark:
        return benchmark_report(benchmark, path, limit, console, model)
    if one_page:
        return one_page_report(Path(questions or DEFAULT_QUESTIONS), limit, console, model)
    return seed_report(Path(questions or DEFAULT_QUESTIONS), limit, console, model)


def run_eval(questions, benchmark, path, limit, json_out, show_failures, console: Console, errors: Console,
             check_floors: bool = False, answers: bool = False, model: str | None = None, one_page: bool = False) -> int:
    """Run the evaluation, print the table (and failures), write JSON; return the exit code."""
    from embeddings import EmbedderError
    from retrieval.answering.scorer import ScorerError
    from retrieval.evaluation import FLOORS, FLOORS_BY_FILE

    if answers:
        if not benchmark:
            errors.print("[red]error:[/] --answers needs --benchmark dureader|cmrc|drcd")
            return 2
        try:
            figures = answers_report(benchmark, path, console, articles=limit or 100, model=model)
        except (OSError, ValueError, KeyError, EmbedderError, ScorerError) as exc:
            errors.print(f"[red]error:[/] {exc}")
            return 2
        if json_out:
            Path(json_out).write_text(json.dumps(figures, ensure_ascii=False, indent=2), "utf-8")
        return 0
    try:
        report = _report(questions, benchmark, path, limit, console, model, one_page)
    except (OSError, ValueError, EmbedderError, ScorerError) as exc:
        errors.print(f"[red]error:[/] {exc}")
        return 2
    console.print(_table(report))
    if show_failures:
        for f in report.failures:
            console.print(f"[dim]{f.mode:7}[/] {f.question}  expected: {f.expected}  got: {f.got}", soft_wrap=True)
    if json_out:
        Path(json_out).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), "utf-8")
    if check_floors and not benchmark and not one_page:
        low = report.below_floors(FLOORS_BY_FILE.get(Path(questions or DEFAULT_QUESTIONS).name, FLOORS))
        for line in low:
            errors.print(f"[red]below floor:[/] {line}")
        return 1 if low else 0
    return 0
