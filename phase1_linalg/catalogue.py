"""Phase 1 catalogue entries (see common/catalogue.py)."""

from common.catalogue import Milestone, Project, TourStep

T = "tests/phase1_linalg/"

PROJECTS = [
    Project(
        key="linalg_basics",
        title="Linear algebra basics: pure Python vs NumPy, 2x2 eigen",
        phase="phase1_linalg",
        script="phase1_linalg/linalg_basics.py",
        commands=("python phase1_linalg/linalg_basics.py",),
        tour=(TourStep(("phase1_linalg/linalg_basics.py",)),),
        boss=(
            Milestone("M1: vector add, dot and matmul in pure Python and NumPy agree",
                      T + "test_linalg_basics.py::test_pure_python_ops_match_numpy"),
            Milestone("M1: vectors and the grid under rotate / scale / project (figure)",
                      T + "test_linalg_basics.py::test_cli_transcript"),
            Milestone("M1: 2x2 eigenvalues and eigenvectors by hand equal numpy.linalg.eig",
                      T + "test_linalg_basics.py::test_eigen_2x2_matches_numpy"),
        ),
        bench=("bench.bench_phase1:linalg_basics",),
    ),
]
