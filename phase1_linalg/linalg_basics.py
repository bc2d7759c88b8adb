"""Linear algebra basics (boss milestone M1): vectors and matrices by hand, then with NumPy.

Vector addition, dot product and matrix multiplication are written in pure Python and compared
with NumPy (same numbers, very different speed). Then the eigenvalues of a 2x2 matrix come from
its characteristic polynomial, and a figure shows a vector and the grid under rotate, scale and
project.

Math:
    (u + v)_i   = u_i + v_i
    u . v       = sum_i u_i v_i
    (A B)_ij    = sum_k A_ik B_kj                      (n^3 multiply-adds for n x n)
    A = [[a, b], [c, d]]:  det(A - lambda I) = lambda^2 - (a + d) lambda + (ad - bc) = 0
        lambda = tr/2 +- sqrt(tr^2/4 - det)            (complex when tr^2/4 < det)
        eigenvector for lambda: (b, lambda - a) if b != 0, else (lambda - d, c), else e1 / e2
    rotate R(t) = [[cos t, -sin t], [sin t, cos t]],  scale S = diag(sx, sy),
    project onto unit u: P = u u^T  (P^2 = P, rank 1)

    python phase1_linalg/linalg_basics.py                # timing table, eigen cases, figure
    python phase1_linalg/linalg_basics.py --matrix "2,1;1,3"
"""

from __future__ import annotations

import cmath
import math
import time

import numpy as np

from common import cli, plotting

# ----------------------------------------------------------------------------- pure Python


def vec_add(u: list[float], v: list[float]) -> list[float]:
    """Elementwise sum of two equal-length lists."""
    if len(u) != len(v):
        raise ValueError(f"lengths differ: {len(u)} vs {len(v)}")
    return [a + b for a, b in zip(u, v)]


def dot(u: list[float], v: list[float]) -> float:
    """Sum of products of two equal-length lists: u . v = sum_i u_i v_i.

    u, v: length n. Example: dot([1, 2, 3], [4, 5, 6]) = 4 + 10 + 18 = 32.0.
    Raises ValueError when the lengths differ.
    """
    if len(u) != len(v):
        raise ValueError(f"lengths differ: {len(u)} vs {len(v)}")
    total = 0.0
    for a, b in zip(u, v):
        total += a * b
    return total


def matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """(n x k) @ (k x m) with three nested loops: (A B)_ij = sum_p A_ip B_pj.

    a: n rows of length k, b: k rows of length m; returns n rows of length m. The i-p-j loop
    order reads the rows of b one after another. Example:
    matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]]) = [[19.0, 22.0], [43.0, 50.0]].
    Raises ValueError when a row of a is not k long.
    """
    n, k, m = len(a), len(b), len(b[0])
    if any(len(row) != k for row in a):
        raise ValueError("inner dimensions differ")
    out = [[0.0] * m for _ in range(n)]
    for i in range(n):
        row_out = out[i]
        for p in range(k):
            a_ip, row_b = a[i][p], b[p]
            for j in range(m):
                row_out[j] += a_ip * row_b[j]
    return out


# ----------------------------------------------------------------------------- 2x2 eigen


def eigen_2x2(matrix) -> tuple[np.ndarray, np.ndarray, str]:
    """Eigenvalues and unit eigenvectors of a 2x2 matrix from the characteristic polynomial.

    For A = [[a, b], [c, d]]: lambda = tr/2 +- sqrt(tr^2/4 - det) with tr = a + d and
    det = ad - bc (cmath.sqrt gives the complex pair when tr^2/4 < det). An eigenvector solves
    (A - lambda I) v = 0: v = (b, lambda - a) when b != 0, else (lambda - d, c) when c != 0, else
    (a diagonal matrix) the axes e1, e2; each is scaled to length 1.

    Returns (values shape (2,), vectors shape (2, 2) with vectors as columns, kind) where kind
    is "real distinct", "repeated" (tr^2/4 - det is zero up to rounding) or "complex". Complex
    eigenvalues give complex values and vectors. Example: [[2, 1], [1, 3]] has tr 5, det 5 and
    eigenvalues 3.618 and 1.382 ("real distinct"); [[0, -1], [1, 0]] (a quarter turn) has +-i.
    """
    (a, b), (c, d) = np.asarray(matrix, dtype=float)
    trace, det = a + d, a * d - b * c
    disc = trace * trace / 4 - det
    root = cmath.sqrt(disc)
    lam = [trace / 2 + root, trace / 2 - root]
    scale = max(1.0, abs(trace), abs(det))
    if abs(disc) <= 1e-12 * scale * scale:
        kind = "repeated"
    else:
        kind = "complex" if disc < 0 else "real distinct"
    if kind != "complex":
        lam = [x.real for x in lam]
    vectors = []
    for i, value in enumerate(lam):
        if abs(b) > 1e-12:
            v = np.array([b, value - a])
        elif abs(c) > 1e-12:
            v = np.array([value - d, c])
        else:  # diagonal matrix: the axes are eigenvectors
            v = np.eye(2)[i]
        if kind == "repeated" and i == 1 and abs(b) <= 1e-12 and abs(c) <= 1e-12:
            v = np.eye(2)[1]
        vectors.append(v / np.sqrt(np.sum(np.abs(v) ** 2)))
    dtype = complex if kind == "complex" else float
    return np.array(lam, dtype=dtype), np.array(vectors, dtype=dtype).T, kind


# ----------------------------------------------------------------------------- transforms


def rotation(theta: float) -> np.ndarray:
    """R(theta) = [[cos t, -sin t], [sin t, cos t]]: turns vectors anti-clockwise by theta radians.

    Returns (2, 2). Example: rotation(pi / 2) @ (1, 0) = (0, 1); det R = 1 and R^T R = I.
    """
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


def scaling(sx: float, sy: float) -> np.ndarray:
    return np.diag([sx, sy])


def projection(direction) -> np.ndarray:
    """Orthogonal projection onto the line spanned by ``direction``: P = u u^T, u = d / |d|.

    direction: (2,) (any length, not zero); returns (2, 2). P v = (u . v) u keeps the part of v
    along the line and drops the rest, so P P = P. Example: projection((1, 1)) = [[0.5, 0.5],
    [0.5, 0.5]], which sends (1, -1) to (0, 0) and (1, 1) to itself.
    """
    u = np.asarray(direction, dtype=float)
    u = u / np.linalg.norm(u)
    return np.outer(u, u)


# ----------------------------------------------------------------------------- timing


def time_ops(n: int, rng: np.random.Generator, repeats: int = 3) -> list[tuple[str, float, float, float]]:
    """(operation, pure Python s, NumPy s, max abs difference) for add, dot (length n^2) and
    an n x n matmul."""
    length = n * n
    u, v = rng.standard_normal(length), rng.standard_normal(length)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    lu, lv, la, lb = u.tolist(), v.tolist(), a.tolist(), b.tolist()
    cases = [
        (f"add ({length:,} elements)", lambda: vec_add(lu, lv), lambda: u + v),
        (f"dot ({length:,} elements)", lambda: dot(lu, lv), lambda: u @ v),
        (f"matmul ({n}x{n} @ {n}x{n})", lambda: matmul(la, lb), lambda: a @ b),
    ]
    rows = []
    for name, pure, fast in cases:
        t_pure = min(_timed(pure)[0] for _ in range(repeats))
        t_fast = min(_timed(fast)[0] for _ in range(repeats))
        diff = float(np.max(np.abs(np.asarray(pure()) - fast())))
        rows.append((name, t_pure, t_fast, diff))
    return rows


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# ----------------------------------------------------------------------------- figure


def plot_transforms(vector, theta: float, sx: float, sy: float, direction):
    """Four panels: the vector and unit grid before, and under rotate / scale / project."""
    fig, axes = plotting.figure(1, 4, figsize=(16, 4.3))
    grid = np.linspace(-2, 2, 9)
    mats = [("identity", np.eye(2)), (f"rotate {math.degrees(theta):.0f} deg", rotation(theta)),
            (f"scale ({sx:g}, {sy:g})", scaling(sx, sy)),
            (f"project onto {tuple(direction)}", projection(direction))]
    for ax, (title, m) in zip(axes, mats):
        for g in grid:
            line = np.stack([np.full_like(grid, g), grid])   # vertical grid line x = g
            for pts in (line, line[::-1]):                     # and horizontal y = g
                moved = m @ pts
                ax.plot(moved[0], moved[1], color="0.8", lw=0.8)
        for basis, colour in ((np.array([1.0, 0.0]), "tab:green"), (np.array([0.0, 1.0]), "tab:red")):
            e = m @ basis
            ax.annotate("", xy=e, xytext=(0, 0), arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.5})
        w = m @ np.asarray(vector, dtype=float)
        ax.annotate("", xy=w, xytext=(0, 0), arrowprops={"arrowstyle": "-|>", "color": "tab:blue", "lw": 2.5})
        ax.text(w[0], w[1], f" ({w[0]:.2f}, {w[1]:.2f})", color="tab:blue")
        ax.set(title=title, xlim=(-3, 3), ylim=(-3, 3), aspect="equal")
    fig.suptitle("A matrix moves every vector: blue = v, green/red = images of e1/e2, grey = grid")
    return fig


# ----------------------------------------------------------------------------- CLI


def parse_matrix(text: str) -> np.ndarray:
    """'a,b;c,d' -> 2x2 array (UserError on anything else)."""
    try:
        rows = [[float(x) for x in row.split(",")] for row in text.split(";")]
        m = np.array(rows, dtype=float)
    except ValueError:
        raise cli.UserError(f"--matrix expects 'a,b;c,d' with numbers, got {text!r}") from None
    if m.shape != (2, 2) or not np.all(np.isfinite(m)):
        raise cli.UserError(f"--matrix expects a finite 2x2 matrix 'a,b;c,d', got {text!r}")
    return m


def _fmt_complex(z) -> str:
    z = complex(z)
    return f"{z.real:.4f}" if abs(z.imag) < 1e-12 else f"{z.real:.4f}{z.imag:+.4f}i"


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase1_linalg/linalg_basics.py")
    parser.add_argument("--size", type=cli.bounded_int(1, 400), default=120,
                        help="n for the timing table: vectors of n^2 elements, n x n matrices, up to 400 "
                             "(the pure-Python matmul does n^3 steps; default 120)")
    parser.add_argument("--matrix", type=str, default=None, help="also analyse this 2x2 matrix, 'a,b;c,d'")
    parser.add_argument("--angle", type=cli.finite_float, default=30.0, help="rotation for the figure, degrees")
    args = parser.parse_args(argv)
    extra = parse_matrix(args.matrix) if args.matrix else None
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "linalg_basics")
    rng = np.random.default_rng(args.seed)

    print("=== Pure Python vs NumPy ===")
    print(f"{'operation':28s} {'pure Python':>12s} {'NumPy':>10s} {'speed-up':>9s} {'max |diff|':>11s}")
    for name, t_pure, t_fast, diff in time_ops(args.size, rng):
        ratio = t_pure / t_fast
        speed_up = f"{ratio:.1f}" if ratio < 10 else f"{ratio:.0f}"      # 0.4x, 7.5x, 79x, 1334x
        print(f"{name:28s} {t_pure * 1e3:10.2f}ms {t_fast * 1e3:8.3f}ms {speed_up:>8s}x {diff:11.1e}")

    print("\n=== 2x2 eigenvalues from the characteristic polynomial ===")
    cases = [("real distinct", [[2.0, 1.0], [1.0, 3.0]]), ("repeated", [[2.0, 1.0], [0.0, 2.0]]),
             ("complex (rotation by 90 deg)", [[0.0, -1.0], [1.0, 0.0]])]
    if extra is not None:
        cases.append(("your matrix", extra.tolist()))
    for label, m in cases:
        values, vectors, kind = eigen_2x2(m)
        ref = np.sort_complex(np.linalg.eigvals(np.asarray(m)))
        ours = np.sort_complex(values.astype(complex))
        print(f"{label}: A = {np.asarray(m).tolist()}  ({kind})")
        (a, b), (c, d) = m
        print(f"  det(A - l I) = l^2 - {a + d:g} l + {a * d - b * c:g}")
        for i in range(2):
            vec = ", ".join(_fmt_complex(x) for x in vectors[:, i])
            residual = np.linalg.norm(np.asarray(m) @ vectors[:, i] - values[i] * vectors[:, i])
            print(f"  lambda{i + 1} = {_fmt_complex(values[i]):>16s}   v{i + 1} = ({vec})   |Av - lv| = {residual:.1e}")
        print(f"  numpy.linalg.eigvals agrees: max |diff| = {np.max(np.abs(ours - ref)):.1e}")

    vector, direction = (1.5, 0.5), (1.0, 1.0)
    theta = math.radians(args.angle)
    fig = plot_transforms(vector, theta, 1.5, 0.5, direction)
    path = plotting.save(fig, out / "transforms.png")
    print(f"\nSaved figure: {path}")
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
