"""Does a question find the same passages whatever script it is written in? On the sample
reports (Simplified and Traditional), each Chinese question of data/sample-questions.jsonl is
asked as written, all in Traditional and all in Simplified; dense (e5) retrieval is scored with
the question as asked and matched to each passage's script (qa/retrieve.py), and the whole
default ranking as served.

    python scripts/eval_scripts.py

Nothing here is fitted, so every question counts. Writes ``results/scripts.md`` and ``.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.embedder import UseEmbedder, load_embedder  # noqa: E402
from index.folder import open_snapshot  # noqa: E402
from index.normalise import to_simplified, to_traditional  # noqa: E402
from index.pipeline import ingest  # noqa: E402
from qa.fitting.evalsets import Layout  # noqa: E402
from qa.query import parse_query  # noqa: E402
from qa.service import QAService  # noqa: E402

PATHS = Layout(ROOT)
FORMS = {
    "as written": lambda q: q,
    "in Traditional": to_traditional,
    "in Simplified": to_simplified,
}


def main() -> None:
    embedder, use = load_embedder(), UseEmbedder()
    folder = PATHS.index("sample")
    ingest([PATHS.documents("sample")], folder, embedder, cross=use)
    service = QAService(open_snapshot(folder), embedder, use, use)
    snapshot = service.snapshot
    chunks = snapshot.store.chunks(snapshot.vectors.row_ids.tolist())
    sources = {d.id: Path(d.source).stem for d in snapshot.store.documents()}
    doc_of = np.array([sources[c.chunk.doc_id] for c in chunks])
    rows = [json.loads(line) for line in PATHS.sample_questions.open(encoding="utf-8")]
    rows = [r for r in rows if r["answerable"] and r["lang"] == "zh"]
    gold = [set(r["positive_ids"]) for r in rows]

    results: dict[str, dict[str, float]] = {}
    for form, convert in FORMS.items():
        queries = [parse_query(convert(r["question"])) for r in rows]
        asked = embedder.embed([q.text for q in queries], "query") @ _matrix(snapshot).T
        matched = np.stack([s.scores["dense"] for s in service.retriever.signals(queries)])
        served = [
            [Path(c.source).stem for c in service.search(q.text, 3).citations] for q in queries
        ]
        results[form] = {
            "dense as asked R@1": _recall(asked, doc_of, gold, 1),
            "dense as asked R@3": _recall(asked, doc_of, gold, 3),
            "dense matched R@1": _recall(matched, doc_of, gold, 1),
            "dense matched R@3": _recall(matched, doc_of, gold, 3),
            "served R@1": float(np.mean([s[0] in g for s, g in zip(served, gold, strict=True)])),
        }
        print(form, results[form], flush=True)
    service.close()

    out = ROOT / "results" / "scripts.md"
    out.with_suffix(".json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    columns = list(next(iter(results.values())))
    lines = [
        "# Questions in either script",
        "",
        f"{len(rows)} Chinese questions of data/sample-questions.jsonl (both parts: nothing is "
        "fitted) over the sample reports, whose passages are in both scripts. R@k over "
        'documents. "matched": the question meets each passage in that passage\'s script; '
        '"served": the whole default ranking (first stage with matching, then the second stage).',
        "",
        "| questions | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    lines += [
        f"| {form} | " + " | ".join(f"{v:.3f}" for v in r.values()) + " |"
        for form, r in results.items()
    ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def _matrix(snapshot) -> np.ndarray:  # type: ignore[no-untyped-def]
    _, matrix = snapshot.store.all_vectors(snapshot.manifest.dimension)
    return matrix


def _recall(scores: np.ndarray, doc_of: np.ndarray, gold: list[set[str]], k: int) -> float:
    top = np.argsort(-scores, axis=1)[:, :k]
    return float(np.mean([bool(set(doc_of[t]) & g) for t, g in zip(top, gold, strict=True)]))


if __name__ == "__main__":
    main()
