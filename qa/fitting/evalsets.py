"""The public evaluation sets (``../shared/eval``) as citeqa uses them: which question files
each has, which questions of other sets stand for questions its index cannot answer, and the
split of every set into a fitting part and a held-out part, made once by document or article
and kept in the repository (``data/eval-splits.json``).

Everything fitted is fitted on fitting parts; every reported figure is on held-out parts."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from qa.evaluate import GoldQuery, read_gold

Part = Literal["fit", "held_out", "all"]
PARTS: tuple[Part, ...] = ("fit", "held_out", "all")
SAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class Layout:
    """Where a checkout at ``root`` keeps the evaluation inputs and the indexes built from
    them: the public sets beside it in ``shared/eval``, the split and the sample corpus's
    questions in ``data/``, the indexes in ``.cache/eval``."""

    root: Path

    @property
    def eval_dir(self) -> Path:
        return self.root.parent / "shared" / "eval"

    @property
    def cache(self) -> Path:
        return self.root / ".cache" / "eval"

    @property
    def splits(self) -> Path:
        return self.root / "data" / "eval-splits.json"

    @property
    def sample_docs(self) -> Path:
        return self.root / "data" / "sample"

    @property
    def sample_questions(self) -> Path:
        return self.root / "data" / "sample-questions.jsonl"

    @property
    def reworded(self) -> Path:
        return self.root / "data" / "reworded.jsonl"

    def documents(self, name: str) -> Path:
        """The folder of files to index for a set (one text file per corpus entry, written
        once), or for "sample" the bundled sample corpus."""
        if name == "sample":
            return self.sample_docs
        return corpus_files(self.eval_dir, name, self.cache / f"{name}-docs")

    def index(self, name: str) -> Path:
        """Where the evaluation index of a set (or of "sample") is kept."""
        return self.cache / name


@dataclass(frozen=True)
class QuestionFile:
    set_name: str
    filename: str
    label: str
    language: str  # "zh" or "en"


@dataclass(frozen=True)
class EvalSet:
    name: str
    questions: tuple[QuestionFile, ...]  # answerable from this set's corpus
    negatives: tuple[QuestionFile, ...]  # of other sets: this set's index cannot answer them


_DRCD = QuestionFile("drcd", "queries.jsonl", "DRCD (Trad)", "zh")
_CMRC = QuestionFile("cmrc2018", "queries.jsonl", "CMRC (Simp)", "zh")
_XQUAD_ZH = QuestionFile("xquad", "queries.zh.jsonl", "XQuAD zh", "zh")
_XQUAD_EN = QuestionFile("xquad", "queries.en.jsonl", "XQuAD en->zh", "en")

# questions of the public sets asked of the sample corpus's index, which cannot answer them
SAMPLE_NEGATIVES: tuple[QuestionFile, ...] = (_DRCD, _XQUAD_EN)

SETS: dict[str, EvalSet] = {
    "drcd": EvalSet("drcd", (_DRCD,), (_CMRC, _XQUAD_EN)),
    "cmrc2018": EvalSet("cmrc2018", (_CMRC,), (_DRCD, _XQUAD_EN)),
    "xquad": EvalSet("xquad", (_XQUAD_ZH, _XQUAD_EN), (_DRCD,)),
}


def make_splits(eval_dir: Path) -> dict[str, dict[str, list[str]]]:
    """The split, by document: DRCD fits on the paragraphs of its ``test`` questions and holds
    out those of ``dev``; CMRC fits on ``trial`` and holds out ``dev``; XQuAD, which has no
    split, fits on the articles with an even number and holds out the odd ones (the same
    articles for its Chinese and English questions)."""
    out: dict[str, dict[str, list[str]]] = {}
    for name, fit_split in (("drcd", "test"), ("cmrc2018", "trial")):
        parts: dict[str, set[str]] = {"fit": set(), "held_out": set()}
        for line in (eval_dir / name / "queries.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            part = "fit" if row["split"] == fit_split else "held_out"
            parts[part].update(row["positive_ids"])
        if parts["fit"] & parts["held_out"]:
            raise ValueError(f"{name}: a document has questions of both splits")
        out[name] = {p: sorted(ids) for p, ids in parts.items()}
    ids = [json.loads(line)["id"] for line in (eval_dir / "xquad" / "corpus.jsonl").open()]
    out["xquad"] = {
        "fit": sorted(i for i in ids if int(i.split("-")[1]) % 2 == 0),
        "held_out": sorted(i for i in ids if int(i.split("-")[1]) % 2 == 1),
    }
    return out


def read_splits(path: Path) -> dict[str, dict[str, frozenset[str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: {part: frozenset(data[name][part]) for part in ("fit", "held_out")} for name in SETS
    }


def read_part(
    eval_dir: Path, source: QuestionFile, part: Part, splits: dict[str, dict[str, frozenset[str]]]
) -> list[GoldQuery]:
    """The questions of one file in one part, with positives named as the evaluation index's
    files are (``corpus_files``)."""
    gold, _ = read_gold(eval_dir / source.set_name / source.filename)
    if part != "all":
        docs = splits[source.set_name][part]
        gold = [g for g in gold if g.positive_ids and g.positive_ids <= docs]
    return [
        replace(g, positive_ids=frozenset(SAFE.sub("_", p) for p in g.positive_ids)) for g in gold
    ]


def read_sample_questions(path: Path, part: Part) -> tuple[list[GoldQuery], list[GoldQuery]]:
    """Questions written from the bundled sample corpus (``data/sample-questions.jsonl``, each
    line marked with its part): those it answers, with their documents (file stems) and
    answers, and those it cannot answer, with neither."""
    answerable: list[GoldQuery] = []
    unanswerable: list[GoldQuery] = []
    for n, line in enumerate(path.open(encoding="utf-8"), start=1):
        row = json.loads(line)
        if part != "all" and row["part"] != part:
            continue
        gold = GoldQuery(
            n, row["question"], frozenset(row.get("positive_ids", [])),
            tuple(row.get("answers", [])),
        )  # fmt: skip
        (answerable if row["answerable"] else unanswerable).append(gold)
    return answerable, unanswerable


def read_reworded(path: Path, set_name: str, part: Part) -> dict[tuple[str, bool], list[GoldQuery]]:
    """Questions written for citeqa over paragraphs of a public set (``data/reworded.jsonl``,
    each line marked with its set and part), worded away from the paragraph that answers them,
    and on-topic questions the set cannot answer: by (language, answerable), positives named as
    the evaluation index's files are."""
    out: dict[tuple[str, bool], list[GoldQuery]] = {}
    for n, line in enumerate(path.open(encoding="utf-8"), start=1):
        row = json.loads(line)
        if row["set"] != set_name or (part != "all" and row["part"] != part):
            continue
        gold = GoldQuery(
            n, row["question"], frozenset(SAFE.sub("_", p) for p in row["positive_ids"]),
            tuple(row["answers"]),
        )  # fmt: skip
        out.setdefault((row["language"], bool(row["answerable"])), []).append(gold)
    return out


def on_topic(eval_dir: Path, set_name: str, gold: Sequence[GoldQuery]) -> list[GoldQuery]:
    """The questions that become on-topic questions the index cannot answer when their own
    paragraphs are left out of it (``GoldQuery.positive_ids``, named as the index's files): those
    whose paragraphs have siblings — other paragraphs of the same article, by the corpus's
    titles — that stay, none of which holds any of the question's answers. Asked so, a question
    finds passages on its topic that do not say what it asks, as a user's question does when
    the documents speak of the matter but not of that (SQuAD 2.0 builds such questions by hand;
    these are built by leaving the answer out)."""
    articles: dict[str, list[str]] = {}
    title_of: dict[str, str] = {}
    text_of: dict[str, str] = {}
    with (eval_dir / set_name / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            key = SAFE.sub("_", row["id"])
            title_of[key], text_of[key] = row.get("title", ""), row["text"]
            if row.get("title"):
                articles.setdefault(row["title"], []).append(key)
    out = []
    for g in gold:
        titles = {title_of[p] for p in g.positive_ids if title_of.get(p)}
        siblings = [k for t in titles for k in articles[t] if k not in g.positive_ids]
        if not siblings or not g.answers:
            continue
        if any(a in text_of[k] for k in siblings for a in g.answers if a.strip()):
            continue
        out.append(g)
    return out


def corpus_files(eval_dir: Path, name: str, folder: Path) -> Path:
    """Write each corpus entry of a set as a text file named by its id (once), for indexing."""
    folder.mkdir(parents=True, exist_ok=True)
    with (eval_dir / name / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            path = folder / f"{SAFE.sub('_', row['id'])}.txt"
            if not path.exists():
                path.write_text(row["text"], encoding="utf-8")
    return folder
