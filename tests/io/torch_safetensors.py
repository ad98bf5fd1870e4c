"""PyTorch's side of the safetensors round trip (tests/io/safetensors.test.ts runs it with Debian's python3-torch).

    /usr/bin/python3 tests/io/torch_safetensors.py DIR

DIR holds what the test wrote: train-images.u8 / train-labels.u8 and test-images.u8 / test-labels.u8 (raw bytes,
784 pixels per image), and wasm-softmax's exports as ws-<name>.safetensors with ws-<name>.json (its layers).
This script
  1. trains d2l's softmax regression and MLP briefly (5 epochs, batch 256, SGD lr 0.1) on the training images and writes each state dict as
     torch-<name>.safetensors, laid out by hand (the safetensors package is not installed), with the test-set
     probabilities (torch-<name>.f32, float32 little-endian) and its number of right answers (report.json);
  2. loads every ws-<name>.safetensors into the matching nn.Sequential with load_state_dict(strict=True) and
     writes its test-set probabilities as ws-<name>.f32; a file with a normaliser's tensors (normalizer.mean and
     normalizer.std) has them taken out of the state dict first and applied to the images, as a user would.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)
DIR = sys.argv[1]


def images(name):
    raw = np.fromfile(os.path.join(DIR, f"{name}-images.u8"), dtype=np.uint8)
    return torch.from_numpy(raw.reshape(-1, 1, 28, 28).astype(np.float32) / 255)


def labels(name):
    return torch.from_numpy(np.fromfile(os.path.join(DIR, f"{name}-labels.u8"), dtype=np.uint8).astype(np.int64))


def sequential(layers):
    """d2l's models: nn.Sequential(nn.Flatten(), nn.Linear, nn.ReLU(), nn.Linear, ...)."""
    modules = [nn.Flatten()]
    for i in range(len(layers) - 1):
        if i > 0:
            modules.append(nn.ReLU())
        modules.append(nn.Linear(layers[i], layers[i + 1]))
    return nn.Sequential(*modules)


def save_safetensors(path, state_dict):
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in state_dict.items():
        data = tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)  # the tensors start 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(b"".join(chunks))


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8 : 8 + n])
    header.pop("__metadata__", None)
    state = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", info
        begin, end = info["data_offsets"]
        values = np.frombuffer(raw, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin)
        state[name] = torch.from_numpy(values.astype(np.float32).reshape(info["shape"]))
    return state


def probabilities(model, x):
    with torch.no_grad():
        return torch.softmax(model(x), dim=1)


def main():
    train_x, train_y = images("train"), labels("train")
    test_x, test_y = images("test"), labels("test")
    report = {}
    for name, layers in (("softmax", [784, 10]), ("mlp", [784, 256, 10])):
        torch.manual_seed(0)
        model = sequential(layers)
        for m in model:
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.01)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = nn.CrossEntropyLoss()
        for _ in range(5):
            order = torch.randperm(len(train_y))
            for start in range(0, len(order), 256):
                batch = order[start : start + 256]
                optimizer.zero_grad()
                loss(model(train_x[batch]), train_y[batch]).backward()
                optimizer.step()
        save_safetensors(os.path.join(DIR, f"torch-{name}.safetensors"), model.state_dict())
        p = probabilities(model, test_x)
        p.numpy().astype("<f4").tofile(os.path.join(DIR, f"torch-{name}.f32"))
        report[name] = {"layers": layers, "correct": int((p.argmax(1) == test_y).sum())}

    for file in sorted(os.listdir(DIR)):
        if file.startswith("ws-") and file.endswith(".safetensors"):
            stem = file[: -len(".safetensors")]
            with open(os.path.join(DIR, f"{stem}.json")) as f:
                layers = json.load(f)["layers"]
            model = sequential(layers)
            state = load_safetensors(os.path.join(DIR, file))
            x = test_x
            if "normalizer.mean" in state:
                mean, std = state.pop("normalizer.mean"), state.pop("normalizer.std")
                # A feature constant in the training data has std 0: it is shifted, not scaled.
                x = (x.flatten(1) - mean) / torch.where(std > 0, std, torch.ones_like(std))
            model.load_state_dict(state, strict=True)
            probabilities(model, x).numpy().astype("<f4").tofile(os.path.join(DIR, f"{stem}.f32"))

    with open(os.path.join(DIR, "report.json"), "w") as f:
        json.dump({"torch": torch.__version__, **report}, f)


main()
