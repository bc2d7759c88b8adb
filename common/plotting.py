"""Figures: one visual style, saved as PNG always, shown in a window only when there is a display.

Usage in a script::

    plotting.setup(args.no_show)          # before pyplot is used
    fig, ax = plotting.figure()
    ...
    plotting.save(fig, out / "scree.png")  # atomic write
    plotting.show()                        # no-op when headless or --no-show
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from common.cli import atomic_path

_SHOW = False

STYLE = {
    "figure.figsize": (8, 5),
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titleweight": "bold",
    "font.size": 10,
    "image.cmap": "viridis",
    "axes.prop_cycle": None,  # filled in by setup()
}
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def is_headless() -> bool:
    """True when no window can be opened (no X/Wayland display, or Agg forced)."""
    if os.environ.get("MPLBACKEND", "").lower() == "agg":
        return True
    if sys.platform.startswith("linux"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


def setup(no_show: bool = False) -> bool:
    """Pick the backend and apply the style. Returns True if figures will be shown."""
    global _SHOW
    import matplotlib

    _SHOW = not no_show and not is_headless()
    if not _SHOW:
        matplotlib.use("Agg", force=True)
    from cycler import cycler

    style = dict(STYLE, **{"axes.prop_cycle": cycler(color=PALETTE)})
    matplotlib.rcParams.update(style)
    return _SHOW


def figure(*args, **kwargs):
    """``plt.subplots`` with the shared style (call :func:`setup` first)."""
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def save(fig, path: str | os.PathLike, **kwargs) -> Path:
    """Save ``fig`` atomically (format from the suffix) and return the path."""
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, **kwargs)
    return target


def save_gif(frames, path: str | os.PathLike, fps: int = 10) -> Path:
    """Write RGB uint8 frames (list of H x W x 3 arrays or PIL images) as a looping GIF."""
    import numpy as np
    from PIL import Image

    images = [frame if isinstance(frame, Image.Image) else Image.fromarray(np.asarray(frame, dtype=np.uint8))
              for frame in frames]
    if not images:
        raise ValueError("no frames to save")
    target = Path(path)
    with atomic_path(target) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                       duration=max(1, int(1000 / fps)), loop=0)
    return target


def fig_to_array(fig):
    """Render a figure to an H x W x 3 uint8 array (for GIF frames)."""
    import numpy as np

    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def show() -> None:
    """Show open figures if a display is available and showing is enabled; else close them."""
    import matplotlib.pyplot as plt

    if _SHOW:
        plt.show()
    plt.close("all")
