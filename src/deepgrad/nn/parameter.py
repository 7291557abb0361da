"""Parameter: a Tensor that a Module trains (requires_grad=True); found by walking attributes."""

from deepgrad.engine.tensor import Tensor, get_default_dtype


class Parameter(Tensor):
    """A leaf Tensor with requires_grad=True. Python numbers and lists become the default float
    dtype (float32); a NumPy array keeps its dtype."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data)
        if self.data.dtype.kind != "f":
            self.data = self.data.astype(get_default_dtype())
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
