import matplotlib.figure

from deepgrad.lab.learn import regularization


def test_quick_run_every_regulariser_beats_memorising_the_noise():
    result = regularization.run(quick=True)
    err = result.test_error
    # without regularisation the net fits the noisy labels
    assert result.train_curves["none"][-1] < 0.1
    for variant in ("early stopping", "L2", "dropout"):
        assert err[variant] < err["none"] - 0.05, variant
    assert err["L1"] < err["none"]
    assert 1 <= result.best_epoch < len(result.epochs)
    assert isinstance(regularization.plot(result), matplotlib.figure.Figure)
