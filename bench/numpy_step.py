"""A plain numpy (OpenBLAS) full-batch Adam step of the same one-hidden-layer ReLU net that the
fused kernel trains: the reference point for `npm run bench`.

Usage: python3 bench/numpy_step.py DIM WIDTH SAMPLES STEPS
Prints one JSON object: {"ms_per_step": ...}. Run with OPENBLAS_NUM_THREADS=1 for one core.
"""

import json
import sys
import time

import numpy as np


def main() -> None:
    d, m, n, steps = (int(a) for a in sys.argv[1:5])
    rng = np.random.default_rng(0)
    x = rng.random((n, d), dtype=np.float32)
    y = np.sin(2 * np.pi * x.sum(axis=1, keepdims=True)).astype(np.float32)
    w1 = (rng.standard_normal((m, d)) * np.sqrt(2 / d)).astype(np.float32)
    b1 = -(w1 * rng.random((m, d), dtype=np.float32)).sum(axis=1).astype(np.float32)
    w2 = (rng.standard_normal((1, m)) / np.sqrt(m)).astype(np.float32)
    b2 = np.zeros(1, dtype=np.float32)
    params = [w1, b1, w2, b2]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    beta1, beta2, eps, lr = np.float32(0.9), np.float32(0.999), 1e-8, 1e-3

    def step(t: int) -> None:
        w1, b1, w2, b2 = params
        pre = x @ w1.T + b1
        h = np.maximum(pre, 0)
        out = h @ w2.T + b2
        r = (2 / n) * (out - y)
        g_w2 = r.T @ h
        g_b2 = r.sum(axis=0)
        dh = (r @ w2) * (pre > 0)
        g_w1 = dh.T @ x
        g_b1 = dh.sum(axis=0)
        c2 = np.sqrt(1 - beta2**t)
        alpha = np.float32(lr * c2 / (1 - beta1**t))
        eps_hat = np.float32(eps * c2)
        for p, g, m1, m2 in zip(params, (g_w1, g_b1, g_w2, g_b2), first, second):
            m1 *= beta1
            m1 += (1 - beta1) * g
            m2 *= beta2
            m2 += (1 - beta2) * g * g
            p -= alpha * m1 / (np.sqrt(m2) + eps_hat)

    for t in range(1, 6):
        step(t)
    start = time.perf_counter()
    for t in range(6, 6 + steps):
        step(t)
    ms = (time.perf_counter() - start) * 1000 / steps
    print(json.dumps({"ms_per_step": ms}))


if __name__ == "__main__":
    main()
