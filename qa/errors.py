"""The library's exceptions. Shells (CLI, app) turn these into messages for people."""


class QAError(Exception):
    """Base class for every error the library raises on purpose."""


class UnreadableFileError(QAError):
    """A file that cannot be read as a document (binary, undecodable, broken container)."""
