"""Export what the page trained: the model file `deepgrad predict` loads (train's `save`), and a
Python script that builds, trains and saves the same network with deepgrad, step for step."""

import tempfile
from pathlib import Path

import numpy as np

from deepgrad.playground.network import ACTIVATIONS
from deepgrad.train.model_file import save


def model_bytes(session):
    """The bytes of a deepgrad model file of the session's model; its metadata tells `deepgrad
    predict` to read columns x1, x2 of a CSV (and "label", when present, to score)."""
    session.model.eval()
    metadata = {"task": "classification" if session.classification else "regression",
                "classes": [0, 1] if session.classification else None,
                "features": ["x1", "x2"], "target": "label", "epoch": session.epoch,
                "settings": session.settings}
    with tempfile.TemporaryDirectory() as folder:
        path = save(session.model, Path(folder) / "playground.safetensors", metadata=metadata)
        return path.read_bytes()


def _array(values):
    return np.array2string(np.asarray(values), separator=", ", threshold=10**6,
                           max_line_width=96, floatmode="unique")


def _network_lines(s, outputs):
    act = ACTIVATIONS[s["activation"]]
    scheme = "he" if s["activation"] == "relu" else "xavier"
    lines = ["init = np.random.default_rng([SEED, 1])",
             f"layers, width = [Features({s['features']!r})], {len(s['features'])}",
             f"for size in {s['hidden']!r}:",
             f"    block = [init_linear_(nn.Linear(width, size), {scheme!r}, {act!r}, init)]"]
    if s["batchnorm"]:
        lines.append("    block.append(nn.BatchNorm1d(size))")
    lines.append(f"    block = nn.Sequential(*block, nn.ACTIVATIONS[{act!r}]())")
    lines.append("    layers.append(nn.Residual(block) if size == width else block)" if s["residual"]
                 else "    layers.append(block)")
    lines += ["    width = size",
              f"layers.append(init_linear_(nn.Linear(width, {outputs}), {scheme!r}, None, init))",
              "model = nn.Sequential(*layers)"]
    return lines


def script(session):
    """Python source that replays the session's run: same data, seed, network and settings, for
    as many epochs as the page has trained (settings changed mid-run: the current ones are used)."""
    s, classification = session.settings, session.classification
    if session.custom:
        data = [f"points = np.array({_array(session.custom[0])})",
                f"targets = np.array({_array(session.custom[1])})"]
    else:
        data = [f"points, targets = make({s['dataset']!r}, {500}, {s['noise'] / 100!r}, rng)"]
    added = [f"added = np.array({_array(session.added[0].reshape(-1, 2))}).reshape(-1, 2)",
             f"added_targets = np.array({_array(session.added[1])})"]
    optimizer = {"sgd": "optim.SGD(model.parameters(), lr=LR)",
                 "momentum": "optim.SGD(model.parameters(), lr=LR, momentum=0.9)",
                 "nesterov": "optim.SGD(model.parameters(), lr=LR, momentum=0.9, nesterov=True)",
                 "adam": "optim.Adam(model.parameters(), lr=LR)",
                 "adamw": "optim.AdamW(model.parameters(), lr=LR)"}[s["optimizer"]]
    if classification:
        loss = "nn.functional.cross_entropy(model(dg.tensor(X[b])), dg.tensor(y[b].astype(np.int64)))"
    else:
        loss = "nn.functional.mse_loss(model(dg.tensor(X[b])), dg.tensor(y[b].reshape(-1, 1).astype(np.float32)))"
    penalty = {"none": "0.0",
               "l1": f"{s['reg_rate']!r} * nn.functional.l1_penalty(weights)",
               "l2": f"{s['reg_rate']!r} / 2 * nn.functional.l2_penalty(weights)"}[s["regularization"]]
    skip_one = "    if len(b) < 2:  # BatchNorm needs two rows\n            continue\n" \
        if s["batchnorm"] else ""
    return "\n".join([
        '"""Replays a deepgrad playground run: python playground_train.py writes model.safetensors."""',
        "import numpy as np",
        "",
        "import deepgrad as dg",
        "from deepgrad import nn, optim",
        "from deepgrad.nn.init import init_linear_",
        "from deepgrad.playground.datasets import make",
        "from deepgrad.playground.features import Features",
        "",
        f"SEED, EPOCHS, LR, BATCH = {s['seed']}, {session.epoch}, {s['learning_rate']!r}, "
        f"{s['batch_size']}",
        "rng = np.random.default_rng([SEED, 0])",
        *data,
        *added,
        "order = rng.permutation(len(points))",
        f"n_train = max(1, int(round(len(points) * {s['train_ratio']} / 100)))",
        "X = np.concatenate([points[order[:n_train]], added]).astype(np.float32)",
        "y = np.concatenate([targets[order[:n_train]], added_targets])",
        *_network_lines(s, 2 if classification else 1),
        f"optimizer = {optimizer}",
        "weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]",
        "batches = np.random.default_rng([SEED, 2])",
        "for epoch in range(EPOCHS):",
        "    model.train()",
        "    shuffled = batches.permutation(len(X))",
        "    for start in range(0, len(X), BATCH):",
        "        b = shuffled[start:start + BATCH]",
        *([skip_one.rstrip("\n").replace("    if", "        if", 1)] if skip_one else []),
        f"        loss = {loss} + {penalty}",
        "        optimizer.zero_grad()",
        "        loss.backward()",
        "        optimizer.step()",
        "model.eval()",
        'dg.save(model, "model.safetensors")',
        'print(f"trained {EPOCHS} epochs; saved model.safetensors")',
        ""])
