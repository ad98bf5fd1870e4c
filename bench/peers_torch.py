#!/usr/bin/env python3
# The PyTorch peer of bench/peers.js: d2l's softmax regression and MLP 784-256-10 on the Fashion-MNIST bytes
# that peers.js wrote (loaded by wasm-softmax's own loader), trained the way a PyTorch user trains them fastest
# on a CPU: the whole set preloaded as one float tensor, batches gathered by a randperm index (no DataLoader),
# nn.Sequential(Flatten, Linear[, ReLU, Linear]) with d2l's normal(0, 0.01) init, SGD lr 0.1, CrossEntropyLoss.
# The epoch clock covers the shuffle and the batch loop; the test accuracy is measured after the last epoch.
#
#   python3 bench/peers_torch.py --data DIR --epochs 3 --threads 1 --models softmax,mlp [--gate]
#
# With --gate, prints each epoch as a JSON line {ms, loss, acc} and waits for "go" on stdin before going on. Then
# prints one JSON object: {"torch": version, "threads": n, "blas": {library, version, kernels, ...}, "runs":
# [{model, epochs: [{ms, loss, acc}], testAcc}]}. Debian's torch calls whatever libblas.so.3 points to: with only
# libblas3 (the reference BLAS) its matmuls are ~15× slower than with libopenblas0-pthread, so say which one, and
# for OpenBLAS which kernel family it picked (OPENBLAS_CORETYPE pins one; peers.js runs PyTorch with and without).
# peers.js sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS to --threads, so OpenBLAS's own pool obeys it too.
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

ROWS, TEST_ROWS, PIXELS, CLASSES, HIDDEN = 60000, 10000, 784, 10, 256


def load(data_dir, name, rows):
    x = np.fromfile(os.path.join(data_dir, f"{name}-x.u8"), dtype=np.uint8)
    y = np.fromfile(os.path.join(data_dir, f"{name}-y.u8"), dtype=np.uint8)
    assert x.size == rows * PIXELS and y.size == rows, f"{name}: {x.size} pixels, {y.size} labels"
    return torch.from_numpy(x).float().div_(255).view(rows, 1, 28, 28), torch.from_numpy(y.astype(np.int64))


def make(model):
    layers = [nn.Flatten(), nn.Linear(PIXELS, CLASSES)] if model == "softmax" else \
        [nn.Flatten(), nn.Linear(PIXELS, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES)]
    net = nn.Sequential(*layers)
    for m in net:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.01)
            nn.init.zeros_(m.bias)
    return net


def train(model, x, y, xt, yt, epochs, batch, lr, gate):
    net = make(model)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    out = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(ROWS)
        total, correct = 0.0, 0
        for i in range(0, ROWS, batch):
            idx = perm[i:i + batch]
            xb, yb = x[idx], y[idx]
            logits = net(xb)
            loss = loss_fn(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
        ms = (time.perf_counter() - t0) * 1000
        out.append({"ms": ms, "loss": total / ROWS, "acc": correct / ROWS})
        if gate:
            # peers.js checks the first epoch of every implementation before any goes on, then runs the
            # implementations' epochs in turns.
            print(json.dumps(out[-1]), flush=True)
            if sys.stdin.readline().strip() != "go":
                return {"model": model, "epochs": out, "testAcc": None}
    with torch.no_grad():
        test_acc = (net(xt).argmax(1) == yt).float().mean().item()
    return {"model": model, "epochs": out, "testAcc": test_acc}


def blas():
    """The BLAS PyTorch loaded and, for OpenBLAS, the kernel family it picked (threadpoolctl reads it from the
    library itself: "Haswell" when OPENBLAS_CORETYPE pins it there, "Cooperlake"/"SkylakeX"/"Zen" when free)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        with open("/proc/self/maps") as maps:
            libs = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1]})
        return {"library": (libs or ["unknown"])[0], "kernels": None,
                "why": "threadpoolctl is not installed (apt-get install python3-threadpoolctl)"}
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            return {"library": info.get("filepath"), "api": info.get("internal_api"), "version": info.get("version"),
                    "kernels": info.get("architecture"), "threading": info.get("threading_layer")}
    return {"library": "unknown", "kernels": None, "why": "threadpoolctl found no BLAS in this process"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--models", default="softmax,mlp")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gate", action="store_true", help="print each epoch as a JSON line and wait for 'go' on stdin before the next")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = load(a.data, "train", ROWS)
    xt, yt = load(a.data, "test", TEST_ROWS)
    runs = [train(m, x, y, xt, yt, a.epochs, a.batch, a.lr, a.gate) for m in a.models.split(",")]
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas(), "runs": runs}))


if __name__ == "__main__":
    main()
