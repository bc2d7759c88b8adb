"""Run every registered performance comparison and write bench/RESULTS.md (``make bench``).

Each catalogued project lists its comparisons as ``"bench.module:function"``; the function
returns Comparison objects (tools/bench_harness.py). Rows report the median time of ours and of the
reference in the same run, their ratio (lower is better; the row's target beside it),
the quality delta, and achieved GFLOP/s where the work is known, against the measured NumPy
matmul ceiling of this machine.

    python -m tools.bench [--only KEY ...] [--repeats N] [--out bench/RESULTS.md]
"""

from __future__ import annotations

import importlib
import platform
import sys
import time
from pathlib import Path

from common import cli
from tools import catalogue
from tools.bench_harness import Comparison, Row, matmul_ceiling, run_comparison


def load_comparisons(ref: str) -> list[Comparison]:
    module_name, _, func_name = ref.partition(":")
    made = getattr(importlib.import_module(module_name), func_name)()
    return list(made) if isinstance(made, list | tuple) else [made]


def render(rows: list[tuple[str, Row]], ceiling: dict[str, float], errors: list[str], seconds: float) -> str:
    lines = ["# Benchmark results", "",
             f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, "
             f"generated {time.strftime('%Y-%m-%d %H:%M')} in {seconds:.0f} s by `make bench`.", "",
             f"Ceiling (NumPy matmul 2048x2048): float32 {ceiling['float32']:.1f} GFLOP/s, "
             f"float64 {ceiling['float64']:.1f} GFLOP/s.", "",
             "Ratio = our median time / reference median time in the same run (lower is better). "
             "Pairs = the lowest and highest ratio of one repeat (ours and the reference timed back to "
             "back): how far the machine's speed moved during the row.", "",
             "| project | comparison | reference | ours | reference | ratio | pairs | target | met | quality "
             "| GFLOP/s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, r in rows:
        target = f"<= {r.max_ratio:g}" if r.max_ratio is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        gf = f"{r.gflops:.1f}" if r.gflops else ""
        pairs = f"{r.pair_ratios[0]:.2f}-{r.pair_ratios[1]:.2f}" if r.pair_ratios else ""
        lines.append(f"| {key} | {r.name} | {r.reference_name} | {_fmt(r.ours_s)} | {_fmt(r.reference_s)} | "
                     f"{r.ratio:.2f} | {pairs} | {target} | {met} | {r.quality} | {gf} |")
    notes = [f"- {r.name}: {r.note}" for _, r in rows if r.note]
    if notes:
        lines += ["", "Notes (what a row measured besides its time):", ""] + notes
    if errors:
        lines += ["", "Comparisons that could not run:", ""] + [f"- {e}" for e in errors]
    return "\n".join(lines) + "\n"


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="python -m tools.bench", seed=False, show=False, out=False)
    parser.add_argument("--only", nargs="+", metavar="KEY", help="only these project keys")
    parser.add_argument("--repeats", type=cli.positive_int, default=None, help="override repeats per row")
    parser.add_argument("--out", type=Path, default=cli.REPO_ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    ceiling = matmul_ceiling()
    print(f"ceiling: float32 {ceiling['float32']:.1f} GFLOP/s, float64 {ceiling['float64']:.1f} GFLOP/s")
    rows: list[tuple[str, Row]] = []
    errors: list[str] = []
    for project in catalogue.all_projects():
        if args.only and project.key not in args.only:
            continue
        for ref in project.bench:
            try:
                comparisons = load_comparisons(ref)
            except Exception as exc:  # report and go on: one broken row must not hide the rest
                errors.append(f"{project.key} {ref}: {type(exc).__name__}: {exc}")
                print(f"  {project.key} {ref}: could not set up ({exc})", file=sys.stderr)
                continue
            for comparison in comparisons:
                if args.repeats:
                    comparison.repeats = args.repeats
                try:
                    row = run_comparison(comparison)
                except Exception as exc:
                    errors.append(f"{project.key} {comparison.name}: {type(exc).__name__}: {exc}")
                    continue
                rows.append((project.key, row))
                met = "" if row.met is None else ("  (target met)" if row.met else "  (TARGET MISSED)")
                print(f"  {project.key:22s} {row.name}: ratio {row.ratio:.2f}{met}")
    cli.save_text(args.out, render(rows, ceiling, errors, time.perf_counter() - start))
    print(f"Results written to {args.out}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(cli.run(main))
