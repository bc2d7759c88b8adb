"""common.plotting's desktop helpers: windows that fit a 1280x800 screen, non-blocking shows, live animations.

Headless (Agg) for the most part: a live animation is a FuncAnimation whose timer we step by hand. One test
opens real Tk windows on an Xvfb server (skipped where Xvfb is not installed).
"""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from common import plotting

SCREEN = (1280, 800)


@pytest.fixture
def agg(monkeypatch):
    """Agg backend with the shared style; ``plotting._SHOW`` starts False."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("MLFP_SCREEN", raising=False)
    plotting.setup(no_show=True)
    import matplotlib.pyplot as plt

    yield plt
    plt.ioff()
    plt.close("all")


def test_fitted_size_keeps_aspect_and_fits():
    # 14.58 x 8.83 in at 100 dpi is the 1458 x 883 canvas backprop_viz used to open.
    w, h = plotting.fitted_size_inches(14.58, 8.83, 100, SCREEN, (60, 120))
    assert w * 100 + 60 <= 1280 + 1e-9 and h * 100 + 120 <= 800 + 1e-9
    assert w / h == pytest.approx(14.58 / 8.83, rel=1e-12)
    # the binding side is used to the full: height here (680 px of room for 883)
    assert h * 100 == pytest.approx(680, abs=1e-9)
    # a figure that already fits is left alone
    assert plotting.fitted_size_inches(8, 5, 100, SCREEN, (60, 120)) == (8, 5)


def test_screen_size_headless_and_override(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("MLFP_SCREEN", raising=False)
    assert plotting.screen_size() == (1280, 800)
    monkeypatch.setenv("MLFP_SCREEN", "1024x600")
    assert plotting.screen_size() == (1024, 600)
    monkeypatch.setenv("MLFP_SCREEN", "nonsense")
    assert plotting.screen_size() == (1280, 800)


def test_fit_to_screen_shrinks_a_large_figure(agg, monkeypatch):
    fig = agg.figure(figsize=(14.58, 8.83), dpi=100)
    assert plotting.window_size(fig)[1] > 800
    plotting.fit_to_screen(fig)
    width, height = plotting.window_size(fig)
    assert width <= 1280 and height <= 800
    small = agg.figure(figsize=(6, 4), dpi=100)
    plotting.fit_to_screen(small)
    assert tuple(small.get_size_inches()) == (6, 4)
    monkeypatch.setenv("MLFP_SCREEN", "800x600")
    plotting.fit_to_screen(fig)
    assert plotting.window_size(fig)[0] <= 800 and plotting.window_size(fig)[1] <= 600


def test_animate_headless_writes_every_frame_to_the_gif(agg, tmp_path):
    fig, ax = agg.subplots(figsize=(2, 2), dpi=50)
    (line,) = ax.plot([], [])
    ax.set_xlim(0, 5)
    ax.set_ylim(0, 5)
    drawn = []

    def update(i):
        drawn.append(i)
        line.set_data(range(i + 1), range(i + 1))

    gif = plotting.animate(fig, update, 5, gif_path=tmp_path / "a.gif", fps=5)
    assert drawn == [0, 1, 2, 3, 4]
    with Image.open(gif) as image:
        assert image.n_frames == 5
        first = np.asarray(image.convert("RGB"))
        image.seek(4)
        last = np.asarray(image.convert("RGB"))
    assert not np.array_equal(first, last)           # the frames really differ
    assert not hasattr(fig, "_mlfp_animation")       # headless: no live animation
    assert plotting.animate(fig, update, [7], gif_path=None) is None and drawn[-1] == 7


def test_animate_live_steps_frame_by_frame(agg, monkeypatch, tmp_path):
    monkeypatch.setattr(plotting, "_SHOW", True)     # pretend there is a window; Agg timers never fire
    fig, ax = agg.subplots(figsize=(2, 2), dpi=50)
    drawn = []
    gif = plotting.animate(fig, drawn.append, 4, interval_ms=30, gif_path=tmp_path / "b.gif")
    assert gif.exists() and drawn[:4] == [0, 1, 2, 3]   # the GIF is rendered first
    animation = fig._mlfp_animation
    assert animation in plotting._ANIMATIONS         # kept referenced
    assert animation.event_source.interval == 30
    drawn.clear()
    animation._init_draw()                           # what the first draw event does
    while animation.event_source is not None and animation._step():
        pass
    assert drawn[-4:] == [0, 1, 2, 3] and set(drawn) == {0, 1, 2, 3}


def test_keep_alive_and_process_events_do_not_block_headless(agg):
    fig, ax = agg.subplots()
    ax.plot([0, 1])
    plotting.interactive_show(fig)                   # headless: nothing to show, returns
    plotting.process_events()
    plotting.keep_alive(3600)                        # returns at once without a window
    assert agg.fignum_exists(fig.number)


# ----------------------------------------------------------------------------- a real Tk window on Xvfb

REAL_WINDOW_PROBE = r'''
import json
import numpy as np
import matplotlib.pyplot as plt
from common import plotting

report = {"show": plotting.setup(False), "screen": plotting.screen_size()}

def outer(fig):
    window = fig.canvas.manager.window
    window.update()
    return [window.winfo_width(), window.winfo_height()]

from phase4_ml import backprop_viz as bv
viz = bv.Visualizer(bv.Trainer([2, 4, 4, 1], "tanh", "xor", seed=0))
plotting.interactive_show(viz.fig)
plotting.keep_alive(0.3)
report["backprop_viz"] = outer(viz.fig)
plt.close(viz.fig)

from phase3_probability import distribution_visualizer as dv
explorer = dv.Explorer(__import__("pathlib").Path(OUT), np.random.default_rng(0), reps=500)
explorer.run("normal 0 1")                      # returns with the window open...
explorer.run("sample 10000")                    # ...and the next command runs at once
fig = explorer.window
report["repl"] = {"open": bool(fig.canvas.manager.window.winfo_exists()), "title": fig.axes[0].get_title(),
                  "size": outer(fig)}
titles = []
explorer.run("clt 12")                          # saves the PNG and the GIF, then starts the live animation
fig.canvas.mpl_connect("draw_event", lambda event: titles.append(fig.axes[0].get_title()))
plotting.keep_alive(2.2)                        # real Tk timers play the frames, 0.5 s apart
report["clt_titles"] = titles

from phase1_linalg import image_lab as il
viewer = il.Viewer(True)
viewer.show(np.zeros((512, 512, 3), np.uint8), "original")
report["image_lab"] = outer(viewer.fig)
print(json.dumps(report))
'''


@pytest.fixture
def xvfb():
    """A 1280x800 X server at 100 dpi (Tk scales figures by 100/96 there, as on the issue's desktop)."""
    import shutil
    import subprocess

    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb) so no real window can be opened")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-dpi", "100",
                               "-nolisten", "tcp"], pass_fds=(write_end,), stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()         # Xvfb writes its display number once it accepts clients
    if not number:
        server.kill()
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


@pytest.mark.gui
def test_real_tk_windows_fit_the_screen_and_never_block(xvfb, tmp_path):
    import json
    import subprocess
    import sys

    pytest.importorskip("tkinter")
    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, DISPLAY=xvfb, MPLBACKEND="TkAgg", PYTHONPATH=str(repo))
    env.pop("MLFP_SCREEN", None)
    code = f"OUT = {str(tmp_path)!r}\n" + REAL_WINDOW_PROBE
    proc = subprocess.run([sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["show"] is True and report["screen"] == [1280, 800]
    for name in ("backprop_viz", "image_lab"):
        width, height = report[name]                 # the Tk window: canvas + toolbar (no title bar on Xvfb)
        assert width <= 1280 and height <= 800 - 40, (name, report[name])   # room left for a title bar
    assert report["repl"]["open"] and report["repl"]["title"].startswith("10,000 samples of normal(0, 1)")
    assert report["repl"]["size"][1] <= 760
    sizes = [int(t.split("n = ")[1].split()[0]) for t in report["clt_titles"] if "n = " in t]
    assert len(set(sizes)) >= 3 and sizes == sorted(sizes), report["clt_titles"]   # frames advanced on their own


def test_every_shown_figure_is_fitted(agg, monkeypatch):
    monkeypatch.setattr(plotting, "_SHOW", True)              # as with a display
    wide, _ = plotting.figure(1, 4, figsize=(16, 4.3))         # linalg_basics' strip of four panels
    tall = agg.figure(figsize=(8, 9))                          # made with plt.figure, not plotting.figure
    assert plotting.window_size(wide)[0] <= 1280 and plotting.window_size(tall)[1] > 800
    shown = []
    monkeypatch.setattr(agg, "show", lambda *a, **k: shown.extend(
        plotting.window_size(agg.figure(n)) for n in agg.get_fignums()))
    plotting.show()
    assert len(shown) == 2 and all(w <= 1280 and h <= 800 for w, h in shown), shown
    monkeypatch.setattr(plotting, "_SHOW", False)              # headless: figures keep the size asked for
    big, _ = plotting.figure(figsize=(16, 4.3))
    assert tuple(big.get_size_inches()) == (16, 4.3)
