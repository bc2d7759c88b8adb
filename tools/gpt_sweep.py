"""A small scaling sweep for the GPT's CPU recipe: model sizes x context lengths at one time budget.

Each run is ``gpt.py train shakespeare.txt --time BUDGET --recipe cpu15`` with the size and context
overridden (a fresh process each, one after the other, so that no two runs share the cores), and
records the best validation loss, the parameter count, the steps taken and the tokens per second.
The grid's runs see the same number of tokens per step (batch x context = 2,048 characters), so a
longer context means fewer, longer sequences; ``--only`` names any other run, with its own batch.

Writes ``outputs/gpt_sweep/sweep.json`` (one record per run, kept between invocations so an
interrupted sweep resumes), ``sweep.png`` (best validation loss against parameters, one line per
context length and budget) and prints a Markdown table for the README. On a terminal each run
shows a bar of its budget's seconds.

    python -m tools.gpt_sweep                       # 4 sizes x 2 contexts, 5 minutes each (40 min)
    python -m tools.gpt_sweep --time 90s --only 4x128@128 4x128@64/12   # any runs; /12: a batch of 12
    python -m tools.gpt_sweep --plot-only           # redraw the figure and table from sweep.json

Run it on an otherwise idle machine: a budgeted run trains for as many steps as the cores allow.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import cli

REPO = Path(__file__).resolve().parent.parent
SIZES = ((4, 96), (4, 128), (4, 192), (6, 256))       # (layers, width); 4 heads each
CONTEXTS = (128, 256)
TOKENS_PER_STEP = 2048


def run_name(layers: int, dim: int, block: int, batch: int | None = None) -> str:
    """``4x128@128`` (layers x width @ context); ``/B`` appended when the batch is not 2,048 tokens' worth."""
    name = f"{layers}x{dim}@{block}"
    return name if batch is None or batch == TOKENS_PER_STEP // block else f"{name}/{batch}"


_RUN = re.compile(r"(\d+)x(\d+)@(\d+)(?:/(\d+))?")


def parse_run(text: str) -> tuple[int, int, int, int]:
    """``LxD@C`` or ``LxD@C/B`` -> (layers, width, context, batch); the batch defaults to 2,048 tokens a step.

    >>> parse_run("4x128@64/12")
    (4, 128, 64, 12)
    """
    match = _RUN.fullmatch(text)
    if match is None:
        raise cli.UserError(f"no run named {text}: write a run as LxD@C or LxD@C/B, e.g. 4x128@128 or 4x128@64/12")
    layers, dim, block = (int(g) for g in match.groups()[:3])
    batch = int(match.group(4)) if match.group(4) else max(1, TOKENS_PER_STEP // block)
    if not (1 <= layers <= 12 and 16 <= dim <= 512 and dim % 4 == 0 and 16 <= block <= 512 and 1 <= batch <= 64):
        raise cli.UserError(f"no run named {text} in reach: 1-12 layers, a width of 16-512 divisible by the "
                            f"4 heads, a context of 16-512 and a batch of 1-64")
    return layers, dim, block, batch


def wait_with_bar(proc: subprocess.Popen, seconds: float, name: str) -> None:
    """Wait for a run, with a progress bar of its budget's seconds (shown on a terminal only);
    stop the run if the sweep is interrupted."""
    from tqdm import tqdm

    began = time.perf_counter()
    with tqdm(total=round(seconds), desc=f"{name}, time used", disable=None, leave=False,
              bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} s of its budget") as bar:
        try:
            while proc.poll() is None:
                time.sleep(0.5)
                bar.n = min(round(time.perf_counter() - began), bar.total)
                bar.refresh()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait()
            raise


def train_one(layers: int, dim: int, block: int, batch: int, budget: str, out: Path, lr: float,
              dropout: float) -> dict:
    """One budgeted training run in its own process; the figures read back from its checkpoint."""
    from final_gpt.gpt import time_budget
    from final_gpt.model import GPTConfig

    name = run_name(layers, dim, block, batch)
    folder = out / f"{name.replace('/', '_b')}_{budget}"
    cmd = [sys.executable, str(REPO / "final_gpt" / "gpt.py"), "train", "shakespeare.txt", "--time", budget,
           "--recipe", "cpu15", "--layers", str(layers), "--dim", str(dim), "--heads", "4", "--block", str(block),
           "--batch", str(batch), "--lr", f"{lr:g}", "--dropout", f"{dropout:g}",
           "--sample-len", "0", "--out", str(folder), "--no-show"]
    began = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:          # the run's stderr, for its last line on failure
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=errors, text=True)
        wait_with_bar(proc, time_budget(budget), name)
        wall = time.perf_counter() - began
        if proc.returncode != 0:
            if proc.returncode == 130:
                raise KeyboardInterrupt
            errors.seek(0)
            last = (errors.read().strip().splitlines() or ["(no message)"])[-1]
            raise cli.UserError(f"the {name} run exited {proc.returncode}: {last}")
    meta = json.loads((folder / "ckpt.json").read_text())
    cfg = GPTConfig(**meta["config"])
    best = min(meta["history"], key=lambda h: h["val"])
    return {"name": name, "layers": layers, "dim": dim, "block": block, "batch": batch,
            "params": cfg.num_parameters(), "budget": budget, "lr": lr,
            "dropout": dropout, "best_val": best["val"], "best_iter": best["iter"],
            "steps": meta["history"][-1]["iter"], "wall_s": round(wall, 1),
            "tokens_per_s": round(meta["history"][-1]["iter"] * batch * block / wall)}


def read_records(store: Path) -> list[dict]:
    """The runs recorded so far (none when the file does not exist); a damaged file is one error."""
    if not store.exists():
        return []
    try:
        records = json.loads(store.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise cli.UserError(f"cannot read {store}: {exc}; delete it to start the sweep afresh") from None
    fields = ("name", "layers", "dim", "block", "batch", "params", "budget", "best_val", "steps", "tokens_per_s")
    if not isinstance(records, list) or not all(isinstance(r, dict) and all(f in r for f in fields)
                                                for r in records):
        raise cli.UserError(f"{store} is not a list of sweep runs; delete it to start the sweep afresh")
    from final_gpt.gpt import time_budget

    for r in records:
        try:
            time_budget(str(r["budget"]))
        except cli.argparse.ArgumentTypeError as exc:
            raise cli.UserError(f"{store}: run {r['name']}'s budget: {exc}; delete it to start afresh") from None
    return records


def plot(records: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from final_gpt.gpt import time_budget

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    budgets = sorted({r["budget"] for r in records}, key=lambda b: time_budget(b))
    span = max(r["best_val"] for r in records) - min(r["best_val"] for r in records) or 1.0

    def crowded(r) -> bool:
        """Another run sits just above this one (within 5 % in size, 4 % of the loss axis):
        this run's label goes below its point, so the two labels do not overlap."""
        return any(o is not r and abs(o["params"] / r["params"] - 1) < 0.05
                   and 0 <= o["best_val"] - r["best_val"] < 0.04 * span for o in records)

    for budget in budgets:
        for block in sorted({r["block"] for r in records if r["budget"] == budget}):
            rows = sorted((r for r in records if r["block"] == block and r["budget"] == budget),
                          key=lambda r: r["params"])
            label = f"context {block}" + (f", {budget} a run" if len(budgets) > 1 else "")
            ax.plot([r["params"] / 1e6 for r in rows], [r["best_val"] for r in rows], "o-", label=label)
            for r in rows:
                tag = f"{r['layers']}x{r['dim']}" + ("" if r["batch"] * r["block"] == TOKENS_PER_STEP
                                                      else f" b{r['batch']}")
                ax.annotate(tag, (r["params"] / 1e6, r["best_val"]), textcoords="offset points",
                            xytext=(4, -11) if crowded(r) else (4, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("parameters (millions, log scale)")
    ax.set_ylabel("best validation loss (nats per character)")
    ax.set_title(f"Tiny Shakespeare, {' / '.join(budgets)} of training per run on this CPU")
    ax.grid(alpha=0.3)
    ax.legend()
    with cli.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)


def table(records: list[dict]) -> str:
    from final_gpt.gpt import time_budget

    budgets = sorted({r["budget"] for r in records}, key=lambda b: time_budget(b))
    lines = ["| model | context x batch | parameters | steps | tokens/s (whole run) | best validation loss |",
             "|---|---|---|---|---|---|"]
    if len(budgets) > 1:
        lines = [lines[0][:-1] + " budget |", lines[1] + "---|"]
    for budget in budgets:
        runs = [r for r in records if r["budget"] == budget]
        best = min(r["best_val"] for r in runs)
        for r in sorted(runs, key=lambda r: (r["block"], r["params"], r["batch"])):
            loss = f"{r['best_val']:.3f}" + (" (best)" if r["best_val"] == best else "")
            lines.append(f"| {r['layers']} x {r['dim']} | {r['block']} x {r['batch']} | {r['params'] / 1e6:.2f} M | "
                         f"{r['steps']:,} | {r['tokens_per_s']:,} | {loss} |" + (f" {budget} |" if len(budgets) > 1
                                                                                  else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from final_gpt.gpt import time_budget

    def budget(text: str) -> str:
        time_budget(text)                 # the same check as gpt.py train --time; the text is passed on
        return text

    def rate(text: str) -> float:
        value = cli.finite_float(text)
        if not 0 <= value < 1:
            raise cli.argparse.ArgumentTypeError(f"expected a rate from 0 to below 1, got {text}")
        return value

    parser = cli.make_parser(__doc__, prog="python -m tools.gpt_sweep", seed=False, out=False, show=False)
    parser.add_argument("--time", type=budget, default="5m",
                        help="budget per run, as gpt.py train --time (default 5m)")
    parser.add_argument("--lr", type=cli.positive_float, default=2e-3,
                        help="peak learning rate of every run (default 2e-3)")
    parser.add_argument("--dropout", type=rate, default=0.0, help="dropout of every run (default 0)")
    parser.add_argument("--only", nargs="+", default=None, metavar="LxD@C",
                        help="runs to do instead of the grid, e.g. 4x128@128, or 4x128@64/12 for a batch of 12 "
                             "(default: 2,048 tokens a step)")
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "gpt_sweep", help="folder for the results")
    parser.add_argument("--plot-only", action="store_true", help="redraw the figure and table from sweep.json")
    args = parser.parse_args(argv)
    grid = [(layers, dim, block, TOKENS_PER_STEP // block) for block in CONTEXTS for layers, dim in SIZES]
    plan = grid if args.only is None else [parse_run(text) for text in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    store = args.out / "sweep.json"
    records = read_records(store)
    if not args.plot_only:
        for i, (layers, dim, block, batch) in enumerate(plan, 1):
            name = run_name(layers, dim, block, batch)
            print(f"[{i}/{len(plan)}] {name}, {args.time} ...", flush=True)
            record = train_one(layers, dim, block, batch, args.time, args.out, args.lr, args.dropout)
            records = [r for r in records if not (r["name"] == name and r["budget"] == args.time)] + [record]
            cli.save_text(store, json.dumps(records, indent=1))       # atomic: an interrupted write leaves the old file
            print(f"    {record['params'] / 1e6:.2f} M parameters, {record['steps']:,} steps, "
                  f"{record['tokens_per_s']:,} tokens/s: best validation loss {record['best_val']:.3f}", flush=True)
    if not records:
        raise cli.UserError(f"no runs recorded yet in {store}")
    plot(records, args.out / "sweep.png")
    print(table(records))
    print(f"\nSaved {args.out / 'sweep.json'} and {args.out / 'sweep.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
