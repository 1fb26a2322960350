"""Settings for the faces, read from the environment (``CITEQA_*``) or a ``.env`` file.

Built by ``get_settings()`` on first use, never at import; core functions in index/ and qa/
take explicit arguments instead of reading these.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.embedder import Runtime
from index.loaders import SUPPORTED_SUFFIXES
from qa.query import MAX_QUESTION_CHARS
from qa.retrieve import MAX_K

if TYPE_CHECKING:
    from collections.abc import Callable

    from index.embedder import Embedder
    from index.ray_embedder import Recipe
    from qa.service import QAService

# Comma-separated in the environment (CITEQA_API_KEYS=key1,key2), a list in Python.
CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITEQA_", env_file=".env", extra="ignore")

    index: Path = Field(Path("citeqa-index"), description="folder of the index")
    indexes: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="the indexes `citeqa serve` serves as collections, named by their folders "
        "(comma-separated; a folder of indexes stands for each index in it); unset: index",
    )
    model: str | None = Field(
        None, description="sentence-transformers name or path; unset: bundled multilingual-e5-small"
    )
    model_dir: Path | None = Field(
        None, description="where the bundled model is converted to (default: the user cache)"
    )
    cross_model: Literal["use", "none"] = Field(
        "use", description="second, cross-lingual embedder for non-Chinese questions"
    )
    threads: int | None = Field(
        None, ge=1, description="threads of the embedding models (default: all cores)"
    )
    runtime: Runtime = Field(
        "auto",
        description="what runs the embedding model: auto (ONNX Runtime for the bundled model, "
        "torch for others), onnx or torch",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="texts per model batch")
    chunk_size: int = Field(200, ge=20, le=10_000, description="most characters in a passage")
    chunk_overlap: int = Field(
        0, ge=0, description="characters of sentences repeated between passages"
    )

    # -- HTTP service (citeqa serve) ----------------------------------------------------------
    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8000, ge=1, le=65535, description="port to listen on")
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="keys accepted in 'Authorization: Bearer KEY' or 'X-API-Key: KEY' "
        "(comma-separated); uploads and deletions need one, and are refused while none is set",
    )
    read_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="read-only keys (comma-separated): they search, ask, list and run question "
        "lists where reads need a key, but cannot upload or delete (403 read_only_key)",
    )
    require_key_for_reads: bool = Field(
        False, description="also require a key for searching, asking and listing"
    )
    allowed_hosts: CommaList = Field(
        default_factory=list,
        description="Host header names the server answers to, each at any port or as "
        "name:port (comma-separated; * for any); unset: localhost, 127.0.0.1 and [::1] when "
        "bound to a loopback address, any otherwise. Other hosts get 421 host_not_allowed",
    )
    trusted_proxies: CommaList = Field(
        default_factory=list,
        description="addresses or CIDR blocks of the proxies in front of the server "
        "(comma-separated); only a request from one of them has its caller's address taken "
        "from X-Forwarded-For or Forwarded. None by default: the peer is the caller",
    )
    cors_origins: CommaList = Field(
        default_factory=list,
        description="origins allowed to call the API from a browser (comma-separated); none by default",
    )
    max_question_chars: int = Field(
        MAX_QUESTION_CHARS, ge=1, le=MAX_QUESTION_CHARS, description="longest question accepted"
    )
    max_k: int = Field(20, ge=1, le=MAX_K, description="most passages one question may ask for")
    max_batch: int = Field(
        50, ge=1, le=1000, description="most questions in one POST /v1/batch request"
    )
    max_job_questions: int = Field(
        10_000, ge=1, le=1_000_000, description="most questions in one background job"
    )
    max_embedding_inputs: int = Field(
        256, ge=1, le=10_000, description="most texts in one POST /v1/embeddings request"
    )
    max_embedding_chars: int = Field(
        8000, ge=1, le=100_000, description="longest text POST /v1/embeddings accepts"
    )
    max_embedding_total_chars: int = Field(
        20_000,
        ge=1,
        le=10_000_000,
        description="most characters, all texts together, in one POST /v1/embeddings request",
    )
    max_body_bytes: int = Field(
        64 * 1024,
        ge=1024,
        description="largest request body of /v1/search, /v1/ask, /mcp and every route without "
        "a limit of its own, in bytes (uploads, jobs, batches and embeddings are sized by "
        "their own limits)",
    )
    max_chat_body_bytes: int = Field(
        256 * 1024,
        ge=1024,
        description="largest POST /v1/chat/completions body, in bytes (a chat client sends the "
        "whole conversation, replies included)",
    )
    max_history_chars: int = Field(
        8000,
        ge=0,
        le=1_000_000,
        description="most characters of the earlier questions (`history`) of one request, all "
        "together; a chat conversation's oldest questions past it are not read",
    )
    max_embedding_requests_per_caller: int = Field(
        2, ge=1, le=1000, description="POST /v1/embeddings requests one caller may have under way"
    )
    max_mcp_streams_per_caller: int = Field(
        4, ge=1, le=1000, description="/mcp requests (and event streams) one caller may hold open"
    )
    mcp_idle_seconds: float = Field(
        30, gt=0, le=86_400, description="seconds an /mcp event stream (GET) may stay silent"
    )
    max_upload_files: int = Field(10, ge=1, le=1000, description="most files in one upload")
    max_upload_bytes: int = Field(
        20 * 1024 * 1024, ge=1, description="largest file accepted in an upload, in bytes"
    )
    max_upload_bytes_per_hour: int = Field(
        1024 * 1024 * 1024,
        ge=0,
        description="bytes one caller may upload in an hour, all uploads together (0: no limit)",
    )
    allowed_file_types: CommaList = Field(
        default_factory=lambda: sorted(SUPPORTED_SUFFIXES),
        description="file extensions accepted in uploads (comma-separated)",
    )
    upload_dir: Path | None = Field(
        None, description="where uploaded files are kept (default: INDEX/uploads)"
    )
    work_dir: Path | None = Field(
        None,
        description="where jobs and their files are kept, and survive a restart (default: "
        "INDEX/jobs of the first index served)",
    )
    max_jobs: int = Field(100, ge=1, description="finished jobs remembered before the oldest go")
    job_ttl_hours: float = Field(
        168, gt=0, description="hours a finished job (and its results) is kept"
    )
    watch_seconds: float = Field(
        1.0,
        ge=0,
        le=3600,
        description="how often the server looks for writes to its indexes by other processes "
        "(citeqa index, a rebuild) and swaps the new state in; 0: never",
    )
    max_queued_questions: int = Field(
        20_000,
        ge=1,
        le=10_000_000,
        description="questions one caller (API key, or address when reads are open) may have "
        "in queued or running jobs at once; more are refused (429)",
    )
    rate_limit_per_minute: int = Field(
        0,
        ge=0,
        le=1_000_000,
        description="requests a minute one caller (API key, or address) may make, in bursts "
        "of as many; more are answered 429 with Retry-After. 0: no limit",
    )
    max_active_jobs: int = Field(
        8,
        ge=1,
        le=10_000,
        description="jobs of each kind (question lists, uploads) queued or running at once; more "
        "are refused (429)",
    )
    max_active_jobs_per_caller: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="jobs of each kind one caller may have queued or running at once; unset: "
        "half of max_active_jobs. When the server has keys, callers without one share that "
        "many between them, and the rest are kept for key holders",
    )

    # -- optional answer writing by an OpenAI-compatible LLM (off unless llm_base_url is set) --
    llm_base_url: str | None = Field(
        None, description="e.g. http://127.0.0.1:8080/v1; unset: extractive answers only"
    )
    llm_api_key: SecretStr | None = Field(None, description="sent as 'Authorization: Bearer'")
    llm_model: str | None = Field(None, description="model name the LLM endpoint knows")
    llm_timeout: float = Field(60.0, gt=0, description="seconds to wait for the LLM")

    @field_validator(
        "api_keys", "read_keys", "cors_origins", "allowed_file_types", "indexes", "trusted_proxies",
        "allowed_hosts",
        mode="before",
    )  # fmt: skip
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        from api.callers import parse_networks

        parse_networks(value)
        return value

    @field_validator("allowed_file_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        types = sorted({t.lower() if t.startswith(".") else f".{t.lower()}" for t in value})
        unknown = [t for t in types if t not in SUPPORTED_SUFFIXES]
        if unknown:
            raise ValueError(
                f"citeqa cannot read {', '.join(unknown)} files; "
                f"choose from {', '.join(sorted(SUPPORTED_SUFFIXES))}"
            )
        return types

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.require_key_for_reads and not (self.api_keys or self.read_keys):
            raise ValueError("require_key_for_reads is on but no api_keys or read_keys are set")
        if self.llm_base_url and not self.llm_model:
            raise ValueError("llm_base_url is set but llm_model is not; name the model to use")
        return self

    def served_indexes(self) -> list[Path]:
        """What ``citeqa serve`` serves: ``indexes``, or ``index`` alone."""
        return list(self.indexes) or [self.index]

    def job_share(self) -> int:
        """Jobs of a kind one caller may have queued or running at once."""
        if self.max_active_jobs_per_caller is not None:
            return min(self.max_active_jobs_per_caller, self.max_active_jobs)
        return max(1, self.max_active_jobs // 2)

    def key_values(self) -> list[str]:
        """The writers' keys (CITEQA_API_KEYS)."""
        return [k.get_secret_value() for k in self.api_keys if k.get_secret_value()]

    def read_key_values(self) -> list[str]:
        """The read-only keys (CITEQA_READ_KEYS)."""
        return [k.get_secret_value() for k in self.read_keys if k.get_secret_value()]

    def all_key_values(self) -> list[str]:
        """Every key the server knows, the writers' and the readers': who a caller is."""
        return [*self.key_values(), *self.read_key_values()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def open_index(settings: Settings, index: Path | None = None) -> QAService:
    """The index of ``settings`` (or ``index``) opened for questions with the models it was
    built with, as the settings say to run them."""
    from qa.service import QAService

    return QAService.open(
        index or settings.index,
        model=settings.model,
        model_dir=settings.model_dir,
        threads=settings.threads,
        batch_size=settings.batch_size,
        max_question_chars=settings.max_question_chars,
        runtime=settings.runtime,
    )


def index_chunking(
    settings: Settings, folder: Path, size: int | None, overlap: int | None, rebuild: bool
) -> tuple[int, int]:
    """The chunk size and overlap of a `citeqa index` run: the options given, else the
    settings' when set (CITEQA_CHUNK_SIZE, .env), else what the index was built with, so an
    incremental run need not repeat them."""
    from index.manifest import read_manifest

    recorded = None if rebuild else read_manifest(folder)

    def pick(given: int | None, name: str) -> int:
        if given is not None:
            return given
        if recorded is not None and name not in settings.model_fields_set:
            return int(getattr(recorded, name))
        return int(getattr(settings, name))

    return pick(size, "chunk_size"), pick(overlap, "chunk_overlap")


def recipes(settings: Settings, model: str | None = None) -> dict[str, Recipe]:
    """``embedders`` as recipes a Ray worker makes them from, one thread each (a worker per
    CPU): "main", and "cross" unless turned off."""
    from index.embedder import UseEmbedder, load_embedder
    from index.ray_embedder import recipe

    out = {
        "main": recipe(
            load_embedder,
            model=model or settings.model,
            model_dir=settings.model_dir,
            batch_size=settings.batch_size,
            threads=1,
            runtime=settings.runtime,
        )
    }
    if settings.cross_model == "use":
        out["cross"] = recipe(UseEmbedder, threads=1)
    return out


def embedders(
    settings: Settings, model: str | None = None, progress: Callable[[str], None] | None = None
) -> tuple[Embedder, Embedder | None]:
    """The main embedder for writing an index and, unless turned off, the cross-lingual one."""
    from index.embedder import UseEmbedder, load_embedder

    embedder = load_embedder(
        model or settings.model,
        model_dir=settings.model_dir,
        batch_size=settings.batch_size,
        threads=settings.threads,
        runtime=settings.runtime,
        progress=progress,
    )
    cross = UseEmbedder(threads=settings.threads) if settings.cross_model == "use" else None
    return embedder, cross
