"""Request and response bodies of the /v1 API. Inputs and outputs are separate models; the
outputs have exactly the shapes of qa/serialize.py, which the CLI prints with --json."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qa.query import MAX_QUESTION_CHARS
from qa.service import DEFAULT_K

VISIBLE = r"[^\s\x00-\x1f\x7f]"  # at least one character that is not a space or a control
Question = Field(
    min_length=1,
    max_length=MAX_QUESTION_CHARS,
    pattern=VISIBLE,
    description="in Chinese (Simplified or Traditional) or English, at most "
    "CITEQA_MAX_QUESTION_CHARS characters",
)
K = Field(
    DEFAULT_K,
    ge=1,
    description="how many passages, at most CITEQA_MAX_K (a larger k is told this server's limit)",
)

MAX_HISTORY_TURNS = 20
History: Any = Field(
    default_factory=list,
    max_length=MAX_HISTORY_TURNS,
    description="the conversation's earlier questions, oldest first: a follow-up such as "
    "那晋城呢？ is searched with the topic of the one before it (see `searched`); at most "
    f"{MAX_HISTORY_TURNS} questions holding at most CITEQA_MAX_HISTORY_CHARS characters "
    "all together",
)
CollectionField: Any = Field(
    None,
    max_length=64,
    description="the collection to read (GET /v1/collections); default if unset",
)
Searched: Any = Field(
    description="what was searched: the question, or a follow-up rewritten from `history`"
)

# -- errors -------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, for programs: e.g. invalid_input, missing_api_key")
    message: str = Field(description="for people: what is wrong and what to do")


class ErrorResponse(BaseModel):
    error: ErrorDetail

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": {
                        "code": "k_too_large",
                        "message": "k of 500 is over this server's limit of 20",
                    }
                }
            ]
        }
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": why}
    for status, why in (
        (400, "the body could not be read (not UTF-8, or not a form)"),
        (401, "an API key is needed, or the one given is not valid"),
        (404, "no collection of that name (GET /v1/collections)"),
        (413, "the request body is over this route's size limit"),
        (421, "a Host this server does not answer to (CITEQA_ALLOWED_HOSTS)"),
        (
            429,
            "over a limit of this caller's or the server's: requests a minute, jobs queued "
            "or running, embedding requests under way, bytes uploaded in an hour",
        ),
        (422, "the request is not valid, or over a limit (the message names the field)"),
    )
}

# -- inputs -------------------------------------------------------------------------------

_ZH = "煤炭依赖是怎么降下来的"
_EN = "How did the city cut its dependence on coal?"


class RequestBody(BaseModel):
    """Request bodies take values as they are: "5" is not a number, 1 is not true."""

    model_config = ConfigDict(strict=True, extra="forbid")


class SearchRequest(RequestBody):
    question: str = Question
    k: int = K
    history: list[str] = History
    collection: str | None = CollectionField
    doc_ids: list[str] | None = Field(
        None, max_length=1000, description="search only these documents (ids from /v1/documents)"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"question": _ZH, "k": 5}, {"question": _EN, "k": 3, "doc_ids": None}]
        },
    )


class AskRequest(RequestBody):
    question: str = Question
    k: int = K
    history: list[str] = History
    collection: str | None = CollectionField
    generate: bool | None = Field(
        None,
        description="write the answer with the configured LLM (default: when one is "
        "configured); false: the extractive answer",
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"question": _ZH}, {"question": _EN}]}
    )


class QuestionItem(RequestBody):
    id: str | None = Field(None, max_length=200, description="default: the position, from 1")
    question: str = Field(max_length=MAX_QUESTION_CHARS)


class BatchRequest(RequestBody):
    questions: list[str | QuestionItem] = Field(
        min_length=1,
        description="questions, or {id, question} objects; at most CITEQA_MAX_BATCH. A bad "
        "question (empty, too long, an id used before) gets its error in its place.",
    )
    k: int = K
    collection: str | None = CollectionField

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"questions": [_ZH, {"id": "q2", "question": _EN}], "k": 5}]
        },
    )


class JobRequest(BatchRequest):
    """A question list for a background job: at most CITEQA_MAX_JOB_QUESTIONS."""


# -- outputs ------------------------------------------------------------------------------


class SignalOut(BaseModel):
    rank: int = Field(description="1-based rank among all passages by this signal")
    score: float = Field(description="raw score: BM25, or cosine similarity")
    z: float = Field(description="standardised score, what the fusion adds up")


class SecondStageOut(BaseModel):
    logit: float
    features: dict[str, float]
    contributions: dict[str, float]


class ElsewhereOut(BaseModel):
    doc_id: str
    source: str
    char_start: int
    char_end: int


class RoleOut(BaseModel):
    start: int = Field(description="where the sentence starts in the citation's text")
    end: int
    role: str = Field(
        description="title, dateline (issuer, date, document number), addressee, preamble, "
        "heading, item, contact or closing"
    )


class CitationOut(BaseModel):
    n: int = Field(description="the number the answer's [n] markers use")
    text: str = Field(description="the passage, in the script of the question")
    doc_id: str
    title: str
    source: str
    section: str | None
    page: int | None
    char_start: int = Field(description="where the passage starts in the original document")
    char_end: int
    highlight: list[int] | None = Field(
        description="[start, end) of the best-matching sentence within text"
    )
    score: float = Field(
        description="what ranks passages: the second stage's logit, plus the best answer "
        "sentence's and the reader's parts where they count"
    )
    signals: dict[str, SignalOut]
    chunk_ids: list[str]
    second_stage: SecondStageOut | None = Field(
        default=None, description="the second stage's features and what each contributed"
    )
    also_in: list[ElsewhereOut] = Field(
        default_factory=list,
        description="where else the same text stands (another source, or the other script): "
        "folded into this citation",
    )
    reader: float | None = Field(
        default=None,
        description="the reader's logit that the passage answers the question, where it read "
        "it (the first passages, when the second stage is unsure)",
    )
    roles: list[RoleOut] = Field(
        default_factory=list,
        description="the sentences of text that are not body text, with what each is in its "
        "document: a notice's title, dateline, addressee, preamble, contact and closing are "
        "not quoted as an answer unless the question asks for them",
    )
    for_ask: str | None = Field(
        default=None,
        description="for a question that asks several things: the one ask this passage of the "
        "first document was searched for, so that its answer could be quoted",
    )


class SearchResponse(BaseModel):
    question: str
    searched: str = Searched
    language: str = Field(description="zh or en")
    question_type: str = Field(
        default="factoid",
        description="what kind of answer the question asks for: factoid, description (how, "
        "why, what measures), yes_no or list",
    )
    hits: list[CitationOut]


class AskResponse(BaseModel):
    question: str
    searched: str = Searched
    answer: str = Field(description="one to three sentences with [n] markers")
    abstained: bool = Field(
        description="true: the confidence is under the fitted threshold, and the answer says "
        "that nothing in the documents answers the question"
    )
    confidence: float = Field(
        ge=0, le=1, description="calibrated probability that the passages answer the question"
    )
    evidence: float = Field(description="the best passage's e5 cosine similarity")
    language: str
    question_type: str = Field(
        default="factoid",
        description="what kind of answer the question asks for: factoid, description (how, "
        "why, what measures), yes_no or list",
    )
    citations: list[CitationOut]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "question": _ZH,
                    "answer": "2021年煤炭产业占工业比重下降到6.1%。[1]",
                    "abstained": False,
                    "confidence": 0.97,
                    "evidence": 0.86,
                    "language": "zh",
                    "citations": [
                        {
                            "n": 1,
                            "text": "一是降低煤炭依赖。2021年煤炭产业占工业比重下降到6.1%。",
                            "doc_id": "3f2a9c0d4e5b6a71",
                            "title": "一、推动传统产业转型",
                            "source": "reports/coal.txt",
                            "section": "一、推动传统产业转型",
                            "page": None,
                            "char_start": 11,
                            "char_end": 43,
                            "highlight": [9, 32],
                            "score": 2.41,
                            "signals": {"dense": {"rank": 1, "score": 0.86, "z": 2.1}},
                            "chunk_ids": ["9b1c2d3e4f5a6b7c8d9e0f1a"],
                        }
                    ],
                }
            ]
        }
    )


class BatchRecord(BaseModel):
    """One question's result, as in a job's answers.jsonl and `citeqa batch` output."""

    id: str
    line: int = Field(description="position in the list, from 1")
    question: str
    answer: AskResponse | None = None
    error: str | None = Field(None, description="why this question was not answered")


class BatchResponse(BaseModel):
    results: list[BatchRecord]


class JobError(BaseModel):
    code: str
    message: str


class JobResponse(BaseModel):
    id: str
    kind: Literal["batch", "ingest"]
    status: Literal["queued", "running", "succeeded", "failed", "cancelled", "interrupted"] = Field(
        description="interrupted: an upload the server stopped during (its result says "
        "which files were added); a question list a stopped server was answering is "
        "queued again and resumes when the server starts"
    )
    cancelling: bool = Field(False, description="asked to stop; it stops at its next step")
    done: int = Field(description="questions answered, or files ingested, so far")
    total: int
    created_at: str
    started_at: str | None
    finished_at: str | None
    error: JobError | None = Field(description="why the job failed")
    result: dict[str, Any] | None = Field(
        description="batch: counts and unanswered lines; ingest: each file's status "
        "(added, unchanged, failed with its reason, not_added)"
    )
    links: dict[str, str] = Field(description="where to poll, and download results")


class DocumentOut(BaseModel):
    id: str
    title: str
    chunks: int
    source: str


class DocumentsResponse(BaseModel):
    count: int
    documents: list[DocumentOut]
    collection: str = Field(description="the collection listed")
    collections: list[str] = Field(description="every collection served, the default first")


class DeleteResponse(BaseModel):
    removed: list[str]


class CollectionOut(BaseModel):
    name: str
    model: str = Field(description="the chat model id that reads it: citeqa/NAME")
    default: bool = Field(description="read when a request names no collection")
    documents: int
    chunks: int


class CollectionsResponse(BaseModel):
    collections: list[CollectionOut]


class HealthResponse(BaseModel):
    status: str


class ReadyResponse(BaseModel):
    """Only ``status`` when reads need a key and the request sent none of the server's."""

    status: str
    model: str | None = None
    documents: int | None = None
    chunks: int | None = None
    generation: int | None = None
    search: Literal["exact", "approximate", "milvus"] | None = Field(
        None,
        description="how the default collection is searched: every chunk scored (exact), "
        "candidates from approximate vector search, from 50,000 chunks on, or candidates "
        "searched by the Milvus the index is held in",
    )
    llm: bool | None = Field(None, description="whether answers may be written by an LLM")
    collections: list[str] | None = Field(
        None,
        description="the collections served; documents, chunks and generation are the "
        "default (first) one's",
    )
