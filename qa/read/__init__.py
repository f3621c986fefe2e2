"""Reading the retrieved paragraphs: the question's form, the answering sentence, the learned
reader's span, the quote and its citation."""
