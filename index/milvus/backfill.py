"""What a Milvus-backed index has no need to fill in on its next run (``index/backfill.py`` is
the SQLite store's counterpart): every chunk's script is written with it, and sentence roles are
not kept in Milvus but found when a passage is read (``qa/cite.sentence_roles``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from index.roles import Unroled


class NothingToFill:
    """The backfill reads and writes of ``index/milvus/store.MilvusStore``: none."""

    def texts_without_script(self) -> dict[int, str]:
        return {}

    def put_scripts(self, texts: Mapping[int, str]) -> None:
        """Every chunk's script is written with it: nothing to do."""

    def forget_roles_unless(self, rules: str) -> None:
        """Roles are found when read, always by the rules of now: nothing to forget."""

    def texts_without_roles(self) -> dict[int, Unroled]:
        return {}

    def put_roles(self, roles: Mapping[int, Sequence[str]]) -> None:
        """Roles are not kept in Milvus: nothing to do."""

    def forget_sentence_vectors_unless(self, counts: Mapping[int, int], dimension: int) -> None:
        """Roles are not re-found here, so no sentence rule's change is seen: a passage whose
        stored vectors no longer match its sentences has them made when it is read."""
