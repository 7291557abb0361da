"""Lab part III, autodiff and curvature: the cost and memory of forward and reverse mode, matrix
calculus, kinks, Hessians and the NTK; ``accumulation``, ``revolve``, ``kronecker``,
``curvature`` and ``tangent_kernel`` are its libraries."""
