"""Start the chat app: python app.py [--index DIR] [--corpus DIR] [--share] [--host H] [--port P]
[--uploads [--upload-mb MB] [--upload-files N] [--upload-idle-minutes M]] [--feedback DIR]
[--backend milvus --milvus-uri URI --collection NAME].

Loads the index (building it from the corpus, with progress, when it is missing or stale) and
serves the Gradio app. The flags, the loading and the serving live in qa/present/launch.py, the app in
qa/present/webapp.py.
"""

from __future__ import annotations

import sys

from qa.present.launch import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
