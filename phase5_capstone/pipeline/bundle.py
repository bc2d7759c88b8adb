"""A trained pipeline on disk: model.npz (arrays) + model.json (everything else). Never pickle.

model.json holds the preprocessing statistics (fitted on the training split), the model kind and
hyperparameters, the metrics, the conformal half-width and the input schema the API validates.
"""

from __future__ import annotations

import json
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
        folder = Path(folder)
        arrays = {k: np.asarray(v) for k, v in self.model.state().items()}
        npz = folder / "model.npz"
        with cli.atomic_path(npz) as tmp:
            np.savez(tmp, **arrays)
        path = cli.save_text(folder / "model.json", json.dumps(self.full_meta(), indent=2) + "\n")
        return npz, path


def load_bundle(folder: str | Path) -> Bundle:
    """Read model.npz + model.json from ``folder``; UserError if missing or not ours."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "model.json").read_text())
        if meta.get("format") != FORMAT:
            raise ValueError("not a model saved by ml_pipeline.py train")
        kind = meta["model"]["kind"]
        with np.load(folder / "model.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        model = KINDS[kind].from_state(meta["model"]["params"], arrays)
        pre = Preprocessor.from_json(meta["preprocessing"])
    except FileNotFoundError as exc:
        raise UserError(f"no trained model in {folder} ({Path(exc.filename).name} missing); "
                        f"run: python phase5_capstone/ml_pipeline.py train housing_data.csv --out {folder}") from None
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot load the model in {folder}: {exc}") from None
    return Bundle(pre, model, meta)
