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
    assert ps.energy(world) == pytest.approx(e0, rel=0.05)   # simultaneous contacts: nearly elastic


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
