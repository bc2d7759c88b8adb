"""Phase 1 comparisons."""

import numpy as np

from tools.bench_harness import Comparison


def linalg_basics():
    """Pure-Python triple-loop matmul vs NumPy (BLAS): how much the loops cost."""
    from phase1_linalg.linalg_basics import matmul

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((100, 100)), rng.standard_normal((100, 100))
    la, lb = a.tolist(), b.tolist()
    return Comparison(
        "linalg_basics: 100x100 matmul, pure Python", lambda: np.asarray(matmul(la, lb)), lambda: a @ b,
        "NumPy a @ b", quality=lambda o, r: ("max |diff|", float(np.max(np.abs(o - r))), 0.0),
        repeats=3, flops=2 * 100 ** 3, note="teaching contrast, no target")


def image_lab():
    """1024x1024 RGB bilinear rotation by inverse mapping (NumPy) vs Pillow's C Image.transform."""
    from PIL import Image

    from phase1_linalg.image_lab import rotate_matrix, source_coordinates, warp
    from phase1_linalg.vector_graphics import inverse

    img = np.random.default_rng(0).integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    op, size = rotate_matrix(30, (1024, 1024))
    data = tuple(inverse(op)[:2].ravel())
    pil = Image.fromarray(img)
    x, y = source_coordinates(op, size)
    interior = (x > 2) & (x < 1021) & (y > 2) & (y < 1021)

    def ours():
        return warp(img, op, size, "bilinear")

    def reference():
        return np.asarray(pil.transform(size, Image.Transform.AFFINE, data=data, resample=Image.Resampling.BILINEAR))

    def quality(o, r):
        return "mean |diff| vs Pillow (grey levels, interior)", float(np.abs(o.astype(float) - r)[interior].mean()), 0.0

    return Comparison("image_lab: 1024x1024 RGB bilinear rotate 30 deg (-> 1399x1399)", ours, reference,
                      "Pillow Image.transform(AFFINE, BILINEAR)", max_ratio=4.0, quality=quality, repeats=5)


def vector_graphics():
    """One frame of the engine with 200 animated shapes: vectorised update + pygame draw, vs a 4 ms budget."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from phase1_linalg import vector_graphics as vg

    pg = vg._pygame()
    surface = pg.Surface((vg.WIDTH, vg.HEIGHT))
    rng = np.random.default_rng(0)
    scene = vg.Scene()
    kinds = list(vg.SHAPES)
    for i in range(200):
        scene.add(kinds[i % len(kinds)], vg.SHAPES[kinds[i % len(kinds)]]() * 0.4,
                  rng.uniform([40, 40], [vg.WIDTH - 40, vg.HEIGHT - 40]))
        scene.change(i, dx=rng.uniform(-50, 50), dangle=rng.uniform(-1, 1), factor=rng.uniform(0.7, 1.4))
    renderer = vg.Renderer(surface)

    def frame():
        if scene.progress.min() >= 1.0:   # keep every shape animating
            scene.progress[:] = 0.0
        scene.update(1 / 60)
        renderer.draw_scene(scene)
        return len(scene)

    return Comparison("vector_graphics: update + draw 200 shapes, one frame", frame, None,
                      "budget 4 ms / frame", budget_s=0.004, max_ratio=1.0, repeats=50, warmup=3,
                      quality=lambda o, r: ("shapes drawn", float(o), 200.0))


def movie_recommender():
    """User-user cosine similarities (943 x 943 from centred ratings) vs scikit-learn, and one
    matrix-factorisation fit on split u1 (60 full-batch Adam steps) vs the same loss and optimiser
    in PyTorch autograd."""
    from sklearn.metrics.pairwise import cosine_similarity

    from phase1_linalg import movie_recommender as mr

    data, shape = mr.load_movielens()
    ratings = mr.RatingData.from_frame(data.ratings, shape)
    centred, _ = mr.centre_rows(*ratings.matrix())
    cosine = Comparison(
        "movie_recommender: user-user cosine similarity, 943 users x 1682 movies",
        lambda: mr.cosine_similarity_matrix(centred), lambda: cosine_similarity(centred),
        "sklearn cosine_similarity", quality=lambda o, r: ("max |diff|", float(np.max(np.abs(o - r))), 0.0),
        repeats=5, flops=2 * shape[0] ** 2 * shape[1])

    train_df, test_df = data.split("u1")
    train, test = mr.RatingData.from_frame(train_df, shape), mr.RatingData.from_frame(test_df, shape)
    steps, lr, reg, reg_bias, factors = 60, 0.02, 0.1, 0.01, 30

    def test_rmse(model):
        pred = np.clip(model.predict(test.users, test.items), 1, 5)
        return float(np.sqrt(np.mean((pred - test.ratings) ** 2)))

    def ours():
        return test_rmse(mr.fit_factorisation(train, factors, reg, reg_bias, steps, lr, seed=0, progress=False))

    def reference():
        import torch

        rng = np.random.default_rng(0)   # same start as ours
        n_users, n_items = shape
        p0, q0 = rng.normal(0, 0.1, (n_users, factors)), rng.normal(0, 0.1, (n_items, factors))
        params = [torch.tensor(x, requires_grad=True) for x in (p0, q0, np.zeros(n_users), np.zeros(n_items))]
        p, q, bu, bi = params
        u, i = torch.from_numpy(train.users), torch.from_numpy(train.items)
        r = torch.from_numpy(train.ratings)
        n_u = torch.bincount(u, minlength=n_users).double()
        n_i = torch.bincount(i, minlength=n_items).double()
        mu = float(train.ratings.mean())
        opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
        for _ in range(steps):
            opt.zero_grad()
            e = mu + bu[u] + bi[i] + (p[u] * q[i]).sum(1) - r
            loss = (e @ e + reg * (n_u @ (p * p).sum(1) + n_i @ (q * q).sum(1))
                    + reg_bias * (n_u @ (bu * bu) + n_i @ (bi * bi))) / len(r)
            loss.backward()
            opt.step()
        model = mr.Factorisation(mu, bu.detach().numpy(), bi.detach().numpy(), p.detach().numpy(),
                                 q.detach().numpy())
        return test_rmse(model)

    mf = Comparison(
        "movie_recommender: matrix factorisation on u1, 60 full-batch Adam steps", ours, reference,
        "PyTorch autograd + torch.optim.Adam (same loss)", quality=lambda o, r: ("u1 test RMSE", o, r),
        repeats=1, warmup=0)
    return [cosine, mf]


def pca_visualizer():
    """Top-10 principal components of 3000 MNIST digits (784 pixels): covariance + power iteration
    with deflation vs scikit-learn PCA (full SVD)."""
    from sklearn.decomposition import PCA

    from common import datasets
    from phase1_linalg import pca_visualizer as pv

    images = datasets.load("mnist").x_train
    x = images[np.random.default_rng(0).choice(len(images), 3000, replace=False)].reshape(3000, -1) / 255.0

    def quality(o, r):
        rel = np.abs(o.eigenvalues - r.explained_variance_) / r.explained_variance_
        return "max relative eigenvalue error", float(rel.max()), 0.0

    return Comparison("pca_visualizer: top 10 PCs of 3000 MNIST digits (784 features)",
                      lambda: pv.pca(x, 10, scale=False), lambda: PCA(10, svd_solver="full").fit(x),
                      "sklearn PCA(svd_solver='full')", quality=quality, repeats=3)
