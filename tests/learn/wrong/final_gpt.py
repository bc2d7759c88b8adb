"""Deliberately wrong bodies for learner mode's tests (final_gpt): project -> (function, text in its
reference body, the wrong text). Each is a small mistake a learner makes (a sign flip, an
off-by-one, a missing term) and must make that function's milestone fail with expected vs got."""

WRONG: dict[str, tuple[str, str, str]] = {
    # scaled by D instead of sqrt(D): the scores come out too small and every softmax too flat
    "gpt": ("attention", "scores = q @ k.transpose(-2, -1) / math.sqrt(D)",
            "scores = q @ k.transpose(-2, -1) / D"),
}
