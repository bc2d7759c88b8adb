"""Options without bounds and diverging training: one ``error:`` line and exit 2, nothing saved.

Each case is a value a user can type that used to end in a traceback (an IndexError, a
MemoryError of terabytes, a FloatingPointError) or in exit 1 with no explanation. The scripts
run in-process through ``common.cli.run``, as the real command line does.
"""

from __future__ import annotations

import pytest

from final_gpt import gpt
from phase1_linalg import linalg_basics
from phase3_probability import monte_carlo_pi
from phase4_ml import logistic_regression, neural_network, sklearn_sprint
from tests.conftest import assert_user_error


@pytest.mark.parametrize(("main", "args", "fragment"), [
    (linalg_basics.main, ("--size", "1000000", "--no-show"), "from 1 to 400"),
    (linalg_basics.main, ("--size", "0", "--no-show"), "from 1 to 400"),
    (monte_carlo_pi.main, ("1" + "0" * 30, "--no-show"), "from 1 to 1000000000000"),
    (gpt.main, ("train", "shakespeare.txt", "--dim", "1000000"), "GiB to train"),
    (gpt.main, ("train", "shakespeare.txt", "--layers", "200", "--dim", "2048"), "smaller --dim"),
    (gpt.main, ("train", "shakespeare.txt", "--block", "100000", "--batch", "1000"), "GiB to train"),
    (gpt.main, ("train", "shakespeare.txt", "--vocab", "10000000"), "from 1 to 100000"),
    (sklearn_sprint.main, ("--folds", "60", "--no-show"), "smallest class"),
    (neural_network.main, ("mnist", "--layers", "784,0,10", "--epochs", "1", "--no-show"), "1 to 4096 units"),
    (neural_network.main, ("mnist", "--layers", "784,100000,10", "--epochs", "1", "--no-show"), "1 to 4096"),
], ids=["size-huge", "size-zero", "darts-1e30", "gpt-dim", "gpt-layers", "gpt-block-batch", "gpt-vocab",
        "folds", "layers-zero", "layers-huge"])
def test_out_of_range_options_are_one_line(run_main, tmp_path, main, args, fragment):
    res = run_main(main, *args, "--out", tmp_path / "out")
    assert_user_error(res, fragment)
    assert not any((tmp_path / "out").rglob("*.*")), "nothing may be saved"


def test_a_learning_rate_that_diverges_is_one_line_and_saves_nothing(run_main, tmp_path):
    res = run_main(neural_network.main, "mnist", "--lr", "1e10", "--epochs", "2", "--limit", "3000", "--val", "500",
                   "--no-show", "--out", tmp_path / "nn")
    assert_user_error(res, "training diverged")
    assert "worse than guessing" in res.stderr and "--lr" in res.stderr
    assert not any((tmp_path / "nn").rglob("*.*"))
    res = run_main(logistic_regression.main, "--lr", "1e300", "--no-show", "--out", tmp_path / "lr")
    assert_user_error(res, "training diverged")
    assert "1e+300" in res.stderr


def test_the_bounds_leave_the_documented_runs_alone():
    """The README's configurations pass the memory check (the transcript's 6 x 512 BPE model, and
    nanoGPT's 6 x 384 GPU configuration at batch 64 x 256)."""
    from final_gpt.model import GPTConfig

    gpt.check_memory(GPTConfig(vocab_size=10000, block_size=256, n_layer=6, n_head=8, n_embd=512), 64)
    gpt.check_memory(GPTConfig(vocab_size=65, block_size=256, n_layer=6, n_head=6, n_embd=384), 64)
    with pytest.raises(gpt.cli.UserError, match="GiB"):
        gpt.check_memory(GPTConfig(vocab_size=65, block_size=4096, n_layer=48, n_head=16, n_embd=4096), 64)
