"""Hybrid retrieval: BM25 and dense rankings fused, lifted to paragraphs."""
