"""Reading documents: decode, repair the layout, split into articles, sections and paragraphs."""
