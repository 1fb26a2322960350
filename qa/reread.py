"""The best few answer sentences of each thing a question asks (``qa/asks.py``), read again by
the dense model, which gives each ask a second choice.

The fitted sentence scorer (``qa/sentences.py``) reads mostly what a sentence shares with the
question. A resident's question is worded away from the notice it is about
("学校能帮忙看到那么晚吗？" of "…提供延时托管服务，结束时间一般不晚于18:30。"), and the sentences
that share its words are often the wrong ones. For each thing the question asks, the scorer's
best REREAD_DEPTH sentences are embedded by the retrieval model (e5, which reads meaning rather
than shared characters). Each one's log-odds is moved by how its similarity to the ask
(ASK_WEIGHT) and to the whole question (QUESTION_WEIGHT) stands among theirs, in standard
deviations. The one that comes first is the dense reading's choice. When it is not the
scorer's own best, it is scored just under that best, so the answer quotes both for the ask:
the scorer's choice, then the dense reading's, in place of the scorer's runner-up
(``qa/answer.py``, RUNNER_UP).

Measured on the notice sets whose answers had been read (siblings, round3 … round7; 181 asks
of 81 description questions, 154 notices indexed), each ask's first sentence held a gold
sentence for 80 asks by the scorer alone and 99–101 by the reading at these weights and near
them; multilingual USE's similarity in its place gave 71–89. The reading's choice replaces
nothing: taking it instead of the scorer's choice lost answers the scorer had right ("买回来
以后多少天内得去报？" read as any sentence with a number of days), and moving the whole
question's best sentences moved a description's anchor off the heading its block is read from.
As a second choice, over all nine sets: 4 more of 252 description answers hold the whole gold
answer, and none is lost.

Only a question of several asks is read again (none of the public sets' held-out questions is
one); it costs one embedding per sentence read, ~150 ms for two asks on these machines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from index.embedder import Embedder
from index.roles import FRAMING
from qa.cite import ScoredSentence
from qa.fusion import zscore

REREAD_DEPTH = 5  # the scorer's best sentences read again, for each ask
QUESTION_WEIGHT = 0.5  # log-odds per standard deviation of similarity to the whole question
ASK_WEIGHT = 1.0  # … and to the one thing asked
JUST_UNDER = 0.999  # the dense choice's score, as a share of the scorer's best
_EDGE = 1e-4  # probabilities are kept off 0 and 1 before their log-odds are taken


def reread(
    embedder: Embedder,
    question_vector: np.ndarray,
    asks: Sequence[tuple[str, Sequence[ScoredSentence]]],
    *,
    top: int,
) -> list[list[ScoredSentence]]:
    """Each ask's scored sentences (``(ask, scored)``), with the dense reading's choice among
    the best REREAD_DEPTH of the first ``top`` passages scored just under the scorer's best
    when it is another sentence; ``question_vector`` is the whole question's vector from
    ``embedder`` (as retrieval made it)."""
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
        pick = best[int(np.argmax(moved))]
        under = JUST_UNDER * best[0].score
        out.append([
            replace(s, score=under) if s is pick and s.score < under else s for s in scored
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
