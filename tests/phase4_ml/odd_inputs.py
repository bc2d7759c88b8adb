"""Phase-4 test data: awkward CSV files users bring, and one BLAS thread per test (an autouse
fixture the test modules import). Scripts run in-process through ``run_main`` (tests/conftest.py)."""

from __future__ import annotations

import pytest


def odd_csvs(folder) -> dict:
    """Awkward CSV files of the kind users bring: name -> path (written into ``folder``)."""
    import numpy as np

    rng = np.random.default_rng(0)
    n = 60
    x1, x2 = rng.normal(size=n), rng.uniform(0, 10, size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    files = {}

    def write(name, text):
        path = folder / name
        path.write_text(text)
        files[name.removesuffix(".csv")] = path

    write("empty.csv", "")
    write("header_only.csv", "a,b,c\n")
    (folder / "binary.csv").write_bytes(bytes(range(256)) * 8)
    files["binary"] = folder / "binary.csv"
    # numeric + categorical + missing values; numeric target "price", text target "kind"
    rows = ["x1,x2,colour,kind,price"]
    for i in range(n):
        a = "" if i % 7 == 0 else f"{x1[i]:.3f}"
        c = "" if i % 11 == 0 else colour[i]
        kind = "big" if x1[i] + 0.3 * x2[i] > 1.5 else "small"
        price = 3 * x1[i] - 0.5 * x2[i] + (colour[i] == "red") + 0.1 * rng.normal()
        rows.append(f"{a},{x2[i]:.3f},{c},{kind},{price:.3f}")
    write("mixed.csv", "\n".join(rows) + "\n")
    write("one_class.csv", "a,b,label\n" + "".join(f"{i},{i * 2},yes\n" for i in range(10)))
    write("all_text.csv", "name,label\n" + "".join(f"person{i},{i % 2}\n" for i in range(40)))
    write("ragged.csv", 'a,b\n1,2\n3,"4\n')
    write("const.csv", "a,b,y\n" + "".join(f"{i},{i % 3},5\n" for i in range(12)))
    return files


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Run each test with one BLAS/OpenMP thread: small problems gain nothing from more, and on a
    busy machine oversubscribed thread pools make scikit-learn and NumPy tens of times slower."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(1):
        yield
