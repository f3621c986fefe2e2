"""The index: paragraphs, passages and sentences with their vectors and BM25 terms, built
once and stored in a local folder (FAISS + bm25s) or in Milvus."""
