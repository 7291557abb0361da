"""`make demo`: train an MLP on the digits with the `deepgrad train` command, then predict.

Runs `deepgrad train --data digits --hidden 128 128 --optimizer adam --lr 1e-3 --epochs 30
--batch-size 64 --out runs/demo --overwrite` (about ten seconds on a laptop; a re-run replaces
the last demo run), then `deepgrad predict` with the
saved model on a CSV of ten digits.
"""

import sys
from pathlib import Path

from deepgrad import cli
from deepgrad.data import load_dataset, save_csv


def main():
    out = Path("runs/demo")
    argv = ["train", "--data", "digits", "--hidden", "128", "128", "--optimizer", "adam",
            "--lr", "1e-3", "--epochs", "30", "--batch-size", "64", "--out", str(out), "--overwrite"]
    print("$ deepgrad " + " ".join(argv), flush=True)
    if cli.main(argv):
        return 1
    X, y = load_dataset("digits")
    save_csv(out / "ten_digits.csv", X[:10], y[:10], target="target")
    argv = ["predict", "--model", str(out), "--data", str(out / "ten_digits.csv")]
    print("\n$ deepgrad " + " ".join(argv) + "   (true labels: "
          + " ".join(map(str, y[:10])) + ")", flush=True)
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
