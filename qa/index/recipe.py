"""What an index was built with: the index format, the encoder, the settings that shape an index,
the normaliser, the tokeniser and the chunker. Both back-ends record it (the local manifest's
fields, Milvus's collection properties) and compare it before an index is reused or added to,
through this one type."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from qa.ingest.chunk import CHUNKER
from qa.settings import FORMAT_VERSION, Settings
from qa.text.normalize import NORMALISER
from qa.text.tokenize import TOKENIZER

# What an index must share with the present code for its vectors and tokens to be reused.
SHAPING = ("encoder", "settings", "normaliser", "tokenizer", "chunker")


@dataclass(frozen=True)
class Recipe:
    encoder: str
    dim: int
    settings: dict[str, Any]  # Settings.index_fields()
    normaliser: str = NORMALISER
    tokenizer: str = TOKENIZER
    chunker: str | None = CHUNKER  # None: not recorded (Milvus stores keep no chunker)
    format_version: int | str | None = FORMAT_VERSION

    @classmethod
    def of(cls, encoder: str, dim: int, settings: Settings) -> Recipe:
        """The recipe an index built now with ``encoder`` and ``settings`` follows."""
        return cls(encoder, dim, settings.index_fields())

    def differences(self, other: Recipe, fields: tuple[str, ...] = SHAPING) -> list[str]:
        """The ``fields`` in which ``other`` differs from this recipe."""
        return [f for f in fields if getattr(self, f) != getattr(other, f)]

    # -- the local manifest ---------------------------------------------------------------------

    def manifest_fields(self, userdict_sha256: str) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "encoder": {"name": self.encoder, "dim": self.dim},
            "settings": self.settings,
            "normaliser": self.normaliser,
            "chunker": self.chunker,
            "tokenizer": {"name": self.tokenizer, "userdict_sha256": userdict_sha256},
        }

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> Recipe:
        return cls(
            manifest["encoder"]["name"],
            int(manifest["encoder"]["dim"]),
            manifest["settings"],
            manifest["normaliser"],
            manifest["tokenizer"]["name"],
            manifest.get("chunker"),
            manifest.get("format_version"),
        )

    # -- Milvus's collection properties ---------------------------------------------------------

    def properties(self) -> dict[str, str]:
        return {
            "qa.format": str(self.format_version),
            "qa.encoder": self.encoder,
            "qa.dim": str(self.dim),
            "qa.settings": json.dumps(self.settings, sort_keys=True),
            "qa.normaliser": self.normaliser,
            "qa.tokenizer": self.tokenizer,
        }

    @classmethod
    def from_properties(cls, properties: dict[str, str]) -> Recipe:
        try:
            settings = json.loads(properties.get("qa.settings", "null"))
        except json.JSONDecodeError:
            settings = None
        return cls(
            properties.get("qa.encoder", ""),
            int(properties.get("qa.dim", "0") or 0),
            settings,
            properties.get("qa.normaliser", ""),
            properties.get("qa.tokenizer", ""),
            None,
            properties.get("qa.format"),
        )
