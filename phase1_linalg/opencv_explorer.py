"""OpenCV explorer (boss milestone M8): the classic OpenCV steps, each beside our own NumPy version.

Load an image with OpenCV, convert it to grayscale, blur it, find edges with Canny, draw shapes and
text, and detect faces with a Haar cascade. Next to each OpenCV call sits a NumPy implementation
of the same idea, and the script prints how far apart the two are:

    grayscale   Y = 0.299 R + 0.587 G + 0.114 B                      (ITU-R BT.601 weights)
    Gaussian    g(k) = exp(-k^2 / (2 sigma^2)) / sum, k = -r..r;  the 2-D kernel g g^T is separable:
                blur = convolve rows with g, then columns with g       (2(2r+1) instead of (2r+1)^2 taps)
    Sobel       Gx = [1 2 1]^T [-1 0 1],  Gy = [-1 0 1]^T [1 2 1];   |grad| = sqrt(Gx^2 + Gy^2)
    Canny       gradient -> non-maximum suppression -> hysteresis between two thresholds (OpenCV)
    Haar faces  a boosted cascade of rectangle-difference features over a sliding window (OpenCV)

Borders are mirrored without repeating the edge pixel (OpenCV's BORDER_REFLECT_101 = NumPy's
``np.pad(mode="reflect")``), so the two versions agree to float rounding.

    python phase1_linalg/opencv_explorer.py                 # the bundled astronaut photo
    python phase1_linalg/opencv_explorer.py my_photo.jpg --sigma 2 --canny 80 160
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from common import cli, datasets, plotting

# ----------------------------------------------------------------------------- NumPy versions

GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114])   # for R, G, B


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB -> (H, W) float64 luma as the weighted sum of the channels.

    Y = 0.299 R + 0.587 G + 0.114 B (GRAY_WEIGHTS): for each pixel, the dot product of its
    (R, G, B) with the weights, i.e. one (H, W, 3) @ (3,) product. Note the channel order: OpenCV
    loads BGR, so pass bgr[..., ::-1]. Example: pure red (255, 0, 0) -> 76.245, white -> 255.0.
    """
    return rgb.astype(np.float64) @ GRAY_WEIGHTS


def gaussian_kernel(sigma: float, radius: int | None = None) -> np.ndarray:
    """1-D Gaussian taps (2r + 1,), normalised to sum 1; r defaults to ceil(3 sigma).

    g(k) = exp(-k^2 / (2 sigma^2)) for k = -r..r, then divided by the sum of all taps.
    Example: sigma 1, radius 1 -> [0.274, 0.452, 0.274].
    """
    r = int(np.ceil(3 * sigma)) if radius is None else radius
    k = np.arange(-r, r + 1, dtype=np.float64)
    g = np.exp(-k ** 2 / (2 * sigma ** 2))
    return g / g.sum()


def convolve_1d(image: np.ndarray, taps: np.ndarray, axis: int) -> np.ndarray:
    """Correlate a (H, W) float image with 1-D taps along one axis (reflect-101 borders).

    out[i] = sum_k taps[k] image[i + k - r]: a weighted sum of shifted copies of the image,
    one array operation per tap (no loop over pixels). r = len(taps) // 2 (taps has odd
    length); axis 1 runs along each row, axis 0 down each column. Past the border the image is
    mirrored without repeating the edge pixel: ... 2 1 | 0 1 2 ... (np.pad mode="reflect").
    Returns (H, W) float64. Example: the row [0, 0, 3, 0, 0] with taps [1, 2, 1] along axis 1
    gives [0, 3, 6, 3, 0].
    """
    r = len(taps) // 2
    pad = [(0, 0), (0, 0)]
    pad[axis] = (r, r)
    padded = np.pad(image, pad, mode="reflect")
    n = image.shape[axis]
    out = np.zeros(image.shape, dtype=np.float64)
    for k, t in enumerate(taps):
        out += t * np.take(padded, np.arange(k, k + n), axis=axis)
    return out


def gaussian_blur(gray: np.ndarray, sigma: float, radius: int | None = None) -> np.ndarray:
    """Separable Gaussian blur of a (H, W) image: rows, then columns."""
    g = gaussian_kernel(sigma, radius)
    return convolve_1d(convolve_1d(gray.astype(np.float64), g, axis=1), g, axis=0)


def sobel(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Gx, Gy) of a (H, W) image: derivative [-1, 0, 1] along one axis, smoothing [1, 2, 1] along the other."""
    d, s = np.array([-1.0, 0.0, 1.0]), np.array([1.0, 2.0, 1.0])
    g = gray.astype(np.float64)
    gx = convolve_1d(convolve_1d(g, d, axis=1), s, axis=0)
    gy = convolve_1d(convolve_1d(g, s, axis=1), d, axis=0)
    return gx, gy


# ----------------------------------------------------------------------------- OpenCV versions


def _cv2():
    try:
        import cv2
    except ImportError:
        raise cli.UserError("OpenCV is not installed: pip install -e '.[cv]' (opencv-python-headless>=4.9,<5)") \
            from None
    return cv2


def load_bgr(arg: str) -> tuple[np.ndarray, str]:
    """cv2.imread of a path or registry alias (photo.jpg) -> (H, W, 3) uint8 BGR, display name."""
    cv2 = _cv2()
    where = datasets.resolve(arg)
    file = where if isinstance(where, Path) else datasets.path(where)
    try:                                # the header's size first: cv2.imread would allocate whatever it declares
        datasets.open_image(file, arg).close()
    except datasets.NotAnImage:         # a format only OpenCV reads: left to imread
        pass
    image = cv2.imread(str(file), cv2.IMREAD_COLOR)
    if image is None:
        raise cli.UserError(f"OpenCV cannot read {arg} as an image (try a .jpg or .png)")
    return image, arg


def opencv_steps(bgr: np.ndarray, sigma: float, canny: tuple[float, float]) -> dict[str, np.ndarray]:
    """The OpenCV pipeline: grayscale, Gaussian blur, Sobel gradients, Canny edges."""
    cv2 = _cv2()
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    gray_f = cv2.cvtColor(bgr.astype(np.float32), cv2.COLOR_BGR2GRAY)
    r = int(np.ceil(3 * sigma))
    blur_f = cv2.GaussianBlur(gray_f, (2 * r + 1, 2 * r + 1), sigma, borderType=cv2.BORDER_REFLECT_101)
    blur = cv2.GaussianBlur(gray, (2 * r + 1, 2 * r + 1), sigma, borderType=cv2.BORDER_REFLECT_101)
    gx = cv2.Sobel(blur_f, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT_101)
    gy = cv2.Sobel(blur_f, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT_101)
    edges = cv2.Canny(blur, canny[0], canny[1])
    return {"gray": gray, "gray_f": gray_f, "blur": blur, "blur_f": blur_f, "gx": gx, "gy": gy, "edges": edges}


def detect_faces(gray: np.ndarray, scale_factor: float = 1.1, min_neighbors: int = 5) -> np.ndarray:
    """Haar-cascade face boxes (k, 4) as x, y, w, h, from the bundled frontal-face cascade.

    gray: (H, W) uint8. Loads cv2.CascadeClassifier from datasets.path("haarcascade-frontalface")
    (UserError when it cannot be loaded) and runs detectMultiScale with this scale_factor (how
    much the search window grows per step), min_neighbors (how many overlapping detections a
    face needs) and minSize (40, 40). Returns an int array of shape (k, 4), (0, 4) when none.
    """
    cv2 = _cv2()
    cascade = cv2.CascadeClassifier(str(datasets.path("haarcascade-frontalface")))
    if cascade.empty():
        raise cli.UserError("the Haar cascade file could not be loaded")
    faces = cascade.detectMultiScale(gray, scaleFactor=scale_factor, minNeighbors=min_neighbors, minSize=(40, 40))
    return np.asarray(faces, dtype=int).reshape(-1, 4)


def annotate(bgr: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """A copy with OpenCV drawings: a box and label per face, a circle, a line and a caption.

    bgr: (H, W, 3) uint8 (left unchanged); faces: (k, 4) x, y, w, h. Per face k: a green
    (0, 255, 0) rectangle 2 pixels wide from (x, y) to (x + w, y + h), the label "face k" above
    it and a red dot at its centre; then a line and the caption "<k> face(s) - Haar cascade"
    near the bottom, and an ellipse top right. Colours are BGR, as OpenCV expects.
    """
    cv2 = _cv2()
    out = bgr.copy()
    h, w = out.shape[:2]
    for k, (x, y, fw, fh) in enumerate(faces, start=1):
        cv2.rectangle(out, (int(x), int(y)), (int(x + fw), int(y + fh)), (0, 255, 0), 2)
        cv2.putText(out, f"face {k}", (int(x), max(15, int(y) - 8)), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 0), 2)
        cv2.circle(out, (int(x + fw / 2), int(y + fh / 2)), 4, (0, 0, 255), -1)
    cv2.line(out, (10, h - 30), (w - 10, h - 30), (255, 200, 0), 2)
    cv2.putText(out, f"{len(faces)} face(s) - Haar cascade", (12, h - 40), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                (255, 255, 255), 2)
    cv2.ellipse(out, (w - 60, 50), (40, 25), 30, 0, 360, (255, 0, 255), 2)
    return out


# ----------------------------------------------------------------------------- figure


def plot_panels(rgb, gray, blur, magnitude, edges, annotated_rgb, diffs: dict[str, float]):
    """Two rows: original, grayscale, blur, annotated / our Sobel magnitude, Canny, differences."""
    fig, axes = plotting.figure(2, 3, figsize=(15, 10))
    panels = [
        (rgb, None, "original (cv2.imread, BGR -> RGB)"),
        (gray, "gray", f"grayscale (ours vs cv2: max |diff| {diffs['gray']:.2g})"),
        (blur, "gray", f"Gaussian blur (ours vs cv2: max |diff| {diffs['blur']:.2g})"),
        (magnitude, "magma", f"Sobel |grad|, ours (vs cv2: max |diff| {diffs['sobel']:.2g})"),
        (edges, "gray", "Canny edges (cv2.Canny)"),
        (annotated_rgb, None, "shapes, text and Haar-cascade faces"),
    ]
    for ax, (img, cmap, title) in zip(axes.ravel(), panels):
        ax.imshow(img, cmap=cmap)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.suptitle("OpenCV explorer: each OpenCV step beside our NumPy version")
    return fig


# ----------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase1_linalg/opencv_explorer.py")
    parser.add_argument("image", nargs="?", default="photo.jpg",
                        help="image file (default photo.jpg: the bundled astronaut portrait)")
    parser.add_argument("--sigma", type=cli.positive_float, default=1.5, help="Gaussian blur sigma (default 1.5)")
    parser.add_argument("--canny", type=cli.positive_float, nargs=2, default=(50.0, 150.0), metavar=("LOW", "HIGH"),
                        help="Canny hysteresis thresholds (default 50 150)")
    args = parser.parse_args(argv)
    if args.sigma > 20:
        raise cli.UserError(f"--sigma {args.sigma:g} is too large (use at most 20)")
    if args.canny[0] >= args.canny[1]:
        raise cli.UserError(f"--canny LOW HIGH needs LOW < HIGH, got {args.canny[0]:g} {args.canny[1]:g}")
    cv2 = _cv2()
    bgr, name = load_bgr(args.image)
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "opencv_explorer")

    cv = opencv_steps(bgr, args.sigma, tuple(args.canny))
    rgb = bgr[..., ::-1]
    ours_gray = to_gray(rgb)
    ours_blur = gaussian_blur(cv["gray_f"], args.sigma)
    ours_gx, ours_gy = sobel(cv["blur_f"])
    magnitude = np.hypot(ours_gx, ours_gy)
    diffs = {
        "gray": float(np.max(np.abs(ours_gray - cv["gray_f"]))),
        "gray_u8": float(np.max(np.abs(np.round(ours_gray) - cv["gray"]))),
        "blur": float(np.max(np.abs(ours_blur - cv["blur_f"]))),
        "sobel": float(max(np.max(np.abs(ours_gx - cv["gx"])), np.max(np.abs(ours_gy - cv["gy"])))),
    }
    faces = detect_faces(cv["gray"])
    annotated = annotate(bgr, faces)

    h, w = bgr.shape[:2]
    print(f"=== OpenCV explorer: {name} ({w}x{h}, cv2 {cv2.__version__}) ===")
    print(f"{'step':16s} {'OpenCV':34s} {'ours (NumPy)':34s} {'max |diff|':>10s}")
    print(f"{'grayscale':16s} {'cv2.cvtColor(BGR2GRAY)':34s} {'0.299 R + 0.587 G + 0.114 B':34s} "
          f"{diffs['gray']:10.2e}   (uint8: {diffs['gray_u8']:.0f} grey level)")
    taps = len(gaussian_kernel(args.sigma))
    print(f"{'gaussian blur':16s} {f'cv2.GaussianBlur {taps}x{taps}, s={args.sigma:g}':34s} "
          f"{f'separable: 2 x {taps} taps':34s} {diffs['blur']:10.2e}")
    print(f"{'sobel gradients':16s} {'cv2.Sobel dx, dy (3x3)':34s} {'[1 2 1]^T [-1 0 1], separable':34s} "
          f"{diffs['sobel']:10.2e}")
    edge_share = float(np.mean(cv["edges"] > 0))
    print(f"{'canny edges':16s} {f'cv2.Canny({args.canny[0]:g}, {args.canny[1]:g})':34s} "
          f"{edge_share:.1%} of pixels are edges")
    print(f"faces (Haar cascade, scaleFactor 1.1, minNeighbors 5): {len(faces)} found")
    for k, (x, y, fw, fh) in enumerate(faces, start=1):
        print(f"  face {k}: x={x} y={y} w={fw} h={fh}")
    print("drew: one rectangle + label per face, centre dots, a line, an ellipse and a caption")

    with cli.atomic_path(out / "annotated.jpg") as tmp:
        if not cv2.imwrite(str(tmp), annotated):
            raise cli.UserError(f"could not write {out / 'annotated.jpg'}")
    with cli.atomic_path(out / "edges.png") as tmp:
        cv2.imwrite(str(tmp), cv["edges"])
    fig = plot_panels(rgb, ours_gray, ours_blur, magnitude, cv["edges"], annotated[..., ::-1], diffs)
    panel_path = plotting.save(fig, out / "panels.png")
    print(f"Saved: {panel_path}, {out / 'annotated.jpg'}, {out / 'edges.png'}")
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
