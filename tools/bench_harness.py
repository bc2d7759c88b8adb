"""Side-by-side performance comparisons: our implementation vs a trusted reference.

A bench function (registered in a project's catalogue entry as ``"bench.module:function"``)
prepares its data once and returns one or more :class:`Comparison`. The harness runs ours and
the reference alternately (interleaved repeats, so machine noise hits both), takes medians and
reports ``ratio = ours / reference`` (lower is better) and a quality delta. Each repeat's pair
(ours and the reference timed next to it) also gives a ratio of its own; their lowest and highest
show how far the machine's speed moved during the row (a shared host has fast and slow minutes).

When there is no library to compare with (a frame budget, a throughput target), ``reference``
is None and ``budget_s`` gives the time the target allows: the ratio is then ours / budget.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Comparison:
    name: str                                   # "image_lab: 1024x1024 bilinear rotation"
    ours: Callable[[], Any]
    reference: Callable[[], Any] | None
    reference_name: str                         # "Pillow Image.transform(BILINEAR)"
    max_ratio: float | None = None              # the row's target, e.g. 4.0
    quality: Callable[[Any, Any], tuple[str, float, float]] | None = None  # -> (metric, ours, ref)
    budget_s: float | None = None               # when reference is None
    repeats: int = 5
    warmup: int = 1
    flops: float | None = None                  # work of one call of ours, for GFLOP/s
    note: str = ""


@dataclass
class Row:
    name: str
    reference_name: str
    ours_s: float
    reference_s: float
    ratio: float
    max_ratio: float | None
    quality: str
    gflops: float | None
    note: str
    pair_ratios: tuple[float, float] | None = None   # lowest and highest ours / reference of one pair

    @property
    def met(self) -> bool | None:
        return None if self.max_ratio is None else self.ratio <= self.max_ratio


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_comparison(c: Comparison) -> Row:
    """Warm up, then alternate ours/reference ``repeats`` times; medians of each, and the range of
    the per-pair ratios ours_i / reference_i (the two timed back to back in repeat i)."""
    ours_result = ref_result = None
    for _ in range(c.warmup):
        ours_result = c.ours()
        if c.reference is not None:
            ref_result = c.reference()
    ours_times, ref_times = [], []
    for i in range(c.repeats):
        order = [("ours", c.ours), ("ref", c.reference)] if i % 2 == 0 else [("ref", c.reference), ("ours", c.ours)]
        for label, fn in order:
            if fn is None:
                continue
            seconds, result = _time(fn)
            if label == "ours":
                ours_times.append(seconds)
                ours_result = result
            else:
                ref_times.append(seconds)
                ref_result = result
    ours_s = statistics.median(ours_times)
    if c.reference is not None:
        ref_s = statistics.median(ref_times)
    elif c.budget_s is not None:
        ref_s = c.budget_s
    else:
        raise ValueError(f"{c.name}: needs a reference or a budget_s")
    quality = ""
    if c.quality is not None:
        metric, ours_q, ref_q = c.quality(ours_result, ref_result)
        quality = f"{metric}: {ours_q:.6g} vs {ref_q:.6g} (delta {ours_q - ref_q:+.3g})"
    gflops = c.flops / ours_s / 1e9 if c.flops else None
    pairs = [o / r for o, r in zip(ours_times, ref_times)]
    pair_ratios = (min(pairs), max(pairs)) if len(pairs) > 1 else None
    return Row(c.name, c.reference_name, ours_s, ref_s, ours_s / ref_s, c.max_ratio, quality, gflops, c.note,
               pair_ratios)


def matmul_ceiling(n: int = 2048, repeats: int = 5) -> dict[str, float]:
    """The machine's measured NumPy matmul throughput (best of ``repeats``) in GFLOP/s."""
    out = {}
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        a = rng.standard_normal((n, n)).astype(dtype)
        b = rng.standard_normal((n, n)).astype(dtype)
        a @ b
        best = min(_time(lambda: a @ b)[0] for _ in range(repeats))  # noqa: B023
        out[np.dtype(dtype).name] = 2 * n ** 3 / best / 1e9
    return out
