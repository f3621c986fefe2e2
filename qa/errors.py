"""The library's exceptions. Shells (CLI, app) turn these into messages for people."""


class QAError(Exception):
    """Base class for every error the library raises on purpose."""


class UnreadableFileError(QAError):
    """A file that cannot be read as a document (binary, undecodable, broken container)."""


class NothingToIndexError(QAError):
    """A corpus in which no file has text to index; ``skipped``: (file, reason) for each file
    passed over, so a shell can show them without reading the message."""

    def __init__(self, message: str, skipped: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.skipped = skipped


class QuestionError(QAError):
    """A question that cannot be asked: empty, or longer than the limit."""


class QuestionEmpty(QuestionError):
    """A question with no text (or only spaces and control characters)."""


class QuestionTooLong(QuestionError):
    """A question over ``Settings.max_question_chars``."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the question is {length} characters long; the limit is {limit}")
        self.length, self.limit = length, limit


class IndexMissingError(QAError):
    """No index where one was expected."""


class IndexCorruptError(QAError):
    """An index artefact is missing, truncated or altered since it was written."""


class IndexMismatchError(QAError):
    """An index built with other settings (encoder, format) than the ones asked for."""


class EncoderUnavailableError(QAError):
    """An encoder that cannot be loaded here (missing package, model not available offline)."""


class IndexBusyError(QAError):
    """Another process is writing the index."""


def describe(exc: BaseException) -> str:
    """A library's exception in one short line for a skip message: ``KeyError: 'word/document.xml'``."""
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return type(exc).__name__ + (": " + detail if detail else "")
