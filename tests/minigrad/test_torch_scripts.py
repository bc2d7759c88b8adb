"""Scripts written for PyTorch run under minigrad after changing their imports (issue 17).

Each script in tests/minigrad/torch_scripts/ is plain PyTorch code (``import torch``,
``torch.nn as nn``, ``torch.nn.functional as F``, ``torch.utils.data``). It runs twice: as written,
with torch, and with only its import lines rewritten to minigrad. The checks do not depend on the
two libraries drawing the same random numbers (they do not): where a script is deterministic given
its initial weights, the torch model's initial weights are copied into the minigrad model and the
two runs must give the same losses (float64, to 1e-6 relative); where it draws random numbers
(dropout, a shuffled loader, random_split), both runs must reach a stated accuracy, and the
minigrad-trained weights must give the same outputs inside torch.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")
SCRIPTS = Path(__file__).parent / "torch_scripts"
IMPORTS = [
    (re.compile(r"^import torch$", re.M), "import minigrad as torch"),
    (re.compile(r"^import torch\.([\w.]+) as (\w+)$", re.M), r"import minigrad.\1 as \2"),
    (re.compile(r"^from torch\.([\w.]+) import ", re.M), r"from minigrad.\1 import "),
]


def to_minigrad(source: str) -> str:
    """The script with its torch imports pointed at minigrad; nothing else changes."""
    for pattern, replacement in IMPORTS:
        source = pattern.sub(replacement, source)
    assert not re.search(r"^\s*(import|from) torch\b", source, re.M), "a torch import was left unconverted"
    return source


def load(name: str, backend: str) -> dict:
    """Run the script's top level (imports, definitions) with one backend; return its namespace."""
    path = SCRIPTS / f"{name}.py"
    source = path.read_text(encoding="utf-8")
    if backend == "minigrad":
        source = to_minigrad(source)
    namespace = {"__name__": f"torch_script_{name}_{backend}"}
    exec(compile(source, str(path), "exec"), namespace)
    assert namespace["torch"] is (mg if backend == "minigrad" else torch)
    return namespace


@pytest.fixture(autouse=True)
def default_dtypes():
    """The scripts may set a default dtype (float64); put both libraries back afterwards."""
    old_torch, old_mg = torch.get_default_dtype(), mg.get_default_dtype()
    yield
    torch.set_default_dtype(old_torch)
    mg.set_default_dtype(old_mg)


def _state(model) -> dict:
    return {k: (v.detach().numpy() if hasattr(v, "detach") else np.asarray(v)).copy()
            for k, v in model.state_dict().items()}


def _twin_runs(name: str, **kwargs):
    """Train the torch model and a minigrad model that starts from the same weights."""
    ours, theirs = load(name, "minigrad"), load(name, "torch")
    model_t = theirs["make_model"]()
    model_m = ours["make_model"]()
    init = _state(model_t)
    assert set(init) == set(_state(model_m))                 # torch's state_dict names
    model_m.load_state_dict(init)
    return ours["train"](model_m, **kwargs), theirs["train"](model_t, **kwargs), model_m, model_t


def test_conversion_rewrites_only_the_imports():
    source = "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\nx = torch.zeros(3)\n"
    assert to_minigrad(source) == ("import minigrad as torch\nimport minigrad.nn as nn\n"
                                   "from minigrad.utils.data import DataLoader\nx = torch.zeros(3)\n")


def test_mlp_with_sequential_and_a_scheduler_gives_torchs_losses():
    ours, theirs, model_m, model_t = _twin_runs("mlp_scheduler")
    np.testing.assert_allclose(ours["rates"], theirs["rates"], rtol=1e-12)
    assert ours["rates"][14] == pytest.approx(0.1 * 0.3) and ours["rates"][-1] == pytest.approx(0.1 * 0.3 ** 2)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-6)
    assert ours["losses"][-1] < 0.5 * ours["losses"][0] and ours["accuracy"] >= 0.85
    assert ours["accuracy"] == pytest.approx(theirs["accuracy"], abs=1e-12)
    for k, v in _state(model_t).items():
        np.testing.assert_allclose(_state(model_m)[k], v, rtol=1e-6, atol=1e-9)


def test_small_cnn_with_dropout_trains_saves_and_loads(tmp_path):
    """Dropout masks, the split and the shuffle are each library's own random numbers, so each
    run starts from its own weights and must reach 90 % test accuracy; its state_dict file loads
    into a new model with the same outputs; and minigrad's trained weights, put into the torch
    model, give minigrad's outputs (the layers compute the same function)."""
    ours_ns, theirs_ns = load("cnn_save_load", "minigrad"), load("cnn_save_load", "torch")
    model_m, model_t = ours_ns["make_model"](), theirs_ns["make_model"]()
    ours = ours_ns["train"](model_m, tmp_path / "cnn_minigrad.pt")
    theirs = theirs_ns["train"](model_t, tmp_path / "cnn_torch.pt")
    assert ours["test_size"] == theirs["test_size"] == 60
    assert theirs["accuracy"] >= 0.9 and ours["accuracy"] >= 0.9, (ours, theirs)
    assert ours["restored_diff"] == 0 and theirs["restored_diff"] == 0
    with np.load(tmp_path / "cnn_minigrad.pt", allow_pickle=False) as saved:   # an npz, whatever the name
        assert set(saved.files) == set(_state(model_t))
    model_t.load_state_dict({k: torch.tensor(v) for k, v in _state(model_m).items()})
    model_t.eval()
    x = ours_ns["bars"](50, seed=1)[0]
    with mg.no_grad(), torch.no_grad():
        np.testing.assert_allclose(model_m(mg.tensor(x)).numpy(), model_t(torch.tensor(x)).numpy(),
                                   rtol=1e-4, atol=1e-5)


def test_character_model_with_attention_gives_torchs_losses_and_text():
    ours, theirs, _, _ = _twin_runs("char_attention")
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-6)
    assert ours["losses"][-1] < 0.5 * ours["losses"][0]
    assert ours["text"] == theirs["text"] and ours["text"].startswith("t") and len(ours["text"]) == 31
