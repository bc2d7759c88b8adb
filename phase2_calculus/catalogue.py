"""Phase 2 catalogue entries (see tools/catalogue.py)."""

from tools.catalogue import Milestone, Project, TourStep

T = "tests/phase2_calculus/"
FE, GD, CF, PS = (T + "test_function_explorer.py::", T + "test_gradient_descent.py::", T + "test_curve_fitter.py::",
                  T + "test_physics_sim.py::")

PROJECTS = [
    Project(
        key="function_explorer",
        title="Function Explorer & Derivative Visualizer",
        phase="phase2_calculus",
        script="phase2_calculus/function_explorer.py",
        number=5,
        commands=('python phase2_calculus/function_explorer.py "x**3 - 3*x + 1"',
                  'python phase2_calculus/function_explorer.py "x**2 + 3*x + 2" --start 2 --lr 0.1'),
        tour=(TourStep(("phase2_calculus/function_explorer.py", "x**3 - 3*x + 1", "--tangent-at", "2")),),
        milestones=(
            Milestone("Compute the derivative numerically (central and forward differences match the analytic "
                      "derivative to 1e-6)", FE + "test_derivatives_match_analytic",
                      learner=("derivative",),
                      hints=("A derivative is the slope of a secant line whose two points have moved very close "
                             "together: rise over run for a tiny run.",
                             "Forward: (f(x + s) - f(x)) / s. Central: (f(x + s) - f(x - s)) / (2 s), which "
                             "cancels the first error term. Both work on a whole array of x at once.",
                             "Make the step relative, s = h * max(1, |x|) (the _step helper does it), and use the "
                             "default h for each formula: too small a step drowns the difference in round-off.")),
            Milestone("See f'(x) = 0 at the extrema: x = -1 (max), x = 1 (min) for x^3 - 3x + 1",
                      FE + "test_critical_points_transcript_function",
                      learner=("bisect", "second_derivative"),
                      hints=("At a peak or a valley f' crosses zero, so find where f' changes sign; then the "
                             "curvature f'' says which: negative is a maximum, positive a minimum.",
                             "Bisection: keep an interval whose ends give g opposite signs and halve it, keeping "
                             "the half that still brackets the root. f''(x) ~ (f(x+s) - 2 f(x) + f(x-s)) / s^2.",
                             "Compare the sign of g(mid) with the sign of g(lo), not g(mid) with zero alone; and "
                             "give f'' a larger step than f' (H_SECOND), since dividing by s^2 magnifies "
                             "round-off.")),
            Milestone("Watch the tangent line change as you click: its slope is f'(x)",
                      FE + "test_click_draws_tangent_with_slope",
                      learner=("tangent_line",),
                      hints=("The tangent at a is the straight line that touches the curve at (a, f(a)) and has "
                             "the curve's slope there.",
                             "Point-slope form: y = f(a) + f'(a) (x - a). Rearranged to y = slope x + intercept, "
                             "the intercept is f(a) - f'(a) a.",
                             "Return plain floats (float(...)) rather than 0-d arrays: the labels format them, "
                             "and the click handler keeps them in a list.")),
            Milestone("Animate a point rolling downhill (x <- x - lr f'(x), saved as a GIF)",
                      FE + "test_cli_transcript",
                      learner=("roll_downhill",),
                      hints=("Downhill is the direction against the slope: if f' > 0 the function rises to the "
                             "right, so step left.",
                             "Repeat x <- x - lr f'(x), keeping every visited x in a list that starts with x0; "
                             "stop early once |f'(x)| < tol.",
                             "Also stop when the slope or the new x is not finite, or when x leaves bounds (do not "
                             "keep that point). See it move: python -m learn run function_explorer -- \"x**2\" "
                             "--no-show")),
        ),
        boss=(
            Milestone("M3: numerical derivative of f(x) = x^2 + 3x + 2", FE + "test_derivatives_match_analytic",
                      learner=("derivative",),
                      hints=("By hand, f'(x) = 2x + 3: your numerical derivative should give 7 at x = 2 and 0 at "
                             "x = -1.5.",
                             "The central difference of a parabola is exact apart from round-off: "
                             "(f(x+s) - f(x-s)) / 2s = 2x + 3 for any s.",
                             "If the forward difference is off by about s, that is its truncation error; use the "
                             "tiny default H_FORWARD step for it, not the central one.")),
            Milestone("M3: gradient descent finds the minimum of the quadratic (x = -1.5)",
                      FE + "test_roll_downhill_m3_quadratic",
                      learner=("roll_downhill",),
                      hints=("The minimum is where f'(x) = 2x + 3 = 0, at x = -1.5; every step should lower f.",
                             "From x0 = 2 with lr = 0.1 the first step is 2 - 0.1 * 7 = 1.3; the distance to -1.5 "
                             "then shrinks by a factor 1 - 2 lr = 0.8 each step.",
                             "If your path stalls or overshoots, check the sign of the update and that you call "
                             "derivative at the current x, not at x0.")),
            Milestone("M3: plot the function and every step downhill (descent.png)", FE + "test_cli_boss_m3",
                      learner=("roll_downhill",),
                      hints=("The plot draws the path your roll_downhill returns, one arrow per step.",
                             "Return a NumPy array of the visited x values, start first: the figure evaluates f "
                             "on it and draws path[i] -> path[i + 1].",
                             "Run it: python -m learn run function_explorer -- \"x**2 + 3*x + 2\" --start 2 "
                             "--lr 0.1 --no-show, then open descent.png.")),
        ),
    ),
    Project(
        key="gradient_descent",
        title="Gradient Descent Optimizer from Scratch",
        phase="phase2_calculus",
        script="phase2_calculus/gradient_descent.py",
        number=6,
        commands=("python phase2_calculus/gradient_descent.py",
                  "python phase2_calculus/gradient_descent.py --function rosenbrock --optimizer adam --start 2,2",
                  "python phase2_calculus/gradient_descent.py --function rosenbrock --compare"),
        tour=(TourStep(("phase2_calculus/gradient_descent.py",), stdin="2\n"),
              TourStep(("phase2_calculus/gradient_descent.py", "--function", "rosenbrock", "--compare",
                        "--iterations", "5000"))),
        milestones=(
            Milestone("Minimize f(x) = x^2: the basic loop", GD + "test_minimize_x_squared_basic_loop",
                      learner=("GD.step", "minimize"),
                      hints=("Gradient descent repeats one move: from where you stand, step a little against the "
                             "gradient, then look again.",
                             "GD.step returns p - lr g. minimize: at each point compute g and |g|, stop when "
                             "|g| < tol (converged), otherwise p = optimizer.step(p, g) and record p and f(p).",
                             "Check for divergence before converging (g or f not finite, or |p| huge), stop after "
                             "max_iter steps, and keep one |g| per recorded point so the arrays line up.")),
            Milestone("Handle 2-D functions with partial derivatives", GD + "test_2d_partial_derivatives_bowl",
                      learner=("numerical_gradient",),
                      hints=("A partial derivative is an ordinary derivative with every other variable frozen.",
                             "df/dx is the derivative of t -> f(t, y) at x, and df/dy that of t -> f(x, t) at y; "
                             "the gradient is the (2,) array of the two.",
                             "Reuse derivative from the function explorer on a one-variable lambda. Watch that "
                             "the second lambda varies y and holds x: a copy-paste slip gives df/dx twice.")),
            Milestone("Implement momentum and see why vanilla GD oscillates", GD + "test_momentum_cures_zigzag",
                      learner=("Momentum.step",),
                      hints=("In a narrow valley the gradient points mostly across it, so plain GD bounces from "
                             "wall to wall. A velocity that adds up past gradients cancels the bounce and builds "
                             "speed along the valley floor.",
                             "b <- mu b + g (b = g on the first step), then p <- p - lr b; for Nesterov "
                             "(self.nesterov) step with g + mu b instead of b.",
                             "Keep b on the object (self.b, None before the first step) so it survives between "
                             "calls, and add the raw g: torch sums gradients, it does not average them with "
                             "(1 - mu).")),
            Milestone("Implement Adam: from (2, 2) it reaches Rosenbrock's minimum within 1e-3",
                      GD + "test_adam_from_2_2_reaches_rosenbrock_minimum",
                      learner=("Adam.step",),
                      hints=("Adam keeps a running mean of the gradient (like momentum) and of its square (like "
                             "RMSProp), and divides one by the root of the other: each coordinate gets its own "
                             "step size.",
                             "m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2, then "
                             "p <- p - lr m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - b1^t), "
                             "v_hat = v / (1 - b2^t).",
                             "Increment self.t before using it (t starts at 1), start m and v at zeros, and "
                             "square elementwise (g * g).")),
        ),
        boss=(Milestone("M3: gradient descent from scratch; GD, momentum, Nesterov, RMSProp and Adam equal "
                        "torch.optim step for step (float64, 1e-10, 100 steps)",
                        GD + "test_optimizer_matches_torch_step_for_step",
                        learner=("Momentum.step", "RMSProp.step", "Adam.step"),
                        hints=("Matching torch to 1e-10 for 100 steps means the same formulas in the same order, "
                               "not merely an optimiser that also converges.",
                               "RMSProp: v <- alpha v + (1 - alpha) g^2, p <- p - lr g / (sqrt(v) + eps). Adam "
                               "puts eps after the bias-corrected root: sqrt(v) / sqrt(1 - b2^t) + eps.",
                               "The usual mismatches: momentum's first step (b = g, not mu * 0 + (1 - mu) g), eps "
                               "inside instead of outside the square root, and t counted from 0.")),),
        bench=("bench.bench_phase2:gradient_descent",),
    ),
    Project(
        key="curve_fitter",
        title="Curve Fitting with Calculus",
        phase="phase2_calculus",
        script="phase2_calculus/curve_fitter.py",
        number=7,
        commands=("python phase2_calculus/curve_fitter.py temperature_data.csv",),
        tour=(TourStep(("phase2_calculus/curve_fitter.py", "temperature_data.csv")),),
        milestones=(
            Milestone("Fit a line: linear regression IS gradient descent (same line as numpy.polyfit)",
                      CF + "test_line_fit_is_linear_regression",
                      learner=("mse", "mse_gradient"),
                      hints=("Fitting means choosing the parameters that make the average squared gap between "
                             "the curve and the readings as small as possible; gradient descent walks there.",
                             "L = mean((m - y)^2). By the chain rule dL/dtheta = (2/n) J^T (m - y), with "
                             "J = model.jacobian(theta, t) of shape (n, p) and m - y of shape (n,).",
                             "The residual is prediction minus reading: flip it and every step climbs uphill, so "
                             "the line search never finds a lower loss and the fit stays at its start.")),
            Milestone("Fit polynomials and other families; every GD fit within 1% of the closed-form / "
                      "curve_fit MSE", CF + "test_gd_fits_reach_reference_mse_within_1_percent",
                      learner=("Exponential.jacobian", "Sinusoid.jacobian"),
                      hints=("Gradient descent only needs, for each parameter, how much a small change of it "
                             "moves every prediction: one column of the Jacobian per parameter.",
                             "a exp(b s): columns exp(b s) and a s exp(b s). c + A sin(w t - phi): columns 1, "
                             "sin(w t - phi) and -A cos(w t - phi). Stack them into (n, p) with np.column_stack.",
                             "Mind the minus sign from d/dphi of (w t - phi), and scale t to s = t / t_max for "
                             "the exponential exactly as predict does.")),
            Milestone("Watch the loss decrease during training", CF + "test_training_loss_decreases",
                      learner=("fit_gd",),
                      hints=("Step against the gradient, but choose the step size so the loss really drops; "
                             "record the loss after every step to watch it fall.",
                             "Backtracking: try lr twice as big as last time, halve it until "
                             "L(theta - lr g) <= L(theta) - lr |g|^2 / 2, then take that step.",
                             "Guard the inner loop (give up when lr < 1e-20), treat a non-finite loss as a "
                             "rejected step, and stop when the improvement is below rtol times the loss.")),
            Milestone("See overfitting with high-degree polynomials", CF + "test_overfitting_with_high_degree",
                      learner=("overfitting_curve",),
                      hints=("Judge a model on days it never saw: fit on a small random sample, measure on all "
                             "the others.",
                             "Draw the training days with rng.choice(n, size=train_size, replace=False) (sorted), "
                             "the rest are validation; for each degree fit by closed_form_polynomial on the "
                             "training days and compute mse on both sets.",
                             "Use np.random.default_rng(seed) so the sample is the same each run, and fit each "
                             "Polynomial with t.max() of the whole series so both sets share the same scaling.")),
        ),
        bench=("bench.bench_phase2:curve_fitter",),
        datasets=("seattle-weather",),
    ),
    Project(
        key="physics_sim",
        title="Physics Simulator (Calculus in Action)",
        phase="phase2_calculus",
        script="phase2_calculus/physics_sim.py",
        number=8,
        commands=("python phase2_calculus/physics_sim.py",
                  "python phase2_calculus/physics_sim.py --headless --steps 600"),
        tour=(TourStep(("phase2_calculus/physics_sim.py", "--headless", "--steps", "600")),
              TourStep(("phase2_calculus/physics_sim.py", "--frames", "90", "--keys", "space,space,g"))),
        milestones=(
            Milestone("A ball falls with gravity: acceleration -> velocity -> position",
                      PS + "test_ball_falls_with_gravity",
                      learner=("accelerations", "euler_step"),
                      hints=("Velocity is the rate of change of position and acceleration that of velocity: over "
                             "a small dt, each changes by its rate times dt.",
                             "a = F / m with F = (0, -m g) for gravity; Euler: x' = x + v dt and v' = v + a dt, "
                             "both from the old x and v. Shapes: x, v, a are all (n, 2).",
                             "Divide each ball's force by its own mass (mass[:, None] broadcasts over the two "
                             "coordinates), and return new arrays rather than changing x and v in place.")),
            Milestone("Euler integration explodes with a stiff spring (> 50% energy drift in 10 s)",
                      PS + "test_stiff_spring_euler_explodes_verlet_conserves",
                      learner=("euler_step", "semi_implicit_step"),
                      hints=("Explicit Euler always uses the slope at the start of the step; on a spring that "
                             "adds a little energy every step, which grows without limit.",
                             "Semi-implicit Euler changes one thing: update v first, v' = v + a(x) dt, then move "
                             "with the new velocity, x' = x + v' dt.",
                             "The stiff spring only moves if your accelerations include the springs: add "
                             "F_i = k (|d| - L0) d / |d| to ball i and -F_i to ball j with np.add.at (balls can "
                             "share springs).")),
            Milestone("Verlet integration stays stable (second order: error / 4 when dt / 2)",
                      PS + "test_verlet_energy_error_shrinks_with_dt",
                      learner=("verlet_step",),
                      hints=("Velocity Verlet moves with the position's Taylor series to second order and "
                             "updates the velocity with the average of the old and the new acceleration.",
                             "x' = x + v dt + a(x) dt^2 / 2, then v' = v + (a(x) + a(x')) dt / 2: two calls to "
                             "accelerations per step.",
                             "Keep the 1/2 on the dt^2 term: without it the method drops to first order and "
                             "halving dt no longer divides the energy error by 4.")),
            Milestone("Energy is conserved: spring force = -dE/dx, elastic collisions keep momentum",
                      PS + "test_spring_force_is_minus_energy_gradient",
                      learner=("accelerations", "energy"),
                      hints=("A conservative force is the downhill slope of a potential energy: F = -dE/dx.",
                             "E = sum m |v|^2 / 2 + sum m g y + sum k (|d| - L0)^2 / 2; differentiating the "
                             "spring term by x_i gives exactly the Hooke force k (|d| - L0) d / |d|.",
                             "Count gravity's potential energy only when world.gravity is on, and take the spring "
                             "lengths from world.pos (spring_vectors returns d and |d|).")),
        ),
        bench=("bench.bench_phase2:physics_sim",),
        requires=("pygame",),
    ),
]
