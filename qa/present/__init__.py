"""Answers for people: terminal text, HTML, the source viewer, the web app and the CLI."""
