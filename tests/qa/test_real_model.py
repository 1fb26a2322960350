"""End to end with the real models on the sample corpus (marked: they load e5 and USE)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.embedder import UseEmbedder, load_embedder
from index.pipeline import ingest
from qa.answer import NO_ANSWER
from qa.service import QAService

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
COAL_DOCS = {"000", "002"}  # the Hebi reports: "from one dominant coal industry to many"

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def sample_service(tmp_path_factory: pytest.TempPathFactory) -> QAService:
    folder = tmp_path_factory.mktemp("sample") / "index"
    report = ingest([SAMPLE], folder, load_embedder(), cross=UseEmbedder())
    assert report.added == 5 and not report.skipped
    return QAService.open(folder)


@pytest.mark.parametrize(
    "question",
    [
        "how did cities cut coal dependence?",
        "煤炭产业占工业比重下降到多少",
        "煤炭產業佔工業比重下降到多少",
    ],
)
def test_coal_question_finds_the_coal_passage_in_any_language(
    sample_service: QAService, question: str
) -> None:
    answer = sample_service.ask(question, 5)
    sources = [Path(c.source).name[:3] for c in answer.citations[:3]]
    assert COAL_DOCS & set(sources), sources
    assert not answer.abstained
    assert "[1]" in answer.text or "[2]" in answer.text or "[3]" in answer.text


def test_quotes_follow_the_question_script(sample_service: QAService) -> None:
    traditional = sample_service.search("煤炭產業佔工業比重下降到多少", 3).citations
    simplified = sample_service.search("煤炭产业占工业比重下降到多少", 3).citations
    # the Traditional copy writes 占, OpenCC's Traditional of the Simplified copy 佔: the two
    # copies are one citation, whichever is cited first
    hits = ("煤炭產業占工業比重下降到6.1%", "煤炭產業佔工業比重下降到6.1%")
    assert any(h in c.text for c in traditional for h in hits), [c.text[:40] for c in traditional]
    assert any("煤炭产业占工业比重下降到6.1%" in c.text for c in simplified)


COAL_SHARE = ("6.1%",)  # the coal-share passage: coal's share of industry down to 6.1% in 2021


# Known gaps of the fitted models, kept as strict expected failures so that a fix shows up: a
# paraphrasing "how" question about the government reports finds the coal-share passage first
# in both scripts, well ahead of the next (the confidence's margin feature), but gets a
# confidence of 0.05 against a threshold of 0.09: it shares few words with the passage, and the
# reader, though now trained with passages cut of their answer as negatives, does not read this
# passage as its answer either (logit -7.8, the next passage's -7.7). The English one is
# answered (0.09 against 0.019) from the reform and clean-heating passages ("煤城变美城"),
# which rank first; the coal-share passage is not among the first three.
_KNOWN_GAP = pytest.mark.xfail(strict=True, reason="see the comment above")


@pytest.mark.parametrize(
    "question",
    [
        pytest.param("煤炭依赖是怎么降下来的", marks=_KNOWN_GAP),
        pytest.param("煤炭依賴是怎麼降下來的", marks=_KNOWN_GAP),
        pytest.param("How did cities cut coal dependence?", marks=_KNOWN_GAP),
    ],
)
def test_the_coal_dependence_question_is_answered_from_the_coal_share_passage(
    sample_service: QAService, question: str
) -> None:
    answer = sample_service.ask(question, 5)
    assert not answer.abstained, (answer.confidence, answer.text)
    first = answer.citations[0].text
    assert any(mark in first or mark in answer.text for mark in COAL_SHARE), (first, answer.text)
    assert 0.0 <= answer.confidence <= 1.0


@pytest.mark.parametrize(
    "question",
    [
        # English abstention is weak (its threshold is 0.019): this one's confidence is 0.011
        "How do I bake croissants?",
        "上海迪士尼乐园的门票多少钱？",
        "怎样烤制法式可颂面包",
    ],
)
def test_questions_the_documents_cannot_answer_abstain(
    sample_service: QAService, question: str
) -> None:
    answer = sample_service.ask(question, 3)
    assert answer.abstained, (answer.confidence, answer.text)
    assert answer.text in NO_ANSWER.values()
    assert answer.citations  # the closest passages are still shown


@pytest.mark.parametrize(
    ("history", "question", "doc", "holds"),
    [
        ("长治的煤炭先进产能占比是多少？", "那晋城呢？", "004", "97%"),
        ("晉城的森林覆蓋率是多少？", "那焦作呢？", "003", "30.9%"),
        ("What share of Changzhi's coal capacity is advanced?", "What about Jincheng?", "004",
         "97%"),
    ],
)  # fmt: skip
def test_an_elliptical_follow_up_is_answered_from_the_right_passage(
    sample_service: QAService, history: str, question: str, doc: str, holds: str
) -> None:
    alone = sample_service.ask(question, 5)
    assert not any(holds in c.text for c in alone.citations[:1])  # alone it misses
    answer = sample_service.ask(question, 5, history=[history])
    first = answer.citations[0]
    assert Path(first.source).name.startswith(doc), (answer.searched, first.text[:60])
    assert holds in first.text
    assert answer.question == question and answer.searched != question


HEBI = ("000", "002")  # the Hebi report in Simplified and in Traditional script


def _shared_stretch(a: str, b: str) -> float:
    """The longest stretch two passages share, as a share of the shorter (search forms)."""
    from difflib import SequenceMatcher

    from index.normalise import search_form

    fa, fb = ("".join(search_form(t).split()) for t in (a, b))
    match = SequenceMatcher(None, fa, fb, autojunk=False).find_longest_match()
    return match.size / min(len(fa), len(fb))


@pytest.mark.parametrize(
    "question",
    [
        "煤炭产业占工业比重下降到多少",
        "鹤壁市如何推动老工业基地调整改造",
        "How did cities cut coal dependence?",
        "清潔取暖試點怎麼推進的",
    ],
)
def test_one_passage_of_the_hebi_report_is_cited_once(
    sample_service: QAService, question: str
) -> None:
    citations = sample_service.search(question, 5).citations
    for i, a in enumerate(citations):
        for b in citations[i + 1 :]:
            if {Path(a.source).name[:3], Path(b.source).name[:3]} == set(HEBI):
                assert _shared_stretch(a.text, b.text) < 0.5, (a.text[:40], b.text[:40])
    # a copy folded into a citation is named in it
    assert all(Path(e.source).name[:3] in HEBI for c in citations for e in c.also_in)


def test_the_other_copy_of_the_coal_share_passage_is_named_not_cited(
    sample_service: QAService,
) -> None:
    citations = sample_service.search("煤炭产业占工业比重下降到多少", 5).citations
    (holder,) = [c for c in citations if "6.1%" in c.text]
    (copy,) = holder.also_in
    assert {Path(holder.source).name[:3], Path(copy.source).name[:3]} == set(HEBI)
