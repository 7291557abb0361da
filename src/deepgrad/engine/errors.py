"""The engine's error for inputs whose shapes do not fit together."""


class ShapeError(ValueError):
    """An operation got inputs whose shapes do not fit together."""
