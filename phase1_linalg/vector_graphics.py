"""2-D vector graphics engine: shapes are arrays of vectors, transformations are 3x3 matrices.

A shape is a (n, 2) array of vertices in its own local frame. Translate, rotate and scale are
3x3 matrices acting on homogeneous coordinates (x, y, 1), so that even a translation is a matrix
product and any chain of transformations collapses into one matrix (composed here with our own
matmul). The engine draws with pygame; press R to rotate, S to scale (shift+S shrinks), arrows
to move, N to add a shape, Tab to select the next one. ``--asteroids`` is a playable Asteroids
game built on the same matrices. ``--headless`` (implied by ``--no-show`` or no display) plays a
scripted key sequence through the same event loop and saves the frames as PNG (+ a GIF).

Math (homogeneous coordinates, column vectors p = (x, y, 1)^T):
    T(tx, ty) = [[1, 0, tx], [0, 1, ty], [0, 0, 1]]
    R(t)      = [[cos t, -sin t, 0], [sin t, cos t, 0], [0, 0, 1]]      det R = 1, R(a) R(b) = R(a+b)
    S(sx, sy) = [[sx, 0, 0], [0, sy, 0], [0, 0, 1]]
    (A B)_ik  = sum_j A_ij B_jk                 model matrix M = T R S (scale first, translate last)
    screen    = V M p,  V = [[1, 0, 0], [0, -1, H], [0, 0, 1]]   (world y points up, screen y down)
    animation: p(t) = p0 + (p1 - p0) s(t),  s(t) = 3t^2 - 2t^3      (smoothstep, t in [0, 1])

    python phase1_linalg/vector_graphics.py                       # window (editor)
    python phase1_linalg/vector_graphics.py --asteroids           # play Asteroids
    python phase1_linalg/vector_graphics.py --headless --keys "R R S right shift+S"
    python phase1_linalg/vector_graphics.py --asteroids --headless --frames 600
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from common import cli, plotting

WIDTH, HEIGHT = 800, 600

# ----------------------------------------------------------------------------- 3x3 matrices
# Every constructor broadcasts: scalar arguments give one (3, 3) matrix, arrays of shape (n,)
# give a stack (n, 3, 3) - one matrix per shape, so a whole scene is transformed at once.


def _eye(shape: tuple[int, ...]) -> np.ndarray:
    m = np.zeros(shape + (3, 3))
    m[..., 0, 0] = m[..., 1, 1] = m[..., 2, 2] = 1.0
    return m


def translation(tx, ty) -> np.ndarray:
    """T(tx, ty): shape (..., 3, 3) for tx, ty of shape (...)."""
    tx, ty = np.broadcast_arrays(np.asarray(tx, dtype=float), np.asarray(ty, dtype=float))
    m = _eye(tx.shape)
    m[..., 0, 2], m[..., 1, 2] = tx, ty
    return m


def rotation(theta) -> np.ndarray:
    """R(theta) about the origin, counter-clockwise for theta > 0 (radians): (..., 3, 3).

    R = [[cos t, -sin t, 0], [sin t, cos t, 0], [0, 0, 1]]; theta may be a scalar (one (3, 3)
    matrix) or an array of shape (n,) (a stack (n, 3, 3), one matrix per angle). Example:
    rotation(pi / 2) sends (1, 0) to (0, 1) and (0, 1) to (-1, 0).
    """
    theta = np.asarray(theta, dtype=float)
    c, s = np.cos(theta), np.sin(theta)
    m = _eye(theta.shape)
    m[..., 0, 0], m[..., 0, 1], m[..., 1, 0], m[..., 1, 1] = c, -s, s, c
    return m


def scaling(sx, sy=None) -> np.ndarray:
    """S(sx, sy) (uniform when sy is None): (..., 3, 3). Negative factors mirror."""
    sx = np.asarray(sx, dtype=float)
    sx, sy = np.broadcast_arrays(sx, sx if sy is None else np.asarray(sy, dtype=float))
    m = _eye(sx.shape)
    m[..., 0, 0], m[..., 1, 1] = sx, sy
    return m


def shear(kx, ky=0.0) -> np.ndarray:
    """Shear: x' = x + kx y, y' = ky x + y. (..., 3, 3)."""
    kx, ky = np.broadcast_arrays(np.asarray(kx, dtype=float), np.asarray(ky, dtype=float))
    m = _eye(kx.shape)
    m[..., 0, 1], m[..., 1, 0] = kx, ky
    return m


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(A B)_ik = sum_j A_ij B_jk, written out with broadcasting. a: (..., n, k), b: (..., k, m).

    Returns (..., n, m); leading dimensions broadcast, so a stack of matrices times one matrix
    gives a stack. Example: matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]]) = [[19, 22], [43, 50]].
    """
    return (a[..., :, :, None] * b[..., None, :, :]).sum(axis=-2)


def compose(*matrices: np.ndarray) -> np.ndarray:
    """compose(A, B, C) = A B C: C is applied first, A last.

    Any number of (..., 3, 3) matrices (at least one), multiplied left to right with
    :func:`matmul`. Example: compose(translation(5, 0), rotation(pi / 2)) turns (1, 0) into
    (0, 1) and then moves it to (5, 1); the other order would give (0, 6).
    """
    result = matrices[0]
    for m in matrices[1:]:
        result = matmul(result, m)
    return result


def inverse(m: np.ndarray) -> np.ndarray:
    """Inverse of (..., 3, 3) matrices from the adjugate: column i of M^-1 is r_{i+1} x r_{i+2} / det.

    (r0, r1, r2 are the rows of M and det = r0 . (r1 x r2).) Returns the same shape as m.
    Raises ValueError if singular (|det| < 1e-12). Example: inverse(translation(3, 4)) =
    translation(-3, -4), and inverse(rotation(t)) = rotation(-t).
    """
    r0, r1, r2 = m[..., 0, :], m[..., 1, :], m[..., 2, :]
    cols = np.stack([np.cross(r1, r2), np.cross(r2, r0), np.cross(r0, r1)], axis=-1)
    det = (r0 * cols[..., :, 0]).sum(axis=-1)
    if np.any(np.abs(det) < 1e-12):
        raise ValueError("matrix is singular (determinant 0): it cannot be undone")
    return cols / np.asarray(det)[..., None, None]


def apply(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Transform points (..., 2) by m (3, 3) or (..., 3, 3): p' = M (x, y, 1), divided by w'.

    The division only matters for projective matrices (perspective); affine ones keep w = 1.
    Returns (..., 2). Example: apply(translation(10, 0), [[1, 2], [3, 4]]) = [[11, 2], [13, 4]].
    """
    points = np.asarray(points, dtype=float)
    h = np.concatenate([points, np.ones(points.shape[:-1] + (1,))], axis=-1)
    out = (m * h[..., None, :]).sum(axis=-1)
    return out[..., :2] / out[..., 2:3]


def circle_hits(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Which points lie inside which circles: hit[b, a] = |points[b] - centres[a]| < radii[a].

    points (B, 2), centres (A, 2), radii (A,) -> (B, A) bool. Every pair at once, by
    broadcasting: (B, 1, 2) - (1, A, 2) gives the (B, A, 2) difference vectors, whose lengths
    over the last axis are the (B, A) distances. Example: points [[0, 0], [10, 0]], centres
    [[0, 1]], radii [2] -> [[True], [False]] (distances 1 and sqrt(101)).
    """
    dist = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=2)
    return dist < radii[None, :]


def view_matrix(height: float = HEIGHT) -> np.ndarray:
    """World (y up, origin bottom-left) -> screen pixels (y down): flip y, shift by height."""
    return compose(translation(0, height), scaling(1, -1))


# ----------------------------------------------------------------------------- shapes


def regular_polygon(n: int, radius: float) -> np.ndarray:
    """(n, 2) vertices on a circle, first vertex pointing up (+y)."""
    t = np.pi / 2 + 2 * np.pi * np.arange(n) / n
    return radius * np.stack([np.cos(t), np.sin(t)], axis=1)


def star(points: int = 5, outer: float = 50, inner: float = 22) -> np.ndarray:
    """(2 * points, 2) vertices alternating between the outer and inner radius."""
    t = np.pi / 2 + np.pi * np.arange(2 * points) / points
    r = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


SHAPES: dict[str, Callable[[], np.ndarray]] = {
    "triangle": lambda: regular_polygon(3, 60),
    "square": lambda: regular_polygon(4, 50),
    "pentagon": lambda: regular_polygon(5, 45),
    "star": lambda: star(),
    "arrow": lambda: np.array([[0, 60], [-35, 10], [-12, 10], [-12, -50], [12, -50], [12, 10], [35, 10]], float),
}
COLOURS = [(66, 135, 245), (235, 87, 87), (80, 200, 120), (245, 176, 65), (170, 110, 230), (60, 200, 210)]

ROTATE_STEP = math.radians(15)   # one R press
SCALE_STEP = 1.25                # one S press (shift+S divides)
MOVE_STEP = 40.0                 # one arrow press, pixels
ANIMATION_S = 0.25               # each change is interpolated over this long


def smoothstep(t):
    """s(t) = 3t^2 - 2t^3: starts and stops with zero speed."""
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3 - 2 * t)


class Scene:
    """Shapes with independent transforms, stored as arrays so one update moves them all.

    Per shape i: position (2,), angle (rad), log scale; each has a start and a target value and
    a progress t in [0, 1]; the current value is start + (target - start) * smoothstep(t).
    Vertices of every shape are concatenated into one (V, 2) array with an owner index (V,).
    """

    def __init__(self, width: int = WIDTH, height: int = HEIGHT):
        self.width, self.height = width, height
        self.names: list[str] = []
        self.colours: list[tuple[int, int, int]] = []
        self.local = np.zeros((0, 2))
        self.owner = np.zeros(0, dtype=int)
        self.starts = [0]
        self.state0 = np.zeros((0, 4))   # columns: x, y, angle, log scale (animation start)
        self.state1 = np.zeros((0, 4))   # animation target
        self.progress = np.zeros(0)
        self.selected = 0

    # -- building
    def add(self, name: str, vertices: np.ndarray, position=(WIDTH / 2, HEIGHT / 2), angle: float = 0.0,
            scale: float = 1.0, colour=None) -> int:
        vertices = np.asarray(vertices, dtype=float)
        i = len(self.names)
        self.names.append(name)
        self.colours.append(colour or COLOURS[i % len(COLOURS)])
        self.local = np.concatenate([self.local, vertices])
        self.owner = np.concatenate([self.owner, np.full(len(vertices), i)])
        self.starts.append(len(self.local))
        row = np.array([[position[0], position[1], angle, math.log(scale)]])
        self.state0 = np.concatenate([self.state0, row])
        self.state1 = np.concatenate([self.state1, row])
        self.progress = np.concatenate([self.progress, [1.0]])
        self.selected = i
        return i

    def __len__(self) -> int:
        return len(self.names)

    # -- state
    def current(self) -> np.ndarray:
        """(N, 4) interpolated state: x, y, angle, log scale."""
        s = smoothstep(self.progress)[:, None]
        return self.state0 + (self.state1 - self.state0) * s

    def model_matrices(self, state: np.ndarray | None = None) -> np.ndarray:
        """(N, 3, 3) model matrices M_i = T(x_i, y_i) R(angle_i) S(scale_i)."""
        state = self.current() if state is None else state
        return compose(translation(state[:, 0], state[:, 1]), rotation(state[:, 2]), scaling(np.exp(state[:, 3])))

    def world_vertices(self, i: int | None = None, state: np.ndarray | None = None) -> np.ndarray:
        """World coordinates of all vertices (V, 2), or of shape i (n_i, 2)."""
        mats = self.model_matrices(state)
        if i is None:
            return apply(mats[self.owner], self.local)
        lo, hi = self.starts[i], self.starts[i + 1]
        return apply(mats[i], self.local[lo:hi])

    def screen_vertices(self) -> np.ndarray:
        """(V, 2) pixel coordinates: the view matrix composed onto every model matrix."""
        mats = matmul(view_matrix(self.height), self.model_matrices())
        return apply(mats[self.owner], self.local)

    # -- changing the selected shape (animated)
    def change(self, i: int, dx: float = 0.0, dy: float = 0.0, dangle: float = 0.0, factor: float = 1.0) -> None:
        """Start an animation of shape i from where it is now towards its target moved by the deltas."""
        self.state0[i] = self.current()[i]
        self.state1[i] += [dx, dy, dangle, math.log(factor)]
        self.progress[i] = 0.0

    def update(self, dt: float) -> None:
        """Advance every animation by dt seconds."""
        self.progress = np.minimum(1.0, self.progress + dt / ANIMATION_S)

    def handle_key(self, key: str, shift: bool = False) -> str | None:
        """Apply one key press (pygame key name); returns a description, or None if unused."""
        if not len(self) and key not in ("n",):
            return None
        i = self.selected
        moves = {"left": (-MOVE_STEP, 0), "right": (MOVE_STEP, 0), "up": (0, MOVE_STEP), "down": (0, -MOVE_STEP)}
        if key == "r":
            sign = -1 if shift else 1
            self.change(i, dangle=sign * ROTATE_STEP)
            return f"rotate {sign * math.degrees(ROTATE_STEP):+.0f} deg"
        if key == "s":
            factor = 1 / SCALE_STEP if shift else SCALE_STEP
            self.change(i, factor=factor)
            return f"scale x{factor:.2f}"
        if key in moves:
            self.change(i, *moves[key])
            return f"move ({moves[key][0]:+.0f}, {moves[key][1]:+.0f})"
        if key == "tab" and len(self):
            self.selected = (self.selected + (-1 if shift else 1)) % len(self)
            return f"select {self.names[self.selected]}"
        if key == "n":
            kinds = list(SHAPES)
            name = kinds[len(self) % len(kinds)]
            slot = len(self)
            position = (120 + (slot * 170) % (self.width - 200), 130 + (slot * 110) % (self.height - 220))
            self.add(name, SHAPES[name](), position)
            return f"add {name}"
        return None

    def describe(self, i: int) -> str:
        x, y, angle, log_scale = self.current()[i]
        return (f"{self.names[i]}: angle {math.degrees(angle):6.1f} deg, scale {math.exp(log_scale):.2f}, "
                f"position ({x:.0f}, {y:.0f})")


def default_scene() -> Scene:
    scene = Scene()
    scene.add("triangle", SHAPES["triangle"](), (WIDTH / 2, HEIGHT / 2))
    return scene


# ----------------------------------------------------------------------------- Asteroids

SHIP = np.array([[0.0, 16.0], [-10.0, -11.0], [0.0, -5.0], [10.0, -11.0]])
SHIP_RADIUS = 10.0
TURN_RATE = math.radians(200)    # rad/s
THRUST = 260.0                   # px/s^2
DRAG = 0.6                       # 1/s
BULLET_SPEED = 480.0
BULLET_LIFE = 0.9
FIRE_COOLDOWN = 0.18
POINTS = {3: 20, 2: 50, 1: 100}  # asteroid size class -> score


class Asteroids:
    """The Asteroids game state; all motion is vector arithmetic, the ship is turned by R(angle).

    ship: position (2,), velocity (2,), angle; asteroids: position (A, 2), velocity (A, 2),
    size class (A,) in {3, 2, 1}, spin angle (A,); bullets: position (B, 2), velocity (B, 2),
    remaining life (B,). Positions wrap around the screen (modulo width, height).
    """

    def __init__(self, width: int = WIDTH, height: int = HEIGHT, seed: int = 42, asteroids: int = 4):
        self.size = np.array([width, height], dtype=float)
        self.rng = np.random.default_rng(seed)
        self.score, self.lives, self.wave, self.destroyed, self.shots = 0, 3, 0, 0, 0
        self.time = 0.0
        self.over = False
        self.ship_pos, self.ship_vel, self.ship_angle = self.size / 2, np.zeros(2), 0.0
        self.invulnerable = 2.0
        self.cooldown = 0.0
        self.bullets = np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0)
        self.ast_pos, self.ast_vel = np.zeros((0, 2)), np.zeros((0, 2))
        self.ast_class, self.ast_angle, self.ast_spin = np.zeros(0, int), np.zeros(0), np.zeros(0)
        self.ast_shapes: list[np.ndarray] = []
        self.first_wave = asteroids
        self.new_wave()

    @staticmethod
    def radius(size_class):
        return 14.0 * np.asarray(size_class, dtype=float) ** 1.3

    def heading(self) -> np.ndarray:
        """Unit vector (2,) the nose points along: R(angle) applied to (0, 1).

        Uses the 2x2 rotation block of :func:`rotation`: (0, 1) turned by the ship's angle
        self.ship_angle (radians, anti-clockwise), i.e. (-sin angle, cos angle). Example: angle 0
        points up, (0, 1); angle pi / 2 points left, (-1, 0).
        """
        return rotation(self.ship_angle)[:2, :2] @ np.array([0.0, 1.0])

    def add_asteroid(self, pos, vel, size_class: int) -> None:
        """A jagged polygon of size class 3 (large), 2 or 1 (small) at pos moving with vel."""
        n = 11
        radii = self.radius(size_class) * self.rng.uniform(0.75, 1.05, n)
        t = 2 * np.pi * np.arange(n) / n
        self.ast_shapes.append(np.stack([radii * np.cos(t), radii * np.sin(t)], axis=1))
        self.ast_pos = np.vstack([self.ast_pos, pos])
        self.ast_vel = np.vstack([self.ast_vel, vel])
        self.ast_class = np.append(self.ast_class, size_class)
        self.ast_angle = np.append(self.ast_angle, 0.0)
        self.ast_spin = np.append(self.ast_spin, self.rng.uniform(-1.5, 1.5))

    def new_wave(self) -> None:
        self.wave += 1
        for _ in range(self.first_wave + self.wave - 1):
            while True:  # spawn away from the ship
                pos = self.rng.uniform(0, 1, 2) * self.size
                if np.linalg.norm(pos - self.ship_pos) > 180:
                    break
            angle = self.rng.uniform(0, 2 * np.pi)
            speed = self.rng.uniform(30, 70) * (1 + 0.1 * self.wave)
            self.add_asteroid(pos, speed * np.array([math.cos(angle), math.sin(angle)]), 3)

    def clear_asteroids(self) -> None:
        self._remove_asteroids(np.zeros(len(self.ast_pos), dtype=bool))

    def _remove_asteroids(self, keep: np.ndarray) -> None:
        self.ast_pos, self.ast_vel = self.ast_pos[keep], self.ast_vel[keep]
        self.ast_class, self.ast_angle, self.ast_spin = self.ast_class[keep], self.ast_angle[keep], self.ast_spin[keep]
        self.ast_shapes = [s for s, k in zip(self.ast_shapes, keep) if k]

    def step(self, dt: float, controls: Iterable[str]) -> list[str]:
        """Advance dt seconds with the held controls ({'left', 'right', 'up', 'space'}); returns events."""
        events: list[str] = []
        if self.over:
            return events
        controls = set(controls)
        self.time += dt
        # ship: turn, thrust along the heading, drag, move, wrap
        turn = ("left" in controls) - ("right" in controls)
        self.ship_angle += turn * TURN_RATE * dt
        if "up" in controls:
            self.ship_vel = self.ship_vel + THRUST * dt * self.heading()
        self.ship_vel = self.ship_vel * math.exp(-DRAG * dt)
        self.ship_pos = (self.ship_pos + self.ship_vel * dt) % self.size
        self.invulnerable = max(0.0, self.invulnerable - dt)
        # bullets
        self.cooldown = max(0.0, self.cooldown - dt)
        bpos, bvel, blife = self.bullets
        if "space" in controls and self.cooldown == 0.0:
            nose = self.ship_pos + self.heading() * SHIP[0, 1]
            bpos = np.vstack([bpos, nose])
            bvel = np.vstack([bvel, self.ship_vel + BULLET_SPEED * self.heading()])
            blife = np.append(blife, BULLET_LIFE)
            self.cooldown, self.shots = FIRE_COOLDOWN, self.shots + 1
        bpos, blife = (bpos + bvel * dt) % self.size, blife - dt
        alive = blife > 0
        bpos, bvel, blife = bpos[alive], bvel[alive], blife[alive]
        # asteroids drift and spin
        self.ast_pos = (self.ast_pos + self.ast_vel * dt) % self.size
        self.ast_angle = self.ast_angle + self.ast_spin * dt
        # bullet-asteroid collisions: all pairwise distances at once, (B, A)
        radius = self.radius(self.ast_class)
        if len(bpos) and len(self.ast_pos):
            hits = circle_hits(bpos, self.ast_pos, radius)
            hit_ast = hits.any(axis=0)
            used = hits.any(axis=1)
            bpos, bvel, blife = bpos[~used], bvel[~used], blife[~used]
            for a in np.flatnonzero(hit_ast):
                size_class = int(self.ast_class[a])
                self.score += POINTS[size_class]
                self.destroyed += 1
                events.append(f"hit size-{size_class} asteroid (+{POINTS[size_class]})")
                if size_class > 1:  # split: two children, velocity turned +-35 degrees and sped up
                    for sign in (1, -1):
                        vel = rotation(sign * math.radians(35))[:2, :2] @ self.ast_vel[a] * 1.4
                        self.add_asteroid(self.ast_pos[a], vel, size_class - 1)
            keep = np.ones(len(self.ast_pos), dtype=bool)
            keep[np.flatnonzero(hit_ast)] = False
            self._remove_asteroids(keep)
        self.bullets = bpos, bvel, blife
        # ship-asteroid collision
        if self.invulnerable == 0.0 and len(self.ast_pos):
            if circle_hits(self.ship_pos[None, :], self.ast_pos, self.radius(self.ast_class) + SHIP_RADIUS).any():
                self.lives -= 1
                events.append(f"ship destroyed, {self.lives} lives left")
                self.ship_pos, self.ship_vel, self.ship_angle = self.size / 2, np.zeros(2), 0.0
                self.invulnerable = 2.5
                if self.lives == 0:
                    self.over = True
                    events.append("game over")
        if not len(self.ast_pos) and not self.over:
            self.new_wave()
            events.append(f"wave {self.wave}")
        return events

    def ship_vertices(self) -> np.ndarray:
        """(4, 2) world coordinates of the ship: T(position) R(angle) applied to the ship polygon."""
        return apply(compose(translation(*self.ship_pos), rotation(self.ship_angle)), SHIP)

    def asteroid_vertices(self) -> list[np.ndarray]:
        mats = compose(translation(self.ast_pos[:, 0], self.ast_pos[:, 1]), rotation(self.ast_angle))
        return [apply(m, shape) for m, shape in zip(mats, self.ast_shapes)]


def autopilot(game: Asteroids) -> set[str]:
    """A simple pilot for the headless demo: turn towards the nearest asteroid and fire when aimed.

    The sign of the 2-D cross product h x d says which way to turn; the dot product h . d / |d|
    (cosine of the angle between heading and target) says when it is aimed.
    """
    if not len(game.ast_pos):
        return set()
    offsets = game.ast_pos - game.ship_pos
    d = offsets[np.argmin(np.linalg.norm(offsets, axis=1))]
    h = game.heading()
    cross = h[0] * d[1] - h[1] * d[0]
    cosine = float(h @ d) / (np.linalg.norm(d) + 1e-9)
    controls = {"left"} if cross > 0 else {"right"}
    if cosine > 0.97:
        controls.add("space")
    if cosine > 0.9 and np.linalg.norm(d) > 250:  # far away: thrust towards it
        controls.add("up")
    return controls


# ----------------------------------------------------------------------------- drawing (pygame)


def _pygame():
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    return pygame


class Renderer:
    """Draws a Scene or an Asteroids game on a pygame surface."""

    def __init__(self, surface):
        pg = _pygame()
        pg.font.init()
        self.pg, self.surface = pg, surface
        self.font = pg.font.Font(None, 22)
        self._text_cache: dict = {}
        self.view = view_matrix(surface.get_height())
        self.background = surface.copy()
        self.background.fill((18, 20, 28))
        for x in range(0, surface.get_width(), 40):
            pg.draw.line(self.background, (32, 36, 48), (x, 0), (x, surface.get_height()))
        for y in range(0, surface.get_height(), 40):
            pg.draw.line(self.background, (32, 36, 48), (0, y), (surface.get_width(), y))

    def text(self, lines: list[str], x: int = 10, y: int = 8, colour=(220, 220, 220)) -> None:
        for k, line in enumerate(lines):
            key = (line, colour)
            if key not in self._text_cache:          # rendering text is slow; most lines repeat
                if len(self._text_cache) > 256:
                    self._text_cache.clear()
                self._text_cache[key] = self.font.render(line, True, colour)
            self.surface.blit(self._text_cache[key], (x, y + 20 * k))

    def draw_scene(self, scene: Scene, hud: bool = True) -> None:
        """Background, every shape as a filled polygon (selected one outlined), then the HUD."""
        pg, surf = self.pg, self.surface
        surf.blit(self.background, (0, 0))
        models = scene.model_matrices()                            # (N, 3, 3), once per frame
        screen = matmul(self.view, models)                         # V M_i for every shape
        pts = apply(screen[scene.owner], scene.local).tolist()     # every vertex in one product
        starts, colours = scene.starts, scene.colours
        for i in range(len(scene)):
            pg.draw.polygon(surf, colours[i], pts[starts[i]:starts[i + 1]])
        if hud and len(scene):
            i = scene.selected
            pg.draw.polygon(surf, (255, 255, 255), pts[starts[i]:starts[i + 1]], 2)
            m = screen[i]
            origin = m[:2, 2]
            for col, colour in ((0, (90, 230, 120)), (1, (240, 90, 90))):  # images of e1, e2 (x 40 px)
                pg.draw.line(surf, colour, origin, origin + 40 * m[:2, col], 2)
            self.text(["R rotate  S scale (shift+S shrink)  arrows move  N new shape  Tab select  Esc quit",
                       scene.describe(i),
                       "M = T R S = " + "  ".join("[" + " ".join(f"{v:7.2f}" for v in row) + "]" for row in models[i])])

    def draw_asteroids(self, game: Asteroids) -> None:
        pg, surf = self.pg, self.surface
        surf.fill((0, 0, 0))
        flip = self.view
        for verts in game.asteroid_vertices():
            pg.draw.polygon(surf, (200, 200, 200), apply(flip, verts).tolist(), 2)
        bpos = apply(flip, game.bullets[0]) if len(game.bullets[0]) else np.zeros((0, 2))
        for p in bpos.tolist():
            pg.draw.circle(surf, (255, 230, 120), p, 2)
        if not game.over and (game.invulnerable == 0 or int(game.time * 8) % 2 == 0):
            pg.draw.polygon(surf, (120, 200, 255), apply(flip, game.ship_vertices()).tolist(), 2)
        self.text([f"score {game.score}   lives {game.lives}   wave {game.wave}",
                   "left/right turn  up thrust  space fire  Esc quit"])
        if game.over:
            self.text(["GAME OVER - Enter to play again"], x=surf.get_width() // 2 - 120, y=surf.get_height() // 2)


def surface_to_array(surface) -> np.ndarray:
    """pygame surface -> (H, W, 3) uint8 RGB (one copy of the pixel bytes)."""
    w, h = surface.get_size()
    return np.frombuffer(_pygame().image.tobytes(surface, "RGB"), dtype=np.uint8).reshape(h, w, 3)


# ----------------------------------------------------------------------------- event loop


def parse_keys(text: str) -> list[tuple[str, bool]]:
    """'R R shift+S right tab' -> [('r', False), ('r', False), ('s', True), ...] (pygame key names)."""
    known = {"r", "s", "left", "right", "up", "down", "tab", "n", "space"}
    keys = []
    for token in text.replace(",", " ").split():
        shift = token.lower().startswith("shift+")
        name = token[6:] if shift else token
        name = name.lower()
        if name not in known:
            raise cli.UserError(f"unknown key {token!r} in --keys (use: R S shift+R shift+S left right up down N tab)")
        keys.append((name, shift))
    if not keys:
        raise cli.UserError("--keys needs at least one key, e.g. --keys \"R S right\"")
    return keys


def key_event(name: str, shift: bool = False, down: bool = True):
    """A pygame KEYDOWN/KEYUP event for a key name, as the keyboard would produce it."""
    pg = _pygame()
    mod = pg.KMOD_LSHIFT if shift else pg.KMOD_NONE
    return pg.event.Event(pg.KEYDOWN if down else pg.KEYUP, key=pg.key.key_code(name), mod=mod)


def handle_events(scene: Scene, events) -> tuple[bool, list[str]]:
    """Feed pygame events to the editor scene. Returns (keep running, descriptions of the changes)."""
    pg = _pygame()
    log = []
    for event in events:
        if event.type == pg.QUIT or (event.type == pg.KEYDOWN and event.key == pg.K_ESCAPE):
            return False, log
        if event.type == pg.KEYDOWN:
            what = scene.handle_key(pg.key.name(event.key), bool(event.mod & pg.KMOD_SHIFT))
            if what:
                log.append(what)
    return True, log


def open_screen(headless: bool, title: str):
    """A pygame display surface (dummy video driver when headless)."""
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    pg = _pygame()
    pg.display.init()
    try:
        screen = pg.display.set_mode((WIDTH, HEIGHT))
    except pg.error as exc:
        raise cli.UserError(f"cannot open a window ({exc}); run with --headless") from None
    pg.display.set_caption(title)
    return screen


def run_editor_interactive(scene: Scene, screen, max_frames: int | None = None) -> None:
    """The window's loop at up to 60 fps until Esc / close (or max_frames, for tests)."""
    pg = _pygame()
    renderer, clock = Renderer(screen), pg.time.Clock()
    pg.key.set_repeat(250, 60)
    running, frame = True, 0
    while running and (max_frames is None or frame < max_frames):
        frame += 1
        dt = clock.tick(60) / 1000
        running, _ = handle_events(scene, pg.event.get())
        scene.update(dt)
        renderer.draw_scene(scene)
        pg.display.flip()


def run_editor_headless(scene: Scene, screen, keys: list[tuple[str, bool]], frames_per_key: int = 20,
                        on_step: Callable[[int, str, str], None] | None = None) -> list[np.ndarray]:
    """Post each scripted key as a real KEYDOWN event, run the loop frames_per_key frames at 60 fps.

    Calls on_step(step, key label, description) after each key's animation has settled and returns
    the frames (every 2nd one) for the GIF.
    """
    pg = _pygame()
    renderer, dt, frames = Renderer(screen), 1 / 60, []
    for step, (name, shift) in enumerate(keys, start=1):
        pg.event.post(key_event(name, shift))
        _, log = handle_events(scene, pg.event.get())
        for f in range(frames_per_key):
            scene.update(dt)
            renderer.draw_scene(scene)
            if f % 2 == 0:
                frames.append(surface_to_array(screen))
        if on_step:
            on_step(step, ("shift+" if shift else "") + name.upper() if len(name) == 1 else name, "; ".join(log))
    return frames


def run_asteroids_interactive(game: Asteroids, screen, seed: int, max_frames: int | None = None) -> None:
    """The game loop: held keys are tracked from KEYDOWN/KEYUP events; Enter restarts after game over."""
    pg = _pygame()
    renderer, clock, held = Renderer(screen), pg.time.Clock(), set()
    for _ in itertools.count() if max_frames is None else range(max_frames):
        dt = min(clock.tick(60) / 1000, 0.05)
        for event in pg.event.get():
            if event.type == pg.QUIT or (event.type == pg.KEYDOWN and event.key == pg.K_ESCAPE):
                return
            if event.type in (pg.KEYDOWN, pg.KEYUP):
                name = pg.key.name(event.key)
                (held.add if event.type == pg.KEYDOWN else held.discard)(name)
                if event.type == pg.KEYDOWN and name == "return" and game.over:
                    game.__init__(seed=seed + 1)
        game.step(dt, held)
        renderer.draw_asteroids(game)
        pg.display.flip()


# ----------------------------------------------------------------------------- CLI


def _fmt_matrix(m: np.ndarray) -> list[str]:
    return ["  [" + " ".join(f"{v:9.3f}" for v in row) + " ]" for row in m]


def _save_png(surface_array: np.ndarray, path: Path) -> Path:
    from PIL import Image

    with cli.atomic_path(path) as tmp:
        Image.fromarray(surface_array).save(tmp)
    return path


def _gif(frames: list[np.ndarray], path: Path, fps: int = 30) -> Path:
    """Half-size frames sharing one palette, taken from the last frame (one colour search, not one per frame)."""
    from PIL import Image

    small = [Image.fromarray(np.ascontiguousarray(f[::2, ::2])) for f in frames]
    palette = small[-1].quantize(64)
    return plotting.save_gif([im.quantize(palette=palette, dither=Image.Dither.NONE) for im in small], path, fps=fps)


DEFAULT_KEYS = "R R R S S right right up N R shift+S shift+S left tab S down"


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase1_linalg/vector_graphics.py")
    parser.add_argument("--asteroids", action="store_true", help="play Asteroids instead of the shape editor")
    parser.add_argument("--headless", action="store_true",
                        help="no window: play a scripted sequence and save frames (implied by --no-show)")
    parser.add_argument("--keys", default=DEFAULT_KEYS,
                        help=f"editor keys to play headless (default: {DEFAULT_KEYS!r})")
    parser.add_argument("--frames", type=cli.positive_int, default=900,
                        help="Asteroids headless: frames to simulate at 60 fps (default 900)")
    args = parser.parse_args(argv)
    headless = args.headless or args.no_show or plotting.is_headless()
    keys = parse_keys(args.keys)
    out = cli.out_dir(args, "vector_graphics")
    screen = open_screen(headless, "Asteroids" if args.asteroids else "Vector graphics")

    if args.asteroids:
        game = Asteroids(seed=args.seed)
        if not headless:
            print("Asteroids: left/right turn, up thrust, space fire, Esc quits")
            run_asteroids_interactive(game, screen, args.seed)
            print(f"Final score {game.score}")
            return 0
        return _asteroids_headless(game, screen, args.frames, out)

    scene = default_scene()
    print("Press R to rotate, S to scale (shift+S shrinks), arrow keys to move, N adds a shape, Tab selects")
    if not headless:
        run_editor_interactive(scene, screen)
        return 0
    print(f"[headless] playing {len(keys)} key presses, 20 frames each, through the pygame event loop")
    saved: list[Path] = []
    settled: list[np.ndarray] = []

    def on_step(step: int, label: str, what: str) -> None:
        print(f"key {label:8s} -> {what or 'no change':22s} {scene.describe(scene.selected)}")
        settled.append(surface_to_array(screen))

    frames = run_editor_headless(scene, screen, keys, on_step=on_step)
    for k, frame in enumerate(settled[:: max(1, len(settled) // 6)], start=1):
        saved.append(_save_png(frame, out / f"frame_{k:02d}.png"))
    saved.append(_gif(frames, out / "animation.gif"))

    print(f"\n{len(scene)} shapes, each transformed independently by its own model matrix")
    i = scene.selected
    model = scene.model_matrices()[i]
    print(f"selected {scene.names[i]}: M = T(x, y) R(angle) S(scale) =")
    print("\n".join(_fmt_matrix(model)))
    lo, hi = scene.starts[i], scene.starts[i + 1]
    ours = scene.world_vertices(i)
    x, y, angle, log_scale = scene.current()[i]          # the same chain with numpy's @ as reference
    np_model = translation(x, y) @ rotation(angle) @ scaling(math.exp(log_scale))
    reference = (np.c_[scene.local[lo:hi], np.ones(hi - lo)] @ np_model.T)[:, :2]
    print("vertices (world) = M @ local:")
    for p in ours:
        print(f"  ({p[0]:8.2f}, {p[1]:8.2f})")
    print(f"our matmul vs numpy @: max |diff| = {np.max(np.abs(ours - reference)):.1e}")
    print(f"det M = {np.linalg.det(model[:2, :2]):.4f} (= scale^2: rotation keeps area, scaling multiplies it)")
    print("Saved: " + ", ".join(str(p) for p in saved))
    return 0


def _asteroids_headless(game: Asteroids, screen, frames: int, out: Path) -> int:
    renderer, dt = Renderer(screen), 1 / 60
    snapshots, gif_frames, log = [], [], []
    snap_at = {int(frames * f) - 1 for f in (0.25, 0.5, 0.75, 1.0)}
    start = time.perf_counter()
    for f in range(frames):
        for event in game.step(dt, autopilot(game)):
            log.append(f"t={game.time:5.2f}s {event}")
        renderer.draw_asteroids(game)
        if f % 4 == 0 and len(gif_frames) < 150:
            gif_frames.append(surface_to_array(renderer.surface))
        if f in snap_at:
            snapshots.append(surface_to_array(renderer.surface))
        if game.over:
            snapshots.append(surface_to_array(renderer.surface))
            break
    elapsed = time.perf_counter() - start
    print(f"Asteroids [headless, autopilot aims with dot and cross products], {frames} frames at 60 fps")
    for line in log[:12]:
        print("  " + line)
    if len(log) > 12:
        print(f"  ... {len(log) - 12} more events")
    print(f"score {game.score}, asteroids destroyed {game.destroyed}, shots {game.shots}, "
          f"lives left {game.lives}, wave {game.wave}{', GAME OVER' if game.over else ''}")
    print(f"simulated {game.time:.1f} s of game time in {elapsed:.2f} s")
    saved = [_save_png(s, out / f"asteroids_{k:02d}.png") for k, s in enumerate(snapshots, start=1)]
    saved.append(_gif(gif_frames, out / "asteroids.gif", fps=15))
    print("Saved: " + ", ".join(str(p) for p in saved))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
