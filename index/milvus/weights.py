"""Keeping the BM25 weights of an index held in Milvus in step with its average length.

A passage's sparse vector is weighed by the collection's average length (index/sparse.py).
Every passage of one run of writes is weighed by the same average, ``weighed_at`` in the meta
state (a new index's first batch sets it, ``MilvusStore._apply``); when a writer has written
all it had to, ``settle`` weighs every passage again if the collection's average has since
moved more than ``sparse.DRIFT``, so the index scores as bm25s does the same collection.
"""

from __future__ import annotations

from index.milvus.store import MilvusStore
from index.sparse import drifted, passage_vector, term_counts

BATCH = 256  # passages read and written back at a time


def settle(store: MilvusStore) -> None:
    """Weigh every passage again by the collection's average length if the average its
    passages were weighed by has drifted, or is not known (an index written before it was
    kept). Stopped part way, some passages are weighed by either average, and the next
    writer's ``settle`` weighs them all again."""
    state, freqs = store.state()
    weighed = state.get("weighed_at")
    average = freqs.average_length
    if not freqs.passages or (weighed and not drifted(float(weighed), average)):
        return
    db = store.db
    with db.errors():
        ids = [int(r["row_id"]) for r in db.query("chunks", "", ["row_id"])]
        for i in range(0, len(ids), BATCH):
            rows = db.query_in("chunks", "row_id", ids[i : i + BATCH], ["*"])
            for row in rows:
                row["sparse"] = passage_vector(term_counts(row["search_text"]), average)
            db.client.upsert(db.collection("chunks"), rows)
        state["weighed_at"] = average
        state["generation"] = int(state.get("generation", 0)) + 1
        store.put_state(state, freqs)
