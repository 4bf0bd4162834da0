#!/usr/bin/env python3
"""fit / predict overhead of kerasish against a hand-written PyTorch loop, measured in one run.

Models (the tutorial's Fashion-MNIST MLPs on synthetic data of the same shape):
  A  Flatten → Dense(100, relu) → Dropout(0.3) → Dense(10, softmax), batch 32 (overhead-bound)
  B  Flatten → Dense(1024, relu) → Dense(1024, relu) → Dense(10, softmax), batch 256 (compute-bound)
Each repeat trains one epoch with each implementation, interleaved (torch, kerasish, torch, ...), then
times predict over the training set at batch 32. Prints medians and ratios (kerasish / torch).

    python bench/mlp_overhead.py --model A --repeats 3 --threads 2 [--device cpu|cuda] [--n 60000]
"""
import argparse
import statistics
import time

import numpy as np
import torch


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n).astype(np.uint8)
    proto = rng.random((10, 28, 28), dtype=np.float32)
    x = rng.random((n, 28, 28), dtype=np.float32) * 0.8 + 0.2 * proto[y]
    return x, y


def torch_net(model):
    nn = torch.nn
    if model == "A":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Dropout(0.3), nn.Linear(100, 10))
    else:
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                            nn.Linear(1024, 10))
    return net


def torch_epoch(net, opt, xt, yt, bs, device):
    loss_fn = torch.nn.CrossEntropyLoss()
    net.train()
    n = len(xt)
    perm = torch.randperm(n, device=device)
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    for i in range(0, n, bs):
        idx = perm[i:i + bs]
        xb, yb = xt[idx], yt[idx]
        logits = net(xb)
        loss = loss_fn(logits, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            loss_sum += loss.detach() * len(idx)
            correct += (logits.argmax(1) == yb).sum()
    return (loss_sum / n).item(), correct.item() / n


@torch.no_grad()
def torch_predict(net, x_np, bs, device):
    net.eval()
    x = torch.from_numpy(x_np).to(device)
    out = torch.empty(len(x), 10, device=device)
    for i in range(0, len(x), bs):
        out[i:i + bs] = torch.softmax(net(x[i:i + bs]), dim=1)
    return out.cpu().numpy()


def keras_model(keras, model):
    L = keras.layers
    if model == "A":
        return keras.Sequential([L.Input(shape=[28, 28]), L.Flatten(), L.Dense(100, activation="relu"),
                                 L.Dropout(0.3), L.Dense(10, activation="softmax")])
    return keras.Sequential([L.Input(shape=[28, 28]), L.Flatten(), L.Dense(1024, activation="relu"),
                             L.Dense(1024, activation="relu"), L.Dense(10, activation="softmax")])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["A", "B"], default="A")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--n", type=int, default=60000)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    import kerasish as keras
    keras.backend.set_device(args.device)
    device = torch.device(args.device)
    bs = 32 if args.model == "A" else 256
    x, y = make_data(args.n)
    sync = (lambda: torch.cuda.synchronize()) if device.type == "cuda" else (lambda: None)

    net = torch_net(args.model).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).long().to(device)
    model = keras_model(keras, args.model)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    # warm-up: one small epoch each
    torch_epoch(net, opt, xt[:2048], yt[:2048], bs, device)
    model.fit(x[:2048], y[:2048], batch_size=bs, epochs=1, verbose=0)
    t_torch, t_ker, p_torch, p_ker = [], [], [], []
    for _ in range(args.repeats):
        sync(); t0 = time.perf_counter()
        torch_epoch(net, opt, xt, yt, bs, device)
        sync(); t_torch.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.fit(x, y, batch_size=bs, epochs=1, verbose=0)
        sync(); t_ker.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        torch_predict(net, x, 32, device)
        sync(); p_torch.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.predict(x, batch_size=32, verbose=0)
        sync(); p_ker.append(time.perf_counter() - t0)
    med = statistics.median
    print(f"model {args.model}, batch {bs}, n={args.n}, device={args.device}, threads={args.threads}, "
          f"repeats={args.repeats}")
    print(f"epoch  torch {med(t_torch):.3f}s  kerasish {med(t_ker):.3f}s  ratio {med(t_ker) / med(t_torch):.3f}x"
          f"  (pairwise min {min(k / t for k, t in zip(t_ker, t_torch)):.3f}x)")
    print(f"predict throughput ratio (kerasish / torch) {med(p_torch) / med(p_ker):.3f}  "
          f"[torch {args.n / med(p_torch):,.0f}/s, kerasish {args.n / med(p_ker):,.0f}/s]")


if __name__ == "__main__":
    main()
