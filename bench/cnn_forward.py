"""Micro-benchmark: the "chapter 8" CNN, forward + backward, kerasish vs hand-written torch.

Model (Keras spelling): Input(28, 28, 1) → Conv2D(32, 3, 'same', relu) → MaxPooling2D →
Conv2D(64, 3, 'same', relu) → MaxPooling2D → Flatten → Dense(100, relu) → Dropout(0.4) →
Dense(10, softmax). kerasish runs it channels_last (NHWC tensors at the layer boundaries,
viewed as NCHW inside each conv/pool); the reference is the equivalent ``torch.nn.Sequential``
on NCHW tensors, the way a PyTorch user writes it (also shown: the same torch model in
``memory_format=torch.channels_last``, which isolates kerasish's own overhead). All run in
training mode and backpropagate the same loss (mean negative log of the true class probability).
Run:
    python bench/cnn_forward.py [--threads 2] [--batch 64] [--steps 5] [--repeats 8] [--device cpu]
Prints milliseconds per forward+backward step for each, and the ratio kerasish / torch.
"""
import argparse
import time

import numpy as np
import torch

import kerasish
from kerasish import layers


def kerasish_model():
    return kerasish.Sequential([
        kerasish.Input((28, 28, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(100, activation="relu"),
        layers.Dropout(0.4),
        layers.Dense(10, activation="softmax"),
    ])


def torch_model():
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 100), nn.ReLU(), nn.Dropout(0.4),
        nn.Linear(100, 10), nn.Softmax(dim=1),
    )


def make_step(model, x, y):
    params = [p for p in model.parameters() if p.requires_grad]

    def step():
        for p in params:
            p.grad = None
        probs = model(x)
        loss = -torch.log(probs.gather(1, y[:, None]).clamp_min(1e-7)).mean()
        loss.backward()
    return step


def time_steps(step, steps, device):
    """Milliseconds per step over one run of ``steps`` steps (after the caller's warm-up)."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    kerasish.backend.set_device(args.device)

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x_nhwc = torch.from_numpy(rng.random((args.batch, 28, 28, 1), dtype=np.float32)).to(device)
    x_nchw = x_nhwc.permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(rng.integers(0, 10, args.batch)).to(device)

    ours = kerasish_model().to(device)
    ours.train()
    theirs = torch_model().to(device)
    theirs.train()
    theirs_cl = torch_model().to(device).to(memory_format=torch.channels_last)
    theirs_cl.train()
    step_ours = make_step(ours, x_nhwc, y)
    step_theirs = make_step(theirs, x_nchw, y)
    step_theirs_cl = make_step(theirs_cl, x_nchw.contiguous(memory_format=torch.channels_last), y)

    for _ in range(3):  # warm-up
        step_theirs()
        step_theirs_cl()
        step_ours()
    # interleaved runs (A B C A B C ...), so drifts in machine load hit all alike; keep each one's best
    t_ours, t_theirs, t_theirs_cl = [], [], []
    for _ in range(args.repeats):
        t_theirs.append(time_steps(step_theirs, args.steps, device))
        t_theirs_cl.append(time_steps(step_theirs_cl, args.steps, device))
        t_ours.append(time_steps(step_ours, args.steps, device))
    t_ours, t_theirs, t_theirs_cl = min(t_ours), min(t_theirs), min(t_theirs_cl)
    print(f"device={device} threads={args.threads} batch={args.batch}")
    print(f"kerasish Sequential (NHWC, channels_last views): {t_ours:8.2f} ms/step")
    print(f"torch nn.Sequential (NCHW):                      {t_theirs:8.2f} ms/step")
    print(f"torch nn.Sequential (channels_last memory):      {t_theirs_cl:8.2f} ms/step")
    print(f"ratio kerasish/torch: {t_ours / t_theirs:.2f}  (vs torch channels_last: {t_ours / t_theirs_cl:.2f})")


if __name__ == "__main__":
    main()
