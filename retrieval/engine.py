"""The retrieval core in one object: corpus → passages → indexes → ranked passages (→ answers)."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from retrieval.config import Settings
from retrieval.facts import FactsError, FactStore
from retrieval.index import store
from retrieval.index.builder import build
from retrieval.index.checkpoints import Checkpoints
from retrieval.index.milvus import MilvusStoreError as StoreError
from retrieval.index.search import BM25_WEIGHT, Hit, QueryContext, Searcher
from retrieval.index.sentence_vectors import SENTENCES_FILE, SentenceVectors, shared_sentence_vectors
from retrieval.index.state import IndexState, in_memory_searcher
from retrieval.index.store import IndexWriteError
from retrieval.index.tokens import TokenizedCorpus
from retrieval.ingest.corpus import SourceFile, read_corpus, write_new_file
from retrieval.ingest.passages import Passage, passages_of
from retrieval.validation import (
    MAX_QUESTION_CHARS,
    ArticleError,
    DuplicateArticle,
    QuestionError,
    article_text_problem,
    check_article_name,
    check_question,
)

# The façade's public names: faces import the engine and its typed errors from here.
__all__ = ["MAX_QUESTION_CHARS", "ArticleError", "BuildReport", "CorpusError", "DuplicateArticle", "Engine", "ImportReport",
           "IndexWriteError", "QuestionError", "StoreError", "check_question", "in_memory_searcher", "passages_of"]

log = logging.getLogger(__name__)


class CorpusError(RuntimeError):
    """The corpus folder is missing or holds no readable article; the stored index is left as it is."""


@dataclass
class BuildReport:
    """What opening the index did."""

    rebuilt: bool
    reason: str | None
    articles: int
    passages: int
    seconds: float
    embedded: int | None = None  # passages embedded in this run (None: not counted)
    seconds_embedding: float = 0.0


@dataclass
class ImportReport:
    """What importing a folder of articles did."""

    copied: list[str]  # new files written into the corpus folder
    present: list[str]  # already in the corpus with the same bytes (an earlier, perhaps interrupted, import)
    rejected: list[tuple[str, str]]  # (file, why): not UTF-8, empty, a bad name, a different file of that name
    build: BuildReport | None = None


# Sentences warm_up encodes at most (~20 ms each on 2 cores: ~40 s); a larger corpus's others are encoded when a
# question first reads them.
WARM_SENTENCES = 2_000


class Engine:
    """Loads (or builds) the index once and answers searches from it; safe to share across threads."""

    def __init__(self, settings: Settings | None = None, embedder=None, warn=log.warning):
        self.settings = settings or Settings.from_env()
        self._embedder = embedder
        self.warn = warn
        self._state: IndexState | None = None
        self._write_lock = threading.Lock()
        self._milvus = None  # the MilvusStore, opened once when settings.store == "milvus"

    @property
    def embedder(self):
        """The embedding model, created on first use."""
        if self._embedder is None:
            from embeddings import load_embedder

            self._embedder = load_embedder(self.settings.model)
        return self._embedder

    @property
    def milvus(self):
        """The Milvus store (connected on first use); only when NEWSQA_STORE=milvus."""
        if self._milvus is None:
            from retrieval.index.milvus import MilvusStore

            self._milvus = MilvusStore(self.settings.milvus)
        return self._milvus

    def close(self) -> None:
        """Release the store's connection (Milvus Lite's embedded server stops with it)."""
        if self._milvus is not None:
            self._milvus.close()
            self._milvus = None

    @property
    def model_licence(self) -> str:
        """The embedding model's licence, as its backend declares it."""
        return getattr(self.embedder, "licence", "unknown")

    # The loaded state, read through one reference so that each call sees one snapshot.
    @property
    def state(self) -> IndexState:
        """The live index state (opening the index first if needed)."""
        if self._state is None:
            self.open()
        return self._state

    @property
    def passages(self) -> list[Passage]:
        """The passages of the live state."""
        return self.state.passages

    @property
    def manifest(self) -> store.Manifest:
        """The manifest of the live state."""
        return self.state.manifest

    @property
    def articles(self) -> int:
        """How many articles the live state holds."""
        return self.state.articles

    @property
    def known_places(self) -> set[str]:
        """Every place some passage names."""
        return self.state.known_places

    @property
    def searcher(self) -> Searcher:
        """The ranking over the live state."""
        return self.state.searcher

    @property
    def ready(self) -> bool:
        """True once an index is loaded."""
        return self._state is not None

    def _read_corpus(self) -> list[SourceFile]:
        folder = self.settings.corpus_dir
        if not folder.is_dir():
            raise CorpusError(f"the corpus folder {folder} does not exist (set NEWSQA_CORPUS to a folder of .txt articles)")
        files = read_corpus(folder, warn=self.warn)
        if not files:
            raise CorpusError(f"the corpus folder {folder} holds no readable .txt article")
        return files

    def open(self, rebuild: bool = False, progress: bool = False) -> BuildReport:
        """Load the stored index, rebuilding it when missing, stale, corrupt, or asked to.

        Raises CorpusError (before touching the stored index) when the corpus folder is missing or empty.
        """
        started = time.perf_counter()
        files = self._read_corpus()
        if self.settings.store == "milvus":
            return self._open_milvus(files, rebuild, progress, started)
        fingerprint = store.corpus_fingerprint(files)
        folder = self.settings.index_dir
        manifest = store.read_manifest(folder)
        embedder = self.embedder
        reason = "rebuild requested" if rebuild else store.stale_reason(manifest, embedder.name, embedder.dimension,
                                                                        fingerprint)
        stored, previous, embedded, seconds_embedding = None, None, None, 0.0
        if reason is None:
            try:
                stored = store.load(folder, manifest)
            except store.IndexError_ as exc:
                reason = str(exc)
                self.warn(f"index at {folder}: {reason}; rebuilding")
        elif not rebuild and store.vectors_reusable(manifest, embedder.name, embedder.dimension):
            previous = self._previous(folder, manifest)
        if rebuild:  # everything is encoded again, an interrupted build's vectors too
            Checkpoints(folder, embedder.name, embedder.dimension).clear()
        converted = stored is not None and stored.dense.kind != self.settings.faiss_index
        if converted:
            # NEWSQA_FAISS_INDEX changed: the stored vectors go into the other kind of index, none is encoded again.
            reason, embedded = f"vector index {stored.dense.kind} → {self.settings.faiss_index}", 0
            stored.dense = stored.dense.rebuilt(self.settings.faiss_index)
            stored.manifest = store.save(folder, stored)
        elif stored is not None and stored.tokens is None:
            # An index stored before tokens were (or by another tokenizer): tokenise once and keep them.
            stored.tokens = TokenizedCorpus.of_texts([p.index_text for p in stored.passages])
            stored.manifest = store.save(folder, stored)
        if stored is None:
            stored, embedded, seconds_embedding = self._build(files, fingerprint, progress, previous)
        state = IndexState(stored, self._facts(stored), self._bm25_weight)
        self._state = state
        self.sentence_vectors.read(self._sentences_file)  # what a warm-up over this index stored
        return BuildReport(reason is not None, reason, state.articles, len(state.passages),
                           time.perf_counter() - started, embedded, seconds_embedding)

    def _previous(self, folder: Path, manifest: store.Manifest) -> store.StoredIndex | None:
        """The stored index whose vectors a rebuild may reuse, or None when it cannot be read."""
        try:
            return store.load(folder, manifest)
        except store.IndexError_:
            return None

    @property
    def _bm25_weight(self) -> float:
        return getattr(self.embedder, "bm25_weight", None) or BM25_WEIGHT

    def _facts(self, stored: store.StoredIndex) -> FactStore:
        """The facts table beside the index, rebuilt when it is not of this corpus."""
        facts = FactStore(self.settings.index_dir)
        if not facts.current(stored.manifest.corpus_fingerprint):
            try:
                facts.build(stored.passages, stored.manifest.corpus_fingerprint)
            except FactsError as exc:
                raise store.IndexWriteError(str(exc)) from exc
        return facts

    def _milvus_state(self, stored: store.StoredIndex, facts: FactStore) -> IndexState:
        from retrieval.index.milvus_search import MilvusSearcher

        milvus = self.milvus
        return IndexState(stored, facts, self._bm25_weight,
                          make_searcher=lambda passages, tokens: MilvusSearcher(passages, milvus, self._bm25_weight,
                                                                                tokens=tokens))

    def _open_milvus(self, files: list[SourceFile], rebuild: bool, progress: bool, started: float) -> BuildReport:
        """Bring the Milvus collection in step with the corpus (embedding only new or changed files) and load it."""
        from retrieval.index.milvus_sync import sync

        report = sync(self.milvus, files, self.embedder, self._encode, rebuild, progress)  # sync shows its own progress
        stored = store.StoredIndex(report.manifest, report.passages, None, report.tokens)
        state = self._milvus_state(stored, self._facts(stored))
        self._state = state
        self.sentence_vectors.read(self._sentences_file)
        if report.embedded and report.seconds_embedding > 0:
            log.info("embedded %d passages at %.1f passages/s", report.embedded,
                     report.embedded / report.seconds_embedding)
        return BuildReport(report.reason is not None, report.reason, state.articles, len(state.passages),
                           time.perf_counter() - started, report.embedded, report.seconds_embedding)

    def _build(self, files: list[SourceFile], fingerprint: str, progress: bool,
               previous: store.StoredIndex | None = None) -> tuple[store.StoredIndex, int, float]:
        """Build and save the index of these files (see builder.build); the index, passages encoded, seconds."""
        built = build(files, self.embedder, self._encode, self.settings.index_dir, self.settings.faiss_index,
                      previous, progress)
        manifest = store.new_manifest(self.embedder.name, self.embedder.dimension, fingerprint, [f.name for f in files])
        stored = store.StoredIndex(manifest, built.passages, built.dense, built.tokens)
        stored.manifest = store.save(self.settings.index_dir, stored)
        built.checkpoints.clear()
        return stored, built.encoded, built.seconds_encoding

    def _encode(self, passages: list[Passage]):
        import numpy as np

        if not passages:
            return np.zeros((0, self.embedder.dimension), dtype="float32")
        return self.embedder.encode([p.index_text for p in passages])

    def warm_up(self) -> None:
        """Load the model, build BM25, read the English dictionary and its synonyms, and encode the sentences the
        reader compares with questions now (encode_sentences), so the first question does not pay for them (the
        dictionary: ~0.4 s from its cache, ~1.6 s the first time, ~60 MB; the seed corpus's 228 sentences: ~5 s, once
        per index: they are stored)."""
        from retrieval.language.synonyms import synonyms

        state = self.state
        state.searcher
        self.embedder.encode_query("warm up")
        synonyms()
        self.encode_sentences()

    def encode_sentences(self) -> int:
        """Encode the corpus's sentences the reader compares with questions (at most WARM_SENTENCES) that are not
        kept yet, and store them beside the index, so later processes over it read instead of encoding (the CLI's
        one-shot ask, a restart); how many were encoded."""
        return self.sentence_vectors.store(self._sentences_file, self._candidate_sentences(self.state.passages),
                                           self.warn)

    @staticmethod
    def _candidate_sentences(passages: list[Passage]) -> list[str]:
        """The sentences of the passages' numbers the engine keeps vectors of (at most WARM_SENTENCES)."""
        from retrieval.answering.candidates import candidate_sentences

        return candidate_sentences(passages, WARM_SENTENCES)

    @property
    def _sentences_file(self) -> Path:
        return self.settings.index_dir / SENTENCES_FILE

    @property
    def sentence_vectors(self) -> SentenceVectors:
        """The model's vectors of the sentences numbers sit in, kept across questions and index updates (and shared
        with other engines of the same model object)."""
        return shared_sentence_vectors(self.embedder)

    def search(self, question: str, top_k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """The top_k passages for a question (validated first)."""
        return self._search(self.state, check_question(question), top_k, mode)

    def _search(self, state: IndexState, question: str, top_k: int, mode: str, analysis=None,
                vector=None) -> list[Hit]:
        from retrieval.answering.question import analyse

        analysis = analysis or analyse(question, state.searcher.document_frequency, state.searcher.spelled)
        # The model reads the question as asked (a multilingual one reads English); the word index reads the
        # analysed text, which gives an English question the articles' words (Qijiang → 綦江, work resumption → 复工).
        if vector is None and mode != "bm25":
            vector = self.embedder.encode_query(question)
        context = QueryContext(tuple(analysis.places), tuple(analysis.metrics))
        return state.searcher.rank(analysis.simplified, vector, mode=mode, top_k=top_k, context=context)

    def ask(self, question: str, top_k: int = 5, mode: str = "hybrid"):
        """The Answer to a question: numbers traced to cited passages, or an honest abstention.

        The question is analysed once; ranking (places, metrics) and the reader share the analysis."""
        from retrieval.answering.question import analyse
        from retrieval.answering.reader import read

        question = check_question(question)
        state = self.state  # one snapshot for the whole question, whatever is added meanwhile
        analysis = analyse(question, state.searcher.document_frequency, state.searcher.spelled)
        vector = self.embedder.encode_query(question) if mode != "bm25" else None
        hits = self._search(state, question, top_k, mode, analysis, vector)
        return read(question, hits, state.known_places, state.searcher.word_weight, facts=state.facts,
                    passage_of=lambda pid: state.passages[state.by_id[pid]], analysis=analysis,
                    similarity=self.similarity_to(question, vector))

    def similarity_to(self, question: str, vector=None):
        """Cosines of the question (vector: its query vector, if already encoded) and texts under this engine's
        model; the texts are encoded (once, then kept: sentence_vectors) only when called."""
        def similarity(texts: list[str]):
            query = vector if vector is not None else self.embedder.encode_query(question)
            return self.sentence_vectors.cosines(query[0], texts)

        return similarity

    def facts(self, metric: str | None = None, place: str | None = None, kind: str | None = None,
              limit: int = 100, offset: int = 0):
        """Figures of the live state's facts table matching the filters, and how many match in all."""
        return self.state.facts.query(metric=metric, place=place, kind=kind, limit=limit, offset=offset)

    def facts_by_ids(self, ids: list[int]):
        """Facts of the live state by id (for charts of a table answer)."""
        return self.state.facts.by_ids(ids)

    def passage(self, passage_id: str) -> Passage | None:
        """The passage with this id, or None."""
        state = self.state
        i = state.by_id.get(passage_id)
        return None if i is None else state.passages[i]

    def neighbours(self, passage_id: str) -> list[Passage]:
        """The passages before and after this one in the same article."""
        state = self.state
        i = state.by_id.get(passage_id)
        if i is None:
            return []
        ps = state.passages
        p = ps[i]
        return [q for q in (ps[i - 1] if i > 0 else None, ps[i + 1] if i + 1 < len(ps) else None)
                if q is not None and q.source == p.source and q.article == p.article]

    def article_list(self) -> list[dict]:
        """Articles in the index: source, headline, passage count."""
        seen: dict[tuple[str, int], dict] = {}
        for p in self.state.passages:
            entry = seen.setdefault((p.source, p.article), {"source": p.source, "headline": p.headline, "passages": 0})
            entry["passages"] += 1
        return list(seen.values())

    def add_article(self, name: str, text: str) -> list[Passage]:
        """Index a new UTF-8 article and save it into the corpus folder, without a full rebuild.

        Copy-on-write: the new state (passages, vectors, manifest) is built and written beside the live
        one, the article file is written last, and only then is the new state swapped in. On any failure
        the live state, the stored index and the corpus folder are as they were. The article's sentences are
        encoded for the reader too, so its first question does not pay for them (stored at the next warm-up).
        """
        new = self._add_article(name, text)
        self.sentence_vectors.vectors(self._candidate_sentences(new))
        return new

    def _add_article(self, name: str, text: str) -> list[Passage]:
        name = check_article_name(name)
        problem = article_text_problem(text)
        if problem:
            raise ArticleError(problem)
        data = text.encode("utf-8")
        source = SourceFile(name, text, hashlib.sha256(data).hexdigest())
        new, _ = passages_of([source])
        if not new:
            raise ArticleError("the article has no indexable text (no sentence of Chinese or Latin words)")
        with self._write_lock:
            live = self.state
            path = self.settings.corpus_dir / name
            if path.exists() or name in live.sources:
                raise DuplicateArticle(f"an article named {name} already exists")
            if self.settings.store == "milvus":
                return self._add_to_milvus(live, source, new, path, data)
            dense = live.dense.copy()
            dense.add(self._encode(new))
            files = read_corpus(self.settings.corpus_dir, warn=self.warn) + [source]
            manifest = live.manifest.model_copy(update={"corpus_fingerprint": store.corpus_fingerprint(files),
                                                        "sources": sorted(f.name for f in files)})
            tokens = None if live.tokens is None else live.tokens + TokenizedCorpus.of_texts([p.index_text for p in new])
            stored = store.StoredIndex(manifest, live.passages + new, dense, tokens)
            stored.manifest = store.save(self.settings.index_dir, stored)
            try:
                live.facts.add(new, manifest.corpus_fingerprint)
                write_new_file(path, data)
            except (OSError, FactsError) as exc:
                self._restore(live)
                raise store.IndexWriteError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from exc
            self._state = IndexState(stored, live.facts, live.bm25_weight)
            return new

    def _add_to_milvus(self, live: IndexState, source: SourceFile, new: list[Passage], path, data: bytes) -> list[Passage]:
        """add_article on Milvus: rows in, manifest, facts, then the file; on failure the rows come out again."""
        from retrieval.index.milvus_sync import record

        milvus = self.milvus
        files = read_corpus(self.settings.corpus_dir, warn=self.warn) + [source]
        try:
            milvus.delete_source(source.name)
            milvus.insert(new, self._encode(new))
            milvus.flush()
            manifest = record(milvus, live.manifest, files, source, len(live.passages) + len(new))
            live.facts.add(new, manifest.corpus_fingerprint)
            write_new_file(path, data)
        except (OSError, FactsError, StoreError) as exc:
            try:
                milvus.delete_source(source.name)
                record(milvus, live.manifest, files[:-1], None, len(live.passages))
                if not live.facts.current(live.manifest.corpus_fingerprint):
                    live.facts.build(live.passages, live.manifest.corpus_fingerprint)
            except (StoreError, FactsError) as again:
                self.warn(f"could not undo the partial add ({again}); the next start brings Milvus in step")
            raise store.IndexWriteError(f"cannot add {source.name}: {getattr(exc, 'strerror', None) or exc}") from exc
        tokens = None if live.tokens is None else live.tokens + TokenizedCorpus.of_texts([p.index_text for p in new])
        stored = store.StoredIndex(manifest, live.passages + new, None, tokens)
        self._state = self._milvus_state(stored, live.facts)
        return new

    def import_folder(self, folder, progress: bool = False) -> ImportReport:
        """Copy a folder's new .txt articles into the corpus, then bring the index in step.

        Only the new articles' passages are embedded. On Milvus an interrupted import resumes where it stopped
        (run it again); with FAISS the index is rebuilt once for the whole batch, reusing every stored vector.
        """
        rejected: list[tuple[str, str]] = []
        copied, present = [], []

        def skipped(message: str) -> None:  # read_corpus says "skipped NAME: why"
            name, _, why = message.removeprefix("skipped ").partition(": ")
            rejected.append((name, why))

        for f in read_corpus(Path(folder), warn=skipped):
            target = self.settings.corpus_dir / f.name
            problem = self._import_problem(f, target)
            if problem == "present":
                present.append(f.name)
            elif problem:
                rejected.append((f.name, problem))
            else:
                write_new_file(target, f.text.encode("utf-8"))
                copied.append(f.name)
        report = ImportReport(copied, present, rejected)
        with self._write_lock:
            report.build = self.open(progress=progress)
        return report

    def _import_problem(self, f: SourceFile, target) -> str | None:
        """Why f cannot be imported as target ("present" when the same bytes are already there), or None."""
        try:
            check_article_name(f.name)
        except ArticleError as exc:
            return str(exc)
        problem = article_text_problem(f.text)
        if problem:
            return problem
        if target.exists():
            same = target.read_bytes() == f.text.encode("utf-8")
            return "present" if same else "a different article with this name is already in the corpus"
        return None

    def _restore(self, live: IndexState) -> None:
        """Put the live state back on disk after a failed add (best effort: a mismatch means a rebuild)."""
        try:
            store.save(self.settings.index_dir, store.StoredIndex(live.manifest, live.passages, live.dense, live.tokens))
            if not live.facts.current(live.manifest.corpus_fingerprint):
                live.facts.build(live.passages, live.manifest.corpus_fingerprint)
        except (store.IndexWriteError, FactsError) as exc:
            self.warn(f"could not restore the stored index ({exc}); it will be rebuilt at the next start")
