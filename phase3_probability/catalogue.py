"""Phase 3 catalogue entries (see tools/catalogue.py)."""

from tools.catalogue import Milestone, Project, TourStep

T = "tests/phase3_probability/"
P = "phase3_probability/"

PROJECTS = [
    Project(
        key="monte_carlo_pi",
        title="Monte Carlo Pi Estimator",
        phase="phase3_probability",
        script=P + "monte_carlo_pi.py",
        number=9,
        commands=("python phase3_probability/monte_carlo_pi.py 1000000",
                  'python phase3_probability/monte_carlo_pi.py --integral "exp(-x**2)" 0 1'),
        tour=(TourStep((P + "monte_carlo_pi.py", "1000000")),
              TourStep((P + "monte_carlo_pi.py", "--integral", "exp(-x**2)", "0", "1"))),
        milestones=(
            Milestone("Estimate pi with 1000 samples (count equals a direct recount, within 4 SE)",
                      T + "test_monte_carlo_pi.py::test_estimate_pi_with_1000_darts",
                      learner=("inside_quarter_circle", "standard_error"),
                      hints=("A dart lands in the quarter circle with probability (its area) / (the square's area) = "
                             "pi / 4, so four times the fraction of hits estimates pi. Each dart is a yes-or-no "
                             "trial.",
                             "A dart (x, y) is inside when x^2 + y^2 <= 1: arrays x and y of shape (m,) give a "
                             "boolean array (m,). With k hits of n darts, p_hat = k / n and SE = 4 sqrt(p_hat (1 - "
                             "p_hat) / n).",
                             "Compare the squared distance with 1 (no square root needed) and use <=, not <. The 4 "
                             "stays outside the square root: pi_hat is 4 times a proportion, so its spread is 4 "
                             "times the proportion's.")),
            Milestone("See the error decrease with more samples (law of large numbers)",
                      T + "test_monte_carlo_pi.py::test_error_decreases_with_more_darts",
                      learner=("inside_quarter_circle",),
                      hints=("The law of large numbers: the fraction of hits settles down to pi / 4 as the darts "
                             "pile up, so the error of 4 k / n gets smaller with n on average (not at every single "
                             "step).",
                             "The check throws 1,000 and 100,000 darts for 40 seeds each and compares the average "
                             "errors. Your inside_quarter_circle decides every hit, so a mistake in it becomes a "
                             "bias that no number of darts removes.",
                             "If the error stops shrinking, look for a systematic slip: a coordinate that is not "
                             "squared, or a comparison with the wrong radius. A bias of 0.01 stays 0.01 however many "
                             "darts you throw.")),
            Milestone("Plot the convergence graph: error slope -1/2 on log-log axes, 95% intervals cover pi",
                      T + "test_monte_carlo_pi.py::test_convergence_rate_is_one_over_sqrt_n",
                      learner=("standard_error", "confidence_interval"),
                      hints=("The typical error shrinks like 1 / sqrt(n): 100 times the darts, a tenth of the error, "
                             "so on log-log axes it falls along a line of slope -1/2. A 95% interval says how far "
                             "off this one estimate may be.",
                             "SE = 4 sqrt(p_hat (1 - p_hat) / n) with p_hat = k / n; the interval is (pi_hat - z SE, "
                             "pi_hat + z SE) with pi_hat = 4 k / n and z = 1.96 for 95%.",
                             "Use the estimated p_hat, not the true pi / 4 (in a real problem you would not know "
                             "it). Multiply z by SE on both sides and return the pair (low, high), low first.")),
            Milestone("Apply it to other integrals (matches scipy.integrate.quad within 4 SE)",
                      T + "test_monte_carlo_pi.py::test_monte_carlo_integral_matches_quad",
                      learner=("integral_from_sums",),
                      hints=("An integral over [a, b] is the width times the average height of f. Sample uniform "
                             "points, average f there and multiply by b - a: the dart idea again, with heights "
                             "instead of hits.",
                             "From the sums S1 = sum f(u_i) and S2 = sum f(u_i)^2 of n samples: mean = S1 / n, "
                             "sample variance s^2 = (S2 / n - mean^2) n / (n - 1), estimate = width mean and SE = "
                             "|width| s / sqrt(n).",
                             "Rounding can push S2 / n - mean^2 just below 0 for a nearly constant f: clip it at 0 "
                             "before the square root. Guard n - 1 against 0 when n = 1, and use |width| in the SE.")),
        ),
        bench=("bench.bench_phase3:monte_carlo_pi",),
    ),
    Project(
        key="spam_filter",
        title="Bayesian Spam Filter (multinomial naive Bayes, pure Python)",
        phase="phase3_probability",
        script=P + "spam_filter.py",
        number=10,
        commands=("python phase3_probability/spam_filter.py",
                  'python phase3_probability/spam_filter.py --classify "WIN a FREE prize now"',
                  "python phase3_probability/spam_filter.py --corpus enron"),
        tour=(TourStep((P + "spam_filter.py",)),),
        milestones=(
            Milestone("Compute P(word | spam) from data (Laplace-smoothed counts, checked by hand)",
                      T + "test_spam_filter.py::test_likelihood_from_counts",
                      learner=("word_log_likelihoods",),
                      hints=("P(word | spam) is how often the word occurs among all the words of the spam messages. "
                             "Adding alpha to every count (Laplace smoothing) makes a word never seen in spam "
                             "unlikely rather than impossible.",
                             "P(w | c) = (count(w, c) + alpha) / (N_c + alpha |V|), where N_c is the total of all "
                             "word counts of class c and |V| the size of the whole vocabulary. Return log P(w | c) "
                             "for every word w of the vocabulary.",
                             "The alpha in the denominator is multiplied by |V| (one alpha for each word of the "
                             "vocabulary), or the probabilities will not add up to 1. A word missing from the counts "
                             "has count 0: counts.get(w, 0).")),
            Milestone("Apply Bayes' theorem correctly (posteriors equal scikit-learn's predict_proba)",
                      T + "test_spam_filter.py::test_posterior_matches_sklearn_predict_proba",
                      learner=("NaiveBayes.scores", "normalise_log_scores"),
                      hints=("Bayes' theorem: P(class | words) is proportional to P(class) P(words | class), and the "
                             "naive assumption makes P(words | class) the product of P(word | class) over the words "
                             "of the message.",
                             "score(c) = log P(c) + sum_i log P(w_i | c), read from self.log_prior[c] and "
                             "self.log_likelihood[c]; then P(c | words) = exp(score_c) / sum_k exp(score_k), a dict "
                             "from class to probability.",
                             "Skip tokens that are not in the vocabulary, but count a repeated token every time it "
                             "appears. Before exp, subtract the largest score from all of them, or a long message "
                             "gives 0 / 0.")),
            Milestone("Handle unseen words and underflow (smoothing, log probabilities)",
                      T + "test_spam_filter.py::test_laplace_smoothing_and_unseen_words",
                      learner=("word_log_likelihoods", "normalise_log_scores"),
                      hints=("Two things break a naive spam filter: one unseen word makes a product of probabilities "
                             "0, and a long message makes it so small that it rounds to 0.0. Smoothing cures the "
                             "first, logarithms the second.",
                             "With smoothing every word of the vocabulary has P(w | c) >= alpha / (N_c + alpha |V|) "
                             "> 0. In logs the product of 1,600 probabilities becomes a sum of 1,600 logs, a "
                             "moderate negative number.",
                             "exp(-1500) is 0.0 in floating point: use exp(s_c - max_k s_k), the same ratio with the "
                             "best class at exp(0) = 1. A message with no known word then gets the prior, P(spam) = "
                             "2/5 in the toy data.")),
            Milestone("Achieve >95% accuracy (>= 97% on the SMS test split, 99.5% agreement with MultinomialNB)",
                      T + "test_spam_filter.py::test_sms_accuracy_and_agreement_with_sklearn",
                      learner=("NaiveBayes.predict", "NaiveBayes.scores"),
                      hints=("To classify, pick the class with the largest posterior. Normalising divides every "
                             "class by the same number, so the largest score picks the same class without computing "
                             "any probability.",
                             "predict(text): split the text with tokenize(), compute self.scores(tokens) and return "
                             "the class with the largest score; self.classes lists the classes in sorted order.",
                             "Accuracy alone can hide a filter that flags too much: the check also wants precision "
                             ">= 0.9, recall >= 0.85 and 99.5% agreement with scikit-learn on the same tokens. Break "
                             "ties by the sorted class order.")),
        ),
        bench=("bench.bench_phase3:spam_filter",),
        datasets=("sms-spam",),
    ),
    Project(
        key="ab_testing",
        title="A/B Testing Dashboard",
        phase="phase3_probability",
        script=P + "ab_testing.py",
        number=11,
        commands=("python phase3_probability/ab_testing.py",
                  "python phase3_probability/ab_testing.py --control 4532 203 --treatment 4621 248",
                  "python phase3_probability/ab_testing.py --simulate"),
        tour=(TourStep((P + "ab_testing.py", "--simulate")),),
        milestones=(
            Milestone("Compute the z-statistic correctly (equals statsmodels proportions_ztest to 1e-9)",
                      T + "test_ab_testing.py::test_z_statistic_and_p_value_match_statsmodels",
                      learner=("z_test",),
                      hints=("Under H0 both groups share one conversion rate, so estimate it from both together. The "
                             "z statistic counts how many standard errors the observed difference lies away from 0.",
                             "p = (k_A + k_B) / (n_A + n_B), SE_0 = sqrt(p (1 - p) (1/n_A + 1/n_B)), z = (k_B / n_B "
                             "- k_A / n_A) / SE_0; the two-sided p-value is 2 (1 - Phi(|z|)) = erfc(|z| / sqrt 2).",
                             "Subtract A from B (treatment minus control), so z > 0 means the treatment does better. "
                             "Use math.erfc for the p-value (1 - Phi loses digits far in the tail) and raise "
                             "ValueError when SE_0 is 0.")),
            Milestone("Interpret the p-value: uniform under H0, false positives = alpha, peeking inflates them",
                      T + "test_ab_testing.py::test_p_values_uniform_under_null_and_peeking_inflates",
                      learner=("z_statistics",),
                      hints=("If the variants are really equal, p < 0.05 still happens 5% of the time: the p-values "
                             "of many A/A tests spread evenly over [0, 1]. Looking after every batch and stopping at "
                             "the first p < 0.05 adds chances.",
                             "The same pooled z as z_test, elementwise on arrays that broadcast: conversions k_A, "
                             "k_B of shape (experiments, looks) against visitor counts n_A, n_B of shape (looks,), "
                             "giving z of shape (experiments, looks).",
                             "Use whole-array NumPy operations, no Python loop, and np.where to put z = 0 where SE_0 "
                             "= 0 (nobody has converted yet): 0 / 0 would give nan, and the nan would spread into "
                             "the p-values.")),
            Milestone("Explain the confidence interval (95% coverage; equals statsmodels' intervals)",
                      T + "test_ab_testing.py::test_confidence_interval_coverage",
                      learner=("difference_interval", "lift_interval"),
                      hints=("A 95% interval is built so that over many repeated experiments 95% of such intervals "
                             "contain the true difference. Unlike the test it does not assume H0, so each group "
                             "keeps its own rate.",
                             "Difference: (p_B - p_A) +- z_crit sqrt(p_A (1 - p_A) / n_A + p_B (1 - p_B) / n_B). "
                             "Lift: exp(log(p_B / p_A) +- z_crit sqrt((1 - p_A) / k_A + (1 - p_B) / k_B)) - 1.",
                             "Do not pool the rates here (pooling belongs to the test of H0). Build the lift "
                             "interval on the log scale and map both ends back with exp(.) - 1, and return (nan, "
                             "nan) when k_A or k_B is 0.")),
            Milestone("Make correct decisions with edge cases (no effect, negative effect, zero conversions)",
                      T + "test_ab_testing.py::test_decisions_on_edge_cases",
                      learner=("validate_counts", "z_test"),
                      hints=("A decision is only as good as its inputs: refuse impossible counts before computing "
                             "anything, and handle the honest edge cases (equal rates, a worse variant, a group with "
                             "no conversions).",
                             "validate_counts raises ValueError for fewer than 1 visitor, negative conversions or "
                             "more conversions than visitors; z_test gives z = 0 (p = 1) for equal rates, z < 0 when "
                             "B is worse, and raises when SE_0 = 0.",
                             "Put the group's name in each message (the command line shows it to the user) and keep "
                             "0 conversions legal. The check looks for the words 'negative', 'more conversions' and "
                             "'no variation'.")),
        ),
    ),
    Project(
        key="distribution_visualizer",
        title="Distribution Visualizer & Random Variable Simulator",
        phase="phase3_probability",
        script=P + "distribution_visualizer.py",
        number=12,
        commands=("python phase3_probability/distribution_visualizer.py",
                  'python phase3_probability/distribution_visualizer.py --commands "normal 0 1; sample 10000; clt 30"'),
        tour=(TourStep((P + "distribution_visualizer.py", "--commands",
                        "normal 0 1; sample 10000; clt 30; beta 2 5; vary alpha 0.5 2 5")),),
        milestones=(
            Milestone("Sample from different distributions (KS / chi-square vs scipy.stats at n = 100000)",
                      T + "test_distribution_visualizer.py::test_continuous_sampler_ks",
                      learner=("sample_normal", "sample_exponential"),
                      hints=("Every sampler starts from uniform numbers in [0, 1) and reshapes them. If F is the CDF "
                             "you want, X = F^-1(U) has that distribution; the normal's F^-1 has no formula, but a "
                             "trick with two uniforms works.",
                             "Exponential: X = -ln(1 - U) / lam. Box-Muller: R = sqrt(-2 ln U1) and T = 2 pi U2 make "
                             "R cos T and R sin T two independent N(0, 1) draws; return mu + sigma Z, shape (n,).",
                             "Keep the logarithm finite: 1 - rng.random(m) lies in (0, 1], rng.random(m) itself can "
                             "be 0. For odd n make (n + 1) // 2 pairs and keep the first n normals. Divide by lam, "
                             "do not multiply.")),
            Milestone("See the PDF <-> histogram relationship (densities and CDFs equal scipy's)",
                      T + "test_distribution_visualizer.py::test_densities_and_cdfs_match_scipy",
                      learner=("normal_pdf", "binomial_pmf"),
                      hints=("A histogram of many samples, scaled to area 1, traces the density: the PDF of a "
                             "continuous variable, P(X = k) of a discrete one. The CDF adds it up from the left.",
                             "f(x) = exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)); P(X = k) = C(n, k) p^k (1 "
                             "- p)^(n - k). Both work elementwise on an array of x or k and return the same shape.",
                             "Keep sigma in the normaliser. For n = 1000 the binomial's factors overflow on their "
                             "own: add logs, with lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) for log C(n, k), "
                             "take exp at the end, and treat p = 0 and p = 1 apart.")),
            Milestone("Watch the CLT happen (averages of skewed draws become normal, std sigma/sqrt(n))",
                      T + "test_distribution_visualizer.py::test_clt_averages_become_normal",
                      learner=("clt_averages",),
                      hints=("Average n draws of almost any distribution and repeat that many times: the averages "
                             "pile up in a bell around the mean, narrower by a factor sqrt(n). That is the central "
                             "limit theorem.",
                             "Draw reps * n values with base.sample(reps * n, rng), reshape them to (reps, n), one "
                             "row per experiment, and average along axis 1: the result has shape (reps,).",
                             "Average along the rows (axis=1), not down the columns, which would give n averages of "
                             "reps draws. The check expects a spread of sigma / sqrt(n) = 0.1 for exponential(1) "
                             "averaged over n = 100.")),
            Milestone("Adjust parameters and see the effects (and out-of-range parameters are refused)",
                      T + "test_distribution_visualizer.py::test_parameters_change_the_distribution",
                      learner=("sample_normal", "sample_poisson"),
                      hints=("Parameters move and stretch a distribution: mu shifts the normal and sigma widens it "
                             "(three times the sigma, three times the spread); lambda is both the mean and the "
                             "variance of a Poisson.",
                             "Knuth's Poisson: multiply uniforms until the product drops to e^-lam or below; the "
                             "number of uniforms used, minus one, is the draw. For all n draws at once, keep "
                             "multiplying only those still above the limit.",
                             "Off by one is the usual slip: the count starts at 0 with the first uniform already in "
                             "the product, so a first uniform below e^-lam gives 0. For lam over 30 use the inverse "
                             "CDF on a table of P(X <= k).")),
        ),
    ),
    Project(
        key="probability_basics",
        title="Probability basics: dice, coins, moments by hand, normal vs uniform",
        phase="phase3_probability",
        script=P + "probability_basics.py",
        commands=("python phase3_probability/probability_basics.py",),
        tour=(TourStep((P + "probability_basics.py",)),),
        boss=(
            Milestone("M2: simulate dice rolls and coin tosses; empirical probabilities converge to the exact ones",
                      T + "test_probability_basics.py::test_empirical_probabilities_converge",
                      learner=("running_frequency",),
                      hints=("Flip a coin many times and track the fraction of heads so far: it wanders at first, "
                             "then settles near 1/2. That running fraction is the empirical probability, and it "
                             "converges to the exact one.",
                             "For 0/1 outcomes of shape (n,), entry i is (successes in the first i + 1 trials) / (i "
                             "+ 1): a cumulative sum divided by 1, 2, ..., n, giving shape (n,).",
                             "Divide by the number of trials so far, 1 to n, not 0 to n - 1 (the first entry would "
                             "divide by zero), and return floats, not whole numbers.")),
            Milestone("M2: mean, variance and standard deviation without built-in functions",
                      T + "test_probability_basics.py::test_moments_without_builtins_match_numpy",
                      learner=("mean", "variance", "square_root"),
                      hints=("The mean is the balance point of the data, the variance the average squared distance "
                             "from it, and the standard deviation its square root, back in the data's own units.",
                             "mean = (1/n) sum x_i; variance = sum (x_i - mean)^2 / (n - ddof), ddof = 0 for the "
                             "population and 1 for a sample; square root by Newton: r <- (r + v / r) / 2 until r "
                             "stops changing.",
                             "Use loops, not sum(), len() or NumPy; divide by n - ddof and raise ValueError when "
                             "that is 0 or less. Start Newton at r = max(v, 1) and stop on a relative change, so "
                             "that 1e10 and 1e-12 both work.")),
            Milestone("M2: visualise and explain normal vs uniform (figure and explanation)",
                      T + "test_probability_basics.py::test_cli_transcript_and_figures",
                      learner=("uniform_bounds", "fraction_within"),
                      hints=("Give a normal and a uniform the same mean and standard deviation and they still look "
                             "nothing alike: one is a flat block with hard ends, the other a bell with thin tails "
                             "that never end.",
                             "Uniform(a, b) has variance (b - a)^2 / 12, so with standard deviation sd it spans mu "
                             "+- sqrt(3) sd. The fraction within k sd is the mean of the test |x - mu| <= k sd, one "
                             "number for each k.",
                             "The half-width is sqrt(3) sd, not sqrt(12) sd (that is the whole width). Count the "
                             "ends (<=, not <) and expect about 68 / 95 / 99.7% for the normal but 57.7 / 100 / 100% "
                             "for the uniform.")),
        ),
    ),
]
