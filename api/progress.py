"""Rich progress bars: ingest (files, chunks embedded, chunks per second) and counts
(questions answered or evaluated)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)


class _Bar:
    """One rich bar, shown while the ``with`` block runs."""

    def __init__(
        self, console: Console, extra: list[ProgressColumn], *, enabled: bool, **fields: Any
    ) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            *extra,
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
        )
        self._task = self._progress.add_task("", total=None, **fields)

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()


class RichIngestProgress(_Bar):
    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        columns: list[ProgressColumn] = [
            TextColumn("files · {task.fields[chunks]} chunks embedded · {task.fields[rate]}")
        ]
        super().__init__(console, columns, enabled=enabled, chunks=0, rate="")
        self._progress.update(self._task, description="indexing")
        self._chunks = 0

    def files_found(self, total: int) -> None:
        self._progress.update(self._task, total=total)

    def file_done(self, path: Path, chunks: int) -> None:
        self._progress.update(self._task, advance=1, description=f"indexing {path.name[:30]}")

    def chunks_embedded(self, count: int) -> None:
        self._chunks += count
        elapsed = self._progress.tasks[0].elapsed or 0
        rate = f"{self._chunks / elapsed:.1f} chunks/s" if elapsed else ""
        self._progress.update(self._task, chunks=self._chunks, rate=rate)

    def building_search_indexes(self) -> None:
        self._progress.update(self._task, description="building the search indexes")


class RichCountProgress(_Bar):
    """A bar over a known count (questions answered, evaluated)."""

    def __init__(self, console: Console, description: str, *, enabled: bool = True) -> None:
        super().__init__(console, [], enabled=enabled)
        self._progress.update(self._task, description=description)

    def update(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)
