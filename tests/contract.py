"""The JSON contract of an answer, as the README documents it (``qa ask --json``, the app's API)."""

ANSWER_FIELDS = {"question", "resolved_question", "answer", "short_answer", "abstained", "confidence", "citations", "passages"}
CITATION_FIELDS = {"doc", "article", "title", "author", "section", "paragraph", "start", "end", "quote"}
PASSAGE_FIELDS = {"doc", "article", "title", "paragraph", "text", "score"}
