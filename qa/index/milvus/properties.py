"""What a Milvus store records of how it was built (collection properties: the index format,
the encoder, the chunking settings, normaliser and tokeniser), checked when it is opened, as
the local back-end's manifest is."""

from __future__ import annotations

from typing import Any

from qa.errors import IndexMismatchError, IndexMissingError
from qa.index.milvus.connect import Collections
from qa.index.milvus.schema import COLLECTIONS, LEDGER
from qa.index.recipe import Recipe
from qa.settings import FORMAT_VERSION, Settings

SAME_FOR_EVERY_WRITER = ("settings", "normaliser", "tokenizer")


def made_with(encoder_name: str, dim: int, settings: Settings, corpus_root: str) -> dict[str, str]:
    """The properties a store made now carries: its :class:`qa.index.recipe.Recipe`, the corpus
    folder and the ledger's version."""
    return {**Recipe.of(encoder_name, dim, settings).properties(), "qa.corpus_root": corpus_root, "qa.ledger": LEDGER}


def read(client: Any, uri: str, name: str, encoder_name: str | None) -> dict[str, str]:
    """The properties of collection ``name``, refused when this version cannot read it or it was
    built with another encoder than ``encoder_name`` (when given)."""
    if not client.has_collection(f"{name}_passages"):
        raise IndexMissingError(f"no collection {name!r} in Milvus at {uri}: build one with `qa index --backend milvus`")
    described = client.describe_collection(f"{name}_passages")
    properties = {k: str(v) for k, v in described.get("properties", {}).items()}
    built = Recipe.from_properties(properties)
    if built.format_version != str(FORMAT_VERSION):
        raise IndexMismatchError(
            f"collection {name!r} at {uri} has index format {built.format_version!r}, this "
            f"version reads {FORMAT_VERSION}; rebuild with `qa index --backend milvus --rebuild`"
        )
    if encoder_name is not None and built.encoder != encoder_name:
        raise IndexMismatchError(
            f"collection {name!r} at {uri} was built with encoder {properties.get('qa.encoder')!r}, "
            f"not {encoder_name!r}; index into another collection or rebuild with --rebuild"
        )
    return properties


def check_same(found: dict[str, str], wanted: dict[str, str], name: str, uri: str) -> None:
    """Refuse to add to a store built with other settings (chunking), normaliser or tokeniser,
    or before its ledger was kept."""
    differ = Recipe.from_properties(found).differences(Recipe.from_properties(wanted), SAME_FOR_EVERY_WRITER)
    if found.get("qa.ledger") != wanted["qa.ledger"]:
        differ.append("ledger")
    for field in differ:
        raise IndexMismatchError(
            f"collection {name!r} at {uri} was built with other {field} "
            f"({found.get('qa.' + field)}); rebuild with --rebuild or use another --collection"
        )


def load(db: Collections) -> None:
    """Load every collection, refusing a store with one missing or one that does not load."""
    for suffix in COLLECTIONS:
        collection = f"{db.name}_{suffix}"
        if not db.client.has_collection(collection):
            raise db.damaged(f"its collection {collection} is missing")
        db.client.load_collection(collection)
        state = str(db.client.get_load_state(collection).get("state", ""))
        if "Loaded" not in state:
            raise db.damaged(f"its collection {collection} does not load ({state})")


def drop(client: Any, name: str) -> None:
    for suffix in COLLECTIONS:
        if client.has_collection(f"{name}_{suffix}"):
            client.drop_collection(f"{name}_{suffix}")
