"""gpt.py: training lowers the loss, checkpoints resume, generation CLI, bad input, transcript config."""

import json
import re

import numpy as np
import pytest

from final_gpt import gpt
from tests.conftest import assert_user_error

TINY = ("--layers", "2", "--heads", "2", "--dim", "48", "--block", "32", "--batch", "8",
        "--eval-iters", "4", "--warmup", "20", "--lr", "3e-3", "--sample-len", "80")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny character model trained for 120 steps in-process (about 2 s), shared by the tests."""
    out = tmp_path_factory.mktemp("gpt")
    assert gpt.main(["train", "shakespeare.txt", *TINY, "--iters", "120", "--eval-every", "60", "--out", str(out)]) == 0
    return out


def test_training_lowers_loss_and_resumes(trained, run_main):
    meta = json.loads((trained / "ckpt.json").read_text())
    hist = meta["history"]
    assert [h["iter"] for h in hist] == [0, 60, 120]
    assert hist[0]["val"] > 4.0                          # ~ln(65) at initialisation
    assert hist[-1]["val"] < hist[0]["val"] - 1.0        # a real drop (about 4.2 -> 2.9)
    # and not an impossible one: a loss far below what 120 steps can learn means the targets leaked
    # into the inputs (y must be the window shifted by one token, the *next* token)
    assert hist[-1]["val"] > 1.5
    assert (trained / "ckpt.npz").stat().st_size > 100_000 and (trained / "loss.png").stat().st_size > 10_000
    res = run_main(gpt.main, "train", *TINY, "--iters", "150", "--eval-every", "30", "--resume", "--out", trained)
    assert res.returncode == 0, res
    assert "Resuming from" in res.stdout and "at iteration 120" in res.stdout
    assert "(iter 150): Loss = " in res.stdout and "(iter 0)" not in res.stdout
    meta = json.loads((trained / "ckpt.json").read_text())
    assert meta["iter"] == 150 and meta["adam_t"] == 150
    assert meta["history"][-1]["val"] <= hist[-1]["val"] + 0.05


def test_train_transcript_fields(trained, run_main):
    res = run_main(gpt.main, "train", "shakespeare.txt", *TINY, "--iters", "2", "--eval-every", "1",
                   "--eval-iters", "1", "--out", trained.parent / "t2")
    assert res.returncode == 0, res
    text = res.stdout
    for field in ("=== MiniGPT from Scratch ===", "Tokenizer: character-level, 65 symbols",
                  "Model: 2 layers, 2 heads, 48 dim", "Parameters: ", "Training on tiny-shakespeare (1.1 MB",
                  "Epoch 0.00 (iter 1): Loss = ", "Perplexity = ", "Sample (80 tokens"):
        assert field in text, (field, text)


def test_generate_cli(trained, run_cli, run_main):
    res = run_cli("final_gpt/gpt.py", "generate", "--prompt", "To be, or not to be", "--length", "60",
                  "--checkpoint", trained)
    assert res.returncode == 0, res
    assert res.stdout.startswith("To be, or not to be") and "KV cache" in res.stdout
    body = res.stdout.split("\n[")[0]
    assert len(body) >= len("To be, or not to be") + 60
    again = run_main(gpt.main, "generate", "--prompt", "To be, or not to be", "--length", "20", "--no-cache",
                      "--out", trained)
    assert again.returncode == 0 and "recomputing the context" in again.stdout, again


def test_bad_input(trained, run_cli, run_main, tmp_path):
    assert_user_error(run_cli("final_gpt/gpt.py", "train", tmp_path / "nope.txt"), "no such file")  # real exit
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    assert_user_error(run_main(gpt.main, "train", empty), "empty")
    assert_user_error(run_main(gpt.main, "train", "--heads", "3", "--dim", "128"), "divisible")
    assert_user_error(run_main(gpt.main, "train", "--dropout", "1.5"), "--dropout")
    assert_user_error(run_main(gpt.main, "train", "--tokenizer", "words"), "--tokenizer")
    assert_user_error(run_main(gpt.main, "train", "--lr", "nan"), "--lr")
    assert_user_error(run_main(gpt.main, "train", "--workers", "0"), "--workers")
    assert_user_error(run_main(gpt.main, "generate", "--checkpoint", tmp_path), "no checkpoint")
    assert_user_error(run_main(gpt.main, "generate", "--prompt", "東京", "--checkpoint", trained),
                      "not in the tokenizer")
    assert_user_error(run_main(gpt.main, "generate", "--temperature", "0", "--checkpoint", trained),
                      "--temperature")
    (tmp_path / "ckpt.json").write_text("{not json")
    (tmp_path / "ckpt.npz").write_bytes(b"garbage")
    assert_user_error(run_main(gpt.main, "generate", "--checkpoint", tmp_path), "cannot load")
    assert_user_error(run_main(gpt.main, "train", "--resume", "--out", tmp_path), "cannot load")


def test_batches_and_schedule():
    data = np.arange(1000)
    x, y = gpt.get_batch(data, 4, 16, np.random.default_rng(0))
    assert x.shape == (4, 16) and np.all(y == x + 1)
    lrs = [gpt.lr_at(i, 1e-3, 1000, 100, 1e-4) for i in range(1001)]
    assert lrs[0] == pytest.approx(1e-5) and lrs[99] == pytest.approx(1e-3) and lrs[1000] == pytest.approx(1e-4)
    assert all(a >= b for a, b in zip(lrs[100:], lrs[101:]))


def test_auto_tokenizer_follows_model_width():
    assert gpt.resolve_tokenizer("auto", 128) == "char"
    assert gpt.resolve_tokenizer("auto", 512) == "bpe"
    assert gpt.resolve_tokenizer("auto", gpt.BPE_MIN_DIM) == "bpe"
    assert gpt.resolve_tokenizer("char", 512) == "char" and gpt.resolve_tokenizer("bpe", 64) == "bpe"


@pytest.mark.slow
def test_transcript_configuration_builds(run_cli, tmp_path):
    """The GPU-sized configuration of the transcript: BPE 10k (chosen by --tokenizer auto, as the transcript's
    command gives no tokenizer flag), 6 layers, 8 heads, 512 wide."""
    res = run_cli("final_gpt/gpt.py", "train", "shakespeare.txt", "--layers", "6", "--heads", "8", "--dim", "512",
                  "--block", "256", "--batch", "2", "--iters", "2", "--eval-every", "2",
                  "--eval-iters", "1", "--sample-len", "5", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Tokenizer: BPE with 10,000 vocab" in res.stdout
    assert "Model: 6 layers, 8 heads, 512 dim" in res.stdout
    assert "Parameters: 24.2M (24,166,400)" in res.stdout


@pytest.mark.slow
def test_generates_shakespeare_like_text(run_main, tmp_path):
    """800 steps of the default (nanoGPT CPU) model: validation loss well below the unigram level (3.3),
    and 2,000 sampled characters with the shape of a play: speaker names on their own line, short verse
    lines, common English words."""
    res = run_main(gpt.main, "train", "shakespeare.txt", "--iters", "800", "--eval-every", "800", "--eval-iters", "10",
                    "--sample-len", "0", "--out", tmp_path)
    assert res.returncode == 0, res
    meta = json.loads((tmp_path / "ckpt.json").read_text())
    assert meta["history"][-1]["val"] < 2.2
    res = run_main(gpt.main, "generate", "--length", "2000", "--checkpoint", tmp_path)
    assert res.returncode == 0, res
    sample = res.stdout.split("\n[2000 tokens")[0]
    speakers = re.findall(r"^[A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)?:$", sample, flags=re.M)
    assert len(speakers) >= 2, sample
    lines = [line for line in sample.splitlines() if line.strip()]
    assert 10 <= float(np.median([len(line) for line in lines])) <= 60, sample
    words = re.findall(r"[a-z]+", sample.lower())
    common = {"the", "and", "to", "of", "a", "i", "you", "my", "that", "is", "in", "not", "me", "with", "it"}
    assert sum(w in common for w in words) >= 40, sample


def test_reference_training_runs_the_textbook_tier(run_main, tmp_path):
    """``train --reference`` (a few steps) trains the textbook tier end to end and says so; from the
    same seed its losses are the fast tier's (float32, to the printed 4 decimals)."""
    args = ("train", "shakespeare.txt", *TINY, "--iters", "4", "--eval-every", "2", "--eval-iters", "2",
            "--sample-len", "20")
    textbook = run_main(gpt.main, *args, "--reference", "--out", tmp_path / "textbook")
    assert textbook.returncode == 0, textbook
    assert "Implementation: textbook tier" in textbook.stdout
    fast = run_main(gpt.main, *args, "--out", tmp_path / "fast")
    losses = [re.findall(r"Loss = ([0-9.]+)", r.stdout) for r in (textbook, fast)]
    assert losses[0] and losses[0] == losses[1]
    again = run_main(gpt.main, "generate", "--length", "10", "--reference", "--checkpoint", tmp_path / "textbook")
    assert again.returncode == 0, again


def _damage(folder, what: str) -> None:
    npz, js = folder / "ckpt.npz", folder / "ckpt.json"
    meta = json.loads(js.read_text())
    if what == "truncated-npz":
        npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 3])
    elif what == "bit-flipped-npz":
        data = bytearray(npz.read_bytes())
        data[len(data) // 2] ^= 0xFF
        npz.write_bytes(bytes(data))
    elif what == "json-list":
        js.write_text("[1, 2]")
    elif what == "json-not-json":
        js.write_text("{half")
    elif what in ("iter", "config", "tokenizer", "history", "text"):
        del meta[what]
        js.write_text(json.dumps(meta))
    elif what == "negative-iter":
        js.write_text(json.dumps(dict(meta, iter=-3)))
    elif what == "history-entry":
        js.write_text(json.dumps(dict(meta, history=[{"iter": "x"}])))
    elif what == "width":
        js.write_text(json.dumps(dict(meta, config=dict(meta["config"], n_embd=96))))
    elif what == "vocab":
        meta["config"]["vocab_size"] += 5
        js.write_text(json.dumps(meta))
    elif what == "huge-config":
        js.write_text(json.dumps(dict(meta, config=dict(meta["config"], n_embd=10**6, n_head=1))))
    elif what == "adam-shape":
        with np.load(npz) as data:
            arrays = {k: data[k] for k in data.files}
        key = next(k for k in arrays if k.startswith("adam.m."))
        arrays[key] = arrays[key][:1]
        np.savez(npz, **arrays)


DAMAGE = ["truncated-npz", "bit-flipped-npz", "json-list", "json-not-json", "iter", "config", "tokenizer",
          "history", "text", "negative-iter", "history-entry", "width", "vocab", "huge-config", "adam-shape"]


@pytest.mark.parametrize("what", DAMAGE)
def test_a_damaged_checkpoint_is_one_line_for_generate_and_resume(trained, run_main, tmp_path, what):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    for name in ("ckpt.npz", "ckpt.json"):
        (folder / name).write_bytes((trained / name).read_bytes())
    _damage(folder, what)
    assert_user_error(run_main(gpt.main, "generate", "--checkpoint", folder, "--length", "5"), "cannot load checkpoint")
    res = run_main(gpt.main, "train", "--resume", "--out", folder, "--iters", "1")
    assert_user_error(res, "cannot load checkpoint")


def test_workers_are_capped_at_eight_and_threads_can_be_asked_for(run_main, tmp_path):
    """--workers 20 trains on 8 worker processes, as --help says; --threads uses the threads' tier."""
    for flags, line in ((("--workers", "20"), "split between 8 worker processes"),
                        (("--threads",), f"split between {min(8, gpt.mg.threads.num_threads())} thread")):
        res = run_main(gpt.main, "train", "shakespeare.txt", *TINY, "--iters", "2", "--eval-every", "2",
                       "--sample-len", "0", *flags, "--out", tmp_path / flags[0])
        assert res.returncode == 0, res
        assert line in res.stdout, res.stdout
        assert "(iter 2): Loss = " in res.stdout
