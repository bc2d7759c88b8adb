"""Image transformation lab: rotate, scale, shear, flip and perspective-warp a photo with matrices.

An image is an (H, W, 3) array. Each command builds a 3x3 matrix A (homogeneous coordinates,
the same matrices as vector_graphics.py) that maps input pixel positions to output positions.
The commands compose: the lab keeps the product A_k ... A_2 A_1 and resamples the original
photo once, so a chain of edits never blurs more than one edit does.

Rendering uses inverse mapping: for every output pixel p we ask where it came from,
q = A^-1 p, and interpolate the input at q. (Pushing input pixels forward leaves holes.)

Math:
    pixel (i, j) covers [j, j+1) x [i, i+1); its centre is p = (j + 0.5, i + 0.5, 1)
    rotate t about the centre c:  A = T(c') R(-t) T(-c)     (y points down, so -t turns anti-clockwise)
    scale s: S(s, s); shear: [[1, kx, 0], [ky, 1, 0], [0, 0, 1]]; flip: x -> w - x
    nearest:  I(q) = I[round(q)]
    bilinear: I(x, y) = (1-fx)(1-fy) I00 + fx(1-fy) I01 + (1-fx) fy I10 + fx fy I11
    bicubic:  4x4 neighbours weighted by the Keys kernel (a = -0.5)
    perspective (homography H, 8 unknowns, h33 = 1) from 4 point pairs (x, y) -> (u, v):
        u = (h11 x + h12 y + h13) / (h31 x + h32 y + 1),  v = (h21 x + h22 y + h23) / (h31 x + h32 y + 1)
        -> two linear equations per pair, an 8x8 system

    python phase1_linalg/image_lab.py photo.jpg                     # REPL
    python phase1_linalg/image_lab.py photo.jpg --commands "rotate 45; scale 0.5; save out.jpg"
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from common import cli, datasets, plotting
from phase1_linalg.vector_graphics import apply, compose, inverse, rotation, scaling, shear, translation

METHODS = ("nearest", "bilinear", "bicubic")
MAX_SIDE = 8000  # refuse outputs larger than this (pixels per side)

# ----------------------------------------------------------------------------- matrices


def corners(width: float, height: float) -> np.ndarray:
    """(4, 2) corners of a width x height canvas: top-left, top-right, bottom-right, bottom-left."""
    return np.array([[0.0, 0.0], [width, 0.0], [width, height], [0.0, height]])


def fit_canvas(linear: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """Make room for a transform: returns (T A, new size) where T shifts the transformed canvas
    so its bounding box starts at 0 (and is centred in whole pixels)."""
    moved = apply(linear, corners(*size))
    lo, hi = moved.min(axis=0), moved.max(axis=0)
    extent = hi - lo
    new = np.maximum(1, np.ceil(extent - 1e-6)).astype(int)
    if np.any(new > MAX_SIDE):
        raise cli.UserError(f"the result would be {new[0]}x{new[1]} pixels (limit {MAX_SIDE} per side)")
    shift = -lo + (new - extent) / 2
    return compose(translation(*shift), linear), (int(new[0]), int(new[1]))


def rotate_matrix(degrees: float, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """Anti-clockwise rotation (as seen on screen) about the canvas centre; the canvas grows to fit.

    size = (w, h). The linear part is R(-t) T(-w/2, -h/2): move the centre to the origin, then
    rotate by -t (the image's y axis points down, so -t turns anti-clockwise on screen);
    :func:`fit_canvas` then shifts the result onto a canvas big enough to hold it. Returns
    (3x3 matrix, new size). Example: 90 degrees on a 56 x 40 image gives a 40 x 56 canvas.
    """
    w, h = size
    linear = compose(rotation(-math.radians(degrees)), translation(-w / 2, -h / 2))
    return fit_canvas(linear, size)


def scale_matrix(sx: float, sy: float, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    return fit_canvas(scaling(sx, sy), size)


def shear_matrix(kx: float, ky: float, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    if abs(1 - kx * ky) < 1e-6:
        raise cli.UserError(f"shear {kx:g} {ky:g} squashes the image onto a line (kx * ky must not be 1)")
    return fit_canvas(shear(kx, ky), size)


def flip_matrix(axis: str, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """Mirror left-right (h: x -> w - x) or top-bottom (v: y -> h - y); same canvas.

    size = (w, h); returns (3x3 matrix, size). axis "h" gives T(w, 0) S(-1, 1) =
    [[-1, 0, w], [0, 1, 0], [0, 0, 1]]; any other axis ("v") gives T(0, h) S(1, -1). Example: on
    a 56 pixel wide image, x = 0.5 (the first pixel's centre) goes to 55.5 (the last one's).
    """
    w, h = size
    m = compose(translation(w, 0), scaling(-1, 1)) if axis == "h" else compose(translation(0, h), scaling(1, -1))
    return m, size


def homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """3x3 H with H (x, y, 1) ~ (u, v, 1) for 4 point pairs src (4, 2) -> dst (4, 2).

    With h33 = 1 there are 8 unknowns h = (h11, h12, h13, h21, h22, h23, h31, h32); each pair
    gives two linear equations (multiply u = (h11 x + h12 y + h13) / (h31 x + h32 y + 1) out):
        h11 x + h12 y + h13 - u h31 x - u h32 y = u
        h21 x + h22 y + h23 - v h31 x - v h32 y = v
    so the 4 pairs make an 8x8 system A h = b. Example: dst = src + (5, 7) gives the pure
    translation [[1, 0, 5], [0, 1, 7], [0, 0, 1]].
    Raises ValueError when the points are degenerate (three on a line).
    """
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    a = np.array(rows, dtype=float)
    if np.linalg.matrix_rank(a, tol=1e-9 * np.abs(a).max()) < 8:
        raise ValueError("the four points are degenerate (three of them lie on a line)")
    h = np.append(np.linalg.solve(a, np.array(rhs, dtype=float)), 1.0).reshape(3, 3)
    if abs(np.linalg.det(h)) < 1e-12 * np.abs(h).max() ** 3:  # squashes the plane onto a line
        raise ValueError("the four points are degenerate (three of them lie on a line)")
    return h


def _turns(quad: np.ndarray) -> np.ndarray:
    """z of the cross product of consecutive edges at each vertex of a quadrilateral (4,)."""
    e = np.roll(quad, -1, axis=0) - quad
    e_next = np.roll(e, -1, axis=0)
    return e[:, 0] * e_next[:, 1] - e[:, 1] * e_next[:, 0]


def perspective_matrix(points: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """Homography sending the canvas corners (TL, TR, BR, BL) to ``points`` (4, 2); same canvas."""
    turns = _turns(np.asarray(points, dtype=float))
    if not np.all(turns > 0):  # the corners turn the same way (clockwise on screen) at every vertex
        raise cli.UserError("perspective points must form a convex quadrilateral, in the corners' order: "
                            "top-left top-right bottom-right bottom-left")
    try:
        return homography(corners(*size), points), size
    except ValueError as exc:
        raise cli.UserError(f"perspective: {exc}") from None


# ----------------------------------------------------------------------------- resampling


def source_coordinates(matrix: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Where each output pixel comes from: q = A^-1 p for every pixel centre p of the output.

    Returns (x, y), each (h_out, w_out) float32, in input index units (pixel centres at integers).
    The matrix-vector product is written row by row and broadcast over the grid:
    q_r = a_r0 x + a_r1 y + a_r2 for rows r = 0, 1, 2, then divided by q_2 (1 unless projective).
    Pixel (i, j) of the output has its centre at p = (j + 0.5, i + 0.5); the result is shifted
    back by 0.5 so that input pixel centres sit at whole numbers. An output pixel whose q_2 <= 0
    (behind the horizon of a perspective warp) gets the position (-2, -2), off the image.
    Example: for the identity matrix, x[i, j] = j and y[i, j] = i.
    """
    a = inverse(np.asarray(matrix, dtype=float))
    a = a / a[2, 2] if abs(a[2, 2]) > 1e-12 else a
    w_out, h_out = size
    xs = np.arange(w_out, dtype=np.float32)[None, :] + np.float32(0.5)
    ys = np.arange(h_out, dtype=np.float32)[:, None] + np.float32(0.5)
    f = a.astype(np.float32)
    qx = f[0, 0] * xs + (f[0, 1] * ys + f[0, 2])
    qy = f[1, 0] * xs + (f[1, 1] * ys + f[1, 2])
    if not np.allclose(a[2], [0, 0, 1]):
        qw = f[2, 0] * xs + (f[2, 1] * ys + f[2, 2])
        ahead = qw > 0                       # w <= 0: beyond the horizon, comes from no input pixel
        qx = np.where(ahead, qx / qw, np.float32(-2))
        qy = np.where(ahead, qy / qw, np.float32(-2))
    qx -= np.float32(0.5)
    qy -= np.float32(0.5)
    return qx, qy


def _cubic_weights(t: np.ndarray, a: float = -0.5) -> list[np.ndarray]:
    """Keys cubic kernel weights for the 4 taps at offsets -1, 0, 1, 2 from floor(x); t = x - floor(x)."""
    def k(d):
        d = np.abs(d)
        return np.where(d <= 1, (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1,
                        np.where(d < 2, a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a, 0.0)).astype(np.float32)
    return [k(t + 1), k(t), k(1 - t), k(2 - t)]


def bilinear_blend(i00: np.ndarray, i01: np.ndarray, i10: np.ndarray, i11: np.ndarray, fx: np.ndarray,
                   fy: np.ndarray) -> np.ndarray:
    """Bilinear interpolation from the four neighbours of each position.

    I = (1-fx)(1-fy) I00 + fx(1-fy) I01 + (1-fx) fy I10 + fx fy I11, where I00 is the top-left
    neighbour, I01 the one to its right, I10 the one below and I11 the diagonal one; fx, fy in
    [0, 1) are how far the position lies right of and below I00. The same sum as two blends
    along x (upper and lower row), then one along y. i00..i11: (C, n) float32 (C channels, n
    positions), fx, fy: (n,) float32; returns (C, n) float32. The four neighbour arrays are
    fresh copies, so they may be overwritten (this version does so to save memory). Example:
    neighbours 0, 100 / 50, 250 at fx = fy = 0.5 give (0 + 100 + 50 + 250) / 4 = 100.
    """
    i01 -= i00
    i01 *= fx
    i00 += i01                             # upper row: I00 + fx (I01 - I00)
    i11 -= i10
    i11 *= fx
    i10 += i11                             # lower row: I10 + fx (I11 - I10)
    i10 -= i00
    i10 *= fy
    i00 += i10                             # then along y: top + fy (bottom - top)
    return i00


def _interpolate(planes: np.ndarray, h: int, w: int, x: np.ndarray, y: np.ndarray, method: str) -> np.ndarray:
    """Interpolate at positions x, y (n,) float32 (on the image) -> (C, n) float32.

    planes: (C, (H+1)*(W+1)) from :func:`to_planes` - the image padded with a copy of its last
    column and row, so the right/lower neighbour of any pixel exists and needs no clipping.
    Channels-first keeps every array operation contiguous (the weights (n,) broadcast along rows).
    """
    stride = w + 1

    def at(index):  # gather n pixels from every channel: (C, n) float32
        return np.take(planes, index, axis=1).astype(np.float32)

    x = np.clip(x, 0, w - 1)   # positions in [-0.5, 0) and (W-1, W-0.5] take the edge pixel
    y = np.clip(y, 0, h - 1)
    if method == "nearest":
        return at(np.floor(y + 0.5).astype(np.intp) * stride + np.floor(x + 0.5).astype(np.intp))
    x0f, y0f = np.floor(x), np.floor(y)
    i00 = y0f.astype(np.intp) * stride + x0f.astype(np.intp)    # top-left neighbour, flat index
    fx, fy = x - x0f, y - y0f
    if method == "bilinear":
        return bilinear_blend(at(i00), at(i00 + 1), at(i00 + stride), at(i00 + stride + 1), fx, fy)
    # bicubic: 4x4 neighbours at offsets -1..2; clamp those indices into the padded image
    wx, wy = _cubic_weights(fx), _cubic_weights(fy)
    x0, y0 = x0f.astype(np.intp), y0f.astype(np.intp)
    cols = [np.clip(x0 + i - 1, 0, w) for i in range(4)]
    out = np.zeros((planes.shape[0], len(x)), dtype=np.float32)
    for j in range(4):
        row = np.clip(y0 + j - 1, 0, h) * stride
        out += wy[j] * sum(wx[i] * at(row + cols[i]) for i in range(4))
    return out


def to_planes(image: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, C) -> (C, (H+1)*(W+1)) channel planes, edge-padded by one row and column."""
    h, w = image.shape[:2]
    padded = np.pad(image.reshape(h, w, -1), ((0, 1), (0, 1), (0, 0)), mode="edge")
    return np.ascontiguousarray(padded.reshape((h + 1) * (w + 1), -1).T)


def _inside(x: np.ndarray, y: np.ndarray, h: int, w: int) -> np.ndarray:
    """Flat indices of the positions that fall on the image, [-0.5, W - 0.5] x [-0.5, H - 0.5]."""
    return np.flatnonzero((x >= -0.5) & (x <= w - 0.5) & (y >= -0.5) & (y <= h - 0.5))


def sample(image: np.ndarray, x: np.ndarray, y: np.ndarray, method: str = "bilinear",
           fill: float = 0.0) -> np.ndarray:
    """Interpolate image (H, W) or (H, W, C) uint8 at float positions x, y (same shape, index units).

    Positions off the image get ``fill``; neighbours past the edge repeat the edge pixel.
    Returns float32 of shape x.shape (+ (C,)).
    """
    if method not in METHODS:
        raise ValueError(f"unknown interpolation {method!r}")
    h, w = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    x, y = np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32)
    idx = _inside(x.ravel(), y.ravel(), h, w)
    out = np.full((channels, x.size), fill, dtype=np.float32)
    out[:, idx] = _interpolate(to_planes(image), h, w, x.ravel()[idx], y.ravel()[idx], method)
    return np.moveaxis(out.reshape((channels,) + x.shape), 0, -1).reshape(x.shape + image.shape[2:])


def warp(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int], method: str = "bilinear") -> np.ndarray:
    """Render the transform: output (h_out, w_out[, C]) uint8 with out(p) = image(A^-1 p).

    image: (H, W) or (H, W, C) uint8; matrix: 3x3 mapping input positions to output
    positions; size: (w_out, h_out). Output pixels whose source is off the image are black.
    """
    if method not in METHODS:
        raise ValueError(f"unknown interpolation {method!r}")
    h, w = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    x, y = source_coordinates(matrix, size)
    x, y = x.ravel(), y.ravel()
    idx = _inside(x, y, h, w)                # only pixels that land on the image are computed
    values = _interpolate(to_planes(image), h, w, x[idx], y[idx], method)
    values += 0.5                            # round to nearest when cast to uint8
    if method == "bicubic":
        np.clip(values, 0, 255, out=values)  # the cubic kernel can overshoot
    out = np.zeros((size[1] * size[0], channels), dtype=np.uint8)
    out[idx] = values.T
    return out.reshape((size[1], size[0]) + image.shape[2:])


# ----------------------------------------------------------------------------- the lab (state)


@dataclass
class Lab:
    """The REPL's state: the original image, the composed matrix and the canvas size, with undo."""

    original: np.ndarray
    method: str = "bilinear"
    matrix: np.ndarray = field(default_factory=lambda: np.eye(3))
    size: tuple[int, int] = (0, 0)
    history: list[tuple[np.ndarray, tuple[int, int], str]] = field(default_factory=list)

    def __post_init__(self):
        if self.size == (0, 0):
            self.size = (self.original.shape[1], self.original.shape[0])

    def push(self, op: np.ndarray, size: tuple[int, int], label: str) -> None:
        """Compose a new operation onto the pipeline: M <- A_new M."""
        self.history.append((self.matrix, self.size, label))
        self.matrix, self.size = compose(op, self.matrix), size

    def undo(self) -> str:
        if not self.history:
            raise cli.UserError("nothing to undo")
        self.matrix, self.size, label = self.history.pop()
        return label

    def reset(self) -> None:
        self.history.clear()
        self.matrix = np.eye(3)
        self.size = (self.original.shape[1], self.original.shape[0])

    def render(self, method: str | None = None) -> np.ndarray:
        return warp(self.original, self.matrix, self.size, method or self.method)


# ----------------------------------------------------------------------------- figures
#
# Images are drawn at true scale: one unit of the axes is one pixel, the axes limits are a fixed
# frame (never autoscaled to the image), so an image scaled by 0.5 looks half as big. The frame is
# centred on (0, 0) and is as large as the largest image shown so far; a dashed rectangle marks the
# original's size for comparison.


def frame_size(sizes) -> tuple[int, int]:
    """The (width, height) that holds every (width, height) in ``sizes``."""
    return max(w for w, _ in sizes), max(h for _, h in sizes)


def centred_extent(width: int, height: int) -> tuple[float, float, float, float]:
    """imshow extent (left, right, bottom, top) of a width x height image centred on (0, 0).

    The y axis points down as in the image (top = -height / 2), so the picture is not flipped.
    """
    return (-width / 2, width / 2, height / 2, -height / 2)


def set_frame(ax, frame: tuple[int, int]) -> None:
    """Fix the axes limits to a frame of frame = (width, height) pixels centred on (0, 0)."""
    ax.set_xlim(-frame[0] / 2, frame[0] / 2)
    ax.set_ylim(frame[1] / 2, -frame[1] / 2)
    ax.set_aspect("equal")
    ax.set_autoscale_on(False)         # later artists must not move the limits


def outline(ax, width: int, height: int):
    """A dashed rectangle of width x height pixels centred on (0, 0): the original's size."""
    from matplotlib.patches import Rectangle

    return ax.add_patch(Rectangle((-width / 2, -height / 2), width, height, fill=False, ls="--", lw=1,
                                  ec="tab:red", alpha=0.8))


def plot_session(panels: list[tuple[str, np.ndarray]]):
    """Thumbnails at one scale: the original and the image after each command (up to 4 a row)."""
    n = len(panels)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig, axes = plotting.figure(rows, cols, figsize=(4 * cols, 4 * rows), squeeze=False, layout="constrained")
    plotting.fit_to_screen(fig)
    frame = frame_size([(img.shape[1], img.shape[0]) for _, img in panels])
    first = panels[0][1]
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (title, img) in zip(axes.ravel(), panels):
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, extent=centred_extent(img.shape[1], img.shape[0]))
        set_frame(ax, frame)
        outline(ax, first.shape[1], first.shape[0])
        ax.set_title(f"{title}\n{img.shape[1]}x{img.shape[0]}", fontsize=10)
    fig.suptitle("Image lab session (one scale; dashed: the original's size): every step is one matrix, "
                 "the composition is resampled once", fontsize=10)
    return fig


def plot_interpolation(lab: Lab, zoom: float = 6.0, window: int = 120):
    """The centre of the current image blown up zoom times with each interpolation method.

    The zoom is one more matrix composed onto the pipeline: T(window/2) S(zoom) T(-centre) M.
    """
    cx, cy = lab.size[0] / 2, lab.size[1] / 2
    closeup = compose(translation(window / 2, window / 2), scaling(zoom), translation(-cx, -cy), lab.matrix)
    fig, axes = plotting.figure(1, 3, figsize=(13, 4.8))
    plotting.fit_to_screen(fig)
    for ax, method in zip(axes, METHODS):
        img = warp(lab.original, closeup, (window, window), method)
        ax.imshow(img, interpolation="nearest", cmap="gray" if img.ndim == 2 else None)
        ax.set_title(method)
        ax.axis("off")
    fig.suptitle(f"Centre of the current image enlarged {zoom:g}x: nearest copies one pixel (blocks), "
                 "bilinear and bicubic blend neighbours")
    return fig


# ----------------------------------------------------------------------------- I/O


def load_image(arg: str) -> tuple[np.ndarray, str]:
    """A file path or a registry name/alias (photo.jpg) -> (uint8 array (H, W[, 3]), display name)."""
    from PIL import UnidentifiedImageError

    where = datasets.resolve(arg)
    file = where if isinstance(where, Path) else datasets.path(where)
    try:
        with datasets.open_image(file, arg) as img:        # refuses an image too large to decode
            img = img.convert("L") if img.mode in ("L", "1", "I", "I;16", "F") else img.convert("RGB")
            array = np.asarray(img)
    except UnidentifiedImageError:
        raise cli.UserError(f"{arg} is not an image Pillow can read (try a .jpg or .png)") from None
    except OSError as exc:
        raise cli.UserError(f"cannot read {arg}: {exc}") from None
    if array.size == 0:
        raise cli.UserError(f"{arg} is an empty image")
    return array, arg


def save_image(array: np.ndarray, target: Path) -> Path:
    from PIL import Image

    suffix = target.suffix.lower()
    if suffix not in (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"):
        raise cli.UserError(f"cannot save as {target.name!r}: use a .jpg, .png, .bmp, .tif or .webp name")
    with cli.atomic_path(target) as tmp:
        Image.fromarray(array).save(tmp, **({"quality": 92} if suffix in (".jpg", ".jpeg") else {}))
    return target


# ----------------------------------------------------------------------------- REPL

HELP = ("Commands: rotate <degrees> | scale <factor> [factor_y] | shear <x> <y> | flip [h|v] | "
        "perspective [x1 y1 x2 y2 x3 y3 x4 y4] | interp nearest|bilinear|bicubic | undo | reset | "
        "info | compare | save <file> | help | quit")


def _numbers(args: list[str], counts: tuple[int, ...], usage: str) -> list[float]:
    if len(args) not in counts:
        raise cli.UserError(f"usage: {usage}")
    try:
        values = [float(a) for a in args]
    except ValueError:
        raise cli.UserError(f"usage: {usage} (numbers expected, got {' '.join(args)!r})") from None
    if not all(math.isfinite(v) for v in values):
        raise cli.UserError(f"usage: {usage} (finite numbers expected)")
    return values


def _matrix_line(m: np.ndarray) -> str:
    return "[" + "; ".join(" ".join(f"{v:.4g}" for v in row) for row in m) + "]"


def execute(lab: Lab, line: str, out: Path) -> tuple[str, bool, Path | None]:
    """Run one REPL command. Returns (message, image changed?, saved figure or file path)."""
    cmd, *args = line.split()
    cmd = cmd.lower()
    size = lab.size
    if cmd == "rotate":
        (deg,) = _numbers(args, (1,), "rotate <degrees>")
        op, new = rotate_matrix(deg, size)
        label = f"rotate {deg:g}"
    elif cmd == "scale":
        values = _numbers(args, (1, 2), "scale <factor> [factor_y]")
        sx, sy = values[0], values[-1]
        if sx <= 0 or sy <= 0:
            raise cli.UserError("scale factors must be > 0 (use flip to mirror)")
        op, new = scale_matrix(sx, sy, size)
        label = f"scale {' '.join(args)}"
    elif cmd == "shear":
        kx, ky = _numbers(args, (2,), "shear <x> <y>")
        op, new = shear_matrix(kx, ky, size)
        label = f"shear {kx:g} {ky:g}"
    elif cmd == "flip":
        axis = (args[0].lower() if args else "h")[:1]
        if len(args) > 1 or axis not in ("h", "v"):
            raise cli.UserError("usage: flip [h|v]  (h = left-right mirror, v = upside down)")
        op, new = flip_matrix(axis, size)
        label = f"flip {axis}"
    elif cmd == "perspective":
        w, h = size
        if args:
            pts = np.array(_numbers(args, (8,), "perspective x1 y1 x2 y2 x3 y3 x4 y4 (TL TR BR BL)")).reshape(4, 2)
        else:  # a default tilt: the top edge recedes
            pts = np.array([[0.2 * w, 0.12 * h], [0.8 * w, 0.12 * h], [w, h], [0, h]])
        op, new = perspective_matrix(pts, size)
        label = "perspective"
    elif cmd == "interp":
        if len(args) != 1 or args[0].lower() not in METHODS:
            raise cli.UserError(f"usage: interp {'|'.join(METHODS)}")
        lab.method = args[0].lower()
        return f"interpolation: {lab.method}", True, None
    elif cmd == "undo":
        return f"undid {lab.undo()}", True, None
    elif cmd == "reset":
        lab.reset()
        return "back to the original", True, None
    elif cmd == "info":
        return (f"{lab.size[0]}x{lab.size[1]}, {len(lab.history)} steps, {lab.method}; "
                f"composed matrix M = {_matrix_line(lab.matrix)}"), False, None
    elif cmd == "compare":
        path = plotting.save(plot_interpolation(lab), out / "interpolation.png")
        return f"Saved nearest / bilinear / bicubic comparison to {path}", False, path
    elif cmd == "save":
        if len(args) != 1:
            raise cli.UserError("usage: save <file.jpg|file.png>")
        target = Path(args[0]).expanduser()
        if not target.is_absolute() and target.parent == Path("."):
            target = out / target
        path = save_image(lab.render(), target)
        return f"Saved transformed image to {path}", False, path
    elif cmd == "help":
        return HELP, False, None
    else:
        raise cli.UserError(f"unknown command {cmd!r} (type help)")
    lab.push(op, new, label)
    return f"{label}: {size[0]}x{size[1]} -> {new[0]}x{new[1]}, matrix {_matrix_line(op)}", True, None


class Viewer:
    """Shows the current image in a matplotlib window when one is available, at true scale.

    The first image shown (the original) sets the frame; the frame only grows, when an image is larger
    than any before it, so sizes stay comparable from one command to the next. The window is shown
    without blocking: the prompt keeps reading commands while it is open.
    """

    def __init__(self, enabled: bool):
        self.enabled, self.fig, self.im = enabled, None, None
        self.frame = (0, 0)

    def show(self, img: np.ndarray, title: str) -> None:
        if not self.enabled:
            return
        height, width = img.shape[:2]
        self.frame = frame_size([self.frame, (width, height)])
        if self.fig is None:
            self.fig, ax = plotting.figure(figsize=(7, 7))
            plotting.fit_to_screen(self.fig)
            ax.axis("off")
            self.im = ax.imshow(img, cmap="gray" if img.ndim == 2 else None, extent=centred_extent(width, height))
            outline(ax, width, height)
        else:
            self.im.set_data(img)
            self.im.set_extent(centred_extent(width, height))
        set_frame(self.im.axes, self.frame)
        self.im.axes.set_title(f"{title}: {width}x{height} (dashed: the original's size)")
        plotting.interactive_show(self.fig)


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase1_linalg/image_lab.py")
    parser.add_argument("image", help="image file (or photo.jpg, the bundled astronaut portrait)")
    parser.add_argument("--commands", default=None,
                        help='commands separated by ";" (non-interactive), e.g. "rotate 45; save out.jpg"')
    parser.add_argument("--interp", choices=METHODS, default="bilinear", help="interpolation (default bilinear)")
    args = parser.parse_args(argv)
    image, name = load_image(args.image)
    show = plotting.setup(args.no_show)
    out = cli.out_dir(args, "image_lab")
    lab = Lab(image, method=args.interp)
    viewer = Viewer(show)
    scripted = args.commands is not None or not cli.is_interactive()

    print(f"Loaded {name}: {image.shape[1]}x{image.shape[0]}, {'RGB' if image.ndim == 3 else 'grey'}")
    print(HELP)
    viewer.show(image, name)
    panels: list[tuple[str, np.ndarray]] = [("original", image)]
    errors = 0
    for line in cli.read_commands(args.commands):
        if line.lower() in ("quit", "exit", "q"):
            break
        try:
            start = time.perf_counter()
            message, changed, _ = execute(lab, line, out)
            print(message)
            if changed:
                img = lab.render()
                print(f"  rendered {img.shape[1]}x{img.shape[0]} by inverse mapping, {lab.method}, "
                      f"{(time.perf_counter() - start) * 1e3:.0f} ms")
                panels.append((line, img))
                viewer.show(img, line)
        except cli.UserError as exc:
            errors += 1
            print(f"error: {exc}", file=sys.stderr, flush=True)
        plotting.process_events()          # the window repaints before the next line is read
    if len(panels) > 1:
        path = plotting.save(plot_session(panels[:1] + panels[1:][-7:]), out / "session.png")
        print(f"Saved session figure to {path}")
    if scripted:
        plotting.show()                    # keep the windows open until they are closed
    else:
        import matplotlib.pyplot as plt

        plt.close("all")                   # the learner typed quit (or Ctrl-D): done
    return 2 if errors and scripted else 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
