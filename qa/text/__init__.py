"""Text helpers every stage shares: script conversion and normalisation, jieba tokens."""
