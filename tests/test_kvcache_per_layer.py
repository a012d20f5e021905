from __future__ import annotations

import csv
import io


def test_per_layer_table(run):
    status, out, _ = run("kvcache", "gemma3n-e4b", "--ctx", "1k", "--per-layer", "--format", "csv")
    assert status == 0
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 2
    rows = list(csv.reader(io.StringIO(blocks[1])))
    # CSV headers are the JSON keys, and a layer's cache source is the index it reads
    assert rows[0] == ["index", "attention", "window", "positions", "kv_source", "cached_tokens", "bytes"]
    layers = {int(r[0]): r for r in rows[1:]}
    assert len(layers) == 35
    # Layer 4 is global: 1024 tokens x 2 (K, V) x 2 KV heads x 256 dims x 2 bytes.
    assert layers[4][1:] == ["full", "", "rope", "4", "1024", str(1024 * 2 * 2 * 256 * 2)]
    assert layers[0][1:] == ["sliding", "512", "rope", "0", "512", str(512 * 2 * 2 * 256 * 2)]
    # The last 15 layers read the last earlier layer of their kind (18 sliding, 19 full).
    assert layers[20][4:] == ["18", "0", "0"]
    assert layers[24][4:] == ["19", "0", "0"]
