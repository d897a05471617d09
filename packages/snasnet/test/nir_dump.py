"""Independent reader of an NIR HDF5 file (h5py, no Spikernel code): prints the file as JSON.

    python3 nir_dump.py FILE.nir > dump.json

{"version": str, "type": str, "edges": [[src, dst], ...], "metadata": {key: value},
 "nodes": {name: {"type": str, "fields": {key: {"dtype": str, "shape": [...], "values": [...]}}}},
 "type_errors": [str, ...]}

"type_errors" applies the type rules of NIR's `NIRGraph.check_types` as written in nir/ir/*.py:
each node's input and output shape from its parameters (an AvgPool2d's from the node before it),
and every edge's source output equal to its target input.

Strings are decoded from the bytes h5py returns; numeric datasets give their dtype (numpy's name),
shape and values flattened in C order (float32 values as exact doubles).
"""

import json
import sys

import h5py
import numpy as np


def text(value):
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def field(dataset):
    value = dataset[()]
    if isinstance(value, bytes) or (isinstance(value, np.ndarray) and value.dtype.kind in "OSU"):
        if isinstance(value, np.ndarray):
            return {"dtype": "string", "shape": list(value.shape), "values": [text(v) for v in value.ravel()]}
        return {"dtype": "string", "shape": [], "values": [text(value)]}
    array = np.asarray(value)
    return {"dtype": array.dtype.name, "shape": list(array.shape), "values": array.ravel().tolist()}


def conv_out(size, pad, kernel, stride, dilation=1):
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def type_errors(nodes, edges):
    """Shape mismatches along edges, by NIR's per-type input/output types."""
    shape = lambda node, key: list(nodes[node]["fields"][key]["shape"])  # noqa: E731
    values = lambda node, key: [int(v) for v in nodes[node]["fields"][key]["values"]]  # noqa: E731
    preds = {}
    for a, b in edges:
        preds.setdefault(b, []).append(a)
    memo = {}

    def types(name):
        if name in memo:
            return memo[name]
        kind = nodes[name]["type"]
        memo[name] = (None, None)  # a cycle through a node without declared types stays undefined
        if kind == "Input":
            t = (None, values(name, "shape"))
        elif kind == "Output":
            t = (values(name, "shape"), None)
        elif kind in ("LIF", "IF", "LI", "CubaLIF"):
            t = (shape(name, "v_threshold" if kind != "LI" else "tau"),) * 2
        elif kind == "Delay":
            t = (shape(name, "delay"),) * 2
        elif kind == "Scale":
            t = (shape(name, "scale"),) * 2
        elif kind == "Conv2d":
            out, cin, kh, kw = shape(name, "weight")
            h, w = values(name, "input_shape")
            (ph, pw), (sh, sw), (dh, dw) = values(name, "padding"), values(name, "stride"), values(name, "dilation")
            t = ([cin, h, w], [out, conv_out(h, ph, kh, sh, dh), conv_out(w, pw, kw, sw, dw)])
        elif kind in ("Linear", "Affine"):
            out, inp = shape(name, "weight")
            t = ([inp], [out])
        elif kind == "Flatten":
            inp = values(name, "input_type")
            start, end = values(name, "start_dim")[0], values(name, "end_dim")[0]
            end = len(inp) - 1 if end == -1 else end
            t = (inp, inp[:start] + [int(np.prod(inp[start : end + 1]))] + inp[end + 1 :])
        elif kind == "AvgPool2d":
            inp = next((types(p)[1] for p in preds.get(name, []) if types(p)[1] is not None), None)
            if inp is None:
                t = (None, None)
            else:
                (kh, kw), (sh, sw), (ph, pw) = (
                    values(name, "kernel_size"), values(name, "stride"), values(name, "padding")
                )
                t = (inp, [inp[0], conv_out(inp[1], ph, kh, sh), conv_out(inp[2], pw, kw, sw)])
        else:
            t = (None, None)
        memo[name] = t
        return t

    errors = []
    for a, b in edges:
        out, inp = types(a)[1], types(b)[0]
        if out is None or inp is None or list(out) != list(inp):
            errors.append(f"{a} -> {b}: {out} -> {inp}")
    return errors


def main(path):
    with h5py.File(path, "r") as f:
        root = f["node"]
        out = {
            "version": text(f["version"][()]),
            "type": text(root["type"][()]),
            "edges": [[text(a), text(b)] for a, b in root["edges"][()]],
            "metadata": {k: field(v) for k, v in root["metadata"].items()} if "metadata" in root else {},
            "nodes": {},
        }
        for name, group in root["nodes"].items():
            out["nodes"][name] = {
                "type": text(group["type"][()]),
                "fields": {k: field(v) for k, v in group.items() if k != "type" and isinstance(v, h5py.Dataset)},
            }
    out["type_errors"] = type_errors(out["nodes"], out["edges"])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
