"""Phase 2 catalogue entries (see common/catalogue.py)."""

from common.catalogue import Milestone, Project, TourStep

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
                      "derivative to 1e-6)", FE + "test_derivatives_match_analytic"),
            Milestone("See f'(x) = 0 at the extrema: x = -1 (max), x = 1 (min) for x^3 - 3x + 1",
                      FE + "test_critical_points_transcript_function"),
            Milestone("Watch the tangent line change as you click: its slope is f'(x)",
                      FE + "test_click_draws_tangent_with_slope"),
            Milestone("Animate a point rolling downhill (x <- x - lr f'(x), saved as a GIF)",
                      FE + "test_cli_transcript"),
        ),
        boss=(
            Milestone("M3: numerical derivative of f(x) = x^2 + 3x + 2", FE + "test_derivatives_match_analytic"),
            Milestone("M3: gradient descent finds the minimum of the quadratic (x = -1.5)",
                      FE + "test_roll_downhill_m3_quadratic"),
            Milestone("M3: plot the function and every step downhill (descent.png)", FE + "test_cli_boss_m3"),
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
            Milestone("Minimize f(x) = x^2: the basic loop", GD + "test_minimize_x_squared_basic_loop"),
            Milestone("Handle 2-D functions with partial derivatives", GD + "test_2d_partial_derivatives_bowl"),
            Milestone("Implement momentum and see why vanilla GD oscillates", GD + "test_momentum_cures_zigzag"),
            Milestone("Implement Adam: from (2, 2) it reaches Rosenbrock's minimum within 1e-3",
                      GD + "test_adam_from_2_2_reaches_rosenbrock_minimum"),
        ),
        boss=(Milestone("M3: gradient descent from scratch; GD, momentum, Nesterov, RMSProp and Adam equal "
                        "torch.optim step for step (float64, 1e-10, 100 steps)",
                        GD + "test_optimizer_matches_torch_step_for_step"),),
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
                      CF + "test_line_fit_is_linear_regression"),
            Milestone("Fit polynomials and other families; every GD fit within 1% of the closed-form / "
                      "curve_fit MSE", CF + "test_gd_fits_reach_reference_mse_within_1_percent"),
            Milestone("Watch the loss decrease during training", CF + "test_training_loss_decreases"),
            Milestone("See overfitting with high-degree polynomials", CF + "test_overfitting_with_high_degree"),
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
                      PS + "test_ball_falls_with_gravity"),
            Milestone("Euler integration explodes with a stiff spring (> 50% energy drift in 10 s)",
                      PS + "test_stiff_spring_euler_explodes_verlet_conserves"),
            Milestone("Verlet integration stays stable (second order: error / 4 when dt / 2)",
                      PS + "test_verlet_energy_error_shrinks_with_dt"),
            Milestone("Energy is conserved: spring force = -dE/dx, elastic collisions keep momentum",
                      PS + "test_spring_force_is_minus_energy_gradient"),
        ),
        bench=("bench.bench_phase2:physics_sim",),
        requires=("pygame",),
    ),
]
