"""An index folder's manifest (``manifest.json``, written last and atomically): settings, corpus
hashes, counts, and the size and sha256 of every artefact. Reading checks its shape; loading
checks every artefact against it, so nothing is answered from a partial or altered index."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from qa.index.corpus import IndexRows
from qa.index.local.folder import sha256_file
from qa.index.recipe import Recipe
from qa.settings import FORMAT_VERSION

MANIFEST = "manifest.json"
ARTEFACTS = (
    "paragraphs.jsonl",
    "passages.jsonl",
    "sentences.jsonl",
    "passage_vectors.npy",
    "sentence_vectors.npy",
)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    if not path.is_file():
        if index_dir.is_dir() and any(index_dir.glob("build-*")):
            raise IndexCorruptError(
                f"{index_dir}: manifest.json is missing; rebuild with `qa index --rebuild`"
            )
        raise IndexMissingError(f"no index in {index_dir}: build one with `qa index`")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path}: not valid JSON ({exc}); rebuild with `qa index --rebuild`") from exc
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"{path}: not a manifest (a JSON object); rebuild with `qa index --rebuild`")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{index_dir}: index format {manifest.get('format_version')!r}, this version reads "
            f"{FORMAT_VERSION}; rebuild with `qa index --rebuild`"
        )
    problem = manifest_problem(manifest)
    if problem:
        raise IndexCorruptError(f"{path}: damaged ({problem}); rebuild with `qa index --rebuild`")
    return manifest


HEX64 = re.compile(r"[0-9a-f]{64}")
BUILD_ID = re.compile(r"build-\d{14}-[0-9a-f]{8}")
BM25_FILES = tuple(
    f"bm25/{name}.index.{ext}"
    for name, ext in (
        ("data.csc", "npy"),
        ("indices.csc", "npy"),
        ("indptr.csc", "npy"),
        ("params", "json"),
        ("vocab", "json"),
    )
)
COUNTS = ("documents", "articles", "paragraphs", "passages", "sentences")


def manifest_problem(m: dict[str, Any]) -> str:
    """What is wrong with a manifest's shape ("" when nothing): every field the index reads,
    with its type; the artefacts are exactly the files a build has (``dense.faiss`` optional),
    each with a size and a sha256. Only these files are ever loaded."""

    def is_int(x: object) -> bool:
        return isinstance(x, int) and not isinstance(x, bool) and x >= 0

    checks: list[tuple[bool, str]] = [
        (isinstance(m.get("build"), str) and bool(BUILD_ID.fullmatch(m["build"])), "build"),
        (isinstance(m.get("encoder"), dict), "encoder"),
        (isinstance(m.get("encoder", {}).get("name"), str), "encoder.name"),
        (is_int(m.get("encoder", {}).get("dim")) and m["encoder"]["dim"] > 0, "encoder.dim"),
        (isinstance(m.get("settings"), dict), "settings"),
        (isinstance(m.get("normaliser"), str), "normaliser"),
        (isinstance(m.get("chunker"), str), "chunker"),
        (isinstance(m.get("tokenizer"), dict) and isinstance(m["tokenizer"].get("name"), str), "tokenizer"),
        (isinstance(m.get("tokenizer", {}).get("userdict_sha256"), str), "tokenizer.userdict_sha256"),
        (isinstance(m.get("corpus"), dict) and isinstance(m["corpus"].get("files"), dict), "corpus.files"),
        (
            all(
                isinstance(k, str) and isinstance(v, str)
                for k, v in m.get("corpus", {}).get("files", {}).items()
            ),
            "corpus.files",
        ),
        (isinstance(m.get("counts"), dict) and all(is_int(m["counts"].get(k)) for k in COUNTS), "counts"),
        (isinstance(m.get("artefacts"), dict), "artefacts"),
    ]
    for ok, field in checks:
        if not ok:
            return f"field {field!r} missing or malformed"
    artefacts: dict[str, Any] = m["artefacts"]
    expected = {*ARTEFACTS, *BM25_FILES}
    names = set(artefacts)
    if not expected <= names or not names <= expected | {"dense.faiss"}:
        odd = sorted((expected - names) | (names - expected - {"dense.faiss"}))
        return "artefacts listed wrongly: " + ", ".join(odd)
    for name, meta in artefacts.items():
        if not (
            isinstance(meta, dict)
            and is_int(meta.get("bytes"))
            and isinstance(meta.get("sha256"), str)
            and HEX64.fullmatch(meta["sha256"])
        ):
            return f"artefact {name!r} has no size or sha256"
    return ""


def verify_artefacts(index_dir: Path, manifest: dict[str, Any]) -> Path:
    """Check every artefact's presence, size and sha256; return the build folder."""
    build = index_dir / str(manifest.get("build", ""))
    artefacts: dict[str, dict[str, Any]] = manifest.get("artefacts", {})
    if not artefacts or not build.is_dir():
        raise IndexCorruptError(
            f"{index_dir}: build folder {build.name!r} is missing; rebuild with `qa index`"
        )
    for rel, meta in artefacts.items():
        path = build / rel
        if not path.is_file():
            raise IndexCorruptError(f"{index_dir}: artefact {rel} is missing; rebuild with `qa index`")
        size = path.stat().st_size
        if size != meta["bytes"]:
            raise IndexCorruptError(
                f"{index_dir}: artefact {rel} is truncated or grown ({size} bytes, expected "
                f"{meta['bytes']}); rebuild with `qa index`"
            )
        if sha256_file(path) != meta["sha256"]:
            raise IndexCorruptError(
                f"{index_dir}: artefact {rel} fails its checksum; rebuild with `qa index`"
            )
    return build


def new_manifest(
    recipe: Recipe,
    userdict_sha256: str,
    build_id: str,
    artefacts: dict[str, Any],
    counts: dict[str, int],
    root: str,
    files: dict[str, str],
) -> dict[str, Any]:
    """The manifest of a fresh build: its recipe, what it holds and the corpus it was built from
    (``files``: name -> sha256, to tell staleness later)."""
    from qa import __version__

    return {
        **recipe.manifest_fields(userdict_sha256),
        "qa_version": __version__,
        "build": build_id,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus": {"root": root, "files": files},
        "counts": counts,
        "artefacts": artefacts,
    }


def rewritten(manifest: dict[str, Any], build_id: str, artefacts: dict[str, Any], rows: IndexRows, changed: set[str]) -> dict[str, Any]:
    """``manifest`` for a new build of the same index holding ``rows``: the recipe kept, the
    ``changed`` documents dropped from the corpus fingerprint (so the next build of the corpus
    reads them again)."""
    files = {k: v for k, v in manifest["corpus"]["files"].items() if k not in changed}
    return {
        **manifest,
        "corpus": {**manifest["corpus"], "files": files},
        "build": build_id,
        "artefacts": artefacts,
        "counts": counts(rows),
    }


def write_manifest(index_dir: Path, manifest: dict[str, Any]) -> None:
    tmp = index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / MANIFEST)


def counts(rows: IndexRows) -> dict[str, int]:
    """The manifest's ``counts``: what the rows hold."""
    return {
        "documents": len({p.doc for p in rows.paragraphs}),
        "articles": len({(p.doc, p.article) for p in rows.paragraphs}),
        "paragraphs": len(rows.paragraphs),
        "passages": len(rows.passages),
        "sentences": len(rows.sentences),
    }
