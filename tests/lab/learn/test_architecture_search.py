"""Architecture search through deepgrad.sweep: the SQLite file holds exactly scikit-learn's
ParameterGrid of cells x seeds, all finished; the winner is the argmax of the per-architecture
means recomputed from that file with pandas; the parameter counts are nn.MLP's."""
import json
import sqlite3

import numpy as np
import pandas as pd
from sklearn.model_selection import ParameterGrid

from deepgrad import nn
from deepgrad.lab.learn import architecture_search as search


def test_search_runs_every_cell_through_the_sweep_and_keeps_the_best_mean(tmp_path):
    db = tmp_path / "search.db"
    r = search.run(quick=True, results=str(db))
    with sqlite3.connect(db) as con:
        rows = pd.read_sql("SELECT params, seed, status, metrics FROM cells", con)
    assert set(rows.status) == {"ok"}
    params = rows.params.map(json.loads)
    hidden = params.map(lambda p: " ".join(map(str, p["hidden"])))
    grid = search.grid(r.architectures, r.epochs, 0.03, 300, 0.3)
    expected = {(json.dumps(p, sort_keys=True), s) for p in ParameterGrid(grid) for s in r.search_seeds}
    expected |= {(json.dumps({**p, "hidden": [int(w) for w in r.winner.split()]}, sort_keys=True), s)
                 for p in ParameterGrid({**grid, "hidden": [[0]]}) for s in r.fresh_seeds}
    assert set(zip(params.map(lambda p: json.dumps(p, sort_keys=True)), rows.seed)) == expected
    assert r.cells == len(list(ParameterGrid(grid))) * len(r.search_seeds) == 6

    accuracy = rows.metrics.map(lambda m: json.loads(m)["test_accuracy"])
    table = pd.DataFrame({"hidden": hidden, "seed": rows.seed, "accuracy": accuracy})
    searched = table[table.seed.isin(r.search_seeds)].groupby("hidden").accuracy.mean()
    assert r.winner == searched.idxmax()
    np.testing.assert_allclose(r.mean_accuracy, searched[r.architectures].to_numpy(), rtol=1e-12)
    fresh = table[table.seed.isin(r.fresh_seeds)]
    assert set(fresh.hidden) == {r.winner}
    assert r.winner_fresh_accuracy == fresh.accuracy.mean()
    assert r.mean_accuracy[r.architectures.index(r.winner)] > 0.8  # far above chance (0.5)

    for a, n in zip(r.architectures, r.parameters):
        mlp = nn.MLP([2, *map(int, a.split()), 2])
        assert n == sum(p.numel() for p in mlp.parameters())
