"""gpt.py train --time: duration parsing, the budget schedule, recipes, the best checkpoint, resume to a
new budget, Ctrl-C, evaluate and its coherence figures, and checkpoints that a crash cannot mismatch.

The budget logic runs on a virtual clock (train_step and estimate_loss advance it by fixed amounts), so
those tests are exact and fast and assert no wall-clock time; one short real run checks the whole
command end to end.
"""

import json
import math
import re
import types

import numpy as np
import pytest
import torch

from common import cli, datasets
from final_gpt import gpt
from tests.conftest import assert_user_error, call_main

TINY = ("--layers", "1", "--heads", "2", "--dim", "32", "--block", "16", "--batch", "4", "--eval-iters", "2")


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    """The first 60,000 characters of tiny Shakespeare: the tokenizer and the split take no time."""
    path = tmp_path_factory.mktemp("text") / "plays.txt"
    path.write_text(datasets.load("tiny-shakespeare")[:60_000], encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- durations
@pytest.mark.parametrize("text, seconds", [("90s", 90), ("15m", 900), ("1h", 3600), ("1h30m", 5400),
                                           ("2h5m30s", 7530), ("1.5m", 90), ("20S", 20), (" 7m ", 420)])
def test_durations_parse(text, seconds):
    assert gpt.parse_duration(text) == seconds


@pytest.mark.parametrize("text, fragment", [("0", "needs a unit"), ("abc", "not a duration"),
                                            ("-5m", "cannot be negative"), ("0s", "no time"),
                                            ("0h0m", "no time"), ("200h", "more than a week"), ("", "not a duration"),
                                            ("15", "needs a unit"), ("1h30", "not a duration"),
                                            ("30m1h", "not a duration"), ("1e9s", "not a duration"),
                                            ("99999999999999999999h", "more than a week")])
def test_bad_durations_are_refused(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        gpt.parse_duration(text)


def test_bad_time_values_exit_2_with_one_line(run_main, run_cli):
    for value, fragment in (("0", "unit"), ("abc", "not a duration"), ("-5m", "negative"), ("1000h", "week"),
                            ("0s", "no time")):
        assert_user_error(run_main(gpt.main, "train", "--time", value), fragment)
    assert_user_error(run_main(gpt.main, "train", "--time=-5m"), "negative")
    assert_user_error(run_main(gpt.main, "train", "--time", "1m", "--iters", "10"), "not both")
    assert_user_error(run_main(gpt.main, "train", "--recipe", "gpu9000"), "--recipe")
    assert_user_error(run_cli("final_gpt/gpt.py", "train", "--time", "abc"), "not a duration")   # the real exit


def test_format_duration():
    assert [gpt.format_duration(s) for s in (0, 20, 90, 900, 5400, 5399.6)] == \
        ["0s", "20s", "1m30s", "15m00s", "1h30m00s", "1h30m00s"]


# ----------------------------------------------------------------------------- the schedule
def test_budget_lr_warms_up_linearly_then_follows_torchs_cosine():
    """Warm-up: a straight line from 0 to lr over the first w of the budget (np.interp as reference).
    Decay: torch's CosineAnnealingLR over the remaining steps, to 1e-12 relative."""
    lr, min_lr, total, warmup = 1e-3, 1e-4, 400, 40
    for i in range(warmup):
        expected = np.interp((i + 1) / total, [0, warmup / total], [0, lr])
        assert gpt.budget_lr((i + 1) / total, lr, min_lr, warmup / total) == pytest.approx(expected, rel=1e-12)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total - warmup, eta_min=min_lr)
    for step in range(warmup, total + 1):        # fraction (step) / total; torch's epoch = step - warmup
        ours = gpt.budget_lr(step / total, lr, min_lr, warmup / total)
        assert ours == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12), step
        opt.step()
        cosine.step()
    assert gpt.budget_lr(1.0, lr, min_lr, 0.1) == min_lr and gpt.budget_lr(1.7, lr, min_lr, 0.1) == min_lr
    assert gpt.budget_lr(0.3, lr, min_lr, 0.0) < lr          # no warm-up: the decay starts at once


def test_estimated_total_steps():
    assert gpt.estimated_total_steps(0, 10.0, 0.1, 0.0, 50) == 100
    assert gpt.estimated_total_steps(0, 10.0, 0.1, 1.0, 10) == 50          # an evaluation every 10 steps doubles a step
    assert gpt.estimated_total_steps(7, 0.05, 0.1, 1.0, 10) == 7           # less than one step left


# ----------------------------------------------------------------------------- recipes
def _namespace(**given):
    fields = dict.fromkeys(gpt.RECIPE_FIELDS)
    fields.update(time=None, iters=None, recipe=None)
    fields.update(given)
    return types.SimpleNamespace(**fields)


def test_recipes_fill_what_is_not_given():
    plain = _namespace()
    assert gpt.apply_recipe(plain) == "nanogpt-cpu"
    # nanoGPT's CPU configuration for shakespeare_char, the defaults before recipes existed
    assert (plain.layers, plain.heads, plain.dim, plain.block, plain.batch, plain.lr, plain.dropout, plain.iters,
            plain.time, plain.tokenizer) == (4, 4, 128, 64, 12, 1e-3, 0.0, 2000, None, "auto")
    timed = _namespace(time=600.0)
    assert gpt.apply_recipe(timed) == "cpu15"
    cpu15 = gpt.RECIPES["cpu15"]
    assert (timed.dim, timed.block, timed.dropout, timed.time, timed.iters) == (cpu15.dim, cpu15.block,
                                                                                  cpu15.dropout, 600.0, None)
    assert (timed.lr, timed.tokenizer) == (cpu15.lr, "char") and cpu15.lr != plain.lr   # not nanoGPT's lr
    mixed = _namespace(recipe="cpu15", dim=64, lr=5e-4, iters=30)
    assert gpt.apply_recipe(mixed) == "cpu15"
    assert (mixed.dim, mixed.lr, mixed.iters, mixed.time, mixed.layers) == (64, 5e-4, 30, None, cpu15.layers)
    alone = _namespace(recipe="cpu15")
    gpt.apply_recipe(alone)
    assert alone.time == 15 * 60 and alone.iters is None                  # the 15-minute recipe runs 15 minutes
    nano_timed = _namespace(recipe="nanogpt-cpu", time=20.0)
    gpt.apply_recipe(nano_timed)
    assert (nano_timed.dim, nano_timed.time, nano_timed.iters) == (128, 20.0, None)


def test_help_explains_both_recipes(run_main):
    res = run_main(gpt.main, "train", "--help")
    assert res.returncode == 0
    text = " ".join(res.stdout.split())
    for fragment in ("--time DURATION", "--recipe {nanogpt-cpu,cpu15}", "nanogpt-cpu nanoGPT's CPU configuration",
                     "cpu15 the 15-minute CPU recipe", "chosen by a sweep at 15 minutes a run",
                     "without --recipe, --time uses cpu15", "override"):
        assert fragment in text, fragment


def test_flags_override_the_recipe(run_main, text_file, tmp_path):
    res = run_main(gpt.main, "train", text_file, "--recipe", "cpu15", *TINY, "--iters", "2", "--eval-every", "2",
                   "--sample-len", "0", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Model: 1 layers, 2 heads, 32 dim (context 16 tokens, dropout 0)" in res.stdout   # cpu15 has no dropout
    assert "Tokenizer: character-level" in res.stdout and "2 iterations of 4 x 16 tokens" in res.stdout
    assert json.loads((tmp_path / "ckpt.json").read_text())["recipe"] == "cpu15"


# ----------------------------------------------------------------------------- the budget, on a virtual clock
class VirtualClock:
    """time.perf_counter for gpt.py: a training step costs ``step`` virtual seconds, a loss estimate
    ``estimate`` per batch; everything else costs nothing. A step records its learning rate and moves the token
    embedding by a random nudge (so each checkpoint's weights differ) instead of training; the
    validation losses can be scripted (a function of the evaluation's number)."""

    def __init__(self, monkeypatch, step=0.05, estimate=0.1, val=None, seed=42):
        self.now, self.lrs, self.vals = 1000.0, [], []
        real_estimate = gpt.estimate_loss
        rng = np.random.default_rng(0)

        def train_step(model, opt, x, y, lr, clip=1.0, workers=None, processes=None):
            self.now += step
            self.lrs.append(lr)
            weight = model.wte.weight
            weight.data = weight.data + rng.normal(0, 1e-3, weight.shape).astype(weight.dtype)
            return 2.5

        def estimate_loss(model, data, batch, block, iters, seed_):
            self.now += estimate * iters
            value = real_estimate(model, data, batch, block, 1, seed_)
            if seed_ == seed + 1:                 # the held-out estimate
                if val is not None:
                    value = val(len(self.vals))
                self.vals.append(value)
            return value

        monkeypatch.setattr(gpt, "time", types.SimpleNamespace(perf_counter=lambda: self.now))
        monkeypatch.setattr(gpt, "train_step", train_step)
        monkeypatch.setattr(gpt, "estimate_loss", estimate_loss)


def test_the_budget_is_spent_and_the_schedule_fitted_to_it(run_main, text_file, tmp_path, monkeypatch):
    clock = VirtualClock(monkeypatch)
    start = clock.now
    res = run_main(gpt.main, "train", text_file, "--time", "30s", *TINY, "--eval-every", "100", "--lr", "2e-3",
                   "--warmup", "50", "--sample-len", "0", "--out", tmp_path)
    assert res.returncode == 0, res
    used = clock.now - start
    # 0.05 s a step, 0.4 s an evaluation (2 batches for train and validation): the run ends within
    # one step and one evaluation of the budget, never after it
    assert 30 - 0.45 - 1e-9 <= used <= 30 + 1e-9, used
    assert re.search(r"Time budget: asked 30s, used (29\.[7-9]|30\.0) s", res.stdout), res.stdout
    lrs = np.array(clock.lrs)
    n = len(lrs)
    assert 500 <= n <= 600                                   # (30 s - 7 evaluations) / 0.05 s
    peak = int(np.argmax(lrs))
    assert lrs[peak] == pytest.approx(2e-3, rel=1e-3) and peak == pytest.approx(50, abs=2)   # warm-up of 50 steps
    # rising, then falling (the first step's rate comes from a guessed step time, so it is left out)
    assert lrs[0] < 0.1 * lrs[peak] and np.all(np.diff(lrs[1:peak + 1]) > 0) and np.all(np.diff(lrs[peak:]) <= 1e-12)
    assert lrs[-1] == pytest.approx(2e-4, rel=1e-6)           # the cosine ends at lr/10 on the last step
    # mid-way the estimate of the total is within a few steps of the final count
    assert lrs[n // 2] == pytest.approx(gpt.budget_lr((n // 2 + 1) / n, 2e-3, 2e-4, 50 / n), rel=0.03)


def test_a_short_budget_gets_cheaper_evaluations(run_main, text_file, tmp_path, monkeypatch):
    """A forward batch of 0.5 s: 20 batches per estimate would make one evaluation 20 s of a 10 s
    budget. Each evaluation is cut to what 5% of the budget allows (at least one batch), and the run
    still ends within the budget."""
    clock = VirtualClock(monkeypatch, estimate=0.5)
    start = clock.now
    res = run_main(gpt.main, "train", text_file, "--time", "10s", *TINY, "--eval-iters", "20", "--sample-len", "0",
                   "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Evaluations: 1 batch per estimate instead of 20" in res.stdout
    assert clock.now - start <= 10 + 1e-9 and len(clock.lrs) > 100


def test_the_best_checkpoint_is_kept(run_main, text_file, tmp_path, monkeypatch):
    """Validation losses scripted to improve twice, then get worse: the checkpoint holds the best
    evaluation (the third), not the last, and its weights are that evaluation's."""
    script = [4.0, 3.0, 2.0, 2.5, 2.4, 2.6, 2.7, 2.8, 2.9, 3.0, 3.1, 3.2]
    clock = VirtualClock(monkeypatch, val=lambda k: script[min(k, len(script) - 1)])
    snapshots = {}
    real_save = gpt.save_checkpoint

    def save(folder, model, opt, meta):
        snapshots[meta["iter"]] = model.wte.weight.data.copy()
        real_save(folder, model, opt, meta)

    monkeypatch.setattr(gpt, "save_checkpoint", save)
    res = run_main(gpt.main, "train", text_file, "--time", "10s", *TINY, "--eval-every", "20", "--sample-len", "0",
                   "--out", tmp_path)
    assert res.returncode == 0, res
    printed = [int(i) for i in re.findall(r"\(iter (\d+)\)", res.stdout)]
    assert len(clock.vals) >= 5 and len(printed) == len(clock.vals)
    meta = json.loads((tmp_path / "ckpt.json").read_text())
    assert meta["iter"] == printed[2] == 40 and sorted(snapshots) == [0, 20, 40]
    assert f"Best validation loss: 2.000 (perplexity {math.exp(2):.2f}) at iteration 40" in res.stdout
    model = gpt.load_checkpoint(tmp_path)[0]
    np.testing.assert_array_equal(model.wte.weight.data, snapshots[40])


def test_resume_continues_to_a_new_total_budget(run_main, text_file, tmp_path, monkeypatch):
    clock = VirtualClock(monkeypatch, val=lambda k: 4.0 - 0.01 * k)         # always improving: the last is best
    args = ("train", text_file, *TINY, "--eval-every", "50", "--sample-len", "0", "--out", tmp_path)
    assert run_main(gpt.main, *args, "--time", "10s").returncode == 0
    first = json.loads((tmp_path / "ckpt.json").read_text())
    assert 9.0 < first["train_seconds"] <= 10.0
    assert_user_error(run_main(gpt.main, *args, "--time", "8s", "--resume"), "new total")
    n_first = len(clock.lrs)
    res = run_main(gpt.main, *args, "--time", "20s", "--resume")
    assert res.returncode == 0, res
    assert f"at iteration {first['iter']}" in res.stdout and "Time budget: 20s in all" in res.stdout
    second = json.loads((tmp_path / "ckpt.json").read_text())
    assert second["iter"] > first["iter"] and 19.0 < second["train_seconds"] <= 20.0
    assert [h["iter"] for h in second["history"]][:len(first["history"])] == [h["iter"] for h in first["history"]]
    resumed = np.array(clock.lrs[n_first:])
    # the schedule goes on from where the first run left off (half-way down): no new warm-up, down to
    # lr/10 at the end. (The first resumed step is timed by a guess; from the second on it is measured.)
    peak = gpt.RECIPES["cpu15"].lr
    assert resumed.max() < 0.8 * peak and np.all(np.diff(resumed[1:]) <= 1e-12)
    assert resumed[-1] == pytest.approx(gpt.RECIPES["cpu15"].lr / 10, rel=1e-6)


def test_ctrl_c_exits_130_and_keeps_the_last_checkpoint(run_main, text_file, tmp_path, monkeypatch):
    real_step, calls = gpt.train_step, []

    def interrupted(*a, **k):
        calls.append(1)
        if len(calls) == 7:
            raise KeyboardInterrupt
        return real_step(*a, **k)

    monkeypatch.setattr(gpt, "train_step", interrupted)
    res = run_main(gpt.main, "train", text_file, *TINY, "--iters", "50", "--eval-every", "3", "--sample-len", "0",
                   "--out", tmp_path)
    assert res.returncode == 130 and "Traceback" not in res.stderr, res
    assert f"the checkpoint of iteration 6 stays in {tmp_path}" in res.stderr
    model, meta, _ = gpt.load_checkpoint(tmp_path)
    assert meta["iter"] == 6 and meta["adam_t"] == 6


# ----------------------------------------------------------------------------- one real run, end to end
@pytest.fixture(scope="module")
def timed_run(text_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("timed")
    res = call_main(gpt.main, "train", text_file, "--time", "2s", *TINY, "--eval-every", "40", "--sample-len", "40",
                   "--out", out)
    return out, res


def test_a_real_timed_run_reports_its_progress_and_coherence(timed_run):
    out, res = timed_run
    assert res.returncode == 0, res
    for fragment in ("for 2s of 4 x 16 tokens", "Time budget: 2s in all (recipe cpu15", "Time budget: asked 2s, used",
                     "tokens/s", "GFLOP/s counting 6 flops per parameter", "Best validation loss:",
                     "that checkpoint is saved", "Sample (40 tokens", "Coherence of a 2,000-character sample (seed 42",
                     "real words:", "speaker lines:"):
        assert fragment in res.stdout, (fragment, res.stdout)
    meta = json.loads((out / "ckpt.json").read_text())
    best = min(meta["history"], key=lambda h: h["val"])
    assert meta["iter"] == best["iter"] and (out / "loss.png").is_file()


def test_evaluate_reports_loss_and_coherence(timed_run, run_main, text_file):
    out, _ = timed_run
    res = run_main(gpt.main, "evaluate", "--checkpoint", out, "--eval-iters", "3", "--batch", "5")
    assert res.returncode == 0, res
    model, meta, _ = gpt.load_checkpoint(out)
    ids = np.asarray(meta["tokenizer_obj"].encode(text_file.read_text()), dtype=np.int64)
    train_ids, val_ids = gpt.split_tokens(ids)
    expected = gpt.estimate_loss(model, val_ids, 5, model.cfg.block_size, 3, 43)
    assert f"Validation loss: {expected:.3f}, perplexity {math.exp(expected):.2f}" in res.stdout
    sample = res.stdout.split("temperature 0.8):\n", 1)[1].split("\n\nCoherence of a", 1)[0]
    assert len(sample) == 2000
    train_text = text_file.read_text()[:len(train_ids)]
    words = 100 * gpt.real_word_share(sample, train_text)
    assert f"real words:    {words:.1f}% of its {len(gpt.words_of(sample))} words" in res.stdout
    assert f"speaker lines: {100 * gpt.speaker_line_share(sample):.1f}%" in res.stdout
    # a fixed seed: the figures printed after training are the same, from the same sample of the same model
    after_training = timed_run[1].stdout.split("Coherence of a", 1)[1].split("\n\nSaved:")[0]
    assert after_training == res.stdout.split("Coherence of a", 1)[1].rstrip("\n")


def test_evaluate_bad_input(run_main, tmp_path):
    assert_user_error(run_main(gpt.main, "evaluate", "--checkpoint", tmp_path), "no checkpoint")
    assert_user_error(run_main(gpt.main, "evaluate", "--eval-iters", "0"), "--eval-iters")


# ----------------------------------------------------------------------------- coherence figures
def test_real_word_share_on_hand_made_text():
    corpus = "What's in a name? That which we call a rose\nBy any other name would smell as sweet."
    assert gpt.words_of("WHAT'S in--a NAME!") == ["what's", "in", "a", "name"]
    assert gpt.real_word_share("What's in a name", corpus) == 1.0
    assert gpt.real_word_share("a rose, a rose, a nose", corpus) == pytest.approx(5 / 6)   # occurrences count
    assert gpt.real_word_share("Zxq qqv", corpus) == 0.0
    assert gpt.real_word_share("12 ... !!", corpus) == 0.0                                  # no words at all
    assert gpt.real_word_share("whats", corpus) == 0.0                                      # the apostrophe matters
    assert gpt.real_word_share("' ' name", corpus) == 1.0                                   # lone apostrophes: no words


def test_speaker_line_share_on_hand_made_text():
    play = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n"
    assert gpt.speaker_line_share(play) == pytest.approx(2 / 4)
    assert gpt.speaker_line_share("KING RICHARD III:\nA horse!\nA horse!\n") == pytest.approx(1 / 3)
    assert gpt.speaker_line_share("ROMEO:\n\nJULIET:\n") == 0.0              # names with no speech after them
    assert gpt.speaker_line_share("ROMEO:\nJULIET:\nAy me!") == pytest.approx(1 / 3)
    assert gpt.speaker_line_share("O Romeo, Romeo:\nwherefore") == 0.0     # a comma: verse, not a name
    assert gpt.speaker_line_share("romeo:\nhi") == 0.0 and gpt.speaker_line_share("") == 0.0
    assert gpt.speaker_line_share("  ROMEO:  \n  But soft!  ") == 0.5     # surrounding spaces ignored
    assert not gpt.is_speaker_line("ROMEO: hello") and not gpt.is_speaker_line(":")


def test_the_corpus_itself_scores_as_a_play(text_file):
    text = text_file.read_text()
    n = int(len(text) * 0.9)
    assert gpt.real_word_share(text[n:], text[:n]) > 0.8        # (a 54,000-character corpus; the whole one: 0.94)
    assert 0.1 < gpt.speaker_line_share(text) < 0.5


# ----------------------------------------------------------------------------- checkpoints a crash cannot mismatch
def test_a_crash_between_the_two_files_is_refused_at_load(run_main, text_file, tmp_path, monkeypatch):
    """Saving writes ckpt.npz, then ckpt.json with the npz's sha256. A crash after the npz is renamed
    and before the json is (simulated here) leaves new weights beside the old json: refused, one line."""
    res = run_main(gpt.main, "train", text_file, *TINY, "--iters", "2", "--eval-every", "2", "--sample-len", "0",
                   "--out", tmp_path)
    assert res.returncode == 0, res
    model, meta, arrays = gpt.load_checkpoint(tmp_path)
    old_json = (tmp_path / "ckpt.json").read_text()
    assert json.loads(old_json)["npz_sha256"] == gpt.file_sha256(tmp_path / "ckpt.npz")
    model.wte.weight.data = model.wte.weight.data + 1.0          # the next save's weights differ
    opt = gpt.make_optimizer(model, 1e-3, 0.1)

    def crash(*a, **k):
        raise KeyboardInterrupt                                  # the power goes between the two files

    monkeypatch.setattr(cli, "save_text", crash)
    with pytest.raises(KeyboardInterrupt):
        gpt.save_checkpoint(tmp_path, model, opt, dict(json.loads(old_json), iter=99))
    monkeypatch.undo()
    assert (tmp_path / "ckpt.json").read_text() == old_json       # the old json, beside a new npz
    assert not list(tmp_path.glob(".ckpt*"))                      # no temporary file left
    for command in (("generate", "--checkpoint", tmp_path, "--length", "3"),
                    ("evaluate", "--checkpoint", tmp_path, "--eval-iters", "1"),
                    ("train", text_file, "--resume", "--out", tmp_path, "--iters", "3")):
        assert_user_error(run_main(gpt.main, *command), "sha256")


def _resign(folder):
    meta = json.loads((folder / "ckpt.json").read_text())
    meta["npz_sha256"] = gpt.file_sha256(folder / "ckpt.npz")
    (folder / "ckpt.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("what", ["adam-shape", "missing-hash", "bad-hash"])
def test_the_checks_behind_the_hash_still_hold(run_main, text_file, tmp_path, what):
    """A damaged npz whose json was re-signed with its hash still meets the shape checks; a json with
    no hash, or one that is not 64 hex digits, is refused."""
    res = run_main(gpt.main, "train", text_file, *TINY, "--iters", "1", "--eval-every", "1", "--sample-len", "0",
                   "--out", tmp_path)
    assert res.returncode == 0, res
    js = tmp_path / "ckpt.json"
    meta = json.loads(js.read_text())
    if what == "adam-shape":
        with np.load(tmp_path / "ckpt.npz") as data:
            arrays = {k: data[k] for k in data.files}
        key = next(k for k in arrays if k.startswith("adam.v."))
        arrays[key] = arrays[key][..., :1]
        np.savez(tmp_path / "ckpt.npz", **arrays)
        _resign(tmp_path)
        fragment = "does not match a parameter"
    elif what == "missing-hash":
        del meta["npz_sha256"]
        js.write_text(json.dumps(meta))
        fragment = "npz_sha256"
    else:
        js.write_text(json.dumps(dict(meta, npz_sha256="not hex")))
        fragment = "npz_sha256"
    assert_user_error(run_main(gpt.main, "generate", "--checkpoint", tmp_path, "--length", "3"), fragment)
