"""Whether an index is current: the corpus's files by name and sha256 (and the user
dictionary's), against what the manifest recorded with its settings, encoder, normaliser,
tokeniser and chunker. A damaged index is never current."""

from __future__ import annotations

from pathlib import Path

from qa.errors import QAError
from qa.index.encoders import encoder_name
from qa.index.local.folder import sha256_file
from qa.index.local.manifest import read_manifest, verify_artefacts
from qa.index.recipe import Recipe
from qa.ingest.documents import USERDICT, corpus_userdict, document_name, walk
from qa.settings import Settings
from qa.text.tokenize import userdict_hash

__all__ = ["UNREADABLE", "USERDICT", "corpus_fingerprint", "files_fingerprint", "is_current", "is_current_files"]

UNREADABLE = "unreadable "  # how a fingerprint marks a file whose bytes could not be read


def corpus_fingerprint(corpus: Path, follow_links: bool = False) -> dict[str, str]:
    """File name -> sha256 for every document file (and the user dictionary)."""
    return files_fingerprint(corpus, walk(corpus, follow_links)[0])


def files_fingerprint(corpus: Path, paths: list[Path]) -> dict[str, str]:
    files = {}
    for p in paths:
        try:
            digest = sha256_file(p)
        except OSError as exc:  # ingest skips it with the reason; a later read may succeed
            digest = f"{UNREADABLE}({exc.strerror})"
        files[document_name(corpus, p)] = digest
    userdict = corpus_userdict(corpus)
    if userdict is not None:
        files[USERDICT] = userdict_hash(userdict)
    return files


def is_current(index_dir: Path, corpus: Path, settings: Settings, verify: bool = True) -> bool:
    """True when the manifest says the index was built from these files with these settings.
    ``verify=False`` skips the artefacts' checksums, for a caller that loads the index next (the
    load checks them: each is read once)."""
    return is_current_files(index_dir, corpus_fingerprint(corpus), settings, verify=verify)


def is_current_files(
    index_dir: Path,
    files: dict[str, str],
    settings: Settings,
    encoder: str | None = None,
    verify: bool = True,
) -> bool:
    """Same as :func:`is_current` for a given fingerprint (``encoder``: its name, if not the settings').

    The artefacts are verified too (unless ``verify`` is false): a damaged index is never "current"."""
    try:
        manifest = read_manifest(index_dir)
        if verify:
            verify_artefacts(index_dir, manifest)
    except QAError:
        return False
    built = Recipe.from_manifest(manifest)
    now = Recipe(encoder or encoder_name(settings.encoder), built.dim, settings.index_fields())
    return not built.differences(now) and manifest["corpus"]["files"] == files
