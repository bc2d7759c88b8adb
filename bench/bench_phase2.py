"""Phase 2 comparisons: optimisers vs torch.optim, curve fitting vs scipy, the physics frame budget."""

import numpy as np

from tools.bench_harness import Comparison


def gradient_descent():
    """Our Adam vs torch.optim.Adam: 1000 steps on Rosenbrock from (2, 2), float64."""
    import torch

    from phase2_calculus import gradient_descent as gd

    def ours():
        opt, p = gd.Adam(0.1), np.array([2.0, 2.0])
        for _ in range(1000):
            p = opt.step(p, gd.ROSENBROCK.grad(p))
        return p

    def reference():
        p = torch.tensor([2.0, 2.0], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=0.1)
        for _ in range(1000):
            opt.zero_grad()
            ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
            opt.step()
        return p.detach().numpy()

    return Comparison("gradient_descent: Adam, 1000 steps on Rosenbrock (NumPy, analytic gradient)", ours, reference,
                      "torch.optim.Adam + autograd (float64)",
                      quality=lambda o, r: ("max abs point diff", float(np.max(np.abs(o - r))), 0.0), repeats=3)


def curve_fitter():
    """GD sinusoid fit on the Seattle temperatures vs scipy.optimize.curve_fit (Levenberg-Marquardt)."""
    from scipy.optimize import curve_fit

    from phase2_calculus import curve_fitter as cf

    t, y, _, _ = cf.load_series("temperature_data.csv", None, "date")
    model = cf.Sinusoid(t.max())

    def reference():
        popt, _ = curve_fit(lambda tt, c, a, p: c + a * np.sin(model.w * tt - p), t, y, p0=model.init(t, y))
        return cf.mse(model, popt, t, y)

    return Comparison("curve_fitter: sinusoid on 1461 daily temperatures, GD + backtracking",
                      lambda: cf.fit_gd(model, t, y).mse, reference, "scipy.optimize.curve_fit",
                      quality=lambda o, r: ("MSE", o, r), repeats=3)


def physics_sim():
    """500 balls: one 1/60 s Verlet step with ball-ball and wall collisions, against the 16 ms frame
    budget (60 fps); and sort-and-sweep contact search vs the n x n brute-force distance matrix."""
    from phase2_calculus import physics_sim as ps

    world = ps.many_balls_world(500, np.random.default_rng(0))
    for _ in range(5):  # let contacts form
        ps.step(world, 1 / 60, "verlet")
    frozen = world.copy()

    return [
        Comparison("physics_sim: 500 balls, one step with collisions (Verlet)",
                   lambda: ps.step(world, 1 / 60, "verlet"), None, "60 fps frame budget", max_ratio=1.0,
                   budget_s=0.016, repeats=20,
                   note="returns the number of ball-ball contacts resolved"),
        Comparison("physics_sim: contact search, 500 balls, sort-and-sweep",
                   lambda: ps.contact_pairs(frozen.pos, frozen.radius),
                   lambda: ps.contact_pairs_bruteforce(frozen.pos, frozen.radius), "n x n distance matrix (NumPy)",
                   quality=lambda o, r: ("contacts", float(len(o[0])), float(len(r[0]))), repeats=20),
    ]
