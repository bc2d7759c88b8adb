"""Physics simulator: balls with gravity, springs and collisions, integrated four ways.

Velocity is the derivative of position and acceleration the derivative of velocity; a simulator
turns those derivatives back into motion one small time step dt at a time. How it does that (the
integrator) decides whether energy is kept or slowly (or explosively) invented.

Math (state x, v; a(x) = F(x) / m):
    gravity          F = m g (downwards)
    spring (Hooke)   F_i = k (|d| - L0) d / |d|,  d = x_j - x_i,  F_j = -F_i
    energy           E = sum m v^2 / 2 + sum m g y + sum k (|d| - L0)^2 / 2
    explicit Euler   x' = x + v dt;           v' = v + a(x) dt          energy x (1 + w^2 dt^2) per step (spring)
    semi-implicit    v' = v + a(x) dt;        x' = x + v' dt            symplectic: energy wobbles, no drift
    velocity Verlet  x' = x + v dt + a(x) dt^2 / 2;  v' = v + (a(x) + a(x')) dt / 2   (symplectic, 2nd order)
    RK4              four slope evaluations per step, 4th order, small but steady energy loss
    collisions       overlapping approaching balls swap momentum along the normal n:
                     J = -(1 + e) ((v_j - v_i) . n) / (1/m_i + 1/m_j),  v_i -= J n / m_i,  v_j += J n / m_j
                     pushing overlapping balls apart (or back inside a wall) moves them against the
                     force F by delta: that adds the energy -F . delta, taken back from the bounce

Keys (window): SPACE add a ball, click a ball to select it, S spring between the two selected
balls, P pause (clicks and S still work), G gravity on/off, 1-4 choose Euler / semi-implicit /
Verlet / RK4, R reset, ESC quit. The screen shows the energy drift of the chosen integrator next
to that of explicit Euler run on a copy of the same world.

    python phase2_calculus/physics_sim.py                         # window
    python phase2_calculus/physics_sim.py --headless --steps 600  # energy drift per integrator
    python phase2_calculus/physics_sim.py --frames 120 --keys space,space,g --no-show   # scripted window run
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

import numpy as np

from common import cli, plotting

INTEGRATORS = ("euler", "semi-implicit", "verlet", "rk4")
G = 9.81


# ----------------------------------------------------------------------------- the world
@dataclass
class World:
    """Balls (positions (n, 2) m, velocities (n, 2) m/s, masses (n,) kg, radii (n,) m) in a box
    [0, width] x [0, height] (y up), joined by springs ((m, 2) ball indices, rest lengths (m,),
    stiffnesses (m,) N/m)."""

    pos: np.ndarray
    vel: np.ndarray
    mass: np.ndarray
    radius: np.ndarray
    springs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=int))
    rest: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stiffness: np.ndarray = field(default_factory=lambda: np.zeros(0))
    gravity: bool = True
    width: float = 10.0
    height: float = 7.5
    restitution: float = 1.0
    collisions: bool = True
    time: float = 0.0

    @property
    def n(self) -> int:
        return len(self.mass)

    def add_ball(self, pos, vel=(0.0, 0.0), mass: float = 1.0, radius: float = 0.25) -> int:
        self.pos = np.vstack([self.pos, np.asarray(pos, dtype=float)[None]])
        self.vel = np.vstack([self.vel, np.asarray(vel, dtype=float)[None]])
        self.mass = np.append(self.mass, float(mass))
        self.radius = np.append(self.radius, float(radius))
        return self.n - 1

    def add_spring(self, i: int, j: int, stiffness: float = 20.0, rest: float | None = None) -> None:
        """Spring between balls i and j; its rest length is their current distance by default."""
        if i == j:
            raise ValueError("a spring needs two different balls")
        length = float(np.linalg.norm(self.pos[j] - self.pos[i])) if rest is None else rest
        self.springs = np.vstack([self.springs, [[i, j]]]).astype(int)
        self.rest = np.append(self.rest, length)
        self.stiffness = np.append(self.stiffness, float(stiffness))

    def copy(self) -> World:
        import copy

        return copy.deepcopy(self)


def empty_world(**kwargs) -> World:
    return World(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0), np.zeros(0), **kwargs)


# ----------------------------------------------------------------------------- forces and energy
def spring_vectors(world: World, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(d (m, 2) from ball i to ball j, |d| (m,)) for every spring."""
    i, j = world.springs[:, 0], world.springs[:, 1]
    d = pos[j] - pos[i]
    return d, np.linalg.norm(d, axis=1)


def accelerations(world: World, pos: np.ndarray) -> np.ndarray:
    """a = F / m for every ball at positions ``pos`` (n, 2); returns (n, 2) in m/s^2.

    The forces are gravity, F = (0, -m g) on each ball when ``world.gravity`` is on, plus every
    Hooke spring s joining balls i and j (``world.springs[s] = (i, j)``, rest length L0, stiffness k):

        d = x_j - x_i,   F_i = k (|d| - L0) d / |d|,   F_j = -F_i

    so a stretched spring pulls its two balls towards each other. Example: two 1 kg balls 3 m
    apart on a spring with L0 = 2, k = 10 and no gravity feel 10 N each: a_i = (10, 0) towards
    j and a_j = (-10, 0). A spring of length 0 has no direction; it exerts no force.
    """
    force = np.zeros_like(pos)
    if world.gravity:
        force[:, 1] -= world.mass * G
    if len(world.springs):
        d, length = spring_vectors(world, pos)
        safe = np.where(length > 0, length, 1.0)
        pull = (world.stiffness * (length - world.rest) / safe)[:, None] * d   # on i, towards j when stretched
        np.add.at(force, world.springs[:, 0], pull)
        np.add.at(force, world.springs[:, 1], -pull)
    return force / world.mass[:, None]


def energy(world: World) -> float:
    """Total energy of the world in joules: kinetic + gravitational + spring potential.

        E = sum_i m_i |v_i|^2 / 2  +  sum_i m_i g y_i  +  sum_s k_s (|d_s| - L0_s)^2 / 2

    with y_i the height above the floor (the gravity term only when ``world.gravity`` is on) and
    d_s = x_j - x_i for spring s. Its gradient is minus the force: dE/dx_i = -F_i. Example: one
    2 kg ball at height 1 m moving at 3 m/s has E = 2 * 9 / 2 + 2 * 9.81 * 1 = 28.62 J.
    """
    kinetic = 0.5 * float(np.sum(world.mass * np.sum(world.vel ** 2, axis=1)))
    potential = float(np.sum(world.mass * G * world.pos[:, 1])) if world.gravity else 0.0
    if len(world.springs):
        _, length = spring_vectors(world, world.pos)
        potential += 0.5 * float(np.sum(world.stiffness * (length - world.rest) ** 2))
    return kinetic + potential


# ----------------------------------------------------------------------------- integrators
def euler_step(world: World, x: np.ndarray, v: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """One explicit Euler step: both updates use the old state.

        x' = x + v dt,    v' = v + a(x) dt        with a = accelerations(world, x)

    x and v are (n, 2) arrays (positions in m, velocities in m/s); returns the new (x', v'), both
    (n, 2), without changing the inputs. Example, one ball falling from rest (a = (0, -g)) with
    dt = 0.1: x' = x (it has no speed yet), v' = (0, -0.981). The position always lags a step
    behind the velocity, which is why Euler pumps energy into an oscillating spring.
    """
    a = accelerations(world, x)
    return x + v * dt, v + a * dt


def semi_implicit_step(world: World, x: np.ndarray, v: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """One semi-implicit (symplectic) Euler step: the new velocity moves the position.

        v' = v + a(x) dt,    x' = x + v' dt

    Shapes as in ``euler_step``. Same cost as Euler, but the energy only wobbles instead of growing.
    """
    v_new = v + accelerations(world, x) * dt
    return x + v_new * dt, v_new


def verlet_step(world: World, x: np.ndarray, v: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """One velocity Verlet step (second order, symplectic):

        x' = x + v dt + a(x) dt^2 / 2
        v' = v + (a(x) + a(x')) dt / 2          (the average of the old and the new acceleration)

    x and v are (n, 2); returns (x', v'), both (n, 2). Under constant gravity it is exact: one
    ball from rest, dt = 0.1, drops g dt^2 / 2 = 0.04905 m and reaches v = -g dt = -0.981 m/s.
    """
    a = accelerations(world, x)
    x_new = x + v * dt + 0.5 * a * dt * dt
    return x_new, v + 0.5 * (a + accelerations(world, x_new)) * dt


def rk4_step(world: World, x: np.ndarray, v: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """One classical Runge-Kutta step: four slopes (k1..k4) of (x, v), weighted 1, 2, 2, 1.

    Shapes as in ``euler_step``. Fourth order, but not symplectic: a small, steady energy loss.
    """
    k1x, k1v = v, accelerations(world, x)
    k2x, k2v = v + 0.5 * dt * k1v, accelerations(world, x + 0.5 * dt * k1x)
    k3x, k3v = v + 0.5 * dt * k2v, accelerations(world, x + 0.5 * dt * k2x)
    k4x, k4v = v + dt * k3v, accelerations(world, x + dt * k3x)
    return (x + dt / 6 * (k1x + 2 * k2x + 2 * k3x + k4x),
            v + dt / 6 * (k1v + 2 * k2v + 2 * k3v + k4v))


def integrate(world: World, dt: float, method: str) -> None:
    """Advance positions and velocities by dt in place (forces only; collisions separately)."""
    x, v = world.pos, world.vel
    if method == "euler":
        world.pos, world.vel = euler_step(world, x, v, dt)
    elif method == "semi-implicit":
        world.pos, world.vel = semi_implicit_step(world, x, v, dt)
    elif method == "verlet":
        world.pos, world.vel = verlet_step(world, x, v, dt)
    elif method == "rk4":
        world.pos, world.vel = rk4_step(world, x, v, dt)
    else:
        raise ValueError(f"unknown integrator {method!r} (one of {', '.join(INTEGRATORS)})")
    world.time += dt


def bounce_speed(closing: np.ndarray, work: np.ndarray, mass: np.ndarray, restitution: float) -> np.ndarray:
    """The normal speed (>= 0, moving apart) after a contact that keeps the energy.

    closing (k,) is the normal velocity before (< 0: approaching), mass (k,) the mass that moves
    (the reduced mass for two balls, the ball's mass at a wall) and work (k,) the potential energy
    the push-out added, in J. Energy before = energy after:

        mass s'^2 / 2 = mass closing^2 / 2 - work,   s' = sqrt(closing^2 - 2 work / mass)

    and s' is scaled by the restitution e for balls that were approaching (e = 1: elastic). With no
    work this is the textbook bounce s' = e |closing|. If the push-out added more energy than the
    normal motion holds, the balls simply stop moving apart (s' = 0).
    """
    speed = np.sqrt(np.maximum(closing ** 2 - 2 * work / mass, 0.0))
    return np.where(closing < 0, restitution * speed, speed)


def collide_walls(world: World) -> None:
    """Balls outside the box are put back on the wall and bounce, keeping their energy.

    Putting a ball back moves it by delta against the force F on it, which adds the potential
    energy work = -F . delta (under gravity: a ball lifted out of the floor by delta gains m g delta).
    That energy is taken from its normal speed (``bounce_speed``); simply reflecting the velocity
    would invent it, a little at every bounce.
    """
    r = world.radius
    if world.n == 0 or not (np.any(world.pos < r[:, None]) or np.any(world.pos[:, 0] > world.width - r)
                            or np.any(world.pos[:, 1] > world.height - r)):
        return                                                        # every ball inside: nothing to do
    force = accelerations(world, world.pos) * world.mass[:, None]     # (n, 2), before any ball moves
    for axis, limit in ((0, world.width), (1, world.height)):
        for outside, wall, inward in ((world.pos[:, axis] < r, r, 1.0),
                                      (world.pos[:, axis] > limit - r, limit - r, -1.0)):
            delta = wall[outside] - world.pos[outside, axis]              # how far each ball is put back
            work = -force[outside, axis] * delta                          # potential energy that adds, J
            closing = inward * world.vel[outside, axis]                   # < 0: moving into the wall
            world.pos[outside, axis] = wall[outside]
            world.vel[outside, axis] = inward * bounce_speed(closing, work, world.mass[outside],
                                                             world.restitution)


def contact_pairs(pos: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays (i, j) of overlapping balls, each pair once, by sort-and-sweep.

    Sort the balls by x. Two balls can only touch if their x differ by less than the largest
    possible reach 2 r_max, so compare each ball with the one k places later in x order, for
    k = 1, 2, ... until no ball is within reach of its k-th neighbour (x gaps only grow with k).
    Each round is one array operation over all balls; the rounds needed are about the number of
    balls in a strip 2 r_max wide, not n, so a step costs ~O(n log n) rather than O(n^2).
    """
    n = len(pos)
    order = np.argsort(pos[:, 0], kind="stable")
    xs = pos[order, 0]
    reach_max = 2.0 * float(radius.max()) if n else 0.0
    found_i, found_j = [], []
    for k in range(1, n):  # loop over neighbour offsets, not over balls
        near = xs[k:] - xs[:-k] < reach_max
        if not near.any():
            break
        a, b = order[:-k][near], order[k:][near]
        d = pos[b] - pos[a]
        reach = radius[a] + radius[b]
        hit = np.einsum("ij,ij->i", d, d) < reach * reach
        found_i.append(a[hit])
        found_j.append(b[hit])
    if not found_i:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    return np.concatenate(found_i), np.concatenate(found_j)


def contact_pairs_bruteforce(pos: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same pairs from the full n x n distance matrix (the simple reference, O(n^2) memory)."""
    d2 = np.sum((pos[None, :, :] - pos[:, None, :]) ** 2, axis=2)
    reach = radius[:, None] + radius[None, :]
    return np.nonzero(np.triu(d2 < reach * reach, k=1))


def resolve_pairs(world: World, i: np.ndarray, j: np.ndarray) -> None:
    """Push apart and bounce the touching pairs (i[k], j[k]), keeping the energy; no ball may appear
    in two of the pairs (``collide_balls`` makes sure of that).

    For each pair, with unit normal n from i to j:
      1. push apart along n until they just touch, the overlap split by inverse mass (so the centre
         of mass stays put and gravity's potential energy does not change);
      2. the push moves the balls by delta_i, delta_j against their forces, adding the potential
         energy work = -(F_i . delta_i + F_j . delta_j) (non-zero only when a spring pulls on them);
      3. bounce: with c = (v_j - v_i) . n (< 0: approaching) and mu = 1 / (1/m_i + 1/m_j) the reduced
         mass, they leave with the normal speed s' that keeps the energy (``bounce_speed``), through
         the impulse J = mu (s' - c):  v_i -= J n / m_i,  v_j += J n / m_j.
    With no work, s' = e |c| and J = -(1 + e) c mu: the textbook elastic (e = 1) collision.
    """
    force = accelerations(world, world.pos) * world.mass[:, None]          # (n, 2), before the push
    d = world.pos[j] - world.pos[i]                                          # (k, 2)
    dist = np.linalg.norm(d, axis=1)
    normal = np.where(dist[:, None] > 1e-12, d / np.maximum(dist, 1e-12)[:, None], [1.0, 0.0])
    inv_i, inv_j = 1 / world.mass[i], 1 / world.mass[j]
    mu = 1 / (inv_i + inv_j)                                                 # reduced mass (k,)
    share = (world.radius[i] + world.radius[j] - dist) * mu                 # overlap split by mass
    delta_i = -(share * inv_i)[:, None] * normal                            # (k, 2) move of ball i
    delta_j = (share * inv_j)[:, None] * normal
    work = -(np.sum(force[i] * delta_i, axis=1) + np.sum(force[j] * delta_j, axis=1))
    world.pos[i] += delta_i                                                  # no ball twice: plain indexing
    world.pos[j] += delta_j
    closing = np.sum((world.vel[j] - world.vel[i]) * normal, axis=1)        # < 0: approaching
    impulse = mu * (bounce_speed(closing, work, mu, world.restitution) - closing)
    world.vel[i] -= (impulse * inv_i)[:, None] * normal
    world.vel[j] += (impulse * inv_j)[:, None] * normal


def collide_balls(world: World) -> int:
    """Resolve every overlapping pair (``resolve_pairs``). Returns the number of contacts found.

    A ball that touches two others is resolved one pair at a time, so each bounce starts from the
    velocities the previous one left (adding up impulses computed from the same old velocities
    would count that ball's motion twice and invent energy). Each round takes every pair that is
    the first contact of both its balls, which is at least one pair, so the rounds end; pairs that
    an earlier round already pushed apart are dropped.
    """
    i, j = contact_pairs(world.pos, world.radius)
    found = len(i)
    while len(i):
        order = np.arange(len(i))
        first = np.full(world.n, len(i))            # index of each ball's first remaining pair
        np.minimum.at(first, i, order)
        np.minimum.at(first, j, order)
        now = (first[i] == order) & (first[j] == order)
        resolve_pairs(world, i[now], j[now])
        i, j = i[~now], j[~now]
        gap = np.linalg.norm(world.pos[j] - world.pos[i], axis=1) - world.radius[i] - world.radius[j]
        i, j = i[gap < 0], j[gap < 0]
    return found


def step(world: World, dt: float, method: str) -> int:
    """One time step: integrate, then collisions (if enabled). Returns the number of ball contacts."""
    integrate(world, dt, method)
    contacts = 0
    if world.collisions:
        contacts = collide_balls(world)
        collide_walls(world)
    return contacts


def simulate(world: World, dt: float, steps: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Run ``steps`` steps; returns (times (steps+1,), energies (steps+1,)). Modifies world."""
    times, energies = [world.time], [energy(world)]
    for _ in range(steps):
        step(world, dt, method)
        times.append(world.time)
        energies.append(energy(world))
    return np.array(times), np.array(energies)


def energy_drift(energies: np.ndarray) -> float:
    """max_t |E(t) - E(0)| / |E(0)| (inf once the energy is no longer finite)."""
    if not np.all(np.isfinite(energies)):
        return float("inf")
    return float(np.max(np.abs(energies - energies[0])) / abs(energies[0]))


# ----------------------------------------------------------------------------- scenes
def stiff_spring_world(stiffness: float = 50.0, stretch: float = 0.5) -> World:
    """Two 1 kg balls on a spring, no gravity, no walls in reach: a pure oscillator with
    angular frequency w = sqrt(k / mu) = sqrt(2 k) (mu = 0.5 kg the reduced mass)."""
    world = empty_world(gravity=False, collisions=False, width=20.0, height=20.0)
    world.add_ball((8.0, 10.0))
    world.add_ball((10.0 + stretch, 10.0))
    world.add_spring(0, 1, stiffness, rest=2.0)
    return world


def demo_world(rng: np.random.Generator, n_balls: int = 8) -> World:
    """Bouncing balls in a box and a pair of balls on a spring."""
    world = empty_world()
    for _ in range(n_balls):
        world.add_ball((rng.uniform(0.5, 9.5), rng.uniform(3.0, 7.0)), rng.normal(0, 2, size=2),
                       mass=rng.uniform(0.5, 2.0), radius=rng.uniform(0.2, 0.35))
    a = world.add_ball((3.0, 5.5), (0.0, 0.0), 1.0, 0.25)
    b = world.add_ball((5.0, 5.5), (0.0, 3.0), 1.0, 0.25)
    world.add_spring(a, b, stiffness=30.0)
    return world


def many_balls_world(n: int, rng: np.random.Generator, radius: float = 0.1) -> World:
    """n balls scattered in a box sized so that about a quarter of the area is covered."""
    side = float(np.sqrt(n * np.pi * radius ** 2 * 4))
    world = empty_world(width=side, height=side)
    world.pos = rng.uniform(radius, side - radius, size=(n, 2))
    world.vel = rng.normal(0, 1, size=(n, 2))
    world.mass = np.ones(n)
    world.radius = np.full(n, radius)
    return world


# ----------------------------------------------------------------------------- the pygame app
KEY_INTEGRATOR = {"1": "euler", "2": "semi-implicit", "3": "verlet", "4": "rk4"}
KEY_HINTS = "SPACE add ball   click select   S spring   P pause   G gravity   1-4 integrator   R reset   ESC quit"


def drift_percent(e: float, e0: float) -> float:
    """(E - E0) / |E0| in percent (0 when E0 = 0); inf once E is no longer finite."""
    if not np.isfinite(e):
        return float("inf")
    return (e - e0) / abs(e0) * 100 if e0 else 0.0


class App:
    """The interactive window. ``handle(event)`` is the whole input logic, so tests can post
    pygame events (SDL_VIDEODRIVER=dummy) and check how the world changed.

    Beside the world it runs a copy of it with a second integrator (explicit Euler, or Verlet while
    Euler is the chosen one) from the same start, so the screen shows both energy drifts side by
    side. P pauses both; clicks and S still work while paused."""

    SCALE = 80  # pixels per metre
    MESSAGE_FRAMES = 240  # an on-screen message stays about 4 s at 60 fps

    def __init__(self, world: World, method: str = "verlet", seed: int = 42, substeps: int = 4,
                 compare: bool = True):
        import pygame

        pygame.display.init()   # only what we use (pygame.init() would also open the audio device)
        pygame.font.init()
        self.pg = pygame
        self.world, self.initial, self.method = world, world.copy(), method
        self.rng = np.random.default_rng(seed)
        self.substeps = substeps
        self.compare = compare
        self.size = (int(world.width * self.SCALE), int(world.height * self.SCALE))
        self.screen = pygame.display.set_mode(self.size)
        pygame.display.set_caption("Physics simulator - calculus in action")
        self.font = pygame.font.Font(None, 22)
        self.clock = pygame.time.Clock()
        self.selected: list[int] = []
        self.running = True
        self.paused = False
        self.log: list[str] = []
        self.message, self.message_left = "", 0
        self.restart_energy()

    @property
    def shadow_method(self) -> str:
        """The integrator of the side-by-side copy: explicit Euler, or Verlet when Euler is chosen."""
        return "verlet" if self.method == "euler" else "euler"

    def restart_energy(self) -> None:
        """The energy baseline (and the side-by-side copy) restart after any change to the world."""
        self.e0 = energy(self.world)
        self.shadow = self.world.copy() if self.compare else None

    # screen <-> world (y up in the world, down on the screen)
    def to_screen(self, p) -> tuple[int, int]:
        return int(p[0] * self.SCALE), int(self.size[1] - p[1] * self.SCALE)

    def to_world(self, xy) -> np.ndarray:
        return np.array([xy[0] / self.SCALE, (self.size[1] - xy[1]) / self.SCALE])

    def handle(self, event) -> None:
        pg = self.pg
        if event.type == pg.QUIT:
            self.running = False
        elif event.type == pg.MOUSEBUTTONDOWN:
            self.select_at(self.to_world(event.pos))
        elif event.type == pg.KEYDOWN:
            if event.key == pg.K_ESCAPE:
                self.running = False
            elif event.key == pg.K_p:
                self.paused = not self.paused
                self.note("paused: click two balls, then S joins them" if self.paused else "running")
                return                      # pausing changes nothing in the world
            elif event.key == pg.K_SPACE:
                w = self.world
                w.add_ball((self.rng.uniform(0.5, w.width - 0.5), w.height - 0.5), self.rng.normal(0, 2, size=2),
                           mass=self.rng.uniform(0.5, 2.0), radius=self.rng.uniform(0.2, 0.35))
                self.note(f"added ball {w.n - 1}")
            elif event.key == pg.K_s:
                if len(self.selected) == 2:
                    self.world.add_spring(*self.selected)
                    self.note(f"spring between balls {self.selected[0]} and {self.selected[1]}")
                    self.selected = []
                else:
                    self.note("select two balls first: click two balls (P pauses them), then press S")
                    return
            elif event.key == pg.K_g:
                self.world.gravity = not self.world.gravity
                self.note(f"gravity {'on' if self.world.gravity else 'off'}")
            elif event.key == pg.K_r:
                self.world, self.selected = self.initial.copy(), []
                self.note("reset")
            elif event.unicode in KEY_INTEGRATOR:
                self.method = KEY_INTEGRATOR[event.unicode]
                self.note(f"integrator {self.method}")
            else:
                return
        else:
            return
        self.restart_energy()

    def note(self, text: str) -> None:
        """Log ``text`` (printed at the end) and show it on screen for a few seconds."""
        self.log.append(text)
        self.message, self.message_left = text, self.MESSAGE_FRAMES

    def select_at(self, point: np.ndarray) -> None:
        """Select the ball under ``point`` (toggle); at most the last two stay selected."""
        if self.world.n == 0:
            return
        dist = np.linalg.norm(self.world.pos - point, axis=1)
        k = int(np.argmin(dist))
        if dist[k] > self.world.radius[k] * 1.5:
            return
        if k in self.selected:
            self.selected.remove(k)
        else:
            self.selected = (self.selected + [k])[-2:]
        self.message_left = 0          # the screen now shows what to do with the selection

    def process_events(self) -> None:
        for event in self.pg.event.get():
            self.handle(event)

    def advance(self, frame_dt: float = 1 / 60) -> None:
        """One frame of physics (``substeps`` steps) for the world and its side-by-side copy; none
        while paused."""
        if self.paused:
            return
        for _ in range(self.substeps):
            step(self.world, frame_dt / self.substeps, self.method)
            if self.shadow is not None and np.all(np.isfinite(self.shadow.pos)):
                step(self.shadow, frame_dt / self.substeps, self.shadow_method)

    def hint(self) -> str:
        """What to do next, from the selection (shown on screen)."""
        if len(self.selected) == 1:
            return f"ball {self.selected[0]} selected: click a second ball, then press S"
        if len(self.selected) == 2:
            return f"balls {self.selected[0]} and {self.selected[1]} selected: press S to join them with a spring"
        return "P pauses, so moving balls are easy to click"

    def status_lines(self) -> list[str]:
        """The text drawn at the top of the window."""
        w = self.world
        e = energy(w)
        lines = [f"Energy {e:9.2f} J   drift since last change: {self.method} {drift_percent(e, self.e0):+.2f}%"]
        if self.shadow is not None:
            lines[0] += f"   ({self.shadow_method}, same world alongside: " \
                        f"{drift_percent(energy(self.shadow), self.e0):+.2f}%)"
        lines.append(f"FPS {self.clock.get_fps():5.1f}   integrator: {self.method} (1-4)   gravity: "
                     f"{'on' if w.gravity else 'off'} (G)   balls: {w.n}   springs: {len(w.springs)}"
                     + ("   PAUSED (P resumes)" if self.paused else ""))
        lines.append(KEY_HINTS)
        lines.append(self.message if self.message_left > 0 else self.hint())
        return lines

    def draw(self) -> None:
        pg, w = self.pg, self.world
        self.screen.fill((250, 250, 247))
        for (i, j) in w.springs:
            pg.draw.line(self.screen, (120, 120, 120), self.to_screen(w.pos[i]), self.to_screen(w.pos[j]), 3)
        for k in range(w.n):  # drawing is per ball; the physics above is vectorised
            colour = (214, 39, 40) if k in self.selected else (31, 119, 180)
            pg.draw.circle(self.screen, colour, self.to_screen(w.pos[k]), max(2, int(w.radius[k] * self.SCALE)))
        for row, text in enumerate(self.status_lines()):
            colour = (170, 40, 20) if row == 3 else (30, 30, 30)
            self.screen.blit(self.font.render(text, True, colour), (8, 6 + 18 * row))
        self.message_left -= 1
        pg.display.flip()

    def run(self, frames: int | None = None, fps: int = 60) -> None:
        count = 0
        while self.running and (frames is None or count < frames):
            self.process_events()
            self.advance(1 / fps)
            self.draw()
            self.clock.tick(fps if frames is None else 0)
            count += 1

    def save_screenshot(self, path) -> None:
        with cli.atomic_path(path) as tmp:
            self.pg.image.save(self.screen, str(tmp))


def post_keys(pygame, keys: list[str]) -> None:
    """Queue key presses by name (space, s, g, p, 1-4, r) as real pygame KEYDOWN events."""
    for name in keys:
        code = pygame.key.key_code(name)
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=code, unicode=name if len(name) == 1 else "",
                                             mod=0, scancode=0))


# ----------------------------------------------------------------------------- figures
def energy_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str):
    fig, ax = plotting.figure(figsize=(8, 4.8))
    for i, (name, (t, e)) in enumerate(curves.items()):
        ratio = e / e[0]
        ax.plot(t, np.where(np.isfinite(ratio), ratio, np.nan), color=plotting.PALETTE[i], lw=1.6, label=name)
    ax.set_yscale("symlog", linthresh=2)
    ax.axhline(1, color="k", lw=0.7)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("E(t) / E(0)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def zoom_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]]):
    fig, ax = plotting.figure(figsize=(8, 4.2))
    for i, (name, (t, e)) in enumerate(curves.items()):
        if name != "euler":
            ax.plot(t, (e / e[0] - 1) * 100, color=plotting.PALETTE[i], lw=1.4, label=name)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("energy error (%)")
    ax.set_title("Zoom: the stable integrators (Euler left out, it left the chart)")
    ax.legend()
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- CLI
def _keys(text: str) -> list[str]:
    names = [k.strip().lower() for k in text.split(",") if k.strip()]
    allowed = {"space", "s", "g", "p", "r", "1", "2", "3", "4"}
    bad = [k for k in names if k not in allowed]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown key(s) {', '.join(bad)} (use {', '.join(sorted(allowed))})")
    return names


def _pct(fraction: float) -> str:
    return f"{100 * fraction:.3f}%" if fraction < 10 else f"{100 * fraction:.3g}%"


def headless(args, out) -> None:
    dt = 1 / args.fps
    print(f"Stiff spring: two 1 kg balls, k = {args.stiffness:g} N/m, w*dt = {np.sqrt(2 * args.stiffness) * dt:.3f}, "
          f"{args.steps} steps of {dt:.4f} s = {args.steps * dt:.1f} s simulated")
    print(f"  {'integrator':<14} {'max |dE|/E0':>12} {'final E/E0':>12}")
    spring_curves = {}
    for method in INTEGRATORS:
        t, e = simulate(stiff_spring_world(args.stiffness), dt, args.steps, method)
        spring_curves[method] = (t, e)
        print(f"  {method:<14} {_pct(energy_drift(e)):>12} {e[-1] / e[0]:>12.4g}")
    print()
    rng = np.random.default_rng(args.seed)
    print(f"The window's scene: {args.balls} bouncing balls with gravity, a spring and collisions "
          f"({args.steps} steps, {args.substeps} substeps per frame):")
    print(f"  {'integrator':<14} {'max |dE|/E0':>12} {'final E/E0':>12} {'contacts':>9}")
    scene, drifts = demo_world(rng, args.balls), {}
    for method in INTEGRATORS:
        world = scene.copy()
        energies, contacts = [energy(world)], 0
        for _ in range(args.steps):
            for _ in range(args.substeps):
                contacts += step(world, dt / args.substeps, method)
            energies.append(energy(world))
        e = np.array(energies)
        drifts[method] = energy_drift(e)
        print(f"  {method:<14} {_pct(drifts[method]):>12} {e[-1] / e[0]:>12.4g} {contacts:>9}")
    print(f"  Verlet keeps the energy to {_pct(drifts['verlet'])}; explicit Euler drifts {_pct(drifts['euler'])} "
          f"on the same scene")
    print()
    drop_world = empty_world(height=20.0)
    drop_world.add_ball((5.0, 15.0))
    simulate(drop_world, dt, args.fps, "verlet")
    print(f"Ball falls with gravity: after 1 s it dropped {15.0 - drop_world.pos[0, 1]:.4f} m "
          f"(g t^2 / 2 = {G / 2:.4f} m), speed {-drop_world.vel[0, 1]:.4f} m/s (g t = {G:.4f})")
    print()
    saved = [plotting.save(energy_figure(spring_curves, "Stiff spring: explicit Euler invents energy"),
                           out / "energy_drift.png"),
             plotting.save(zoom_figure(spring_curves), out / "energy_zoom.png")]
    print("Saved: " + ", ".join(str(p) for p in saved))


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase2_calculus/physics_sim.py")
    parser.add_argument("--headless", action="store_true", help="no window: print the energy drift per integrator")
    parser.add_argument("--steps", type=cli.positive_int, default=600, help="headless steps (default 600 = 10 s)")
    parser.add_argument("--fps", type=cli.positive_int, default=60, help="frames per second, dt = 1/fps (default 60)")
    parser.add_argument("--substeps", type=cli.positive_int, default=4, help="physics steps per frame (default 4)")
    parser.add_argument("--stiffness", type=cli.positive_float, default=50.0,
                        help="spring constant of the headless stiff-spring test, N/m (default 50)")
    parser.add_argument("--integrator", choices=INTEGRATORS, default="verlet", help="window start integrator")
    parser.add_argument("--balls", type=cli.positive_int, default=8, help="balls in the window scene (default 8)")
    parser.add_argument("--frames", type=cli.positive_int, default=None,
                        help="window mode: stop after N frames and save a screenshot (scripted runs)")
    parser.add_argument("--keys", type=_keys, default=[], help="window mode: keys to press first, e.g. space,s,g")
    args = parser.parse_args(argv)
    if args.fps > 10000:
        raise cli.UserError("--fps must be at most 10000")
    shown = plotting.setup(args.no_show)   # False with --no-show or when there is no display
    out = cli.out_dir(args, "physics_sim")
    if args.headless:
        headless(args, out)
        return 0
    if not shown or args.frames is not None:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # scripted run: no real window needed
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    try:
        app = App(demo_world(np.random.default_rng(args.seed), args.balls), args.integrator, args.seed,
                  args.substeps)
    except pygame.error as exc:
        raise cli.UserError(f"cannot open a window ({exc}); use --headless or --no-show") from None
    print("Press SPACE to add a ball")
    print("Press S to add a spring between selected balls (click two balls to select them)")
    print("Press P to pause (clicking and S still work), G to toggle gravity; 1-4 switch integrator "
          "(Euler, semi-implicit, Verlet, RK4); ESC quits")
    post_keys(app.pg, args.keys)
    frames = args.frames if args.frames is not None else (None if shown else 120)
    app.run(frames)
    for line in app.log:
        print(f"  {line}")
    if app.shadow is not None:
        print(f"Energy drift since the last change: {app.method} {drift_percent(energy(app.world), app.e0):+.3f}%, "
              f"{app.shadow_method} on the same world {drift_percent(energy(app.shadow), app.e0):+.3f}%")
    print(f"Stopped after {app.world.time:.2f} s simulated: {app.world.n} balls, {len(app.world.springs)} springs, "
          f"energy {energy(app.world):.2f} J, gravity {'on' if app.world.gravity else 'off'}, integrator {app.method}")
    shot = out / "physics_sim.png"
    app.save_screenshot(shot)
    print(f"Saved: {shot}")
    app.pg.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
