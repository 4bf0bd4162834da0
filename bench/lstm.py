"""Benchmark: kerasish LSTM vs torch.nn.LSTM, forward + backward on CPU.

LSTM(100) over 100 timesteps, batch 64, 32 input features, 2 CPU threads. Both run the
same torch kernel (kerasish maps the Keras weights onto it), so the ratio measures the
layer's Python overhead. Target: ratio <= 1.2.

    python bench/lstm.py [--repeats 30] [--threads 2] [--mask]

``--mask`` also times a right-padded mask (packed sequences) against nn.LSTM on the same
packed input.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch  # noqa: E402

from kerasish.layers.recurrent import LSTM  # noqa: E402


def _time_pair(fn_a, fn_b, repeats, warmup=3):
    """Alternate the two functions call by call, so that both see the same machine noise."""
    for _ in range(warmup):
        fn_a()
        fn_b()
    a, b = [], []
    for _ in range(repeats):
        for fn, out in ((fn_a, a), (fn_b, b)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return a, b


def _report(label, s_ours, s_ref):
    m_ours, m_ref = statistics.median(s_ours), statistics.median(s_ref)
    print(f"  {label}")
    print(f"    kerasish : median {m_ours * 1e3:8.2f} ms   min {min(s_ours) * 1e3:8.2f} ms")
    print(f"    torch    : median {m_ref * 1e3:8.2f} ms   min {min(s_ref) * 1e3:8.2f} ms")
    print(f"    ratio    : median {m_ours / m_ref:.3f}   min {min(s_ours) / min(s_ref):.3f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--mask", action="store_true", help="also time a right-padded mask")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    b, t, f, u = args.batch, args.steps, args.features, args.units
    x = torch.randn(b, t, f)

    ours = LSTM(u)
    ours(x)  # build
    ref = torch.nn.LSTM(f, u, batch_first=True)
    with torch.no_grad():  # same weights: Keras kernel (f, 4u) is torch weight_ih (4u, f) transposed
        ref.weight_ih_l0.copy_(ours.cell.kernel.t())
        ref.weight_hh_l0.copy_(ours.cell.recurrent_kernel.t())
        ref.bias_ih_l0.copy_(ours.cell.bias)
        ref.bias_hh_l0.zero_()
    ours.train()

    def step_ours():
        y = ours(x, training=True)
        y.sum().backward()

    def step_ref():
        y = ref(x)[1][0][0]
        y.sum().backward()

    with torch.no_grad():
        diff = (ours(x) - ref(x)[1][0][0]).abs().max().item()

    s_ours, s_ref = _time_pair(step_ours, step_ref, args.repeats)
    print(f"LSTM({u}) T={t} B={b} F={f}, {args.threads} threads, forward+backward, {args.repeats} runs each "
          f"(max |output diff| = {diff:.1e}):")
    _report("kerasish LSTM vs torch.nn.LSTM(batch_first=True)", s_ours, s_ref)

    if args.mask:
        lengths = torch.randint(t // 2, t + 1, (b,))
        lengths[0] = t
        mask = torch.arange(t)[None, :] < lengths[:, None]

        def step_ours_masked():
            y = ours(x, mask=mask, training=True)
            y.sum().backward()

        def step_ref_masked():
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            y = ref(packed)[1][0][0]
            y.sum().backward()

        s_ours, s_ref = _time_pair(step_ours_masked, step_ref_masked, args.repeats)
        _report("right-padded mask: kerasish LSTM(mask=...) vs nn.LSTM on a PackedSequence", s_ours, s_ref)
    return 0


if __name__ == "__main__":
    sys.exit(main())
