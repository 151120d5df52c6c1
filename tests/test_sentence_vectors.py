"""The reader's question–sentence cosines: sentence vectors encoded once and kept, a column per language."""

from __future__ import annotations

import numpy as np

from retrieval.answering.candidates import FEATURES, candidate_sentences, candidates
from retrieval.answering.question import analyse
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.index.sentence_vectors import SENTENCES_FILE, SentenceVectors
from tests.conftest import CountingEmbedder

CHINESE = FEATURES.index("chinese_similarity")
ENGLISH = FEATURES.index("sentence_similarity")


def test_each_sentence_is_encoded_once_and_its_cosine_is_the_models(embedder):
    counting = CountingEmbedder(embedder)
    kept = SentenceVectors(counting, limit=3)
    texts = ["綦江区复工复产率达100%", "南岸区返岗率为97.2%", "綦江区复工复产率达100%"]
    query = embedder.encode_query("綦江复工率多少")[0]
    cosines = kept.cosines(query, texts)
    assert counting.passages == 2  # the repeated sentence once
    assert np.allclose(cosines, embedder.encode(texts) @ query, atol=1e-5)
    assert cosines[0] > cosines[1]  # the model reads 复工率 in the first, not the second
    kept.cosines(query, ["南岸区返岗率为97.2%", "永康有3200多家跨境电商"])
    assert counting.passages == 3  # only the new one
    kept.vectors(["合川区派出300名企业服务专员"])
    assert len(kept) == 3  # past the limit, the least recently used sentence goes
    counting.passages = 0
    kept.vectors(["永康有3200多家跨境电商", "合川区派出300名企业服务专员"])
    assert counting.passages == 0


def test_a_questions_cosines_go_to_the_column_of_its_language(engine):
    """A Chinese question's cosines are chinese_similarity, an English one's sentence_similarity; without a model
    both are 0, and each gap is 0 at the candidate the model rates closest."""
    for question, column, other in (("綦江复工率多少", CHINESE, ENGLISH),
                                    ("What is the work resumption rate in Qijiang?", ENGLISH, CHINESE)):
        analysis = analyse(question)
        hits = engine.search(question)
        found = candidates(analysis, analysis.slots[0], hits, engine.searcher.word_weight,
                           engine.similarity_to(question))
        assert found and any(c.features[column] > 0.5 for c in found)
        assert all(c.features[other] == 0 for c in found)
        gap = FEATURES.index(FEATURES[column] + "_gap")
        assert max(c.features[gap] for c in found) == 0 and min(c.features[gap] for c in found) < 0
        bare = candidates(analysis, analysis.slots[0], hits, engine.searcher.word_weight)
        assert all(c.features[column] == 0 == c.features[gap] for c in bare)


def test_warm_up_encodes_the_corpus_sentences_so_questions_do_not(engine, embedder, monkeypatch):
    engine.warm_up()
    kept = engine.sentence_vectors
    counting = CountingEmbedder(embedder)
    monkeypatch.setattr(kept, "embedder", counting)  # counts what is encoded from here on
    sentences = candidate_sentences(engine.passages)
    assert len(sentences) > 100 and len(kept.vectors(sentences)) == len(sentences)
    answers = [engine.ask(q) for q in ("綦江复工率多少", "南岸区和綦江区的返岗率分别是多少",
                                       "How many workers returned in Qijiang?")]
    assert answers[0].answerable and answers[1].answerable
    assert counting.passages == 0  # every sentence, and every candidate's, was encoded at warm-up


def test_engines_of_one_model_share_its_sentence_vectors(engine, built, embedder):
    assert Engine(Settings(*built), embedder=embedder).sentence_vectors is engine.sentence_vectors
    other = Engine(Settings(*built), embedder=CountingEmbedder(embedder))
    assert other.sentence_vectors is not engine.sentence_vectors  # another model object: vectors of its own


def test_a_process_over_a_warmed_index_reads_its_sentence_vectors_instead_of_encoding(fresh_engine, embedder):
    """The sentence vectors are stored beside the index: another model object (another process: the CLI's
    one-shot ask, a restart) opening it encodes no sentence, at open, at warm-up or for a question."""
    path = fresh_engine.settings.index_dir / SENTENCES_FILE
    assert path.is_file()  # the session's index was warmed (tests/conftest.py: built)
    counting = CountingEmbedder(embedder)
    again = Engine(fresh_engine.settings, embedder=counting)
    again.open()
    answer = again.ask("綦江复工率多少")
    assert answer.answerable and counting.passages == 0
    written = path.stat().st_mtime_ns
    assert again.encode_sentences() == 0 and counting.passages == 0
    assert path.stat().st_mtime_ns == written  # nothing new: not written again
    assert answer.to_dict() == Engine(fresh_engine.settings, embedder=embedder).ask("綦江复工率多少").to_dict()


def test_a_damaged_or_other_models_sentence_file_is_encoded_again_not_an_error(fresh_engine, embedder):
    path = fresh_engine.settings.index_dir / SENTENCES_FILE
    sentences = candidate_sentences(fresh_engine.passages)
    assert SentenceVectors(CountingEmbedder(embedder, name="another-model")).read(path) == set()
    path.write_bytes(b"PK\x03\x04 not a zip")
    counting = CountingEmbedder(embedder)
    again = Engine(fresh_engine.settings, embedder=counting)
    again.open()
    assert again.encode_sentences() == len(sentences) == counting.passages
    assert len(SentenceVectors(embedder).read(path)) == len(sentences)  # stored whole again
    assert again.ask("綦江复工率多少").answerable
    blocked = fresh_engine.settings.index_dir / "manifest.json" / SENTENCES_FILE  # a file where a folder should be
    warnings = []
    assert again.sentence_vectors.store(blocked, sentences[:3], warnings.append) == 0  # kept: nothing encoded
    assert len(warnings) == 1 and "cannot store" in warnings[0]


def test_an_added_articles_sentences_are_encoded_when_it_is_added(fresh_engine, embedder):
    counting = CountingEmbedder(embedder)
    engine = Engine(fresh_engine.settings, embedder=counting)
    engine.open()
    new = engine.add_article("沙坪坝.txt", "本报讯 沙坪坝区规上工业企业复工率达到96.5%，返岗员工3.2万人。")
    assert counting.passages == len(new) + len(candidate_sentences(new)) > len(new)
    counting.passages = 0
    answer = engine.ask("沙坪坝复工率多少")
    assert answer.answerable and "96.5%" in answer.answer and counting.passages == 0
