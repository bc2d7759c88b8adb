"""A trained pipeline on disk: model.npz (arrays) + model.json (everything else). Never pickle.

model.json holds the preprocessing statistics (fitted on the training split), the model kind and
hyperparameters, the metrics, the conformal half-width and the input schema the API validates.

The two files are one unit. Saving writes model.npz first and model.json last, and the json
carries the sha256 of the npz it belongs to ("npz_sha256"); loading checks it. So a save cut
short between the two files (Ctrl-C, a full disk, a crash) leaves a new npz beside the old json,
and that pair is refused with one line instead of loading new weights under an old configuration.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from common import cli
from common.cli import UserError
from phase5_capstone.pipeline import conformal
from phase5_capstone.pipeline.features import Preprocessor
from phase5_capstone.pipeline.models import KINDS

FORMAT = "mlfp-ml-pipeline"
VERSION = "1.0.0"


@dataclass
class Bundle:
    pre: Preprocessor
    model: object
    meta: dict          # target, metrics, conformal {alpha, q, ...}, version, ...

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """(n,) predictions for raw rows (same columns as the training CSV, target not needed)."""
        return self.model.predict(self.pre.transform(frame))

    def predict_with_intervals(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(n,) predictions and (n, 2) conformal intervals."""
        pred = self.predict(frame)
        return pred, conformal.intervals(pred, self.meta["conformal"]["q"])

    def full_meta(self) -> dict:
        """Everything model.json holds: the metadata plus format, version, model and preprocessing."""
        return dict(self.meta, format=FORMAT, version=VERSION,
                    model={"kind": self.model.kind, "params": self.model.params},
                    preprocessing=self.pre.to_json())

    def save(self, folder: str | Path) -> tuple[Path, Path]:
        """Write model.npz, then model.json naming the npz's sha256 (each file atomically).

        A bundle that could not be served (an infinite conformal q, say) is refused before
        anything is written.
        """
        folder = Path(folder)
        meta = self.full_meta()
        try:
            check_meta(meta)
        except ValueError as exc:
            raise UserError(f"refusing to save a model that could not be loaded: {exc}") from None
        arrays = {k: np.asarray(v) for k, v in self.model.state().items()}
        npz = folder / "model.npz"
        with cli.atomic_path(npz) as tmp:
            np.savez(tmp, **arrays)
            digest = sha256_of(tmp.read_bytes())
        meta["npz_sha256"] = digest
        path = cli.save_text(folder / "model.json", json.dumps(meta, indent=2) + "\n")
        return npz, path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_bundle(folder: str | Path) -> Bundle:
    """Read model.npz + model.json from ``folder``; UserError if missing or not ours."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "model.json").read_text())
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError("not a model saved by ml_pipeline.py train")
        check_meta(meta)
        kind = meta["model"]["kind"]
        raw = (folder / "model.npz").read_bytes()       # hashed and parsed from the same bytes
        if not isinstance(meta.get("npz_sha256"), str):
            raise ValueError("model.json does not name the sha256 of its model.npz (saved by an older version?)")
        if sha256_of(raw) != meta["npz_sha256"]:
            raise ValueError("model.npz is not the file model.json was saved with (its sha256 differs: "
                             "a save cut short, or files from two runs)")
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        model = KINDS[kind].from_state(meta["model"]["params"], arrays)
        pre = Preprocessor.from_json(meta["preprocessing"])
        bundle = Bundle(pre, model, meta)
        check_predicts(bundle)
    except FileNotFoundError as exc:
        raise UserError(f"no trained model in {folder} ({Path(exc.filename).name} missing); "
                        f"run: python phase5_capstone/ml_pipeline.py train housing_data.csv --out {folder}") from None
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile) as exc:
        raise UserError(f"cannot load the model in {folder} (damaged or not ours: {exc}); "
                        "train it again") from None
    return bundle


def check_meta(meta: dict) -> None:
    """ValueError unless model.json has what serving needs: the model, the preprocessing, a finite
    conformal half-width q >= 0 with its alpha in (0, 1), and the metrics."""
    for key in ("model", "preprocessing", "conformal", "metrics"):
        if not isinstance(meta.get(key), dict):
            raise ValueError(f"model.json: {key!r} is missing or not an object")
    interval = meta["conformal"]
    q, alpha = interval.get("q"), interval.get("alpha")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (q, alpha)):
        raise ValueError("model.json: conformal needs numbers 'q' and 'alpha'")
    if not (math.isfinite(q) and q >= 0 and 0 < alpha < 1):
        raise ValueError(f"model.json: conformal q = {q} and alpha = {alpha} cannot give an interval "
                         "(a calibration set too small for the level gives q = inf: train on more rows)")


def check_predicts(bundle: Bundle) -> None:
    """One prediction on a typical record (training medians, first levels): arrays that disagree
    with the json (a short mean vector, a feature index out of range) fail here, at load,
    rather than on every request."""
    pre = bundle.pre
    record = {name: None for name in pre.numeric} | {name: levels[0] for name, levels in pre.categorical.items()}
    X = pre.transform_records([record])
    pred = np.asarray(bundle.model.predict(X), dtype=float)
    if pred.shape != (1,) or not np.isfinite(pred).all():
        raise ValueError(f"a typical record gives the prediction {pred.tolist()}")
