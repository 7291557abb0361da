"""The playground: TensorFlow Playground's lesson on deepgrad, served as one local page.

``deepgrad playground`` starts the server (``server.py``, needs the ``[playground]`` extra); the
training logic (``session.py``) and the ``Features`` layer that exported models use need only
deepgrad. Importing this package registers ``Features``, so ``deepgrad.load`` can rebuild a model
exported from the page.
"""

from deepgrad.playground.features import FEATURES, Features

__all__ = ["FEATURES", "Features"]
