"""A rich progress bar for ingest: files, chunks embedded, chunks per second."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class RichIngestProgress:
    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files · {task.fields[chunks]} chunks embedded · {task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self._task = self._progress.add_task("indexing", total=None, chunks=0, rate="")
        self._chunks = 0

    def __enter__(self) -> RichIngestProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def files_found(self, total: int) -> None:
        self._progress.update(self._task, total=total)

    def file_done(self, path: Path, chunks: int) -> None:
        self._progress.update(self._task, advance=1, description=f"indexing {path.name[:30]}")

    def chunks_embedded(self, count: int) -> None:
        self._chunks += count
        elapsed = self._progress.tasks[0].elapsed or 0
        rate = f"{self._chunks / elapsed:.1f} chunks/s" if elapsed else ""
        self._progress.update(self._task, chunks=self._chunks, rate=rate)


class RichCountProgress:
    """A progress bar over a known count (questions answered, evaluated)."""

    def __init__(self, console: Console, description: str, *, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn(f"[bold]{description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
        )
        self._task = self._progress.add_task(description, total=None)

    def __enter__(self) -> RichCountProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)
