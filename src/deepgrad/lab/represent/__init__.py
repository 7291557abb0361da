"""Lab part I, what MLPs can represent: linear pieces and regions, universal approximation,
decision boundaries, linear classifiers, activations; ``geometry`` is its library."""
