"""Optional answer writing by an LLM behind an OpenAI-compatible chat endpoint.

The extractive answer (qa/answer.py) is the default and needs no network. When an endpoint is
configured, the passages already retrieved and cited are sent to it with the question, and the
model writes the answer with [n] markers. Only markers that point to a passage it was given are
kept; an answer left with none, or any failure of the endpoint, keeps the extractive answer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

import httpx

from index.errors import CiteqaError
from qa.answer import Answer

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You answer questions using only the numbered passages you are given. Write a short answer "
    "(one to three sentences) in the language and script of the question. After each claim put "
    "the number of the passage it comes from in square brackets, like [1] or [2][3]. Cite only "
    "the passages given. If the passages do not answer the question, say so."
)

# [1] [1,2] [1、2] and their full-width forms, with the spaces before them
_MARKER = re.compile(r"([ \t]*)[\[［【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]］】]")
_REPEATED = re.compile(r"(\[\d+\])\1+")
_NUMBER_SEPARATOR = re.compile(r"\s*[,，、]\s*")


class GenerationError(CiteqaError):
    """The LLM endpoint could not write an answer (unreachable, refused, or said nothing usable)."""


@dataclass(frozen=True)
class LLMConfig:
    base_url: str  # up to and including /v1, e.g. http://127.0.0.1:8080/v1
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    max_tokens: int = 512


def keep_known_markers(text: str, known: set[int]) -> str:
    """Rewrite citation markers as ``[n]``, dropping numbers not in ``known``."""

    def rewrite(match: re.Match[str]) -> str:
        numbers = [int(n) for n in _NUMBER_SEPARATOR.split(match.group(2))]
        kept = [n for n in dict.fromkeys(numbers) if n in known]
        return match.group(1) + "".join(f"[{n}]" for n in kept) if kept else ""

    return _REPEATED.sub(r"\1", _MARKER.sub(rewrite, text)).strip()


def cited_numbers(text: str) -> set[int]:
    return {int(n) for m in _MARKER.finditer(text) for n in _NUMBER_SEPARATOR.split(m.group(2))}


def prompt_messages(answer: Answer) -> list[dict[str, str]]:
    """The chat messages that ask for an answer to ``answer.question`` from its passages (the
    searched form of a follow-up, which holds its topic)."""
    blocks = []
    for c in answer.citations:
        where = " › ".join(x for x in (c.title, c.section) if x)
        page = f", p. {c.page}" if c.page else ""
        blocks.append(f"[{c.n}] {where}{page}\n{c.text}")
    user = "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {answer.searched}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


class AnswerWriter:
    """Writes answers with the LLM at ``config.base_url``."""

    def __init__(self, config: LLMConfig, client: httpx.Client | None = None) -> None:
        self.config = config
        self._client = client or httpx.Client(timeout=config.timeout)

    @property
    def url(self) -> str:
        return self.config.base_url.rstrip("/") + "/chat/completions"

    def write(self, answer: Answer) -> Answer:
        """``answer`` with its text written by the LLM; raises GenerationError when the LLM
        fails. An abstained answer, or one without passages, is returned as it is."""
        if answer.abstained or not answer.citations:
            return answer
        content = self._complete(prompt_messages(answer))
        known = {c.n for c in answer.citations}
        text = keep_known_markers(content, known)
        if not text or not cited_numbers(text):
            raise GenerationError(
                f"the LLM at {self.url} cited none of the passages it was given "
                f"(it wrote {content[:80]!r})"
            )
        return replace(answer, text=text)

    def _complete(self, messages: list[dict[str, str]]) -> str:
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        payload: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": self.config.max_tokens,
            "stream": False,
        }
        try:
            response = self._client.post(self.url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise GenerationError(f"could not reach the LLM at {self.url}: {exc}") from exc
        if response.status_code != 200:
            raise GenerationError(
                f"the LLM at {self.url} answered HTTP {response.status_code}: {response.text[:200]}"
            )
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise GenerationError(
                f"the LLM at {self.url} sent no chat completion: {response.text[:200]}"
            ) from exc
        if not isinstance(content, str) or not content.strip():
            raise GenerationError(f"the LLM at {self.url} sent an empty answer")
        return content

    def close(self) -> None:
        self._client.close()


def write_or_keep(writer: AnswerWriter | None, answer: Answer) -> tuple[Answer, bool]:
    """(the LLM's answer, True), or (``answer`` unchanged, False) when there is no writer or
    it failed (the failure is logged): an answer is always given."""
    if writer is None or answer.abstained or not answer.citations:
        return answer, False
    try:
        return writer.write(answer), True
    except GenerationError as exc:
        logger.warning("keeping the extractive answer: %s", exc)
        return answer, False
