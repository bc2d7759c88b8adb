"""minigrad.memory.keep_freed_memory: malloc keeps and reuses freed memory (glibc), nothing else changes.

The setting lives for the whole process, so each case runs in a fresh interpreter.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

STEPS = """
import sys, numpy as np
import minigrad as mg
from final_gpt import gpt
from final_gpt.model import GPT, GPTConfig
if sys.argv[1] == "keep":
    print(mg.memory.keep_freed_memory(), mg.memory.keep_freed_memory())
cfg = GPTConfig(vocab_size=30, block_size=16, n_layer=2, n_head=2, n_embd=32, dropout=0.1)
ids = np.random.default_rng(0).integers(0, 30, 5000)
rng = np.random.default_rng(0)
model = GPT(cfg, seed=0)
opt = gpt.make_optimizer(model, 1e-3, 0.1)
mg.manual_seed(0)
for _ in range(3):
    loss = gpt.train_step(model, opt, *gpt.get_batch(ids, 8, 16, rng), 1e-3)
print(repr(loss), repr(float(np.abs(model.wte.weight.data).sum())))
"""


def _run(mode: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", STEPS, mode], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's (Linux)")
def test_keep_freed_memory_takes_effect_and_changes_no_number():
    """On Linux (glibc) the setting takes effect (True, and True again on a second call), and three
    seeded training steps give the same loss and weights with and without it, to 1e-6 relative
    (float32: two runs without it already differ in the last bit or two of the loss, as the two
    data-parallel threads' work lands in memory of another alignment)."""
    kept, plain = _run("keep"), _run("plain")
    assert kept[0] == "True True"
    np.testing.assert_allclose([float(v) for v in kept[1].split()], [float(v) for v in plain[0].split()],
                               rtol=1e-6, atol=0)
