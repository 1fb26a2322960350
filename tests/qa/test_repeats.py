from __future__ import annotations

from qa.cite import Citation, Elsewhere, ScoredSentence
from qa.repeats import fold_repeats, same_text, trigrams


def citation(n: int, text: str, doc: str, start: int = 0) -> Citation:
    return Citation(
        n=n, doc_id=doc, title="", source=f"{doc}.txt", section=None, page=None,
        char_start=start, char_end=start + len(text), text=text, highlight=None, score=-n,
    )  # fmt: skip


SIMPLIFIED = "2021年煤炭产业占工业比重下降到6.1%，由“一煤独大”转向多业支撑。"
TRADITIONAL = (
    "近年來，鶴壁市堅持新發展理念。2021年煤炭產業占工業比重下降到6.1%，由“一煤獨大”轉向多業支撐。"
)


def test_the_other_scripts_copy_folds_into_the_first_citation() -> None:
    citations = [
        citation(1, SIMPLIFIED, "simp", 10),
        citation(2, "城市绿地率达到百分之四十，新建公园十二处。", "green"),
        citation(3, TRADITIONAL, "trad", 427),
    ]
    sentences = [
        ScoredSentence(1, "a", 0.9),
        ScoredSentence(2, "b", 0.5),
        ScoredSentence(3, "c", 0.4),
    ]
    folded, kept = fold_repeats(citations, sentences)
    assert [(c.n, c.doc_id) for c in folded] == [(1, "simp"), (2, "green")]
    assert folded[0].also_in == (Elsewhere("trad", "trad.txt", 427, 427 + len(TRADITIONAL)),)
    assert folded[1].also_in == ()
    assert [(s.citation, s.text) for s in kept] == [(1, "a"), (2, "b")]


def test_a_repeat_further_down_renumbers_the_rest() -> None:
    citations = [
        citation(1, TRADITIONAL, "trad"),
        citation(2, SIMPLIFIED, "simp"),
        citation(3, "城市绿地率达到百分之四十，新建公园十二处。", "green"),
    ]
    folded, kept = fold_repeats(citations, [ScoredSentence(3, "g", 0.2)])
    assert [(c.n, c.doc_id) for c in folded] == [(1, "trad"), (2, "green")]
    assert [s.citation for s in kept] == [2]


def test_passages_that_only_share_a_phrase_stay_apart() -> None:
    a = trigrams("2021年煤炭产业占工业比重下降到6.1%。")
    b = trigrams("2021年煤炭产业增加值增长了8.5%，高于全省平均水平。")
    assert not same_text(a, b)
    citations = [
        citation(1, "2021年煤炭产业占工业比重下降到6.1%。", "a"),
        citation(2, "2021年煤炭产业增加值增长了8.5%，高于全省平均水平。", "b"),
    ]
    assert fold_repeats(citations, []) == (citations, [])
