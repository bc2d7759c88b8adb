"""Figures: one visual style, saved as PNG always, shown in a window only when there is a display.

Usage in a script::

    plotting.setup(args.no_show)          # before pyplot is used
    fig, ax = plotting.figure()
    ...
    plotting.save(fig, out / "scree.png")  # atomic write
    plotting.show()                        # no-op when headless or --no-show

On a desktop (all of these are harmless headless)::

    plotting.fit_to_screen(fig)            # whole window, toolbar included, inside the screen (>= 1280 x 800)
    plotting.interactive_show(fig)         # show and return at once: a REPL keeps reading its prompt
    plotting.process_events()              # let the windows repaint, e.g. between REPL lines
    plotting.animate(fig, update, 20, gif_path=out / "a.gif")   # update(i) draws frame i: live + GIF
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


def preload() -> None:
    """Import pyplot now rather than at the first figure (about 0.8 s): a run with a time budget
    does it inside its budget, so that drawing its figure at the end takes a fraction of a second."""
    import matplotlib.pyplot  # noqa: F401


def figure(*args, **kwargs):
    """``plt.subplots`` with the shared style (call :func:`setup` first)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(*args, **kwargs)
    if _SHOW:                           # a window: never larger than the screen (saved files headless: as asked)
        fit_to_screen(fig)
    return fig, axes


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
        for number in plt.get_fignums():        # figures made with plt.figure directly fit too
            fit_to_screen(plt.figure(number))
        plt.show(block=True)        # blocks even after interactive_show's plt.ion()
    plt.close("all")


# --- Windows on a real desktop: fit the screen, never block the REPL, animate live ----------------
#
# A learner's screen may be as small as 1280 x 800 pixels. A figure of w x h inches at `dpi` dots per
# inch is a canvas of (w * dpi) x (h * dpi) pixels; the window adds a toolbar and a title bar on top.

DEFAULT_SCREEN = (1280, 800)      # what we assume when the toolkit cannot tell (and when headless)
WINDOW_MARGIN = (60, 120)         # pixels the window frame, toolbar and title bar take: (width, height)

_ANIMATIONS: list = []            # FuncAnimation objects: kept referenced, or Python collects them


def _parse_size(text: str) -> tuple[int, int] | None:
    """'1280x800' -> (1280, 800); anything else -> None."""
    parts = text.lower().replace(" ", "").split("x")
    if len(parts) == 2 and all(part.isdigit() for part in parts) and all(int(part) > 0 for part in parts):
        return int(parts[0]), int(parts[1])
    return None


def _tk_window_screen() -> tuple[int, int] | None:
    """Screen size from an open matplotlib Tk window, if there is one."""
    import matplotlib.pyplot as plt

    for number in plt.get_fignums():
        manager = getattr(plt.figure(number).canvas, "manager", None)
        window = getattr(manager, "window", None)
        if window is not None and hasattr(window, "winfo_screenwidth"):
            try:
                return int(window.winfo_screenwidth()), int(window.winfo_screenheight())
            except Exception:                      # the window was closed under us
                continue
    return None


def _xrandr_screen() -> tuple[int, int] | None:
    """Screen size from ``xrandr --current`` ("Screen 0: minimum ..., current 1280 x 800, ...")."""
    import shutil
    import subprocess

    if shutil.which("xrandr") is None:
        return None
    try:
        text = subprocess.run(["xrandr", "--current"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in text.splitlines():
        if "current" in line:
            return _parse_size(line.split("current", 1)[1].split(",", 1)[0])
    return None


def _tkinter_screen() -> tuple[int, int] | None:
    """Screen size from a hidden, throw-away Tk root."""
    try:
        import tkinter

        root = tkinter.Tk()
        root.withdraw()
        size = int(root.winfo_screenwidth()), int(root.winfo_screenheight())
        root.destroy()
        return size
    except Exception:                               # no Tk, or no display it can open
        return None


def screen_size() -> tuple[int, int]:
    """Pixels of the screen, (width, height), when the toolkit can tell; else (1280, 800).

    ``$MLFP_SCREEN=1280x800`` overrides (handy to try a small screen). Headless: the default.
    """
    override = _parse_size(os.environ.get("MLFP_SCREEN", ""))
    if override:
        return override
    if is_headless():
        return DEFAULT_SCREEN
    for probe in (_tk_window_screen, _xrandr_screen, _tkinter_screen):
        size = probe()
        if size:
            return size
    return DEFAULT_SCREEN


def fitted_size_inches(w_in: float, h_in: float, dpi: float, screen=DEFAULT_SCREEN,
                       margin=WINDOW_MARGIN) -> tuple[float, float]:
    """The largest (w, h) in inches, same aspect as (w_in, h_in) and never larger, whose window fits.

    Window in pixels = (w * dpi + margin_w, h * dpi + margin_h) must be <= screen. So the scale is
        s = min(1, (screen_w - margin_w) / (w_in * dpi), (screen_h - margin_h) / (h_in * dpi)).
    """
    room_w = max(1.0, screen[0] - margin[0])
    room_h = max(1.0, screen[1] - margin[1])
    scale = min(1.0, room_w / (w_in * dpi), room_h / (h_in * dpi))
    return w_in * scale, h_in * scale


def window_size(fig, margin=WINDOW_MARGIN) -> tuple[int, int]:
    """The pixels a window showing ``fig`` takes: canvas (inches * dpi) plus toolbar and title bar."""
    w_in, h_in = fig.get_size_inches()
    return int(round(w_in * fig.dpi)) + margin[0], int(round(h_in * fig.dpi)) + margin[1]


def _screen_dpi(fig) -> float:
    """Screen pixels per figure inch: the figure's dpi times the screen's pixel ratio.

    A window scales the canvas by ``device_pixel_ratio`` (Tk on Linux: the screen's dots per inch / 96,
    e.g. 1.04 on a 100-dpi screen), and matplotlib folds that into ``fig.dpi`` once the window is
    mapped. Before that, ask Tk for the ratio it is about to apply.
    """
    ratio = float(getattr(fig.canvas, "device_pixel_ratio", 1) or 1)
    base_dpi = fig.dpi / ratio
    tk_canvas = getattr(fig.canvas, "_tkcanvas", None)
    if _SHOW and tk_canvas is not None and sys.platform.startswith("linux"):
        try:
            ratio = max(ratio, float(tk_canvas.winfo_fpixels("1i")) / 96)
        except Exception:
            pass
    return base_dpi * ratio


def fit_to_screen(fig, margin=WINDOW_MARGIN) -> None:
    """Shrink ``fig`` (keeping its aspect) so its whole window fits the screen.

    Headless (Agg) this is only the size check against the default 1280 x 800, so a saved figure is
    the same size a window would be. With a window, it is also moved to the top-left corner.
    """
    w_in, h_in = fig.get_size_inches()
    new_w, new_h = fitted_size_inches(w_in, h_in, _screen_dpi(fig), screen_size(), margin)
    if (new_w, new_h) != (w_in, h_in):
        fig.set_size_inches(new_w, new_h, forward=True)
    if not _SHOW:
        return
    manager = getattr(fig.canvas, "manager", None)
    window = getattr(manager, "window", None)
    if window is not None and hasattr(window, "wm_geometry"):      # Tk
        try:
            # Tk's toolbar frame is made as wide as the figure was: left alone it holds the window wide
            toolbar = getattr(manager, "toolbar", None)
            if toolbar is not None and hasattr(toolbar, "configure"):
                toolbar.configure(width=int(new_w * fig.dpi))   # Tk rescales it when it maps
            window.wm_geometry("+0+0")                              # top-left, so the toolbar shows
        except Exception:                                           # the window is being closed
            pass


def process_events() -> None:
    """Let every open window redraw and handle its mouse/keyboard events, then return at once.

    Call it between REPL lines (or from a prompt hook) so figures stay alive while input is read.
    """
    import matplotlib.pyplot as plt

    for number in plt.get_fignums():
        canvas = plt.figure(number).canvas
        if canvas.figure.stale:
            canvas.draw_idle()
        canvas.flush_events()


def keep_alive(seconds: float) -> None:
    """Pump the GUI event loop for ``seconds`` (animations run, windows respond); returns early when all
    windows are closed. Headless or --no-show: returns at once."""
    import time

    import matplotlib.pyplot as plt

    if not _SHOW:
        return
    end = time.monotonic() + seconds
    while plt.get_fignums() and time.monotonic() < end:
        process_events()
        time.sleep(0.02)


def interactive_show(fig) -> None:
    """Show ``fig`` without blocking: the program (e.g. a REPL) goes on while the window stays open.

    Interactive mode (``plt.ion``) makes every later change redraw; ``flush_events`` paints it now.
    Headless or --no-show: nothing to show.
    """
    import matplotlib.pyplot as plt

    if not _SHOW:
        return
    plt.ion()
    fig.show()
    fig.canvas.draw_idle()
    fig.canvas.flush_events()


def animate(fig, update, frames, interval_ms: int = 50, gif_path=None, fps: int = 10) -> Path | None:
    """Play ``update(i)`` for each frame i, live in the window when there is one, and save a GIF.

    ``frames`` is a count or a sequence of frame indices; ``update(i)`` draws frame i onto ``fig``.
    The GIF (when ``gif_path`` is given) is rendered first, off-screen, frame by frame. With a window,
    a ``FuncAnimation`` then plays the same frames every ``interval_ms`` and is kept referenced (on
    ``fig._mlfp_animation`` and here) so it is not garbage-collected. Returns the GIF path or None.
    """
    indices = list(range(frames)) if isinstance(frames, int) else list(frames)
    if not indices:
        raise ValueError("an animation needs at least one frame")
    gif = None
    if gif_path is not None:
        images = []
        for i in indices:
            update(i)
            images.append(fig_to_array(fig))
        gif = save_gif(images, gif_path, fps=fps)
    if _SHOW:
        from matplotlib.animation import FuncAnimation

        def draw_frame(i):
            if getattr(fig, "_mlfp_animation", None) is animation:   # not stopped or replaced
                update(i)
            return []

        # the window's first draw shows frame 0 (init_func); each timer tick then draws the next one
        animation = FuncAnimation(fig, draw_frame, frames=indices[1:] or indices,
                                  init_func=lambda: draw_frame(indices[0]), interval=interval_ms,
                                  repeat=False, blit=False, cache_frame_data=False)
        fig._mlfp_animation = animation
        _ANIMATIONS[:] = [a for a in _ANIMATIONS if a.event_source is not None]   # drop finished ones
        _ANIMATIONS.append(animation)
        interactive_show(fig)
    elif gif is None:
        for i in indices:               # headless with no GIF: still play it through, to its last frame
            update(i)
    return gif


def stop_animation(fig) -> None:
    """Stop the live animation :func:`animate` started on ``fig`` (if any), before drawing something else
    there: its timer stops and any frame still due draws nothing."""
    animation = getattr(fig, "_mlfp_animation", None)
    if animation is None:
        return
    fig._mlfp_animation = None
    if animation.event_source is not None:
        animation.pause()
