"""Independent reader of an NIR HDF5 file (h5py, no Spikernel code): prints the file as JSON.

    python3 nir_dump.py FILE.nir > dump.json

{"version": str, "type": str, "edges": [[src, dst], ...], "metadata": {key: value},
 "nodes": {name: {"type": str, "fields": {key: {"dtype": str, "shape": [...], "values": [...]}}}}}

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
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
