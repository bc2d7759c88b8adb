"""Run a phase-4 script's ``main`` inside the test process (no interpreter start-up per call).

``call(module.main, capsys, "--k", "0")`` returns the same kind of result as the ``run_cli``
fixture (returncode, stdout, stderr), so ``assert_user_error`` works on it. The real
subprocess path is covered by each script's transcript test.
"""

from __future__ import annotations

import pytest

from common import cli
from tests.conftest import CliResult


class _Proc:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def call(main, capsys, *argv) -> CliResult:
    capsys.readouterr()
    try:
        code = cli.run(main, [str(a) for a in argv])
    except SystemExit as exc:  # argparse errors
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return CliResult(_Proc(code, out, err))


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
