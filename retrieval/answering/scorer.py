"""The fitted scorer: logistic regressions over candidate and decision features, read from a small JSON file.

Fitted by `python -m retrieval.answering.train` (deterministic); the file holds the feature names,
the standardisation, the coefficients, and the abstention threshold chosen on training data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.answering.candidates import DECISION_FEATURES, FEATURES, Candidate
from retrieval.answering.sentences import SENTENCE_DECISION_FEATURES, SENTENCE_FEATURES, SentenceCandidate

SIMILARITY_COLUMN = DECISION_FEATURES.index("top_similarity")
MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "reader_model.json"


class ScorerError(RuntimeError):
    """The scorer file is missing, or was fitted on other features than this code computes."""


@dataclass(frozen=True)
class Logistic:
    """sigmoid(w · standardised x + b), as fitted by scikit-learn and stored as numbers."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    @classmethod
    def from_dict(cls, data: dict) -> "Logistic":
        """Read the stored coefficients."""
        return cls(np.array(data["mean"]), np.array(data["scale"]), np.array(data["weights"]), float(data["bias"]))

    def logits(self, rows: list[list[float]]) -> np.ndarray:
        """w · standardised x + b for each row."""
        if not rows:
            return np.zeros(0)
        x = (np.asarray(rows, dtype=np.float64) - self.mean) / self.scale
        return x @ self.weights + self.bias

    def probabilities(self, rows: list[list[float]]) -> np.ndarray:
        """One probability per feature row."""
        return 1.0 / (1.0 + np.exp(-self.logits(rows)))


@dataclass(frozen=True)
class Scorer:
    """Fitted models: one ranks a slot's candidates, two (by whether sentences were compared) decide whether the
    best is given at all; two more do the same for the sentences answering a who/which/what question."""

    ranker: Logistic  # pairwise: which of two candidates is the answer; softmax over a slot's candidates
    decider: Logistic  # P(the best candidate is right) from DECISION_FEATURES but top_similarity
    compared_decider: Logistic  # the same for slots whose sentences the model compared (English), from all of them
    threshold: float  # below this the best candidate is not given (chosen for a stated precision)
    info: dict
    # Who/which/what questions (retrieval/answering/sentences.py): which sentence answers, whether it is given.
    sentence_ranker: Logistic
    sentence_decider: Logistic
    sentence_threshold: float  # refuses the training share of left-out articles' questions (SENTENCE_REFUSAL)

    def score(self, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates with probabilities set, best first."""
        set_scores(self.ranker, candidates)
        return sorted(candidates, key=lambda c: (-c.probability, c.hit_rank, c.mention.start))

    def score_sentences(self, candidates: list[SentenceCandidate]) -> list[SentenceCandidate]:
        """A question's candidate sentences with probabilities set, best first."""
        set_scores(self.sentence_ranker, candidates)
        return sorted(candidates, key=lambda c: (-c.probability, c.hit_rank))

    def gives_sentence(self, decision: list[float]) -> bool:
        """Whether the best sentence is given, from SENTENCE_DECISION_FEATURES."""
        return float(self.sentence_decider.probabilities([decision])[0]) >= self.sentence_threshold

    def confidence(self, decision: list[float], compared: bool = False) -> float:
        """P(the best candidate answers the slot), from decision features (compared: the candidates carry the
        model's question–sentence cosines)."""
        if compared:
            return float(self.compared_decider.probabilities([decision])[0])
        return float(self.decider.probabilities([without_similarity(decision)])[0])


def without_similarity(decision: list) -> list:
    """A decision row (or the feature names) without top_similarity, which only compared slots have."""
    return [v for i, v in enumerate(decision) if i != SIMILARITY_COLUMN]


def set_scores(ranker: Logistic, candidates: list[Candidate] | list[SentenceCandidate]) -> None:
    """Give each candidate the ranker's raw score and its softmax share among the slot's candidates."""
    logits = ranker.logits([c.features for c in candidates])
    shares = np.exp(logits - logits.max()) if len(logits) else logits
    for c, logit, share in zip(candidates, logits, shares / shares.sum() if len(shares) else shares):
        c.logit, c.probability = float(logit), float(share)


@lru_cache(maxsize=4)
def load_scorer(path: Path = MODEL_PATH) -> Scorer:
    """The committed scorer (loaded once)."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ScorerError(f"cannot read the answer scorer {path}: {exc}; refit it with "
                          "`python -m retrieval.answering.train`") from exc
    if (data.get("features") != FEATURES or data.get("decision_features") != DECISION_FEATURES
            or data.get("sentence_features") != SENTENCE_FEATURES
            or data.get("sentence_decision_features") != SENTENCE_DECISION_FEATURES):
        raise ScorerError(f"{path} was fitted on other features; refit it with `python -m retrieval.answering.train`")
    try:
        return Scorer(Logistic.from_dict(data["ranker"]), Logistic.from_dict(data["decider"]),
                      Logistic.from_dict(data["compared_decider"]), float(data["threshold"]), data.get("info", {}),
                      Logistic.from_dict(data["sentence_ranker"]), Logistic.from_dict(data["sentence_decider"]),
                      float(data["sentence_threshold"]))
    except KeyError as exc:
        raise ScorerError(f"{path} has no {exc}; refit it with `python -m retrieval.answering.train`") from exc
