"""The `deepgrad train` and `deepgrad predict` commands.

    deepgrad train --data digits --hidden 128 128 --optimizer adam --lr 1e-3 --epochs 30 \\
        --batch-size 64 --out runs/digits
    deepgrad train --data table.csv --target label ...
    deepgrad train --data mnist1d --arch cnn --channels 25 25 25 --kernel 5 --lr 1e-2
    deepgrad predict --model runs/digits --data table.csv

`train` splits the data (stratified) into train / validation / test, builds
Sequential(Standardize, MLP) (Sequential(Standardize, ConvNet) with --arch cnn) so the model
carries its input scaling, trains with a progress bar, prints the test metrics and writes
model.safetensors, metrics.json and learning_curve.png to the run folder. `predict` writes one
prediction per row as CSV.

The run folder is locked while the run lives and an earlier run in it is refused unless
--overwrite (train/run_folder.py); every file is written atomically (train/atomic.py). Ctrl-C or
SIGTERM finishes the step and saves the run marked interrupted; signals during the save wait for
it, so the folder is always complete. A diverged run (NaN or inf loss) exits 1 and saves nothing.
"""

import argparse
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from deepgrad import nn, optim
from deepgrad.data import DATASETS, load_csv, load_dataset, load_npz, train_test_split
from deepgrad.nn.init import INIT_SCHEMES
from deepgrad.optim import lr_scheduler
from deepgrad.train.callbacks import EarlyStopping
from deepgrad.train.curves import plot_history
from deepgrad.train.atomic import write_bytes, write_text
from deepgrad.train.fit import NonFiniteLossError, evaluate, fit, predict
from deepgrad.train.interrupt import DeferInterrupts
from deepgrad.train.model_file import ModelFileError, load, nonfinite_weights, read_metadata, save
from deepgrad.train.progress import format_logs
from deepgrad.train.run_folder import RunFolder

OPTIMIZERS = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW,
              "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}
SCHEDULES = ("none", "cosine", "onecycle", "step")


def _at_least(minimum):
    """An argparse type: an integer >= minimum."""
    def parse(text):
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {value}")
        return value
    parse.__name__ = "integer"
    return parse


def add_commands(subparsers):
    """Register `train` and `predict` on an argparse sub-parser collection."""
    p = subparsers.add_parser("train", help="train an MLP on a dataset or a CSV/NPZ file",
                              description=__doc__.split("\n\n")[2])
    p.add_argument("--data", required=True,
                   help=f"a dataset ({', '.join(DATASETS)}) or a .csv / .npz file")
    p.add_argument("--target", help="the CSV column to predict (required for a CSV file)")
    p.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                   help="auto: classification when the labels are whole numbers")
    p.add_argument("--n-samples", type=_at_least(1), help="rows to generate (generated datasets)")
    p.add_argument("--noise", type=float, help="noise level (generated datasets)")
    p.add_argument("--hidden", type=_at_least(1), nargs="*", default=[128, 128],
                   help="hidden layer widths (default: 128 128)")
    p.add_argument("--arch", choices=["mlp", "cnn"], default="mlp",
                   help="cnn: strided Conv1d/Conv2d + ReLU layers and a linear head; digits are "
                        "read as 1x8x8 images, mnist1d and other data as 1xF signals")
    p.add_argument("--channels", type=_at_least(1), nargs="+", default=[25, 25, 25],
                   help="channels of each convolution (--arch cnn)")
    p.add_argument("--kernel", type=_at_least(1), default=5, help="kernel size (--arch cnn)")
    p.add_argument("--activation", choices=sorted(nn.ACTIVATIONS), default="relu")
    p.add_argument("--skip", choices=["none", "residual", "dense"], default="none")
    p.add_argument("--init", choices=INIT_SCHEMES, default="he")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    p.add_argument("--lr", type=float, default=1e-3, help="learning rate (peak for onecycle)")
    p.add_argument("--momentum", type=float, default=0.9, help="for sgd and rmsprop")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--schedule", choices=SCHEDULES, default="none")
    p.add_argument("--epochs", type=_at_least(0), default=30)
    p.add_argument("--batch-size", type=_at_least(1), default=64)
    p.add_argument("--test-size", type=float, default=0.2, help="fraction held out for test")
    p.add_argument("--val-size", type=float, default=0.1,
                   help="fraction of the rest held out for validation (0: none)")
    p.add_argument("--patience", type=_at_least(0), default=0,
                   help="early stopping on val_loss after this many epochs (0: off)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="run folder (default: runs/<data>-<time>)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier run in --out (without it, one is refused)")
    p.add_argument("--threads", type=_at_least(0), default=1,
                   help="BLAS threads (default 1: small MLPs train fastest on one, and spinning "
                        "BLAS threads slow a busy machine down; 0: the library's default)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plot", action="store_true",
                   help="write no learning_curve.png (a sweep keeps only the numbers)")
    p.set_defaults(func=train_command)

    q = subparsers.add_parser("predict", help="predict with a trained model",
                              description="Write one prediction per row of --data as CSV.")
    q.add_argument("--model", required=True, help="a run folder or a .safetensors file")
    q.add_argument("--data", required=True, help="a .csv / .npz file or a dataset name")
    q.add_argument("--out", help="CSV file to write (default: standard output)")
    q.set_defaults(func=predict_command)


def _read_data(source, target=None, n_samples=None, noise=None, seed=0):
    """(X, y or None, feature names) from a dataset name or a file."""
    if source in DATASETS:
        X, y = load_dataset(source, n_samples=n_samples, noise=noise, seed=seed)
        return X, y, [f"x{i}" for i in range(X.shape[1])]
    path = Path(source)
    if path.suffix == ".csv":
        return load_csv(path, target)
    if path.suffix == ".npz":
        X, y = load_npz(path)
        return X.reshape(len(X), -1), y, [f"x{i}" for i in range(X.reshape(len(X), -1).shape[1])]
    raise ValueError(f"--data {source!r} is neither a known dataset ({', '.join(DATASETS)}) nor "
                     "a .csv / .npz file")


def _targets(y, task):
    """(y ready for training, task, class values or None)."""
    if y is None:
        raise ValueError("the data has no target: give --target COLUMN for a CSV file")
    y = np.asarray(y)
    if task == "auto":
        task = "classification" if y.dtype.kind in "iub" else "regression"
    if task == "regression":
        return y.astype(np.float32).reshape(len(y), -1), task, None
    if y.dtype.kind not in "iub":
        raise ValueError("--task classification needs whole-number labels in the target column")
    classes, index = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"classification needs at least 2 classes, the target has {classes}")
    return index.astype(np.int64), task, classes.tolist()


def _check_fractions(args):
    """--test-size in (0, 1) and --val-size in [0, 1), named when wrong."""
    if not 0 < args.test_size < 1:
        raise ValueError(f"--test-size must be a fraction in (0, 1), got {args.test_size:g}")
    if not 0 <= args.val_size < 1:
        raise ValueError(f"--val-size must be a fraction in [0, 1) of the rows left after the "
                         f"test split (0: no validation set), got {args.val_size:g}")


def train_command(args):
    _check_fractions(args)
    X, y, features = _read_data(args.data, args.target, args.n_samples, args.noise, args.seed)
    y, task, classes = _targets(y, args.task)
    stratify = task == "classification"
    X_train, X_test, y_train, y_test = train_test_split(X, y, args.test_size, stratify, args.seed)
    val = None
    if args.val_size > 0:
        X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, args.val_size,
                                                          stratify, args.seed)
        val = (X_val, y_val)
    elif args.patience > 0:
        raise ValueError("--patience needs a validation set: give --val-size > 0")

    outputs = len(classes) if classes else y.shape[1]
    if args.arch == "cnn":
        shape = {"digits": (1, 8, 8)}.get(args.data, (1, X.shape[1]))
        mlp = nn.ConvNet(shape, args.channels, args.kernel, outputs, generator=args.seed)
    else:
        mlp = nn.MLP([X.shape[1], *args.hidden, outputs], activation=args.activation,
                     init=args.init, skip=None if args.skip == "none" else args.skip,
                     generator=args.seed)
    model = nn.Sequential(nn.Standardize(X.shape[1], *_statistics(X_train)), mlp)
    if not classes:  # the MLP predicts standardised targets; the last layer restores their units
        model.append(nn.Standardize(outputs, *_statistics(y_train), inverse=True))
    loss_fn = nn.functional.cross_entropy if classes else nn.functional.mse_loss
    kwargs = {"lr": args.lr, "weight_decay": args.weight_decay}
    if args.optimizer in ("sgd", "rmsprop"):
        kwargs["momentum"] = args.momentum
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), **kwargs)
    steps = -(-len(X_train) // args.batch_size)
    scheduler = {"none": lambda: None,
                 "cosine": lambda: lr_scheduler.CosineAnnealingLR(optimizer, args.epochs),
                 "onecycle": lambda: lr_scheduler.OneCycleLR(
                     optimizer, args.lr, total_steps=max(1, args.epochs * steps)),
                 "step": lambda: lr_scheduler.StepLR(optimizer, max(1, args.epochs // 3)),
                 }[args.schedule]()
    callbacks = [EarlyStopping(patience=args.patience)] if args.patience > 0 else []

    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.data}: {len(X_train)} train / {0 if val is None else len(val[0])} validation "
          f"/ {len(X_test)} test rows, {X.shape[1]} features, {task}"
          f"{f' ({len(classes)} classes)' if classes else ''}; "
          f"{f'MLP {mlp.widths}' if args.arch == 'mlp' else f'CNN channels {mlp.channels}'}, "
          f"{n_params} parameters")
    out = Path(args.out) if args.out else \
        Path("runs") / f"{Path(args.data).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    with RunFolder(out, args.overwrite) as folder, \
            threadpool_limits(limits=args.threads or None, user_api="blas"):
        if folder.recovered_pid:
            print(f"{out}: took over the stale lock of run pid {folder.recovered_pid}, which "
                  "is no longer running")
        # fit handles the first Ctrl-C or SIGTERM itself; any arriving after it returns wait
        # until the run folder is complete
        with DeferInterrupts() as deferred:
            start = time.perf_counter()
            try:
                history = fit(model, loss_fn, optimizer, (X_train, y_train), val,
                              epochs=args.epochs, batch_size=args.batch_size,
                              scheduler=scheduler, callbacks=callbacks,
                              progress=not args.no_progress, seed=args.seed)
            except NonFiniteLossError as error:
                print(_diverged(error.history.diverged, args.lr), file=sys.stderr)
                return 1
            seconds = time.perf_counter() - start
            test = evaluate(model, loss_fn, (X_test, y_test))
            status = " (interrupted)" if history.interrupted else \
                " (stopped early)" if history.stopped_early else ""
            print(f"trained {len(history)} epochs in {seconds:.2f} s{status}; "
                  f"last epoch: {format_logs(history.last)}")
            print(f"test: {format_logs(test)}")
            settings = {k: v for k, v in vars(args).items() if k != "func"}
            _save_run(out, model, history, {
                "settings": settings, "test": test, "train_seconds": seconds,
                "parameters": n_params, **history.to_dict()},
                {"task": task, "classes": classes, "features": features, "target": args.target},
                plot=not args.no_plot)
        print(f"saved {out}/model.safetensors, metrics.json"
              + ("" if args.no_plot else ", learning_curve.png"))
    if deferred.requested:
        print(f"{deferred.signal_name} arrived while saving; the run was saved in full",
              file=sys.stderr)
        return 130
    return 0


def _diverged(where, lr):
    """The message of a run whose loss (or weights) became NaN or inf."""
    what = f"the loss became {where['loss']} at epoch {where['epoch']}, batch " \
        f"{where['batch']}" if where["batch"] else "the weights became non-finite"
    return (f"deepgrad train: error: training diverged: {what} with --lr {lr:g}; nothing was "
            f"saved. Try a smaller learning rate, e.g. --lr {lr / 10:g}")


def _statistics(a):
    """Column means and standard deviations, accumulated in float64 (float32 sums of squares
    overflow for values beyond about 1e19)."""
    return a.mean(axis=0, dtype=np.float64), a.std(axis=0, dtype=np.float64)


def _save_run(out, model, history, metrics, metadata, plot=True):
    """Write the run's files, each atomically; metrics.json, which marks a finished run, goes
    first out (an earlier run's) and last in."""
    (out / "metrics.json").unlink(missing_ok=True)
    save(model, out / "model.safetensors", metadata=metadata)
    if plot:
        png = io.BytesIO()
        plot_history(history).savefig(png, format="png", dpi=100)
        write_bytes(out / "learning_curve.png", png.getvalue())
    write_text(out / "metrics.json", json.dumps(metrics, indent=2))


def predict_command(args):
    model, meta = load(args.model), read_metadata(args.model)
    broken = nonfinite_weights(model)
    if broken:
        raise ModelFileError(f"{args.model}: the model's weights hold NaN or inf "
                             f"({', '.join(broken[:5])}): its training diverged; retrain it "
                             "with a smaller learning rate")
    if Path(args.data).suffix == ".csv":
        X, y = _csv_features(Path(args.data), meta.get("features"), meta.get("target") or "target")
    else:
        X, y, _ = _read_data(args.data)
    outputs = predict(model, X)
    classes = meta.get("classes")
    if classes:
        predictions = np.asarray(classes)[outputs.argmax(axis=1)]
    else:
        predictions = outputs.reshape(len(outputs), -1)[:, 0]
    text = io.StringIO()
    text.write("prediction\n")
    np.savetxt(text, predictions, fmt="%d" if classes else "%.9g")
    if args.out:
        write_text(args.out, text.getvalue())
    else:
        sys.stdout.write(text.getvalue())
        sys.stdout.flush()
    if y is not None:
        y = np.asarray(y).reshape(len(predictions), -1)[:, 0]
        score = (f"accuracy={np.mean(predictions == y):.4g}" if classes else
                 f"mse={np.mean((predictions - y) ** 2):.4g}")
        print(f"{len(predictions)} rows; {score}", file=sys.stderr)
    return 0


def _csv_features(path, features, target):
    """The model's feature columns of a CSV, by name, and its target column if present."""
    table, _, columns = load_csv(path)
    if not features:
        return table, None
    missing = [name for name in features if name not in columns]
    if missing:
        raise ValueError(f"the model was trained on columns {', '.join(features)}; {path} "
                         f"lacks {', '.join(missing)}")
    X = table[:, [columns.index(name) for name in features]]
    return X, table[:, columns.index(target)] if target in columns else None
