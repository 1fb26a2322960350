"""The stable JSON shapes of hits, citations and answers, shared by the CLI, batch and HTTP."""

from __future__ import annotations

from typing import Any

from qa.answer import Answer
from qa.cite import Citation, SearchResult
from qa.service import QAService


def citation_dict(c: Citation) -> dict[str, Any]:
    return {
        "n": c.n,
        "text": c.text,
        "doc_id": c.doc_id,
        "title": c.title,
        "source": c.source,
        "section": c.section,
        "page": c.page,
        "char_start": c.char_start,
        "char_end": c.char_end,
        "highlight": list(c.highlight) if c.highlight else None,
        "score": round(c.score, 6),
        "signals": {
            name: {"rank": s.rank, "score": round(s.score, 6), "z": round(s.z, 6)}
            for name, s in c.signals.items()
        },
        "chunk_ids": list(c.chunk_ids),
        "reader": None if c.reader is None else round(c.reader, 6),
        "also_in": [
            {
                "doc_id": e.doc_id,
                "source": e.source,
                "char_start": e.char_start,
                "char_end": e.char_end,
            }
            for e in c.also_in
        ],  # fmt: skip
        "roles": [{"start": a, "end": b, "role": role} for a, b, role in c.roles],
        "for_ask": c.for_ask,
        "second_stage": (
            None
            if c.rescored is None
            else {
                "logit": round(c.rescored.logit, 6),
                "features": {k: round(v, 6) for k, v in c.rescored.features.items()},
                "contributions": {k: round(v, 6) for k, v in c.rescored.contributions.items()},
            }
        ),
    }


def search_dict(result: SearchResult) -> dict[str, Any]:
    return {
        "question": result.asked,
        "searched": result.query.text,
        "language": result.query.language,
        "question_type": result.query.kind,
        "hits": [citation_dict(c) for c in result.citations],
    }


def documents_dict(service: QAService, collection: str, collections: list[str]) -> dict[str, Any]:
    """The documents of ``service``'s index, the collection it is, and all collections."""
    docs = [
        {"id": d.id, "title": d.title, "chunks": d.n_chunks, "source": d.shown}
        for d in service.snapshot.store.documents(with_text=False)
    ]
    return {
        "count": len(docs), "documents": docs, "collection": collection,
        "collections": collections,
    }  # fmt: skip


def answer_dict(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "searched": answer.searched,
        "answer": answer.text,
        "abstained": answer.abstained,
        "confidence": round(answer.confidence, 6),
        "evidence": round(answer.evidence, 6),
        "language": answer.language,
        "question_type": answer.question_type,
        "citations": [citation_dict(c) for c in answer.citations],
    }
