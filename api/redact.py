"""Messages as callers see them: the server's folders (each index, its uploads, the work
folder) written as short relative names, so no reply, job error or job result shows where
on the machine the server keeps its files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


class Redactor:
    """Replaces each folder of ``places`` (as given and resolved) in a text by its name there,
    the longest folders first, so a file inside one reads ``NAME/file``."""

    def __init__(self, places: Mapping[Path, str]) -> None:
        pairs: dict[str, str] = {}
        for folder, name in places.items():
            for form in {str(folder), str(folder.resolve())}:
                if Path(form).is_absolute() and len(Path(form).parts) > 1:
                    pairs[form] = name
        self.pairs = sorted(pairs.items(), key=lambda p: -len(p[0]))

    def __call__(self, text: str) -> str:
        for folder, name in self.pairs:
            if folder in text:
                text = text.replace(folder, name)
        return text

    def deep(self, value: Any) -> Any:
        """``value`` with every string in it (in lists and dicts, too) redacted."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        return value
