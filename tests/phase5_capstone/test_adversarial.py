"""adversarial.py (Boss mode): FGSM / PGD against our own minigrad models, adversarial training."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.gradcheck import numerical_grad
from phase5_capstone import adversarial
from phase5_capstone.train_mnist import load_images, make_model
from tests.conftest import assert_user_error

SCRIPT = "phase5_capstone/adversarial.py"


@pytest.fixture(scope="module")
def small_mnist():
    x, y, xt, yt, _ = load_images("mnist")
    return x[:3000], y[:3000], xt[:300], yt[:300]


def test_input_gradient_matches_finite_differences():
    with mg.default_dtype(mg.float64):
        mg.manual_seed(0)
        model = mg.Sequential(mg.Flatten(), mg.Linear(12, 5), mg.Tanh(), mg.Linear(5, 3))
        x = np.random.default_rng(0).random((2, 1, 3, 4))
        y = np.array([0, 2])
        grad = adversarial.input_gradient(model, x, y)
        assert all(p.grad is None for p in model.parameters())
        numeric = numerical_grad(lambda a: mg.cross_entropy(model(mg.tensor(a)), y).item(), x)
        np.testing.assert_allclose(grad, numeric, atol=1e-8)


def test_fgsm_and_pgd_stay_in_the_ball_and_pixel_range(small_mnist):
    """One epoch on 3,000 digits (a couple of seconds): both attacks stay in the ball and the pixel
    range, FGSM costs the model over 30 points and PGD is at least as strong."""
    x, y, xt, yt = small_mnist
    model = adversarial.train_model("mlp", x, y, epochs=1, seed=0)
    for attack in (adversarial.fgsm(model, xt, yt, 0.1), adversarial.pgd(model, xt, yt, 0.1, steps=3)):
        assert attack.dtype == np.float32 and attack.shape == xt.shape
        assert np.abs(attack - xt).max() <= 0.1 + 1e-6
        assert attack.min() >= 0 and attack.max() <= 1
    clean = adversarial.attacked_accuracy(model, xt, yt, 0.0)
    fgsm = adversarial.attacked_accuracy(model, xt, yt, 0.1, "fgsm")
    pgd = adversarial.attacked_accuracy(model, xt, yt, 0.1, "pgd", pgd_steps=5)
    assert clean > 0.8 and fgsm < clean - 0.3 and pgd <= fgsm + 0.02


@pytest.mark.slow
def test_cli_quick_run_prints_table_and_saves_figures(run_cli, tmp_path):
    result = run_cli(SCRIPT, "--train-limit", "1000", "--epochs", "1", "--test-limit", "100", "--eps", "0,0.1,0.2",
                     "--pgd-steps", "2", "--out", tmp_path, "--no-show")
    assert result.returncode == 0, result
    assert "Accuracy (%) under attack" in result.stdout
    assert "undefended FGSM" in result.stdout and "adv-trained FGSM" in result.stdout
    assert "FGSM eps=0.1: undefended" in result.stdout
    assert (tmp_path / "accuracy_vs_eps_mlp.png").stat().st_size > 0
    assert (tmp_path / "examples_mlp.png").stat().st_size > 0


@pytest.mark.parametrize("limit", ["1", "3"])
def test_fewer_test_images_than_the_example_figure_shows(run_main, tmp_path, limit):
    """--test-limit below the 8 examples the figure draws: the figure shows what there is."""
    result = run_main(adversarial.main, "--train-limit", "300", "--epochs", "1", "--test-limit", limit, "--eps",
                      "0.1", "--pgd-steps", "2", "--out", tmp_path, "--no-show")
    assert result.returncode == 0, result
    assert (tmp_path / "examples_mlp.png").stat().st_size > 0


def test_bad_inputs_are_one_line_errors(run_cli, capsys):
    assert_user_error(run_cli(SCRIPT, "--eps", "0.1,abc"), "--eps")
    for argv, fragment in ((["--eps", "2"], "--eps"), (["--model", "svm"], "invalid choice"),
                           (["--train-eps", "-1"], "--train-eps"), (["--dataset", "cifar"], "invalid choice")):
        with pytest.raises(SystemExit) as exc:
            adversarial.main(argv)
        err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
        assert exc.value.code == 2 and len(err) == 1 and err[0].startswith("error: ") and fragment in err[0]


@pytest.mark.slow
def test_fgsm_fools_the_mlp_and_adversarial_training_defends(run_cli, tmp_path):
    """Acceptance: undefended MLP at FGSM eps=0.1 < 30%, adversarially trained > 70%."""
    result = run_cli(SCRIPT, "--train-limit", "20000", "--epochs", "3", "--test-limit", "1000",
                     "--eps", "0,0.1,0.2", "--pgd-steps", "5", "--out", tmp_path, "--no-show")
    assert result.returncode == 0, result
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("FGSM eps=0.1"))
    undefended, defended = (float(part.split("%")[0].split()[-1]) for part in line.split("->"))
    assert undefended < 30 and defended > 70, line


def test_make_model_shared_with_train_mnist():
    assert isinstance(make_model(mg, "mlp"), mg.Sequential)
