#!/usr/bin/env python3
"""The tutorial MLP's forward pass: a kerasish Sequential called directly (``model(x)``) against the
same ``torch.nn.Sequential`` (with its Softmax), batch 32, under ``torch.no_grad()``, interleaved.

    python bench/forward.py [--threads 2] [--repeats 7]
"""
import argparse
import statistics
import time

import numpy as np
import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--n", type=int, default=60000)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    import kerasish as keras
    keras.backend.set_device("cpu")
    L = keras.layers
    model = keras.Sequential([L.Input((28, 28)), L.Flatten(), L.Dense(100, activation="relu"), L.Dropout(0.3),
                              L.Dense(10, activation="softmax")])
    nn = torch.nn
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Dropout(0.3), nn.Linear(100, 10),
                        nn.Softmax(dim=1)).eval()
    x = torch.from_numpy(np.random.default_rng(0).random((args.n, 28, 28), dtype=np.float32))
    batches = [x[i:i + 32] for i in range(0, args.n, 32)]

    @torch.no_grad()
    def run(f):
        t0 = time.perf_counter()
        for b in batches:
            f(b)
        return time.perf_counter() - t0
    run(model), run(net)
    tk, tt = [], []
    for _ in range(args.repeats):
        tt.append(run(net))
        tk.append(run(model))
    print(f"forward, {len(batches)} batches of 32: torch {statistics.median(tt):.4f}s, kerasish "
          f"{statistics.median(tk):.4f}s, ratio {statistics.median(tk) / statistics.median(tt):.3f}x")


if __name__ == "__main__":
    main()
