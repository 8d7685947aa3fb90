"""One settings object, read from ``TIAOLI_*`` environment variables at the edges.

The CLI, the page and the tests build a ``Settings`` and pass it inward;
nothing deeper reads the environment.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository root, where the bundled corpus lives in a source checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where the data lives and how the assistant is put together."""

    model_config = SettingsConfigDict(env_prefix="TIAOLI_", frozen=True)

    corpus_dir: Path = Field(
        default=PROJECT_ROOT / "corpus",
        description="Folder holding one sub-folder per regulation (zh.txt, and optionally "
        "en.txt, glossary.json, meta.json); all of them are loaded and indexed together.",
    )
    regulation: str | None = Field(
        default=None,
        description="The regulation (folder name, title or alias) that commands acting on one "
        "regulation use (show, export, glossary, compare, eval) when several are loaded; "
        "unset: the only one, or they ask which.",
    )
    skip_broken: bool = Field(
        default=False,
        description="Leave out a regulation folder that cannot be read (warning, naming it) "
        "instead of stopping; `tiaoli index build --skip-broken` sets it for the build.",
    )
    index_dir: Path = Field(
        default=PROJECT_ROOT / "index",
        description="Where built indexes live, one folder per embedder (see store.py).",
    )
    embedder: str = Field(
        default="e5-small",
        description="'e5-small' (bundled, offline) or 'sentence-transformers:<name-or-path>'.",
    )
    search_k: int = Field(
        default=5, ge=1, le=50, description="How many articles a search returns by default."
    )
    rrf_k: int = Field(
        default=1, ge=0,
        description="Reciprocal-rank-fusion constant: larger flattens the fused ranking. The "
        "textbook 60 suits lists of thousands; ours rank a few dozen articles, and 2-fold "
        "cross-validation on the dev set chose 1 on both folds (docs/retrieval.md).",
    )
    prompts_dir: Path = Field(
        default=PROJECT_ROOT / "prompts",
        description="LLM prompts, the wording of answers and verdicts (phrases.json) and the "
        "words of the page, /v1 and MCP (interface.json).",
    )
    answer_k: int = Field(
        default=5, ge=1, le=20,
        description="How many articles the answerers see (a refusal shows up to 3 as related).",
    )
    scope_threshold: float = Field(
        default=-0.005,
        description="Scope margin at or below which a question is refused (answer/scope.py); "
        "calibrated on eval/questions.jsonl, see docs/answers.md.",
    )
    max_question_chars: int = Field(
        default=2000, ge=10,
        description="Longer questions are refused with a message, never processed for minutes.",
    )
    max_turn_chars: int = Field(
        default=8000, ge=100,
        description="Longest earlier turn of a conversation (a question or an answer) that "
        "a follow-up is read with; longer is refused with a message before any work.",
    )
    max_history_chars: int = Field(
        default=40_000, ge=100,
        description="Longest conversation, all earlier turns together, a follow-up is read "
        "with; longer is refused with a message before any work.",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024,
        description="Largest request body the server reads (HTTP 413 beyond, before parsing).",
    )
    header_timeout: float = Field(
        default=10.0, gt=0, le=600,
        description="Seconds a client has to send a request's line and headers, from "
        "connecting or from the end of its previous response; then 408 and the connection "
        "is closed (a slow-headers client cannot hold a socket for long).",
    )
    cors_origins: str = Field(
        default="",
        description="Comma-separated origins (scheme://host[:port]) whose pages may call the "
        "API from a browser; empty (the default): none, and no CORS headers are sent. "
        "Credentials (cookies) are never allowed cross-origin.",
    )
    llm: str | None = Field(
        default=None,
        description="Unset for the offline extractive answerer; 'openai:<model>' (any "
        "OpenAI-compatible endpoint) or 'ollama:<model>' (the llm extra).",
    )
    llm_base_url: str | None = Field(
        default=None, description="Endpoint of the LLM, e.g. https://api.deepseek.com/v1."
    )
    llm_api_key: str | None = Field(default=None, description="API key of the LLM endpoint.")
    llm_timeout: float = Field(
        default=30.0, gt=0,
        description="Seconds before an LLM call is abandoned for the extractive answer.",
    )
    home: Path = Field(
        default=Path.home() / ".local" / "share" / "tiaoli",
        description="Data directory for files Tiaoli writes at run time.",
    )
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "tiaoli",
        description="Files derived from installed packages, written when missing and safe "
        "to delete: jieba's dictionary as a lexicon that a start reads only the words of "
        "the question from (search/lexicon.py).",
    )

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in _split(value):
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin: write scheme://host[:port], "
                                 "e.g. https://intranet.example.gov.cn, without a path")
        return value

    @property
    def cors_allow_list(self) -> tuple[str, ...]:
        """The origins allowed cross-origin, as listed in ``cors_origins``."""
        return tuple(o.rstrip("/") for o in _split(self.cors_origins))


#: An origin as a browser sends it: scheme, host, optional port, nothing after.
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+/?")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
