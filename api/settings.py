"""Settings for the faces, read from the environment (``CITEQA_*``) or a ``.env`` file.

Built by ``get_settings()`` on first use, never at import; core functions in index/ and qa/
take explicit arguments instead of reading these.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITEQA_", env_file=".env", extra="ignore")

    index: Path = Field(Path("citeqa-index"), description="folder of the index")
    model: str | None = Field(
        None, description="sentence-transformers name or path; unset: bundled multilingual-e5-small"
    )
    model_dir: Path | None = Field(
        None, description="where the bundled model is converted to (default: the user cache)"
    )
    cross_model: Literal["use", "none"] = Field(
        "use", description="second, cross-lingual embedder for non-Chinese questions"
    )
    threads: int | None = Field(None, ge=1, description="torch threads (default: all cores)")
    batch_size: int = Field(32, ge=1, le=1024, description="texts per model batch")
    chunk_size: int = Field(200, ge=20, le=10_000, description="most characters in a passage")
    chunk_overlap: int = Field(
        0, ge=0, description="characters of sentences repeated between passages"
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
