"""Deliberately wrong bodies for learner mode's tests (phase1_linalg): project -> (function, text in its
reference body, the wrong text). Each is a small mistake a learner makes (a sign flip, an
off-by-one, a missing term) and must make that function's milestone fail with expected vs got."""

WRONG: dict[str, tuple[str, str, str]] = {
    "pca_visualizer": ("power_iteration", "return float(v @ c @ v), v, iterations",
                       "return float(v @ c @ v) * 1.01, v, iterations"),
    # off by one: the first pair of entries is left out of the sum
    "linalg_basics": ("dot", "for a, b in zip(u, v):", "for a, b in zip(u[1:], v[1:]):"),
    # the minus sign on the wrong sine: turns clockwise (R(a) R(b) = R(a + b) still holds)
    "vector_graphics": ("rotation", "m[..., 0, 0], m[..., 0, 1], m[..., 1, 0], m[..., 1, 1] = c, -s, s, c",
                        "m[..., 0, 0], m[..., 0, 1], m[..., 1, 0], m[..., 1, 1] = c, s, -s, c"),
    # the vertical offset used for the horizontal blend
    "image_lab": ("bilinear_blend", "i01 *= fx", "i01 *= fy"),
    # the 2 in 2 sigma^2 forgotten: a narrower kernel than OpenCV's
    "opencv_explorer": ("gaussian_kernel", "g = np.exp(-k ** 2 / (2 * sigma ** 2))",
                        "g = np.exp(-k ** 2 / sigma ** 2)"),
    # the square root forgotten: divides by the squared lengths
    "movie_recommender": ("cosine_similarity_matrix", "nx = np.linalg.norm(x, axis=1)",
                          "nx = np.sum(x * x, axis=1)"),
}
