"""Training an MLP on the digits: deepgrad's `fit` vs scikit-learn's MLPClassifier vs PyTorch eager.

    .venv/bin/python -m benchmarks.fit_digits            # 5 seeds each, prints a Markdown table
    .venv/bin/python -m benchmarks.fit_digits --seeds 1 --threads 2

The same task for all three, in one process: digits standardised on an 80/20 stratified split,
MLP 64-128-128-10 with ReLU, cross-entropy, Adam (lr 1e-3, no weight decay), minibatches of 64
reshuffled every epoch, 30 epochs, float32 for deepgrad and PyTorch (scikit-learn computes in
float64). PyTorch slices its tensors per batch (no DataLoader, the fastest eager loop). Each peer's
time is the median over seeds of the whole training call; accuracy is the mean (and standard
deviation) of the test accuracy over seeds.
Ratios are peer time / deepgrad time (> 1: deepgrad is faster). BLAS and torch use `--threads`.
"""

import argparse
import os
import sys

PARSER = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
PARSER.add_argument("--seeds", type=int, default=5)
PARSER.add_argument("--threads", type=int, default=1)
ARGS = PARSER.parse_args(sys.argv[1:] if __name__ == "__main__" else [])
THREADS = ARGS.threads  # set before NumPy and torch start their thread pools
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)

import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from deepgrad import data, nn, optim, train  # noqa: E402

torch.set_num_threads(THREADS)
WIDTHS, EPOCHS, BATCH, LR = [64, 128, 128, 10], 30, 64, 1e-3


def split(seed):
    X, y = data.load_dataset("digits")
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.2, stratify=True, seed=seed)
    X_train, mean, std = data.standardize(X_train)
    return X_train, data.standardize(X_test, mean, std)[0], y_train, y_test


def run_deepgrad(X_train, X_test, y_train, y_test, seed):
    model = nn.MLP(WIDTHS, generator=seed)
    start = time.perf_counter()
    train.fit(model, nn.functional.cross_entropy, optim.Adam(model.parameters(), lr=LR),
              (X_train, y_train), epochs=EPOCHS, batch_size=BATCH, progress=False, seed=seed)
    seconds = time.perf_counter() - start
    return seconds, train.accuracy(train.predict(model, X_test), y_test)


def run_sklearn(X_train, X_test, y_train, y_test, seed):
    model = MLPClassifier(WIDTHS[1:-1], activation="relu", solver="adam", alpha=0.0,
                          batch_size=BATCH, learning_rate_init=LR, max_iter=EPOCHS, shuffle=True,
                          tol=0.0, n_iter_no_change=EPOCHS + 1, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return seconds, float(np.mean(model.predict(X_test) == y_test))


def run_torch(X_train, X_test, y_train, y_test, seed):
    torch.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(WIDTHS[:-1], WIDTHS[1:])):
        layers += [torch.nn.Linear(a, b)] + ([torch.nn.ReLU()] if i < len(WIDTHS) - 2 else [])
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    X, y = torch.from_numpy(X_train), torch.from_numpy(y_train)
    start = time.perf_counter()
    for _ in range(EPOCHS):
        order = torch.randperm(len(X))
        Xs, ys = X[order], y[order]
        for i in range(0, len(X), BATCH):
            loss = torch.nn.functional.cross_entropy(model(Xs[i:i + BATCH]), ys[i:i + BATCH])
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        predicted = model(torch.from_numpy(X_test)).argmax(1).numpy()
    return seconds, float(np.mean(predicted == y_test))


PEERS = {"deepgrad fit": run_deepgrad, "scikit-learn MLPClassifier": run_sklearn,
         "PyTorch eager": run_torch}


def main():
    args = ARGS
    results = {name: [] for name in PEERS}
    for seed in range(args.seeds):
        splits = split(seed)
        for name, run in PEERS.items():
            results[name].append(run(*splits, seed))
    ours = statistics.median(s for s, _ in results["deepgrad fit"])
    print(f"Digits, MLP {'-'.join(map(str, WIDTHS))}, Adam lr {LR}, batch {BATCH}, {EPOCHS} "
          f"epochs; {args.seeds} seed(s), {THREADS} thread(s), torch {torch.__version__}\n")
    print("| trainer | time (s, median) | test accuracy (mean ± sd) | time / deepgrad's |")
    print("| --- | ---: | ---: | ---: |")
    for name, runs in results.items():
        seconds = statistics.median(s for s, _ in runs)
        accuracies = [a for _, a in runs]
        spread = statistics.stdev(accuracies) if len(runs) > 1 else 0.0
        print(f"| {name} | {seconds:.2f} | {statistics.mean(accuracies):.4f} ± {spread:.4f} | "
              f"{seconds / ours:.2f} |")


if __name__ == "__main__":
    main()
