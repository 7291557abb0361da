"""One page's session: its settings, data, model and optimiser, and the protocol it speaks.

The page sends JSON messages ``{"type": ..., ...}``; `Session.handle` answers each with a list of
JSON replies, and `Session.frame` trains one epoch and describes everything the page draws. No
message can raise: a malformed one or a value out of range is answered with
``{"type": "error", "message": ...}``, which the page shows. Randomness comes from the seed alone
(data from [seed, 0], init from [seed, 1], minibatch order from [seed, 2]), so a run replays.
"""

import base64
import csv
import io

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.playground import network
from deepgrad.playground.datasets import BOX, CLASSIFICATION, make
from deepgrad.playground.settings import MAX_POINTS, N_SAMPLES, SPEC, SettingError, check, defaults

RESOLUTION = 50        # the output heatmap is RESOLUTION x RESOLUTION
THUMBNAIL_STEP = 2     # neuron thumbnails take every second grid point (25 x 25)
MAX_UPLOAD_BYTES = 200_000
MAX_REGIONS_DRAWN = 4000
CURVATURE_EVERY = 10   # epochs between Hessian eigenvalue updates while training
OPTIMIZER_CLASSES = {
    "sgd": lambda p, lr: optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adam": lambda p, lr: optim.Adam(p, lr=lr),
    "adamw": lambda p, lr: optim.AdamW(p, lr=lr),
}


def _encode_map(values, low=-1.0, high=1.0):
    """A map of values in [low, high] as base64 bytes 0..255 (what the page's canvas reads)."""
    scaled = np.clip((np.asarray(values, np.float64) - low) / (high - low), 0, 1)
    return base64.b64encode(np.round(scaled * 255).astype(np.uint8).tobytes()).decode("ascii")


class Session:
    """The state of one page: settings, points, model, optimiser and the epoch counter."""

    def __init__(self, **settings):
        self.settings = defaults()
        self.custom = None  # uploaded points replace the dataset: (points, targets, task)
        self.added = (np.zeros((0, 2)), np.zeros(0))  # points clicked in, training only
        self.show_regions = self.show_curvature = False
        self.curvature = []  # (epoch, lambda_max) history
        self._apply(settings)
        self.reset()

    # --- settings, data and model ------------------------------------------------------------

    @property
    def classification(self):
        return self.custom[2] if self.custom else self.settings["dataset"] in CLASSIFICATION

    def _apply(self, changes):
        """Check every change first (the wide flag before the widths), then apply them all."""
        if not isinstance(changes, dict):
            raise SettingError(f"settings must be an object of name: value, got {changes!r}")
        new = dict(self.settings)
        for name in sorted(changes, key=lambda n: n != "wide"):
            new[name] = check(name, changes[name], new["wide"])
        new["hidden"] = check("hidden", new["hidden"], new["wide"])
        rebuild = any(SPEC[name][3] and new[name] != self.settings[name] for name in changes)
        self.settings = new
        return rebuild

    def regenerate(self):
        """Draw the points again from the seed; uploaded and clicked points are dropped."""
        self.custom, self.added = None, (np.zeros((0, 2)), np.zeros(0))
        self.reset()

    def _split(self):
        s = self.settings
        rng = np.random.default_rng([s["seed"], 0])
        points, targets = self.custom[:2] if self.custom else \
            make(s["dataset"], N_SAMPLES, s["noise"] / 100, rng)
        order = rng.permutation(len(points))
        n_train = max(1, int(round(len(points) * s["train_ratio"] / 100)))
        train, test = order[:n_train], order[n_train:]
        self.train_xy = (np.concatenate([points[train], self.added[0]]).astype(np.float32),
                         np.concatenate([targets[train], self.added[1]]))
        self.test_xy = (points[test].astype(np.float32), targets[test])

    def reset(self):
        """New weights from the seed, epoch 0 (the data are drawn again from the same seed)."""
        s = self.settings
        self._split()
        self.model = network.build_model(s["features"], s["hidden"], s["activation"],
                                         2 if self.classification else 1, s["batchnorm"],
                                         s["residual"], np.random.default_rng([s["seed"], 1]))
        self.batches = np.random.default_rng([s["seed"], 2])
        self.optimizer_name = s["optimizer"]
        self.optimizer = OPTIMIZER_CLASSES[s["optimizer"]](self.model.parameters(),
                                                           s["learning_rate"])
        self.epoch, self.history, self.curvature = 0, [], []
        self.linears = network.linears(self.model)
        self.grad_norms = [0.0] * len(self.linears)

    def _live_update(self):
        """Learning rate and optimiser change while training (a new optimiser starts afresh)."""
        s = self.settings
        if self.optimizer_name != s["optimizer"]:
            self.optimizer_name = s["optimizer"]
            self.optimizer = OPTIMIZER_CLASSES[s["optimizer"]](self.model.parameters(),
                                                               s["learning_rate"])
        for group in self.optimizer.param_groups:
            group["lr"] = s["learning_rate"]

    # --- training -----------------------------------------------------------------------------

    def _targets(self, y):
        return dg.tensor(y.astype(np.int64)) if self.classification else \
            dg.tensor(y.astype(np.float32).reshape(-1, 1))

    def data_loss(self, model, X, y):
        """Mean cross-entropy of the two logits (classification) or mean squared error."""
        out = model(dg.tensor(X))
        loss = nn.functional.cross_entropy if self.classification else nn.functional.mse_loss
        return loss(out, self._targets(y))

    def penalty(self, model):
        """rate * sum |w| (L1) or rate / 2 * sum w^2 (L2) over the weights, not the biases."""
        s = self.settings
        if s["regularization"] == "none" or s["reg_rate"] == 0:
            return 0.0
        weights = [layer.weight for layer in network.linears(model)]
        if s["regularization"] == "l1":
            return s["reg_rate"] * nn.functional.l1_penalty(weights)
        return s["reg_rate"] / 2 * nn.functional.l2_penalty(weights)

    def train_epoch(self):
        """One pass over the training points in minibatches of batch_size (TensorFlow
        Playground's step); BatchNorm skips a last batch of one point."""
        X, y = self.train_xy
        size, order = self.settings["batch_size"], self.batches.permutation(len(X))
        squares, steps = np.zeros(len(self.grad_norms)), 0
        self.model.train()
        for start in range(0, len(X), size):
            batch = order[start:start + size]
            if self.settings["batchnorm"] and len(batch) < 2:
                continue
            loss = self.data_loss(self.model, X[batch], y[batch]) + self.penalty(self.model)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            squares += [np.vdot(g, g) for g in (layer.weight.grad.data for layer in self.linears)]
            steps += 1
        self.grad_norms = list(np.sqrt(squares / max(steps, 1)))
        self.epoch += 1

    def losses(self):
        """(train loss, test loss) without the penalty, at evaluation (as the page shows)."""
        self.model.eval()
        with dg.no_grad():
            return tuple(float(self.data_loss(self.model, *xy).item()) if len(xy[0]) else 0.0
                         for xy in (self.train_xy, self.test_xy))

    def lambda_max(self):
        """Top eigenvalue of the Hessian of the training objective (loss + penalty)."""
        X, y = self.train_xy
        return network.top_hessian_eigenvalue(
            self.model, lambda m: self.data_loss(m, X.astype(np.float64), y) + self.penalty(m),
            seed=self.settings["seed"])

    # --- what the page draws --------------------------------------------------------------------

    def state(self):
        """Settings and points: sent after every change that moves them."""
        def rows(xy):
            return np.column_stack([xy[0], xy[1]]).round(4).tolist()
        return {"type": "state", "settings": self.settings, "classification": self.classification,
                "custom": self.custom is not None, "train": rows(self.train_xy),
                "test": rows(self.test_xy), "epoch": self.epoch, "box": BOX,
                "resolution": RESOLUTION}

    def _regions(self):
        try:
            found = network.regions(self.model)
        except ValueError as error:
            return {"error": str(error)}
        drawn = found.count <= MAX_REGIONS_DRAWN
        return {"count": found.count,
                "polygons": [p.round(3).ravel().tolist() for p in found.polygons] if drawn else [],
                "note": "" if drawn else f"more than {MAX_REGIONS_DRAWN} regions: not drawn"}

    def _curvature(self):
        if not self.curvature or self.curvature[-1][0] != self.epoch and \
                self.epoch - self.curvature[-1][0] >= CURVATURE_EVERY:
            self.curvature.append((self.epoch, self.lambda_max()))
        return {"history": self.curvature, "learning_rate": self.settings["learning_rate"],
                "optimizer": self.settings["optimizer"]}

    def frame(self):
        """Everything the page draws for the current weights."""
        points = network.grid(RESOLUTION)
        self.model.eval()
        *hidden, out = network.layer_outputs(self.model, points)
        if self.classification:
            logits = out - out.max(axis=1, keepdims=True)
            p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            output = 2 * p[:, 1] - 1
        else:
            output = out[:, 0]
        with dg.no_grad():
            inputs = self.model.layers[0](dg.tensor(points.astype(np.float32))).data
        thumbs = (np.arange(RESOLUTION) % THUMBNAIL_STEP == 0)
        keep = np.outer(thumbs, thumbs).ravel()

        def thumbnails(values):
            values = values[keep]
            scale = np.maximum(np.abs(values).max(axis=0), 1e-12)
            return [_encode_map(values[:, j] / scale[j]) for j in range(values.shape[1])]

        train, test = self.losses()
        self.history.append((self.epoch, train, test))
        weights = [(layer.weight.data.round(4).tolist(), layer.bias.data.round(4).tolist())
                   for layer in self.linears]
        reply = {"type": "frame", "epoch": self.epoch, "train_loss": train, "test_loss": test,
                 "heatmap": _encode_map(output), "inputs": thumbnails(inputs),
                 "neurons": [thumbnails(h) for h in hidden], "weights": weights,
                 "grad_norms": self.grad_norms}
        if self.show_regions:
            reply["regions"] = self._regions()
        if self.show_curvature:
            reply["curvature"] = self._curvature()
        return reply

    # --- the protocol ---------------------------------------------------------------------------

    def handle(self, message):
        """The replies to one message from the page (a dict); never raises for bad input."""
        try:
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise SettingError('a message must be a JSON object with a "type" string')
            kind = message["type"]
            if kind not in self.HANDLERS:
                raise SettingError(f"unknown message type {kind!r}; known: "
                                   f"{', '.join(self.HANDLERS)}")
            return self.HANDLERS[kind](self, message)
        except SettingError as error:
            return [{"type": "error", "message": str(error)}]

    def _on_set(self, message):
        changes = message.get("settings")
        dataset = self.settings["dataset"]
        if self._apply(changes):
            if self.settings["dataset"] != dataset:  # a new dataset replaces uploaded points
                self.custom, self.added = None, (np.zeros((0, 2)), np.zeros(0))
            self.reset()
            return [self.state(), self.frame()]
        self._live_update()
        return [{"type": "settings", "settings": self.settings}]

    def _on_reset(self, message):
        self.reset()
        return [self.state(), self.frame()]

    def _on_regenerate(self, message):
        self.regenerate()
        return [self.state(), self.frame()]

    def _on_step(self, message):
        self.train_epoch()
        return [self.frame()]

    def _on_show(self, message):
        what, on = message.get("what"), message.get("on")
        if what not in ("regions", "curvature") or not isinstance(on, bool):
            raise SettingError('show needs "what": "regions" or "curvature" and "on": true/false')
        setattr(self, f"show_{what}", on)
        return [self.frame()]

    def _on_add_point(self, message):
        x, y, target = (message.get(k) for k in ("x", "y", "label"))
        for name, value in (("x", x), ("y", y), ("label", target)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                raise SettingError(f"add_point: {name} must be a number, got {value!r}")
        if abs(x) > BOX or abs(y) > BOX:
            raise SettingError(f"add_point: the point must lie in [-{BOX:g}, {BOX:g}]^2")
        if self.classification and target not in (0, 1):
            raise SettingError("add_point: a class label is 0 (blue) or 1 (orange)")
        if not self.classification and not -1 <= target <= 1:
            raise SettingError("add_point: a regression target lies in [-1, 1]")
        if len(self.train_xy[0]) + len(self.test_xy[0]) >= MAX_POINTS:
            raise SettingError(f"at most {MAX_POINTS} points in a session; regenerate to start "
                               "again")
        self.added = (np.vstack([self.added[0], [[x, y]]]), np.r_[self.added[1], target])
        self.train_xy = (np.vstack([self.train_xy[0], np.float32([[x, y]])]),
                         np.r_[self.train_xy[1], target])
        return [self.state(), self.frame()]

    def _on_upload(self, message):
        text = message.get("text")
        if not isinstance(text, str):
            raise SettingError("upload: the CSV must be sent as text")
        if len(text.encode()) > MAX_UPLOAD_BYTES:
            raise SettingError(f"upload: the file has {len(text.encode())} bytes, the limit is "
                               f"{MAX_UPLOAD_BYTES}")
        self.custom = parse_points(text)
        self.added = (np.zeros((0, 2)), np.zeros(0))
        self.reset()
        return [self.state(), self.frame()]

    def _on_export(self, message):
        from deepgrad.playground.export import model_bytes, script
        kind = message.get("kind")
        if kind == "model":
            return [{"type": "export", "kind": kind, "filename": "playground.safetensors",
                     "base64": base64.b64encode(model_bytes(self)).decode("ascii")}]
        if kind == "script":
            return [{"type": "export", "kind": kind, "filename": "playground_train.py",
                     "text": script(self)}]
        raise SettingError('export: "kind" must be "model" or "script"')

    HANDLERS = {"set": _on_set, "reset": _on_reset, "regenerate": _on_regenerate,
                "step": _on_step, "show": _on_show, "add_point": _on_add_point,
                "upload": _on_upload, "export": _on_export}


def parse_points(text):
    """(points, targets, classification) from CSV rows x1,x2,label (a header line is optional).

    Labels that are all 0/1 or all -1/1 make a classification problem (-1 becomes 0); anything
    else is a regression target, which must lie in [-1, 1]. Points must lie in [-6, 6]^2.
    """
    rows = [row for row in csv.reader(io.StringIO(text)) if row and any(c.strip() for c in row)]
    if rows and not _is_number(rows[0][0]):
        rows = rows[1:]
    if not rows:
        raise SettingError("upload: the CSV has no rows of x1,x2,label")
    if len(rows) > MAX_POINTS:
        raise SettingError(f"upload: {len(rows)} points, the limit is {MAX_POINTS}")
    for i, row in enumerate(rows, 1):
        if len(row) != 3 or not all(_is_number(c) for c in row):
            raise SettingError(f"upload: row {i} is {','.join(row)!r}; each row must be three "
                               "numbers x1,x2,label")
    table = np.array(rows, dtype=np.float64)
    if not np.isfinite(table).all() or np.abs(table[:, :2]).max() > BOX:
        raise SettingError(f"upload: points must be finite and lie in [-{BOX:g}, {BOX:g}]^2")
    labels = table[:, 2]
    if np.isin(labels, (0, 1)).all() or np.isin(labels, (-1, 1)).all():
        return table[:, :2], (labels > 0).astype(np.float64), True
    if np.abs(labels).max() > 1:
        raise SettingError("upload: labels must be classes 0/1 (or -1/1) or regression targets "
                           "in [-1, 1]")
    return table[:, :2], labels, False


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False
