"""Deliberately wrong bodies for learner mode's tests (phase3_probability): project -> (function, text in its
reference body, the wrong text). Each is a small mistake a learner makes (a sign flip, an
off-by-one, a missing term) and must make that function's milestone fail with expected vs got."""

WRONG: dict[str, tuple[str, str, str]] = {
    # the 4 of pi_hat = 4 k / n forgotten in the standard error
    "monte_carlo_pi": ("standard_error", "return 4.0 * math.sqrt(p * (1.0 - p) / n)",
                       "return math.sqrt(p * (1.0 - p) / n)"),
    # one alpha in the denominator instead of alpha |V|: the probabilities no longer add up to 1
    "spam_filter": ("word_log_likelihoods", "sum(counts.values()) + alpha * len(vocabulary)",
                    "sum(counts.values()) + alpha"),
    # control minus treatment: the sign of z flips
    "ab_testing": ("z_test", "z = (k_b / n_b - k_a / n_a) / se0", "z = (k_a / n_a - k_b / n_b) / se0"),
    # sigma left out of the normaliser: a narrow bell no longer has area 1
    "distribution_visualizer": ("normal_pdf", "/ (sigma * math.sqrt(2 * math.pi))", "/ math.sqrt(2 * math.pi)"),
    # dividing by n whatever ddof says: the sample variance is the population one
    "probability_basics": ("variance", "return total / (count - ddof)", "return total / count"),
}
