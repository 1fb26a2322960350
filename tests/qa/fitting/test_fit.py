from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qa.evaluate import GoldQuery
from qa.fitting import fit, fit_answer, fit_reading, learning
from qa.service import QAService


def test_threshold_answers_the_share_of_every_index() -> None:
    def asked(source: str, answerable: bool) -> fit_answer.Answered:
        gold = GoldQuery(1, "q", frozenset(), ())
        return fit_answer.Answered(fit.Asked(gold, None, answerable, source), [], [])  # type: ignore[arg-type]

    items = [asked("big", True)] * 100 + [asked("small", True)] * 10 + [asked("big", False)] * 5
    probs = np.r_[np.linspace(0.5, 1.0, 100), np.linspace(0.2, 0.9, 10), np.zeros(5)]
    at = fit_answer.threshold_for(items, probs, 0.9)
    small = probs[100:110]
    assert np.mean(small >= at) >= 0.9  # the harder index still gets its share answered
    assert at <= np.quantile(probs[:100], 0.1)


def test_written_questions_weigh_as_a_group_and_leave_the_threshold_to_the_public_sets() -> None:
    def asked(source: str, answerable: bool, written: bool) -> fit_answer.Answered:
        gold = GoldQuery(1, "q", frozenset(), ())
        item = fit.Asked(gold, None, answerable, source, written)  # type: ignore[arg-type]
        return fit_answer.Answered(item, [], [])

    items = [asked("drcd", True, False)] * 50 + [asked("drcd", True, True)] * 5
    probs = np.r_[np.linspace(0.5, 1.0, 50), np.full(5, 0.01)]
    # the written questions' low confidences do not drag the threshold down to them
    assert fit_answer.threshold_for(items, probs, 0.9) == pytest.approx(
        np.quantile(probs[:50], 0.1)
    )
    assert {a.asked.group for a in items} == {"drcd", "written"}
    weights = learning.balanced_weights([(a.asked.group, a.asked.answerable) for a in items])
    assert weights[:50].sum() == pytest.approx(weights[50:].sum())


def sentence_examples(n: int, seed: int = 0) -> learning.Examples:
    """Questions of 6 sentences whose answer is the one with features a and b both middling,
    beside one decoy high in a only and one high in b only: no weighted sum of a and b puts
    the answer above both decoys, so only trees can find it."""
    rng = np.random.default_rng(seed)
    out = learning.Examples()
    for _ in range(n):
        rows = rng.random((6, len(fit_answer.SENTENCE_FEATURES))).astype(np.float32)
        rows[:, :2] *= 0.3
        answer, only_a, only_b = rng.permutation(6)[:3]
        rows[answer, :2] = (0.5, 0.5)
        rows[only_a, :2] = (1.0, 0.0)
        rows[only_b, :2] = (0.0, 1.0)
        labels = np.zeros(6, np.int8)
        labels[answer] = 1
        out.add(rows, labels)
    return out


def test_sentence_scorer_takes_trees_when_they_rank_better_and_calibrates_them() -> None:
    examples = sentence_examples(400)
    chosen = fit_answer.choose_sentence_model(examples)
    assert chosen.rates["trees_cv"] > chosen.rates["linear_cv"]
    assert isinstance(chosen.model, fit_answer.CalibratedModel)
    assert chosen.kind == "trees"
    assert len(chosen.held_out) == len(examples.rows)
    held = np.concatenate(chosen.held_out)
    assert ((held > 0) & (held < 1)).all()
    assert learning.top1_of(examples, chosen.held_out) == pytest.approx(chosen.rates["trees_cv"])
    # calibrated: on new questions the mean probability is near the share of answer sentences
    fresh = sentence_examples(100, seed=1)
    probs = chosen.model.probabilities(np.vstack(fresh.rows))
    assert probs.mean() == pytest.approx(1 / 6, abs=0.05)


def test_sentence_scorer_stays_logistic_when_trees_rank_no_better() -> None:
    rng = np.random.default_rng(0)
    examples = learning.Examples()
    for _ in range(200):  # the answer is simply the sentence highest in a: both kinds find it
        rows = rng.random((6, len(fit_answer.SENTENCE_FEATURES))).astype(np.float32) * 0.5
        rows[0, 0] = 0.9
        examples.add(rows, np.array([1, 0, 0, 0, 0, 0], np.int8))
    chosen = fit_answer.choose_sentence_model(examples)
    assert chosen.rates["linear_cv"] == chosen.rates["trees_cv"] == 1.0
    assert isinstance(chosen.model, fit.LinearModel)
    assert chosen.kind == "linear"
    assert learning.top1_of(examples, chosen.held_out) == 1.0


def _answered(source: str, docs: list[str], scores: list[float], best: list[float], gold: str):  # type: ignore[no-untyped-def]
    from tests.qa.test_reorder import citation, sentence

    g = GoldQuery(1, "q", frozenset({gold}), ())
    citations = [citation(i + 1, s, d) for i, (d, s) in enumerate(zip(docs, scores, strict=True))]
    sentences = [sentence(i + 1, p) for i, p in enumerate(best)]
    return fit_answer.Answered(fit.Asked(g, None, True, source), citations, sentences)  # type: ignore[arg-type]


def test_the_sentence_weight_is_the_one_that_puts_gold_first_most_often() -> None:
    keys = {"s": {"a": "a", "b": "b"}}
    # the second stage is right on 2 questions; the sentences, given weight, fix 3 others
    right = [_answered("s", ["a", "b"], [2.0, 1.0], [0.6, 0.4], "a")] * 2
    fixed = [_answered("s", ["b", "a"], [1.2, 1.0], [0.2, 0.9], "a")] * 3
    weight, rates = fit_answer.choose_sentence_weight(right + fixed, keys)
    assert rates["0.0"] == pytest.approx(2 / 5)
    assert weight > 0 and rates[str(weight)] == pytest.approx(1.0)
    # the smallest weight that does it: at 0.25 the 0.2 gap is not yet closed
    assert weight == min(w for w in fit_answer.SENTENCE_WEIGHTS if rates[str(w)] == 1.0)
    fit_answer.reorder_all(fixed, weight)
    assert [c.doc_id for c in fixed[0].citations] == ["a", "b"]


def test_sentences_that_mislead_keep_the_second_stages_order() -> None:
    keys = {"s": {"a": "a", "b": "b"}}
    items = [_answered("s", ["a", "b"], [1.0, 0.8], [0.3, 0.9], "a")] * 4
    assert fit_answer.choose_sentence_weight(items, keys)[0] == 0.0


def test_answerable_questions_keep_the_fold_of_their_ranker_examples() -> None:
    gold = GoldQuery(1, "q", frozenset(), ())
    asked = [fit.Asked(gold, None, i % 3 != 2, "s") for i in range(30)]  # type: ignore[arg-type]
    folds = fit_answer.folds_of(asked)
    answerable = [f for f, a in zip(folds, asked, strict=True) if a.answerable]
    assert answerable == learning.fold_numbers(len(answerable)).tolist()
    assert set(folds) == set(range(learning.FOLDS))


def test_each_question_is_answered_by_the_services_of_its_fold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked = [
        fit.Asked(GoldQuery(i, f"q{i}", frozenset(), ()), None, True, src)  # type: ignore[arg-type]
        for i, src in enumerate(("x", "y", "x", "y"))
    ]

    class Tagged:  # a service known by its name
        def __init__(self, name: str) -> None:
            self.name = name

    seen: list[tuple[str, int]] = []

    def answer_all(service: Tagged, items: list[fit.Asked]) -> list[fit_answer.Answered]:
        seen.extend((service.name, a.gold.line) for a in items)
        return [fit_answer.Answered(a, [], []) for a in items]

    monkeypatch.setattr(fit_answer, "answer_all", answer_all)
    services = [{s: Tagged(f"{s}{f}") for s in ("x", "y")} for f in range(2)]
    out = fit_answer.answer_cross_fitted(services, asked, [0, 0, 1, 1])  # type: ignore[arg-type]
    assert [a.asked for a in out] == asked
    assert sorted(seen) == [("x0", 0), ("x1", 2), ("y0", 1), ("y1", 3)]


def test_fewer_fitting_questions_answer_a_larger_share() -> None:
    few, many = fit_answer.answered_share(0.98, 600), fit_answer.answered_share(0.98, 6000)
    assert 0.98 < many < few < 1.0
    assert few == pytest.approx(0.98 + 2 * (0.98 * 0.02 / 600) ** 0.5)
    assert fit_answer.answered_share(0.999, 1) == 1.0


def _read(source: str, answerable: bool, top: float, logits: list[float], doc: str = "g"):
    """An answered question whose passages (documents d0, d1, …) the reader read."""
    from qa.cite import Citation

    gold = GoldQuery(1, "q", frozenset([doc]), ())
    citations = [
        Citation(
            n=i + 1,
            doc_id=f"d{i}",
            title="",
            source="",
            section=None,
            page=None,
            char_start=0,
            char_end=1,
            text="",
            highlight=None,
            score=top - i,
            reader=x,
        )  # fmt: skip
        for i, x in enumerate(logits)
    ]
    return fit_answer.Answered(fit.Asked(gold, None, answerable, source), citations, [])  # type: ignore[arg-type]


def test_the_gate_leaves_unread_only_what_the_reader_would_not_change() -> None:
    keys = {"s": {"d0": "other", "d1": "g"}}
    # answerable questions: the sure ones (top 10) are right first; the unsure ones (top 1)
    # need the reader to put d1 first; the unanswerable ones score from 0 to 2
    sure = [_read("s", True, 10.0, [0.0, 0.0], doc="other") for _ in range(20)]
    unsure = [_read("s", True, 1.0, [-5.0, 5.0]) for _ in range(20)]
    others = [_read("s", False, t, [0.0, 0.0]) for t in np.linspace(0.0, 2.0, 101)]
    items = sure + unsure + others
    gate, rates = fit_reading.choose_gate(items, keys, 1.0)
    assert gate == pytest.approx(np.quantile(np.linspace(0.0, 2.0, 101), 0.99) + 1e-6)
    assert rates["0.99"]["unread_answerable"] == 0.5 and rates["0.99"]["top-1"] == 1.0
    fit_reading.gate_all(items, gate)
    assert all(c.reader is None for a in items[:20] for c in a.citations)
    assert all(c.reader is not None for a in items[20:40] for c in a.citations)
    # a gate that loses top-1 is refused: here only reading the sure ones gets them right
    wrong = [_read("s", True, 10.0, [-5.0, 5.0]) for _ in range(20)]
    gate, _ = fit_reading.choose_gate(wrong + others, keys, 1.0)
    assert gate == float("inf")


def test_on_topic_questions_do_not_set_the_gate_but_are_counted() -> None:
    keys = {"s": {"d0": "other", "d1": "g"}}
    sure = [_read("s", True, 10.0, [0.0, 0.0], doc="other") for _ in range(20)]
    others = [_read("s", False, t, [0.0, 0.0]) for t in np.linspace(0.0, 2.0, 101)]
    # asked without their paragraph, their sibling scores as high as the sure answers
    on_topic = []
    for _ in range(20):
        item = _read("s", False, 10.0, [0.0, 0.0])
        item.asked = replace(item.asked, withheld=frozenset({"g"}))
        on_topic.append(item)
    gate, rates = fit_reading.choose_gate(sure + others + on_topic, keys, 1.0)
    assert gate == pytest.approx(np.quantile(np.linspace(0.0, 2.0, 101), 0.99) + 1e-6)
    assert rates["0.99"]["unread_on_topic"] == 1.0
    assert rates["0.99"]["unread_answerable"] == 1.0  # of the answerable ones only


def test_what_the_reader_did_not_read_takes_the_mean_of_what_it_read() -> None:
    x = np.array([[1.0, np.nan, np.nan], [2.0, 4.0, np.nan], [3.0, 8.0, np.nan]])
    assert fit_answer._fill_unread(x).tolist() == [
        [1.0, 6.0, 0.0],
        [2.0, 4.0, 0.0],
        [3.0, 8.0, 0.0],
    ]


def test_the_reader_reads_only_as_deep_as_changes_what_comes_first() -> None:
    keys = {"s": {f"d{i}": f"k{i}" for i in range(5)}}
    # the gold passage stands second: reading two passages finds it, reading more adds nothing
    second = [_read("s", True, 1.0, [-5.0, 5.0, 0.0, 0.0, 0.0], doc="k1") for _ in range(20)]
    depth, rates = fit_reading.choose_depth(second, keys, 1.0)
    assert depth == 2 and rates == {"2": 1.0, "3": 1.0, "5": 1.0}
    # some gold passages stand fourth: only reading five puts them first
    fourth = [_read("s", True, 1.0, [-5.0, -5.0, -5.0, 5.0, -5.0], doc="k3") for _ in range(5)]
    depth, rates = fit_reading.choose_depth(second + fourth, keys, 1.0)
    assert depth == 5 and rates["3"] == 0.8 and rates["5"] == 1.0
    fit_reading.read_to(fourth, 3)
    assert [c.reader for c in fourth[0].citations] == [-5.0, -5.0, -5.0, None, None]


def test_a_question_asked_without_its_documents_is_on_topic_and_never_cites_them(
    service: QAService,
) -> None:
    gold = GoldQuery(1, "煤炭产业占工业比重下降到多少", frozenset({"coal"}), ("6.1%",))
    (plain,) = fit.ask_all(service, [gold], answerable=True, source="tiny")
    (left_out,) = fit.ask_all(service, [gold], answerable=False, source="tiny", withheld=True)
    assert plain.group == "tiny" and not plain.withheld
    assert left_out.group == "on-topic" and left_out.withheld == {"coal"}
    assert not left_out.answerable
    keys = fit.doc_keys(service.snapshot.store)
    with_it, without = fit_answer.answer_all(service, [plain, left_out])
    assert keys[with_it.citations[0].doc_id] == "coal"
    assert without.citations and "coal" not in {keys[c.doc_id] for c in without.citations}
