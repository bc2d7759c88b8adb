"""Phase 1 comparisons."""

import numpy as np

from bench.harness import Comparison


def linalg_basics():
    """Pure-Python triple-loop matmul vs NumPy (BLAS): how much the loops cost."""
    from phase1_linalg.linalg_basics import matmul

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((100, 100)), rng.standard_normal((100, 100))
    la, lb = a.tolist(), b.tolist()
    return Comparison(
        "linalg_basics: 100x100 matmul, pure Python", lambda: np.asarray(matmul(la, lb)), lambda: a @ b,
        "NumPy a @ b", quality=lambda o, r: ("max |diff|", float(np.max(np.abs(o - r))), 0.0),
        repeats=3, flops=2 * 100 ** 3, note="teaching contrast, no target")
