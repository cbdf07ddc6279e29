"""Float32 matrix-multiply throughput of one core (numpy/OpenBLAS sgemm): the machine's peak
that `npm run bench` sets the fused kernel's GFLOP/s against. Run with OPENBLAS_NUM_THREADS=1.

Usage: python3 bench/matmul_peak.py [SIZE]
Prints one JSON object: {"gflops": ..., "size": ...}.
"""

import json
import sys
import time

import numpy as np


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2048
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    a @ b
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    print(json.dumps({"gflops": 2 * n**3 / best / 1e9, "size": n}))


if __name__ == "__main__":
    main()
