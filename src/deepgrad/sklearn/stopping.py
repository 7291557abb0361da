"""SklearnStopping: scikit-learn's per-epoch bookkeeping for MLPs, as a `train.fit` callback.

After each epoch it records loss_curve_, n_iter_ and t_, tracks the best training loss (or, with
early_stopping, the validation score and the weights that reached it), updates the "invscaling"
learning rate, and after n_iter_no_change epochs without an improvement of tol either stops or,
for sgd with learning_rate="adaptive", divides the learning rate by 5 (stopping below 1e-6), as
scikit-learn's `_fit_stochastic`, `_update_no_improvement_count` and SGDOptimizer do.
"""

from deepgrad.train.callbacks import Callback


class SklearnStopping(Callback):
    """The estimator's training record and stopping rule, kept in the estimator's attributes."""

    def __init__(self, estimator, optimizer, n_samples, validation=None):
        self.estimator, self.optimizer, self.n_samples = estimator, optimizer, n_samples
        self.validation, self.stopped, self.best_state = validation, False, None

    def on_train_begin(self, model):
        self.estimator.n_iter_ = 0  # scikit-learn counts the epochs of the latest call

    def on_epoch_end(self, model, epoch, logs):
        est = self.estimator
        est.n_iter_ += 1
        est.t_ += self.n_samples
        est.loss_ = float(logs["loss"])
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        self._update_no_improvement_count(model)
        if est.solver == "sgd" and est.learning_rate == "invscaling":
            self._set_lr(est.learning_rate_init / (est.t_ + 1) ** est.power_t)
        if est._no_improvement_count > est.n_iter_no_change:
            if est.solver == "sgd" and est.learning_rate == "adaptive" and self._lr() > 1e-6:
                self._set_lr(self._lr() / 5.0)
                est._no_improvement_count = 0
                if est.verbose:
                    print(f"Setting learning rate to {self._lr():f}")
                return False
            self.stopped = True
            if est.verbose:
                what = "Validation score" if est.early_stopping else "Training loss"
                print(f"{what} did not improve more than tol={est.tol:f} for "
                      f"{est.n_iter_no_change} consecutive epochs. Stopping.")
            return True
        return False

    def on_train_end(self, model, history):
        if self.estimator.early_stopping and self.best_state is not None:
            model.load_state_dict(self.best_state)  # scikit-learn restores the best weights

    def _update_no_improvement_count(self, model):
        est = self.estimator
        if est.early_stopping:
            score = est._validation_score(*self.validation)
            est.validation_scores_.append(score)
            if est.verbose:
                print(f"Validation score: {score:f}")
            if score < est.best_validation_score_ + est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                self.best_state = model.state_dict()
        else:
            if est.loss_curve_[-1] > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            est.best_loss_ = min(est.best_loss_, est.loss_curve_[-1])

    def _lr(self):
        return self.optimizer.param_groups[0]["lr"]

    def _set_lr(self, lr):
        for group in self.optimizer.param_groups:
            group["lr"] = float(lr)
