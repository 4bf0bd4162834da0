"""Micro-benchmark: kerasish Adam.step() vs torch.optim.Adam(foreach=True).step().

Parameters are those of the tutorial MLP (784x100, 100, 100x10, 10). Run:
    python bench/optimizer_step.py [--threads 2] [--steps 3000] [--device cpu]
Prints microseconds per step for each and the ratio kerasish / torch.
"""
import argparse
import time

import torch

from kerasish import optimizers


def make_params(device):
    torch.manual_seed(0)
    shapes = [(784, 100), (100,), (100, 10), (10,)]
    params = [torch.nn.Parameter(torch.randn(s, device=device) * 0.05) for s in shapes]
    for p in params:
        p.grad = torch.randn_like(p) * 0.01
    return params


def time_block(step, steps, device, clock):
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = clock()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (clock() - start) / steps * 1e6


def time_interleaved(steps_a, steps_b, n, device, clock, rounds=7):
    """Best-of-`rounds` microseconds per step for both, alternating blocks so that
    background load on a shared machine hits both alike."""
    for _ in range(50):  # warm-up
        steps_a()
        steps_b()
    best_a = best_b = float("inf")
    for _ in range(rounds):
        best_a = min(best_a, time_block(steps_a, n, device, clock))
        best_b = min(best_b, time_block(steps_b, n, device, clock))
    return best_a, best_b


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)

    ours = optimizers.Adam(learning_rate=1e-3)
    ours.build(make_params(device))
    theirs = torch.optim.Adam(make_params(device), lr=1e-3, eps=1e-7, foreach=True)

    print(f"device={device} threads={args.threads}")
    # wall time, and process CPU time (steadier when other jobs share the cores)
    for label, clock in (("wall", time.perf_counter), ("cpu", time.process_time)):
        t_ours, t_theirs = time_interleaved(ours.step, theirs.step, args.steps, device, clock)
        print(f"[{label}] kerasish Adam.step(): {t_ours:8.1f} us/step   "
              f"torch.optim.Adam(foreach=True).step(): {t_theirs:8.1f} us/step   "
              f"ratio kerasish/torch: {t_ours / t_theirs:.2f}")


if __name__ == "__main__":
    main()
