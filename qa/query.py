"""A question, checked and normalised the way the index normalised its passages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from index.errors import InvalidInput, QuestionTooLong
from index.normalise import Script, detect_script, search_form
from qa.question_type import QuestionType, question_type

Language = Literal["zh", "en"]
MAX_QUESTION_CHARS = 1000

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Query:
    """``text``: the question as asked (tidied); ``search_text``: its search form;
    ``language``: "zh" when it is asked in Chinese, otherwise "en" (any other language is
    matched cross-lingually, as English is); ``script``: the Chinese script it is written in."""

    text: str
    search_text: str
    language: Language
    script: Script

    @property
    def kind(self) -> QuestionType:
        """What kind of answer it asks for (qa/question_type.py)."""
        return question_type(self.text, self.language)


def detect_language(text: str) -> Language:
    """Chinese when Han characters are at least a quarter of the letters."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if han and han * 4 >= han + latin else "en"


def parse_query(text: str, *, max_chars: int = MAX_QUESTION_CHARS) -> Query:
    """Check and normalise a question; InvalidInput says what is wrong with a bad one."""
    if not isinstance(text, str):
        raise InvalidInput(f"the question must be text, not {type(text).__name__}")
    tidy = _SPACE.sub(" ", _CONTROL.sub("", text)).strip()
    if not tidy:
        raise InvalidInput("the question is empty; ask something, e.g. 煤炭依赖是怎么降下来的")
    if len(tidy) > max_chars:
        raise QuestionTooLong(
            f"the question is {len(tidy):,} characters long; the limit is {max_chars:,}. "
            "Ask about one thing at a time."
        )
    return Query(tidy, search_form(tidy), detect_language(tidy), detect_script(tidy))
