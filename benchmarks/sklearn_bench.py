"""deepgrad.sklearn's MLPClassifier / MLPRegressor against scikit-learn's, on the same data.

    .venv/bin/python -m benchmarks.sklearn_bench           # 5 seeds (about a minute)
    .venv/bin/python -m benchmarks.sklearn_bench --quick   # 2 seeds, fewer epochs

digits and breast_cancer (accuracy) and diabetes (R2), standardised, one split per seed: the same
parameters for both (hidden (64,), Adam, lr 1e-3, batch 64, a fixed number of epochs: tol=0 so
neither stops early). Reported: the score as mean ± sd over seeds, fit time per epoch (median),
and scikit-learn's time over deepgrad's (> 1: deepgrad is faster). One thread everywhere.
Writes benchmarks/sklearn_results.json and its section of RESULTS.md; asserts nothing.
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # one thread for every peer, fixed before NumPy starts
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path

from sklearn import datasets, neural_network
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from benchmarks.sections import write_section
from deepgrad import sklearn as dg_sklearn

HERE = Path(__file__).resolve().parent
DATA = {"digits": (datasets.load_digits, "accuracy"),
        "breast_cancer": (datasets.load_breast_cancer, "accuracy"),
        "diabetes": (datasets.load_diabetes, "R2")}


def _split(name, seed):
    X, y = DATA[name][0](return_X_y=True)
    classify = DATA[name][1] == "accuracy"
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=seed,
                                              stratify=y if classify else None)
    scale = StandardScaler().fit(X_tr)
    if not classify:  # targets on a unit scale, so lr 1e-3 suits both
        mu, sd = y_tr.mean(), y_tr.std()
        y_tr, y_te = (y_tr - mu) / sd, (y_te - mu) / sd
    return scale.transform(X_tr), scale.transform(X_te), y_tr, y_te


def _fit(make, split, epochs, seed):
    """(seconds per epoch, test score) of one fit."""
    X_tr, X_te, y_tr, y_te = split
    model = make(hidden_layer_sizes=(64,), solver="adam", learning_rate_init=1e-3, batch_size=64,
                 max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_tr, y_tr)
    seconds = time.perf_counter() - start
    return seconds / model.n_iter_, float(model.score(X_te, y_te))


def run(seeds, epochs, names=tuple(DATA)):
    """{dataset: {peer: {"epoch_seconds": [...], "scores": [...]}}}."""
    out = {}
    for name in names:
        classify = DATA[name][1] == "accuracy"
        peers = {"deepgrad": dg_sklearn.MLPClassifier if classify else dg_sklearn.MLPRegressor,
                 "sklearn": (neural_network.MLPClassifier if classify
                             else neural_network.MLPRegressor)}
        out[name] = {peer: {"epoch_seconds": [], "scores": []} for peer in peers}
        for seed in range(seeds):
            split = _split(name, seed)
            for peer, make in peers.items():
                per_epoch, score = _fit(make, split, epochs, seed)
                out[name][peer]["epoch_seconds"].append(per_epoch)
                out[name][peer]["scores"].append(score)
    return out


def markdown(results, seeds, epochs):
    lines = ["## scikit-learn estimators: deepgrad.sklearn vs scikit-learn (one thread)", "",
             f"hidden (64,), Adam lr 1e-3, batch 64, {epochs} epochs, {seeds} seeds "
             "(`python -m benchmarks.sklearn_bench`); two shared cores, timings drift.", "",
             "| data | score | deepgrad | scikit-learn | ms/epoch deepgrad | ms/epoch sklearn "
             "| sklearn time / deepgrad's |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, peers in results.items():
        d, s = peers["deepgrad"], peers["sklearn"]
        td, ts = statistics.median(d["epoch_seconds"]), statistics.median(s["epoch_seconds"])

        def score(p):
            sd = statistics.stdev(p["scores"]) if len(p["scores"]) > 1 else 0.0
            return f"{statistics.mean(p['scores']):.4f} ± {sd:.4f}"

        lines.append(f"| {name} | {DATA[name][1]} | {score(d)} | {score(s)} | {1e3 * td:.2f} | "
                     f"{1e3 * ts:.2f} | {ts / td:.2f}x |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 seeds, 10 epochs")
    parser.add_argument("--out", default=str(HERE), help="folder for sklearn_results.json")
    args = parser.parse_args(argv)
    seeds, epochs = (2, 10) if args.quick else (5, 30)
    results = run(seeds, epochs)
    text = markdown(results, seeds, epochs)
    print(text)
    Path(args.out, "sklearn_results.json").write_text(json.dumps(
        {"seeds": seeds, "epochs": epochs, "threads": os.environ.get("OPENBLAS_NUM_THREADS"),
         "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "results": results},
        indent=1))
    if Path(args.out).resolve() == HERE:
        write_section("sklearn_bench", text)


if __name__ == "__main__":
    main()
