"""The ``citeqa`` command line: parses, calls index/ and qa/, formats. No logic of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.progress import RichCountProgress, RichIngestProgress
from api.render import print_answer, print_citations, print_searched
from api.settings import get_settings, index_chunking
from index.errors import CiteqaError, InvalidInput

app = typer.Typer(
    help="Semantic search and cited answers over Chinese document collections.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

IndexOpt = Annotated[
    Path | None, typer.Option("--index", "-i", help="index folder [env CITEQA_INDEX]")
]
AfterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--after",
        help="an earlier question of the conversation (repeat, oldest first): a follow-up "
        "such as 那晋城呢 is searched with its topic",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(help="sentence-transformers model name or path [default: bundled e5-small]"),
]


def _fail(exc: CiteqaError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


@app.command("index")
def index_cmd(
    paths: Annotated[list[Path], typer.Argument(help="files or folders to index")],
    index: IndexOpt = None,
    model: ModelOpt = None,
    chunk_size: Annotated[int | None, typer.Option(help="most characters in a passage")] = None,
    chunk_overlap: Annotated[
        int | None, typer.Option(help="characters repeated between passages")
    ] = None,
    prune: Annotated[
        bool, typer.Option(help="remove indexed files under PATHS that are gone")
    ] = False,
    rebuild: Annotated[
        bool, typer.Option(help="start over if the index was built with other settings")
    ] = False,
    all_or_nothing: Annotated[
        bool, typer.Option(help="add every file or none, when any cannot be read")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS",
            help="embed on a Ray cluster (ray://host:10001, host:6379), or auto for a local one",
        ),
    ] = None,  # fmt: skip
    milvus: Annotated[
        str | None,
        typer.Option(
            "--milvus",
            metavar="URI",
            help="hold a new index in Milvus: a Milvus Lite file (PATH.db) or http://host:19530",
        ),
    ] = None,  # fmt: skip
) -> None:
    """Index files and folders (.txt .md .html .pdf .docx): only what changed is embedded."""
    from contextlib import nullcontext

    from index.chunking import ChunkingOptions
    from index.pipeline import IngestOptions, ingest

    settings = get_settings()
    folder = index or settings.index
    try:
        size, overlap = index_chunking(settings, folder, chunk_size, chunk_overlap, rebuild)
        options = IngestOptions(
            chunking=ChunkingOptions(size=size, overlap=overlap),
            prune=prune,
            rebuild=rebuild,
            all_or_nothing=all_or_nothing,
            milvus=milvus,
        )
        with _ray_pool(ray, model) if ray else nullcontext() as pool:
            embedder, cross = pool.embedders() if pool else _embedders(model)
            with RichIngestProgress(err, enabled=not quiet) as progress:
                report = ingest(paths, folder, embedder, options, progress, cross=cross)
    except CiteqaError as exc:
        raise _fail(exc) from exc
    except KeyboardInterrupt:
        err.print(
            "stopped: what was committed is kept"
            + ("" if all_or_nothing else " (the files done so far)")
            + "; run the same command again to carry on",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=130) from None
    for path, reason in report.skipped:
        err.print(f"[yellow]skipped[/] {path}: {reason}", highlight=False, soft_wrap=True)
    if report.skipped and report.added + report.updated + report.unchanged == 0:
        n = len(report.skipped)
        raise _fail(CiteqaError(f"no file could be indexed: {n} skipped (named above, with why)"))
    rate = report.chunks_embedded / report.stage_seconds["embed"] if report.chunks_embedded else 0
    console.print(
        f"[bold]{folder}[/]: {report.files} files — {report.added} added, {report.updated} "
        f"updated, {report.unchanged} unchanged, {report.removed} removed, "
        f"{len(report.skipped)} skipped; {report.chunks_embedded} chunks embedded"
        + (f" ({rate:.1f}/s)" if rate else "")
        + f", {report.chunks_reused} reused; {report.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def info(
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show what an index holds: documents, chunks, model, sizes on disk."""
    from index.summary import describe

    folder = index or get_settings().index
    try:
        summary = describe(folder)
    except CiteqaError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"citeqa index {folder}", show_header=False)
    for key, value in summary.items():
        if key != "documents_list":
            table.add_row(key.replace("_", " "), str(value))
    console.print(table)
    docs = Table("id", "title", "chunks", "source")
    for doc in summary["documents_list"]:
        docs.add_row(doc["id"], doc["title"], str(doc["chunks"]), doc["source"])
    console.print(docs)


@app.command()
def remove(
    selectors: Annotated[list[str], typer.Argument(help="document ids, files or folders")],
    index: IndexOpt = None,
) -> None:
    """Remove documents from the index, by id or by source path."""
    from index.pipeline import remove_documents

    folder = index or get_settings().index
    try:
        removed = remove_documents(folder, selectors)
    except CiteqaError as exc:
        raise _fail(exc) from exc
    console.print(f"removed {len(removed)} document(s) from {folder}", soft_wrap=True)


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="the question, in Chinese or English")],
    k: Annotated[int, typer.Option("-k", help="how many passages")] = 5,
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    explain: Annotated[bool, typer.Option(help="show each signal's rank and score")] = False,
    after: AfterOpt = None,
) -> None:
    """The passages that answer a question, with citations."""
    from qa.serialize import search_dict

    try:
        service = _service(index)
        result = service.search(question, k, history=after or ())
    except CiteqaError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(search_dict(result), ensure_ascii=False, indent=2))
        return
    if explain or result.question is not None:
        print_searched(console, result.query.text, rewritten=result.question is not None)
    print_citations(console, result.citations, explain=explain)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="the question, in Chinese or English")],
    k: Annotated[int, typer.Option("-k", help="how many passages to draw on")] = 5,
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    explain: Annotated[bool, typer.Option(help="show each signal's rank and score")] = False,
    after: AfterOpt = None,
) -> None:
    """A short answer built from the passages, with [n] citation markers."""
    from qa.serialize import answer_dict

    try:
        service = _service(index)
        answer = service.ask(question, k, history=after or ())
    except CiteqaError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(answer_dict(answer), ensure_ascii=False, indent=2))
        return
    if explain or answer.rewritten_as is not None:
        print_searched(console, answer.searched, rewritten=answer.rewritten_as is not None)
    print_answer(console, answer, explain=explain)


@app.command()
def batch(
    questions: Annotated[
        Path, typer.Argument(help="questions: .txt (one a line), .csv, .jsonl or .xlsx")
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="answers: .jsonl, .csv, .xlsx or .md")
    ],
    k: Annotated[int, typer.Option("-k", help="how many passages each answer draws on")] = 5,
    index: IndexOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Answer a list of questions; an interrupted run resumes where it stopped."""
    from qa.batch import journal_path, run_batch

    try:
        service = _service(index)
        with RichCountProgress(err, "answering", enabled=not quiet) as progress:
            report = run_batch(service, questions, output, k=k, progress=progress.update)
    except CiteqaError as exc:
        raise _fail(exc) from exc
    except KeyboardInterrupt:
        err.print(
            f"stopped: the answers so far are kept in {journal_path(output)}; run the same "
            "command again to carry on from there",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=130) from None
    for line, reason in report.malformed:
        err.print(f"[yellow]skipped[/] line {line}: {reason}", highlight=False, soft_wrap=True)
    for line, reason in report.failed:
        err.print(f"[yellow]not answered[/] line {line}: {reason}", highlight=False, soft_wrap=True)
    resumed = f" ({report.resumed} from an earlier run)" if report.resumed else ""
    console.print(
        f"{report.answered} of {report.questions} questions answered{resumed} -> {output}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("eval")
def eval_cmd(
    gold: Annotated[
        Path,
        typer.Argument(
            help='gold questions: JSONL with "question" and "positive_ids" or "answers"'
        ),
    ],
    index: IndexOpt = None,
    answers: Annotated[int, typer.Option(help="check the answers of the first N questions")] = 200,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="also write the table to this .md file")
    ] = None,
) -> None:
    """R@1/5/10 and MRR@10 for BM25, dense, the fused first stage and the second stage (what
    citeqa serves), plus the answer hit rate and the share of questions answered. Positive ids
    name documents by file name without extension."""
    from qa.evaluate import evaluate, read_gold, table

    try:
        service = _service(index)
        questions, bad = read_gold(gold)
        if not questions:
            raise InvalidInput(f"{gold}: no usable gold questions ({len(bad)} malformed lines)")
        with RichCountProgress(err, "evaluating") as progress:
            progress.update(0, len(questions))
            done = [0]

            def advance(n: int) -> None:
                done[0] += n
                progress.update(done[0], len(questions))

            report = evaluate(service, questions, answers=answers, progress=advance)
    except CiteqaError as exc:
        raise _fail(exc) from exc
    for line, reason in bad + report.skipped:
        err.print(f"[yellow]skipped[/] line {line}: {reason}", highlight=False, soft_wrap=True)
    text = table([(gold.stem, report)])
    if report.answer_hit_rate is not None:
        text += (
            f"\n\nanswer hit rate: {report.answer_hit_rate:.3f} of {report.answers_checked} answers"
        )
    if report.answered is not None:
        text += f"\nanswered: {report.answered:.3f} of {len(report.confidence)} questions"
    console.print(text, highlight=False, markup=False, soft_wrap=True)
    if output:
        output.write_text(text + "\n", encoding="utf-8")


@app.command()
def serve(
    index: Annotated[
        list[Path] | None,
        typer.Option(
            "--index",
            "-i",
            help="index folder; repeat to serve several as collections, or give a folder of "
            "indexes [env CITEQA_INDEX, CITEQA_INDEXES]",
        ),
    ] = None,
    host: Annotated[str | None, typer.Option(help="address to listen on [env CITEQA_HOST]")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="port to listen on [env CITEQA_PORT]")
    ] = None,
) -> None:
    """Serve the HTTP API, the OpenAI-compatible chat endpoint and the web page."""
    import uvicorn

    from api.app import create_app, uvicorn_options
    from index.collections import check_models, index_folders

    changes: dict[str, object] = {"host": host, "port": port}
    if index:
        changes |= {"index": index[0], "indexes": index}
    settings = get_settings().model_copy(
        update={name: value for name, value in changes.items() if value is not None}
    )
    try:
        found = index_folders(settings.served_indexes())
        check_models(found)
    except CiteqaError as exc:
        raise _fail(exc) from exc
    served = ", ".join(f"{name} ({folder})" for name, folder in found)
    err.print(
        f"serving {served} on http://{settings.host}:{settings.port}",
        highlight=False,
        soft_wrap=True,
    )
    uvicorn.run(create_app(settings), **uvicorn_options(settings), log_level="info")


@app.command()
def mcp(index: IndexOpt = None) -> None:
    """Serve the index to an MCP client (an assistant) over stdin and stdout: the tools
    search, ask and list_documents."""
    from api.mcp_server import run_stdio

    try:
        service = _service(index)
        service.load()
    except CiteqaError as exc:
        raise _fail(exc) from exc
    try:
        run_stdio(service, get_settings())
    finally:
        service.close()


def _service(index: Path | None):  # type: ignore[no-untyped-def]
    from api.settings import open_index

    return open_index(get_settings(), index)


def _ray_pool(address: str, model: str | None):  # type: ignore[no-untyped-def]
    """Actors on the Ray cluster at ``address``, each making the index's models itself."""
    from api.settings import recipes
    from index.ray_embedder import RayPool

    pool = RayPool(address, recipes(get_settings(), model))
    err.print(f"embedding on Ray: {pool.workers} workers", highlight=False)
    return pool


def _embedders(model: str | None):  # type: ignore[no-untyped-def]
    from api.settings import embedders

    return embedders(
        get_settings(), model, lambda msg: err.print(msg, highlight=False, soft_wrap=True)
    )
