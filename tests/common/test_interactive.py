"""common.plotting's desktop helpers: windows that fit a 1280x800 screen, non-blocking shows, live animations.

Headless (Agg) throughout: a live animation is a FuncAnimation whose timer we step by hand.
"""

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
