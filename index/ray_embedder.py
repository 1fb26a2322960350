"""Embedding on a Ray cluster: ``citeqa index PATH --ray ADDRESS``.

Embedding is nearly all of an ingest's time (about 20 passages/s on two cores), and it is the
one step that needs no shared state. So only it is spread: a pool of Ray actors, each building
its own copy of the models from a recipe (a picklable function that makes the embedder where
it runs, so no weights travel), and an ``Embedder`` whose ``embed`` cuts its texts into
shards, sends them out and puts the vectors back in order. Everything else (reading, cleaning,
chunking, the database, the derived indexes) stays in the one writing process, so the index
is the one a local run writes: the same chunks and, within float tolerance, the same vectors.
An interrupted run resumes as a local one does: what was committed is kept and not embedded
again.

``ADDRESS`` is any address ``ray.init`` takes (``ray://head:10001``, ``head:6379``); ``auto``
starts a Ray runtime on this machine (or joins the one ``RAY_ADDRESS`` names).
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from index.embedder import Embedder, Kind
from index.errors import ClusterError

Recipe = Callable[[], Embedder]  # picklable: makes the embedder in the process it runs in
SHARD = 64  # texts per task: a model batch or two


class _Worker:
    """One Ray actor: the embedders of its recipes, each made on first use."""

    def __init__(self, recipes: Mapping[str, Recipe]) -> None:
        self._recipes = dict(recipes)
        self._made: dict[str, Embedder] = {}

    def _get(self, role: str) -> Embedder:
        if role not in self._made:
            self._made[role] = self._recipes[role]()
        return self._made[role]

    def describe(self, role: str) -> tuple[str, int]:
        embedder = self._get(role)
        return embedder.name, int(embedder.dimension)

    def embed(self, role: str, texts: list[str], kind: Kind) -> np.ndarray:
        return np.asarray(self._get(role).embed(texts, kind), dtype=np.float32)


class RayPool:
    """Actors on a Ray cluster, one per CPU it offers (or ``workers``), each able to run every
    recipe's embedder. ``embedder(role)`` is the Embedder that runs on them; ``close()`` stops
    the actors, and the runtime if this pool started it."""

    def __init__(
        self, address: str, recipes: Mapping[str, Recipe], *, workers: int | None = None
    ) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ClusterError(
                "--ray needs Ray, which is not installed: pip install 'citeqa[ray]'"
            ) from exc
        self._ray = ray
        self._recipes = dict(recipes)
        self._started = not ray.is_initialized()
        self._actors: list[Any] = []
        self._next = 0
        if self._started:
            if address != "auto":
                _check_reachable(address)
            try:
                ray.init(
                    address=None if address == "auto" else address,
                    include_dashboard=False,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ClusterError(f"cannot reach a Ray cluster at {address!r}: {exc}") from exc
        try:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            actor = ray.remote(num_cpus=1)(_Worker)
            self._actors += [actor.remote(recipes) for _ in range(max(1, workers or cpus))]
        except BaseException:
            self.close()
            raise

    @property
    def workers(self) -> int:
        return len(self._actors)

    def embedders(self) -> tuple[RayEmbedder, RayEmbedder | None]:
        """The "main" embedder and, if a recipe for it was given, the "cross" one."""
        main = self.embedder("main")
        return main, self.embedder("cross") if "cross" in self._recipes else None

    def embedder(self, role: str) -> RayEmbedder:
        name, dimension = self._get(self._actors[0].describe.remote(role), f"make the {role} model")
        return RayEmbedder(self, role, name, dimension)

    def run(self, role: str, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """Embed ``texts`` with ``role``'s embedder, SHARD texts to a task, tasks spread over
        the actors in turn; the vectors in the order of the texts."""
        futures = []
        for start in range(0, len(texts), SHARD):
            actor = self._actors[self._next % len(self._actors)]
            self._next += 1
            futures.append(actor.embed.remote(role, list(texts[start : start + SHARD]), kind))
        parts = self._get(futures, "embed")
        return np.concatenate(parts) if parts else np.empty((0, 0), np.float32)

    def _get(self, futures: Any, what: str) -> Any:
        """``ray.get``, a worker's failure told in one line as ClusterError."""
        try:
            return self._ray.get(futures)
        except self._ray.exceptions.RayError as exc:
            cause = getattr(exc, "cause", None) or exc
            last = (str(cause).strip().splitlines() or [type(cause).__name__])[-1]
            raise ClusterError(f"a Ray worker could not {what}: {last}") from exc

    def close(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors.clear()
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()

    def __enter__(self) -> RayPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class RayEmbedder:
    """An Embedder that runs on a RayPool's actors. ``batch``: how many texts an ingest
    should hand it at once to keep every actor busy."""

    def __init__(self, pool: RayPool, role: str, name: str, dimension: int) -> None:
        self._pool, self._role = pool, role
        self.name = name
        self._dimension = dimension
        self.batch = SHARD * pool.workers * 2

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.empty((0, self._dimension), np.float32)
        return self._pool.run(self._role, texts, kind)


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast, naming the address, when nothing listens there (Ray itself retries for
    minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(
            f"{address!r} is not a Ray address: give host:port (the head's GCS, 6379 by "
            "default), ray://host:port (Ray Client, 10001), or auto"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(
            f"cannot reach a Ray cluster at {address}: {exc.strerror or exc}. Start one with "
            "`ray start --head` on the head machine, or use --ray auto for one on this machine"
        ) from exc


def recipe(make: Callable[..., Embedder], /, **options: Any) -> Recipe:
    """A recipe calling ``make(**options)`` (a module-level function or class, so it pickles)."""
    return functools.partial(make, **options)
