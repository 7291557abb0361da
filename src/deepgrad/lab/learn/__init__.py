"""Lab part II, how MLPs learn and generalise: gradient-descent dynamics, initialisation and
signal propagation, implicit regularisation, double descent, the training tricks."""
