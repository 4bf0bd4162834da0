#!/usr/bin/env python3
"""fit / evaluate / predict of four tutorial models: kerasish against a hand-written torch loop
(and real Keras 3 on torch when ``--keras3`` and it is installed), ratios measured in one run.

Models: mlp (Flatten, Dense(100), Dropout, Dense(10); batch 32), wide (2 x Dense(1024); batch 256),
cnn (chapter-8 CNN on 28x28x1; batch 64), lstm (LSTM(100) over 100 steps of 32 features; batch 64).

    python bench/suite.py [--device cpu|cuda] [--threads 2] [--n 6000] [--models mlp,wide,cnn,lstm]
                          [--bf16] [--keras3]

Each figure is the median of --repeats interleaved runs; ratios are time(kerasish)/time(torch)
(lower is better) and, for predict, throughput(kerasish)/throughput(torch) (higher is better).
``--bf16`` runs the CNN under mixed_bfloat16 / torch.autocast(bfloat16) with channels_last.
"""
import argparse
import os
import statistics
import time

import numpy as np
import torch


def data(model, n, rng):
    if model in ("mlp", "wide"):
        return rng.random((n, 28, 28), dtype=np.float32), rng.integers(0, 10, n)
    if model == "cnn":
        return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, n)
    return rng.standard_normal((n, 100, 32)).astype(np.float32), rng.integers(0, 2, n)


BATCH = {"mlp": 32, "wide": 256, "cnn": 64, "lstm": 64}


def keras_model(k, model):
    L = k.layers
    if model == "mlp":
        layers = [L.Input((28, 28)), L.Flatten(), L.Dense(100, activation="relu"), L.Dropout(0.3),
                  L.Dense(10, activation="softmax")]
    elif model == "wide":
        layers = [L.Input((28, 28)), L.Flatten(), L.Dense(1024, activation="relu"),
                  L.Dense(1024, activation="relu"), L.Dense(10, activation="softmax")]
    elif model == "cnn":
        layers = [L.Input((28, 28, 1)), L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(),
                  L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D(), L.Flatten(),
                  L.Dense(100, activation="relu"), L.Dropout(0.4), L.Dense(10, activation="softmax")]
    else:
        layers = [L.Input((100, 32)), L.LSTM(100), L.Dense(2, activation="softmax")]
    m = k.Sequential(layers)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


class TorchNet(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        nn = torch.nn
        self.model = model
        if model == "mlp":
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Dropout(0.3),
                                     nn.Linear(100, 10))
        elif model == "wide":
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024),
                                     nn.ReLU(), nn.Linear(1024, 10))
        elif model == "cnn":
            self.net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                     nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                     nn.Linear(64 * 7 * 7, 100), nn.ReLU(), nn.Dropout(0.4), nn.Linear(100, 10))
        else:
            self.lstm = nn.LSTM(32, 100, batch_first=True)
            self.head = nn.Linear(100, 2)

    def forward(self, x):
        if self.model == "cnn":
            return self.net(x.permute(0, 3, 1, 2))
        if self.model == "lstm":
            return self.head(self.lstm(x)[0][:, -1])
        return self.net(x)


def torch_fit_epoch(net, opt, x, y, bs, amp):
    net.train()
    loss_fn = torch.nn.CrossEntropyLoss()
    perm = torch.randperm(len(x), device=x.device)
    total = torch.zeros((), device=x.device)
    correct = torch.zeros((), dtype=torch.long, device=x.device)
    for i in range(0, len(x), bs):
        idx = perm[i:i + bs]
        xb, yb = x[idx], y[idx]
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=amp):
            logits = net(xb)
            loss = loss_fn(logits.float(), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            total += loss.detach() * len(idx)
            correct += (logits.argmax(1) == yb).sum()
    return (total / len(x)).item(), correct.item() / len(x)


@torch.no_grad()
def torch_eval(net, x, y, bs, amp):
    net.eval()
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
    total = torch.zeros((), device=x.device)
    correct = torch.zeros((), dtype=torch.long, device=x.device)
    for i in range(0, len(x), bs):
        yb = y[i:i + bs]
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=amp):
            logits = net(x[i:i + bs]).float()
            total += loss_fn(logits, yb)
        correct += (logits.argmax(1) == yb).sum()
    return (total / len(x)).item(), correct.item() / len(x)


@torch.no_grad()
def torch_predict(net, x_np, bs, device, amp):
    net.eval()
    x = torch.from_numpy(x_np).to(device)
    outs = []
    for i in range(0, len(x), bs):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            outs.append(torch.softmax(net(x[i:i + bs]).float(), 1))
    return torch.cat(outs).cpu().numpy()


def timed(fn, sync):
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--n", type=int, default=6000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--models", default="mlp,wide,cnn,lstm")
    p.add_argument("--bf16", action="store_true", help="CNN in bfloat16 autocast, channels_last")
    p.add_argument("--keras3", action="store_true", help="also time real Keras 3 (KERAS_BACKEND=torch)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    import kerasish as keras
    keras.backend.set_device(args.device)
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    k3 = None
    if args.keras3:
        os.environ.setdefault("KERAS_BACKEND", "torch")
        try:
            import keras as k3
        except ImportError:
            print("real Keras is not installed; skipping it")
    rng = np.random.default_rng(0)
    print(f"device={args.device} threads={args.threads} n={args.n} repeats={args.repeats}")
    print("| model | fit x torch | evaluate x torch | predict throughput vs torch |" + (" Keras3 fit x torch |" if k3 else ""))
    print("|---|---|---|---|" + ("---|" if k3 else ""))
    for name in args.models.split(","):
        x, y = data(name, args.n, rng)
        bs = BATCH[name]
        amp = args.bf16 and name == "cnn"
        keras.mixed_precision.set_global_policy("mixed_bfloat16" if amp else "float32")
        km = keras_model(keras, name)
        net = TorchNet(name).to(device)
        if amp and device.type == "cuda":
            net = net.to(memory_format=torch.channels_last)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).long().to(device)
        # warm-up
        torch_fit_epoch(net, opt, xt[:bs * 4], yt[:bs * 4], bs, amp)
        km.fit(x[:bs * 4], y[:bs * 4], batch_size=bs, verbose=0)
        res = {k: [] for k in ("tf", "kf", "te", "ke", "tp", "kp", "3f")}
        for _ in range(args.repeats):
            res["tf"].append(timed(lambda: torch_fit_epoch(net, opt, xt, yt, bs, amp), sync))
            res["kf"].append(timed(lambda: km.fit(x, y, batch_size=bs, epochs=1, verbose=0), sync))
            res["te"].append(timed(lambda: torch_eval(net, xt, yt, bs, amp), sync))
            res["ke"].append(timed(lambda: km.evaluate(x, y, batch_size=bs, verbose=0), sync))
            res["tp"].append(timed(lambda: torch_predict(net, x, bs, device, amp), sync))
            res["kp"].append(timed(lambda: km.predict(x, batch_size=bs, verbose=0), sync))
        row = (f"| {name}{' bf16' if amp else ''} | {statistics.median(res['kf']) / statistics.median(res['tf']):.2f} "
               f"| {statistics.median(res['ke']) / statistics.median(res['te']):.2f} "
               f"| {statistics.median(res['tp']) / statistics.median(res['kp']):.2f} |")
        if k3 is not None:
            m3 = keras_model(k3, name)
            m3.fit(x[:bs * 4], y[:bs * 4], batch_size=bs, verbose=0)
            t3 = statistics.median(timed(lambda: m3.fit(x, y, batch_size=bs, epochs=1, verbose=0), sync)
                                   for _ in range(args.repeats))
            row += f" {t3 / statistics.median(res['tf']):.2f} |"
        print(row, flush=True)
    keras.mixed_precision.set_global_policy("float32")


if __name__ == "__main__":
    main()
