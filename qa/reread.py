"""The best few answer sentences of each thing a question asks (``qa/asks.py``), read again by
the dense model, which puts them in its own order.

The fitted sentence scorer (``qa/sentences.py``) reads mostly what a sentence shares with the
question. A resident's question is worded away from the notice it is about
("学校能帮忙看到那么晚吗？" of "…提供延时托管服务，结束时间一般不晚于18:30。"), and the sentences
that share its words are often the wrong ones. For each thing the question asks, the scorer's
best REREAD_DEPTH sentences are embedded by the retrieval model (e5, which reads meaning rather
than shared characters). Each one's log-odds is moved by how its similarity to the ask
(ASK_WEIGHT) and to the whole question (QUESTION_WEIGHT) stands among theirs, in standard
deviations, and the scorer's scores are dealt again in that order: the dense reading's first
takes the best score, its second the next, and so on. The answer quotes each ask's best and,
when it scores at least RUNNER_UP of it, its next (``qa/answer.py``); where the two readings
agree, nothing changes.

Measured on the notice sets whose answers had been read (siblings, round3 … round7; 211 asks of
95 questions of several asks, 186 notices indexed), the first of an ask's sentences held a gold
sentence for 99 asks by the scorer alone and 112 by the dense order at these weights (a few
more or less near them), 116 reading the best eight rather than five; multilingual USE's similarity in e5's place gave fewer, and adding the
reader's (``qa/reader.py``) logits of the ask and each sentence gave from 24 fewer to 2 more
over a grid of weights (it was fitted on passages, not sentences). Taking the dense first alone, in place of the scorer's, lost answers
the scorer had right ("买回来以后多少天内得去报？" read as any sentence with a number of days);
moving the whole question's best sentences moved a description's anchor off the heading its
block is read from. Over the ten sets after the first (308 description questions), the dealt
order gave 195 whole gold answers against 192 with the dense first put just under the
scorer's, and 271 with a gold sentence against 270; none was lost. Reading eight sentences of
each ask rather than five then gained 2 whole answers and 2 gold sentences on the read sets and
lost one gold sentence (w03-q2), for about 50 ms more per question (scripts/bench_asks.py).
Fourteen rather than eight, over the eleven sets then indexed (round8 read by then; round9 …
round11 by their counts): 4 more whole answers (3 of them on the sets read by counts only; two
lost, s01-q2 and r07-q2); twenty gave no more and lost two gold sentences.

Only a question of several asks is read again (none of the public sets' held-out questions is
one); it costs one embedding per sentence read, ~230 ms for two asks on these machines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from index.embedder import Embedder
from index.roles import FRAMING
from qa.cite import ScoredSentence
from qa.fusion import zscore

REREAD_DEPTH = 14  # the scorer's best sentences read again, for each ask
QUESTION_WEIGHT = 0.5  # log-odds per standard deviation of similarity to the whole question
ASK_WEIGHT = 1.0  # … and to the one thing asked
_EDGE = 1e-4  # probabilities are kept off 0 and 1 before their log-odds are taken


def reread(
    embedder: Embedder,
    question_vector: np.ndarray,
    asks: Sequence[tuple[str, Sequence[ScoredSentence]]],
    *,
    top: int,
) -> list[list[ScoredSentence]]:
    """Each ask's scored sentences (``(ask, scored)``), the best REREAD_DEPTH of the first
    ``top`` passages with their scores dealt again in the dense reading's order;
    ``question_vector`` is the whole question's vector from ``embedder`` (as retrieval made
    it)."""
    chosen = [_best(scored, top) for _, scored in asks]
    texts = list(dict.fromkeys(s.text for part in chosen for s in part))
    if not texts:
        return [list(scored) for _, scored in asks]
    vectors = dict(zip(texts, embedder.embed(texts, "passage"), strict=True))
    asked = embedder.embed([ask for ask, _ in asks], "query")
    out = []
    for (_, scored), best, vector in zip(asks, chosen, asked, strict=True):
        if len(best) < 2:
            out.append(list(scored))
            continue
        read = np.array([vectors[s.text] for s in best], dtype=np.float32)
        moved = (
            _log_odds(np.array([s.score for s in best]))
            + ASK_WEIGHT * zscore(read @ vector)
            + QUESTION_WEIGHT * zscore(read @ question_vector)
        )
        dealt = {
            id(best[i]): best[r].score for r, i in enumerate(np.argsort(-moved, kind="stable"))
        }
        out.append([
            replace(s, score=dealt[id(s)]) if id(s) in dealt and dealt[id(s)] != s.score else s
            for s in scored
        ])  # fmt: skip
    return out


def _best(scored: Sequence[ScoredSentence], top: int) -> list[ScoredSentence]:
    """The scorer's best REREAD_DEPTH sentences that may be quoted, best first: of the first
    ``top`` passages, with text, not framing (a title, dateline or preamble is not read)."""
    pool = [s for s in scored if s.citation <= top and s.text.strip() and s.role not in FRAMING]
    return sorted(pool, key=lambda s: -s.score)[:REREAD_DEPTH]


def _log_odds(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EDGE, 1 - _EDGE)
    return np.log(p / (1 - p))
