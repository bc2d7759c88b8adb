"""Deliberately wrong bodies for learner mode's tests (phase2_calculus): project -> (function, text in its
reference body, the wrong text). Each is a small mistake a learner makes (a sign flip, an
off-by-one, a missing term) and must make that function's milestone fail with expected vs got."""

WRONG: dict[str, tuple[str, str, str]] = {
    # the 2 of the central difference forgotten: every slope comes out twice too big
    "function_explorer": ("derivative", "return (f(x + step) - f(x - step)) / (2 * step)",
                          "return (f(x + step) - f(x - step)) / step"),
    # copy-paste slip: the y partial derivative varies x instead of y
    "gradient_descent": ("numerical_gradient", "float(derivative(lambda t: f(x, t), y))",
                         "float(derivative(lambda t: f(t, y), x))"),
    # the residual the wrong way round: the gradient points uphill and the fit never leaves its start
    "curve_fitter": ("mse_gradient", "residual = model.predict(theta, t) - y",
                     "residual = y - model.predict(theta, t)"),
    # the 1/2 of the dt^2 term forgotten: Verlet drops to first order
    "physics_sim": ("verlet_step", "x_new = x + v * dt + 0.5 * a * dt * dt", "x_new = x + v * dt + a * dt * dt"),
}
