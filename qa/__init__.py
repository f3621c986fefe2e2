"""qa: extractive question answering over Chinese documents, with checkable citations.

Pipeline (one module per arrow)::

    files -> decode/loaders -> layout (repair lines) -> structure (articles, paragraphs)
          -> chunk -> encode -> index -> retrieve -> extract -> present (CLI / Gradio)
"""

__version__ = "0.1.0"
