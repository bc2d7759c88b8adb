"""vector_graphics: 3x3 homogeneous matrices vs numpy (atol 1e-12), the scene follows its matrices,
real pygame key events (dummy video driver) move the shapes, Asteroids physics, the headless CLI."""

import math
import re

import numpy as np
import pytest

from phase1_linalg import vector_graphics as vg
from tests.conftest import assert_user_error

ATOL = 1e-12


def test_matmul_matches_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((5, 3, 3)), rng.standard_normal((5, 3, 3))
    np.testing.assert_allclose(vg.matmul(a, b), a @ b, atol=ATOL)
    np.testing.assert_allclose(vg.matmul(a[0], b[0]), a[0] @ b[0], atol=ATOL)
    c = rng.standard_normal((3, 4))
    np.testing.assert_allclose(vg.compose(a[0], b[0], c), a[0] @ b[0] @ c, atol=ATOL)


def test_draw_triangle_from_vectors():
    """Milestone 1: a shape is an array of position vectors; the view matrix puts them on screen."""
    tri = vg.SHAPES["triangle"]()
    assert tri.shape == (3, 2)
    np.testing.assert_allclose(np.linalg.norm(tri, axis=1), 60.0)     # on a circle of radius 60
    scene = vg.default_scene()
    screen = scene.screen_vertices()
    np.testing.assert_allclose(screen[:, 0], vg.WIDTH / 2 + tri[:, 0], atol=ATOL)
    np.testing.assert_allclose(screen[:, 1], vg.HEIGHT - (vg.HEIGHT / 2 + tri[:, 1]), atol=ATOL)  # y flipped
    # apply on its own, against the homogeneous product written with numpy (atol 1e-9): one
    # projective matrix (so the division by w' matters), then one matrix per point
    rng = np.random.default_rng(3)
    pts = rng.standard_normal((6, 2)) * 50
    h = np.c_[pts, np.ones(len(pts))]
    m = np.array([[1.2, -0.3, 5.0], [0.4, 0.9, -2.0], [1e-3, 2e-3, 1.0]])
    np.testing.assert_allclose(vg.apply(m, pts), (h @ m.T)[:, :2] / (h @ m.T)[:, 2:], atol=1e-9)
    stack = rng.standard_normal((6, 3, 3))
    stack[:, 2] = [0.0, 0.0, 1.0]
    np.testing.assert_allclose(vg.apply(stack, pts), np.einsum("nij,nj->ni", stack, h)[:, :2], atol=1e-9)


@pytest.mark.parametrize("a, b", [(0.3, 1.1), (-2.0, 0.7), (math.pi, math.pi / 2)])
def test_rotation_composition(a, b):
    """Milestone 2: R(a) R(b) = R(a + b), det R = 1, R^T R = I, and R^-1 undoes R."""
    ra, rb = vg.rotation(a), vg.rotation(b)
    np.testing.assert_allclose(vg.matmul(ra, rb), vg.rotation(a + b), atol=ATOL)
    assert np.linalg.det(ra) == pytest.approx(1.0, abs=ATOL)
    np.testing.assert_allclose(ra.T @ ra, np.eye(3), atol=ATOL)
    np.testing.assert_allclose(vg.matmul(vg.inverse(ra), ra), np.eye(3), atol=ATOL)
    np.testing.assert_allclose(vg.apply(ra, [1.0, 0.0]), [math.cos(a), math.sin(a)], atol=ATOL)


def test_chained_transformations():
    """Milestone 3: a chain is one matrix; order matters; the inverse undoes the whole chain."""
    t, r, s, k = vg.translation(30, -5), vg.rotation(0.4), vg.scaling(2.0, 0.5), vg.shear(0.3, 0.1)
    chain = vg.compose(t, r, s, k)
    pts = np.random.default_rng(1).standard_normal((10, 2)) * 50
    step_by_step = vg.apply(t, vg.apply(r, vg.apply(s, vg.apply(k, pts))))
    np.testing.assert_allclose(vg.apply(chain, pts), step_by_step, atol=1e-9)
    assert not np.allclose(vg.compose(t, r), vg.compose(r, t))            # translate-then-rotate differs
    np.testing.assert_allclose(vg.inverse(chain), np.linalg.inv(chain), atol=1e-12)
    np.testing.assert_allclose(vg.apply(vg.inverse(chain), vg.apply(chain, pts)), pts, atol=1e-9)
    np.testing.assert_allclose(np.linalg.det(chain), 2.0 * 0.5 * (1 - 0.3 * 0.1), atol=ATOL)
    with pytest.raises(ValueError, match="singular"):
        vg.inverse(vg.scaling(1.0, 0.0))


def test_batched_constructors():
    angles = np.array([0.0, 0.5, 1.0])
    stack = vg.rotation(angles)
    assert stack.shape == (3, 3, 3)
    for i, a in enumerate(angles):
        np.testing.assert_allclose(stack[i], vg.rotation(a), atol=ATOL)
    assert vg.translation([1, 2], [3, 4]).shape == (2, 3, 3)


def _settle(scene, frames=30):
    for _ in range(frames):
        scene.update(1 / 60)


def _expected(scene, i, x, y, angle, scale):
    lo, hi = scene.starts[i], scene.starts[i + 1]
    c, s = math.cos(angle), math.sin(angle)
    m = np.array([[scale * c, -scale * s, x], [scale * s, scale * c, y], [0, 0, 1]])
    return (np.c_[scene.local[lo:hi], np.ones(hi - lo)] @ m.T)[:, :2]


def test_scene_follows_matrices_and_animates_smoothly():
    scene = vg.default_scene()
    scene.handle_key("r")
    scene.update(vg.ANIMATION_S / 2)                                     # halfway: smoothstep(0.5) = 0.5
    assert math.degrees(scene.current()[0, 2]) == pytest.approx(7.5)
    _settle(scene)
    scene.handle_key("s")
    scene.handle_key("s", shift=True)
    scene.handle_key("s")
    scene.handle_key("right")
    _settle(scene)
    np.testing.assert_allclose(scene.world_vertices(0),
                               _expected(scene, 0, 440, 300, math.radians(15), 1.25), atol=1e-9)
    # the animation is monotone: the angle never overshoots its target
    scene.handle_key("r")
    angles = []
    for _ in range(20):
        scene.update(1 / 60)
        angles.append(scene.current()[0, 2])
    assert np.all(np.diff(angles) >= 0) and angles[-1] == pytest.approx(math.radians(30))


@pytest.mark.gui
def test_pygame_key_events_move_the_selected_shape():
    """Real KEYDOWN events through pygame's queue (dummy video driver) drive independent shapes."""
    pg = vg._pygame()
    screen = vg.open_screen(True, "test")
    try:
        scene = vg.default_scene()
        renderer = vg.Renderer(screen)
        events = [vg.key_event("r"), vg.key_event("r"), vg.key_event("s", shift=True), vg.key_event("right"),
                  vg.key_event("n"), vg.key_event("up"), vg.key_event("tab"), vg.key_event("down")]
        for event in events:
            pg.event.post(event)
        running, log = vg.handle_events(scene, pg.event.get())
        assert running and len(scene) == 2 and log[4] == "add square"
        for _ in range(30):
            scene.update(1 / 60)
            renderer.draw_scene(scene)
        np.testing.assert_allclose(scene.world_vertices(0),
                                   _expected(scene, 0, 440, 260, math.radians(30), 0.8), atol=1e-9)
        x0, y0 = scene.current()[1, :2]
        np.testing.assert_allclose(scene.world_vertices(1), _expected(scene, 1, x0, y0, 0.0, 1.0), atol=1e-9)
        assert (x0, y0) == (pytest.approx(290), pytest.approx(240 + vg.MOVE_STEP))  # "up" moved only the square
        # the drawn pixels: a point inside the triangle, mapped by V M, has the triangle's colour
        cx, cy = vg.apply(vg.compose(vg.view_matrix(), scene.model_matrices()[0]), [0.0, -15.0])
        assert tuple(screen.get_at((int(cx), int(cy))))[:3] == scene.colours[0]
        pg.event.post(vg.key_event("escape"))
        assert vg.handle_events(scene, pg.event.get())[0] is False
    finally:
        pg.display.quit()


@pytest.mark.gui
def test_interactive_loops_with_posted_keys():
    """The window loops (dummy video driver): held keys turn and fire; Esc ends the editor."""
    pg = vg._pygame()
    screen = vg.open_screen(True, "test")
    try:
        game = vg.Asteroids(seed=1)
        for name in ("left", "space"):
            pg.event.post(vg.key_event(name))
        vg.run_asteroids_interactive(game, screen, seed=1, max_frames=20)
        assert game.ship_angle > 0 and game.shots >= 1
        pg.event.post(vg.key_event("left", down=False))
        angle = game.ship_angle
        vg.run_asteroids_interactive(game, screen, seed=1, max_frames=5)
        assert game.ship_angle == angle                                  # key released: no more turning
        scene = vg.default_scene()
        for event in (vg.key_event("r"), vg.key_event("escape")):
            pg.event.post(event)
        vg.run_editor_interactive(scene, screen, max_frames=1000)        # returns at Esc, not after 1000
        assert scene.state1[0, 2] == pytest.approx(vg.ROTATE_STEP)
    finally:
        pg.display.quit()


def test_asteroids_physics():
    game = vg.Asteroids(seed=0)
    np.testing.assert_allclose(game.heading(), [0, 1], atol=ATOL)
    game.step(0.25, {"left"})                                            # turn anti-clockwise
    assert game.ship_angle == pytest.approx(vg.TURN_RATE * 0.25)
    np.testing.assert_allclose(game.heading(), vg.apply(vg.rotation(game.ship_angle), [0, 1]), atol=ATOL)
    game.clear_asteroids()
    game.add_asteroid([50.0, 50.0], [0.0, 0.0], 3)                      # one asteroid, far away
    heading = game.heading()
    game.step(0.1, {"up"})                                               # thrust along the heading
    direction = game.ship_vel / np.linalg.norm(game.ship_vel)
    np.testing.assert_allclose(direction, heading, atol=1e-9)
    # wrapping: leaving the right edge re-enters on the left
    game.ship_pos, game.ship_vel = np.array([vg.WIDTH - 1.0, 300.0]), np.array([120.0, 0.0])
    game.step(0.1, set())
    assert 0 <= game.ship_pos[0] < 20
    # a bullet fired straight at a big asteroid splits it into two medium ones and scores 20
    game.ship_pos, game.ship_vel, game.ship_angle = np.array([400.0, 300.0]), np.zeros(2), 0.0
    game.clear_asteroids()
    game.add_asteroid([400.0, 400.0], [0.0, 0.0], 3)
    game.cooldown, game.invulnerable = 0.0, 5.0
    score = game.score
    for _ in range(30):
        game.step(1 / 60, {"space"} if _ == 0 else set())
    assert game.score == score + vg.POINTS[3]
    assert sorted(game.ast_class.tolist()) == [2, 2]
    # collision with the ship costs a life once invulnerability is over
    game.invulnerable, lives = 0.0, game.lives
    game.clear_asteroids()
    game.add_asteroid(game.ship_pos + [5.0, 0.0], [0.0, 0.0], 1)
    game.add_asteroid([100.0, 100.0], [0.0, 0.0], 1)
    game.step(1 / 60, set())
    assert game.lives == lives - 1
    # the collision test itself: every point-circle pair against scipy's cdist distances
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(2)
    points, centres, radii = rng.uniform(0, 100, (40, 2)), rng.uniform(0, 100, (7, 2)), rng.uniform(5, 30, 7)
    np.testing.assert_array_equal(vg.circle_hits(points, centres, radii), cdist(points, centres) < radii[None, :])


@pytest.mark.gui
def test_cli_headless_editor(run_cli, tmp_path):
    res = run_cli("phase1_linalg/vector_graphics.py", "--headless", "--keys", "R R shift+S right N tab",
                  "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Press R to rotate, S to scale" in res.stdout
    assert "rotate +15 deg" in res.stdout and "add square" in res.stdout and "select triangle" in res.stdout
    assert "triangle: angle   30.0 deg, scale 0.80, position (440, 300)" in res.stdout
    diff = re.search(r"our matmul vs numpy @: max \|diff\| = (\S+)", res.stdout)
    assert diff and float(diff.group(1)) < 1e-12
    pngs = sorted(tmp_path.glob("frame_*.png"))
    assert len(pngs) >= 3 and all(p.stat().st_size > 3000 for p in pngs)
    assert (tmp_path / "animation.gif").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.gui
def test_cli_headless_asteroids(run_cli, tmp_path):
    res = run_cli("phase1_linalg/vector_graphics.py", "--asteroids", "--no-show", "--frames", "240",
                  "--out", tmp_path)
    assert res.returncode == 0, res
    assert "hit size-3 asteroid (+20)" in res.stdout
    assert "score " in res.stdout and "lives left" in res.stdout
    assert len(list(tmp_path.glob("asteroids_*.png"))) >= 4
    assert (tmp_path / "asteroids.gif").exists()


def test_cli_bad_input(run_cli, tmp_path):
    assert_user_error(run_cli("phase1_linalg/vector_graphics.py", "--headless", "--keys", "R Q", "--out", tmp_path),
                      "unknown key")
    assert_user_error(run_cli("phase1_linalg/vector_graphics.py", "--asteroids", "--frames", "0"), "--frames")
    with pytest.raises(vg.cli.UserError, match="at least one key"):
        vg.parse_keys(" , ")
    assert vg.parse_keys("R shift+s Right") == [("r", False), ("s", True), ("right", False)]
    assert not list(tmp_path.iterdir())
