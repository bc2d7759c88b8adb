"""A wider sweep of hostile command-line values: seeds, sizes and paths a user (or an attacker) can
type. Every case must end with exit 2 and one ``error:`` line, before any long work starts.

The table is what a sweep over every script's options found (values -1, 0, 1e12, nan, inf, '',
a folder, /dev/zero, a named pipe), plus the output-path cases: a device or a pipe standing
where an output file goes must be refused, never replaced by a regular file (as root, renaming
onto /dev/zero replaced the device). The scripts run in-process through ``common.cli.run``.
"""

from __future__ import annotations

import os

import pytest

from common import cli, datasets
from phase1_linalg import linalg_basics, movie_recommender, pca_visualizer
from phase2_calculus import curve_fitter
from phase3_probability import monte_carlo_pi, probability_basics, spam_filter
from phase4_ml import decision_tree, kmeans, linear_regression, logistic_regression
from tests.conftest import assert_user_error, needs_dataset

SEED_SCRIPTS = [linalg_basics, pca_visualizer, curve_fitter, monte_carlo_pi, probability_basics, spam_filter,
                decision_tree, linear_regression, logistic_regression]


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("seed", ["-1", "4294967296", "nan", "", "1e3"])
@pytest.mark.parametrize("module", SEED_SCRIPTS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_hostile_seeds(run_main, tmp_path, module, seed):
    assert_user_error(run_main(module.main, "--seed", seed, "--no-show", "--out", tmp_path / "o"), "seed")


@pytest.mark.parametrize("module", [pca_visualizer, curve_fitter, decision_tree, linear_regression,
                                    logistic_regression], ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@pytest.mark.parametrize("what", ["empty", "folder", "dev-zero", "fifo"])
def test_hostile_data_paths(run_main, tmp_path, fifo, module, what):
    path = {"empty": "", "folder": tmp_path, "dev-zero": "/dev/zero", "fifo": fifo}[what]
    fragment = {"empty": "empty", "folder": "folder", "dev-zero": "not a regular file", "fifo": "not a regular file"}
    assert_user_error(run_main(module.main, path, "--no-show", "--out", tmp_path / "o"), fragment[what])


@pytest.mark.parametrize(("main", "args", "fragment"), [
    (probability_basics.main, ("--trials", "1000000000000"), "1 to 10000000"),
    (probability_basics.main, ("--samples", "1000000000000"), "1 to 10000000"),
    (probability_basics.main, ("--trials", "0"), "1 to 10000000"),
    (spam_filter.main, ("--alpha", "1e308"), "smoothing"),
    (spam_filter.main, ("--alpha", "inf"), "finite"),
    (spam_filter.main, ("--load", "/dev/zero"), "not a regular file"),
    (spam_filter.main, ("--load", ""), "empty"),
    (spam_filter.main, ("--save", ""), "empty"),
    (linear_regression.main, ("--alpha", "1e308"), "0 to 1e6"),
    (linear_regression.main, ("--lasso-alpha", "1e300"), "0 to 1e6"),
    (movie_recommender.main, ("--top", "1000000000000"), "1 to 100"),
    (movie_recommender.main, ("--top", "0"), "1 to 100"),
    (kmeans.main, ("--n-init", "1000000000000"), "1 to 1000"),
    (kmeans.main, ("--max-iter", "1000000000000"), "1 to 100000"),
], ids=["trials-1e12", "samples-1e12", "trials-0", "alpha-1e308", "alpha-inf", "load-dev-zero", "load-empty",
        "save-empty", "ridge-1e308", "lasso-1e300", "top-1e12", "top-0",
        "kmeans-n-init-1e12", "kmeans-max-iter-1e12"])
def test_unbounded_options_are_one_line(run_main, tmp_path, main, args, fragment):
    assert_user_error(run_main(main, *args, "--no-show", "--out", tmp_path / "o"), fragment)


def test_a_pipe_or_folder_as_the_spam_model_to_load(run_main, tmp_path, fifo):
    assert_user_error(run_main(spam_filter.main, "--load", fifo, "--no-show"), "not a regular file")
    assert_user_error(run_main(spam_filter.main, "--load", tmp_path, "--no-show"), "folder")


@needs_dataset("movielens-100k")
def test_min_ratings_above_every_movie_is_one_line(run_main, tmp_path):
    res = run_main(movie_recommender.main, "--ratings", "Toy Story (1995)=5", "--min-ratings", "1000000000000",
                   "--no-show", "--out", tmp_path / "o")
    assert_user_error(res, "lower --min-ratings")


def test_a_device_or_pipe_where_an_output_goes_is_refused_and_left_alone(tmp_path, fifo):
    """atomic_path renames a finished temp file onto the target: onto a pipe (or, as root, onto
    /dev/zero) that would put a regular file in the special file's place."""
    with pytest.raises(cli.UserError, match="device or a pipe"):      # a pipe stands in for /dev/zero: a test
        cli.save_text(fifo, "x")                                        # must never risk a real device
    assert fifo.is_fifo()
    assert [p.name for p in tmp_path.iterdir()] == ["pipe.csv"]     # no temp file left behind
    with pytest.raises(cli.UserError, match="empty"):
        cli.save_text("", "x")


def test_a_spam_model_saved_onto_a_pipe_is_refused(run_main, tmp_path, fifo):
    res = run_main(spam_filter.main, "--save", fifo, "--no-show")
    assert_user_error(res, "device or a pipe")
    assert fifo.is_fifo()


def test_check_input_file_names_each_problem(tmp_path, fifo):
    good = tmp_path / "a.json"
    good.write_text("{}")
    assert datasets.check_input_file(good) == good
    for bad, fragment in ((tmp_path / "missing.json", "no such file"), ("", "empty"), (tmp_path, "folder"),
                          (fifo, "not a regular file"), ("/dev/zero", "not a regular file")):
        with pytest.raises(datasets.UserError, match=fragment):
            datasets.check_input_file(bad)
