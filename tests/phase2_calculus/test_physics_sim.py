"""physics_sim (project 8): free fall is exact, Euler explodes on a stiff spring while Verlet keeps
energy to 1%, spring forces are minus the gradient of the energy, collisions conserve momentum,
sort-and-sweep finds the same contacts as brute force, pygame events drive the world, CLI."""

import numpy as np
import pytest

from phase2_calculus import physics_sim as ps
from tests.conftest import assert_user_error

SCRIPT = "phase2_calculus/physics_sim.py"


def _drop(method, dt=1 / 60, steps=60):
    world = ps.empty_world(height=50.0)
    world.add_ball((5.0, 40.0))
    ps.simulate(world, dt, steps, method)
    return world


@pytest.mark.parametrize("method", ps.INTEGRATORS)
def test_ball_falls_with_gravity(method):
    """Milestone 1: acceleration -> velocity -> position. After 1 s: v = g t, drop = g t^2 / 2."""
    world = _drop(method)
    assert world.time == pytest.approx(1.0)
    assert world.vel[0, 1] == pytest.approx(-ps.G, abs=1e-9)
    drop = 40.0 - world.pos[0, 1]
    if method == "euler":   # position uses the old velocity: short by g dt t / 2
        assert drop == pytest.approx(ps.G / 2 - ps.G * (1 / 60) / 2, abs=1e-9)
    else:
        exact = ps.G / 2 + (ps.G * (1 / 60) / 2 if method == "semi-implicit" else 0.0)
        assert drop == pytest.approx(exact, abs=1e-9)


def test_stiff_spring_euler_explodes_verlet_conserves():
    """Milestones 2-4: 10 s of a stiff spring at 60 steps/s."""
    drifts = {}
    for method in ps.INTEGRATORS:
        world = ps.stiff_spring_world(stiffness=50.0)
        _, energies = ps.simulate(world, 1 / 60, 600, method)
        drifts[method] = ps.energy_drift(energies)
    assert drifts["euler"] > 0.5
    assert drifts["verlet"] < 0.01
    assert drifts["rk4"] < 0.01
    assert drifts["semi-implicit"] < 0.15   # symplectic: bounded wobble, no runaway


def test_verlet_energy_error_shrinks_with_dt():
    """Second order: halving dt quarters Verlet's energy error; Euler's only roughly halves at best."""
    errors = []
    for steps_per_s in (120, 240):
        world = ps.stiff_spring_world(stiffness=50.0)
        _, e = ps.simulate(world, 1 / steps_per_s, 2 * steps_per_s, "verlet")
        errors.append(ps.energy_drift(e))
    assert errors[1] == pytest.approx(errors[0] / 4, rel=0.1)


def test_spring_force_is_minus_energy_gradient():
    rng = np.random.default_rng(3)
    world = ps.empty_world(gravity=True)
    for _ in range(4):
        world.add_ball(rng.uniform(2, 8, size=2), mass=rng.uniform(0.5, 2))
    world.add_spring(0, 1, 30.0, rest=1.0)
    world.add_spring(1, 2, 10.0, rest=2.5)
    world.add_spring(0, 3, 5.0, rest=0.5)
    force = ps.accelerations(world, world.pos) * world.mass[:, None]
    h = 1e-6
    for i in range(world.n):
        for axis in range(2):
            plus, minus = world.copy(), world.copy()
            plus.pos[i, axis] += h
            minus.pos[i, axis] -= h
            numeric = -(ps.energy(plus) - ps.energy(minus)) / (2 * h)
            assert force[i, axis] == pytest.approx(numeric, abs=1e-6)


def test_head_on_collision_swaps_velocities():
    world = ps.empty_world(gravity=False, width=20, height=20)
    world.add_ball((5.0, 10.0), (2.0, 0.0))
    world.add_ball((5.45, 10.0), (-1.0, 0.0))
    e0 = ps.energy(world)
    assert ps.collide_balls(world) == 1
    np.testing.assert_allclose(world.vel, [[-1.0, 0.0], [2.0, 0.0]], atol=1e-12)
    assert ps.energy(world) == pytest.approx(e0, rel=1e-12)
    assert np.linalg.norm(world.pos[1] - world.pos[0]) == pytest.approx(0.5)   # pushed apart to touching


def test_many_collisions_conserve_momentum_and_energy():
    world = ps.many_balls_world(300, np.random.default_rng(0))
    world.gravity = False
    world.width = world.height = 1e3   # walls out of reach: only ball-ball contacts
    world.mass = np.random.default_rng(1).uniform(0.5, 2.0, 300)
    p0 = (world.mass[:, None] * world.vel).sum(axis=0)
    e0 = ps.energy(world)
    contacts = sum(ps.collide_balls(world) for _ in range(3))
    assert contacts > 50
    np.testing.assert_allclose((world.mass[:, None] * world.vel).sum(axis=0), p0, atol=1e-10)
    assert ps.energy(world) == pytest.approx(e0, rel=1e-9)   # shared balls resolved pair by pair: elastic


def test_sort_and_sweep_equals_bruteforce():
    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 50, 400):
        pos = rng.uniform(0, 5, size=(n, 2))
        if n > 2:
            pos[1] = pos[0]             # coincident balls
        radius = rng.uniform(0.05, 0.3, size=n)
        fast = set(map(frozenset, zip(*ps.contact_pairs(pos, radius))))
        brute = set(map(frozenset, zip(*ps.contact_pairs_bruteforce(pos, radius))))
        assert fast == brute


def test_walls_keep_balls_inside():
    world = ps.demo_world(np.random.default_rng(0))
    for _ in range(600):
        ps.step(world, 1 / 240, "verlet")
    inside_x = (world.pos[:, 0] >= world.radius - 1e-12) & (world.pos[:, 0] <= world.width - world.radius + 1e-12)
    inside_y = (world.pos[:, 1] >= world.radius - 1e-12) & (world.pos[:, 1] <= world.height - world.radius + 1e-12)
    assert inside_x.all() and inside_y.all()


@pytest.mark.gui
def test_pygame_events_change_the_world():
    pygame = pytest.importorskip("pygame")
    app = ps.App(ps.demo_world(np.random.default_rng(0), 4), "verlet", seed=0)
    try:
        n0, springs0 = app.world.n, len(app.world.springs)
        ps.post_keys(pygame, ["space"])
        app.process_events()
        assert app.world.n == n0 + 1
        # S with nothing selected does nothing; click two balls, then S joins them
        ps.post_keys(pygame, ["s"])
        app.process_events()
        assert len(app.world.springs) == springs0
        for k in (0, 2):
            pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=app.to_screen(app.world.pos[k]), button=1))
        app.process_events()
        assert app.selected == [0, 2]
        ps.post_keys(pygame, ["s"])
        app.process_events()
        assert len(app.world.springs) == springs0 + 1 and list(app.world.springs[-1]) == [0, 2]
        assert app.world.rest[-1] == pytest.approx(np.linalg.norm(app.world.pos[2] - app.world.pos[0]))
        ps.post_keys(pygame, ["g"])
        app.process_events()
        assert app.world.gravity is False
        ps.post_keys(pygame, ["1"])
        app.process_events()
        assert app.method == "euler"
        y0 = app.world.pos[:, 1].copy()
        app.run(frames=5)
        assert app.world.time == pytest.approx(5 / 60) and not np.allclose(app.world.pos[:, 1], y0)
        app.draw()
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        app.process_events()
        assert not app.running
    finally:
        pygame.quit()


def test_cli_bad_input(run_main, tmp_path):
    for argv, fragment in [(["--headless", "--steps", "0"], "--steps"), (["--keys", "space,q"], "--keys"),
                           (["--integrator", "leapfrog"], "--integrator"),
                           (["--headless", "--stiffness", "-5"], "--stiffness"), (["--fps", "99999"], "--fps")]:
        assert_user_error(run_main(ps.main, *argv, "--no-show", "--out", tmp_path), fragment)


@pytest.mark.slow
def test_cli_headless(run_cli, tmp_path):
    res = run_cli(SCRIPT, "--headless", "--steps", "600", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    lines = {line.split()[0]: line.split() for line in res.stdout.split("Bouncing")[0].splitlines()[2:6]}
    assert float(lines["euler"][1].rstrip("%")) > 50
    assert float(lines["verlet"][1].rstrip("%")) < 1
    assert "Ball falls with gravity: after 1 s it dropped 4.9050 m" in res.stdout
    for name in ("energy_drift.png", "energy_zoom.png"):
        assert (tmp_path / name).stat().st_size > 20_000


@pytest.mark.slow
@pytest.mark.gui
def test_cli_scripted_window(run_cli, tmp_path):
    res = run_cli(SCRIPT, "--frames", "30", "--keys", "space,space,g", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Press SPACE to add a ball" in res.stdout and "gravity off" in res.stdout
    assert "12 balls" in res.stdout
    assert (tmp_path / "physics_sim.png").stat().st_size > 5_000


# ----------------------------------------------------------------------------- issue 20: energy, pause, hints
def test_bounce_on_the_floor_keeps_the_energy():
    """Verlet is exact under constant gravity, so with an energy-keeping floor a bouncing ball keeps
    its energy to rounding error (putting it back on the floor and reflecting v gained energy)."""
    world = ps.empty_world()
    world.add_ball((5.0, 3.0), (1.3, 0.0), mass=1.5, radius=0.3)
    e0 = ps.energy(world)
    for _ in range(20 * 240):                      # 20 s, about a dozen bounces on floor and walls
        ps.step(world, 1 / 240, "verlet")
    assert ps.energy(world) == pytest.approx(e0, rel=1e-9)


def test_ball_touching_two_others_keeps_energy_and_momentum():
    """Three balls in a row, both contacts at once: resolved one pair after the other, the outer
    balls swap velocities with the middle one like Newton's cradle (summed impulses lost it all)."""
    world = ps.empty_world(gravity=False, width=20, height=20)
    for x, v in ((5.0, 2.0), (5.49, 0.0), (5.98, -2.0)):
        world.add_ball((x, 10.0), (v, 0.0))
    p0, e0 = world.vel.sum(axis=0).copy(), ps.energy(world)
    assert ps.collide_balls(world) == 2
    np.testing.assert_allclose(world.vel.sum(axis=0), p0, atol=1e-12)
    assert ps.energy(world) == pytest.approx(e0, rel=1e-12)
    np.testing.assert_allclose(world.vel[:, 0], [0.0, -2.0, 2.0], atol=1e-12)


def test_push_against_a_spring_is_paid_from_the_bounce():
    """Two balls on a stretched spring, overlapping a third: the push-out changes the spring's
    energy and the bounce gives exactly that back (to first order in the push, here 1e-3 m)."""
    world = ps.empty_world(gravity=False, width=20, height=20)
    world.add_ball((5.0, 10.0), (1.0, 0.0))
    world.add_ball((5.499, 10.0), (-1.0, 0.0))
    world.add_ball((8.0, 10.0))
    world.add_spring(1, 2, stiffness=40.0, rest=1.5)
    e0 = ps.energy(world)
    ps.collide_balls(world)
    assert world.vel[1, 0] > 0 > world.vel[0, 0]
    assert ps.energy(world) == pytest.approx(e0, abs=40.0 * 1e-6)


@pytest.mark.gui
def test_window_energy_drift_below_1_percent_over_60_s(monkeypatch):
    """The window's default scene (8 balls, a spring, walls, gravity) with Verlet, stepped frame by
    frame at the fixed 1/60 s (no real time): |E - E0| / E0 <= 1 % for 60 simulated seconds."""
    pytest.importorskip("pygame")
    contacts = []
    collide = ps.collide_balls
    monkeypatch.setattr(ps, "collide_balls", lambda world: contacts.append(collide(world)) or contacts[-1])
    app = ps.App(ps.demo_world(np.random.default_rng(42)), "verlet", seed=42, compare=False)
    try:
        worst = 0.0
        for _ in range(60 * 60):
            app.advance(1 / 60)
            worst = max(worst, abs(ps.energy(app.world) - app.e0) / app.e0)
        assert app.world.time == pytest.approx(60.0)
        assert len(app.world.springs) == 1 and sum(contacts) > 300     # springs and collisions were in the run
        assert worst <= 0.01
    finally:
        app.pg.quit()


@pytest.mark.gui
def test_window_two_new_balls_euler_drift_shown_next_to_verlet():
    """Two SPACE presses, then 20 s: Verlet stays within 1 %, and the screen's status line shows the
    explicit Euler copy of the same world drifting far more."""
    pygame = pytest.importorskip("pygame")
    app = ps.App(ps.demo_world(np.random.default_rng(42)), "verlet", seed=42)
    try:
        ps.post_keys(pygame, ["space", "space"])
        app.process_events()
        assert app.world.n == 12 and app.shadow.n == 12
        worst = 0.0
        for _ in range(20 * 60):
            app.advance(1 / 60)
            worst = max(worst, abs(ps.energy(app.world) - app.e0) / app.e0)
        assert worst <= 0.01
        euler = abs(ps.energy(app.shadow) - app.e0) / app.e0
        assert app.shadow_method == "euler" and euler > 10 * worst
        top = app.status_lines()[0]
        assert "verlet" in top and "euler" in top and f"{100 * euler:.2f}%" in top.replace("+", "").replace("-", "")
    finally:
        pygame.quit()


@pytest.mark.gui
def test_pause_then_click_two_balls_and_press_s():
    pygame = pytest.importorskip("pygame")
    app = ps.App(ps.demo_world(np.random.default_rng(0), 4), "verlet", seed=0)
    try:
        ps.post_keys(pygame, ["s"])                                 # nothing selected: told on screen
        app.process_events()
        assert "select two balls first" in app.status_lines()[3]
        assert "P pause" in app.status_lines()[2]
        app.run(frames=3)
        ps.post_keys(pygame, ["p"])
        app.process_events()
        assert app.paused and "PAUSED" in app.status_lines()[1]
        pos, t = app.world.pos.copy(), app.world.time
        app.run(frames=10)
        np.testing.assert_array_equal(app.world.pos, pos)          # paused: nothing moves
        assert app.world.time == t
        springs0 = len(app.world.springs)
        for k in (1, 3):
            pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=app.to_screen(app.world.pos[k]), button=1))
        app.run(frames=1)
        assert app.selected == [1, 3] and "press S" in app.status_lines()[3]
        ps.post_keys(pygame, ["s"])
        app.run(frames=1)
        assert len(app.world.springs) == springs0 + 1 and list(app.world.springs[-1]) == [1, 3]
        assert "spring between balls 1 and 3" in app.status_lines()[3]
        ps.post_keys(pygame, ["p"])
        app.run(frames=2)
        assert not app.paused and app.world.time == pytest.approx(t + 2 / 60)
        assert not np.array_equal(app.world.pos, pos)
    finally:
        pygame.quit()
