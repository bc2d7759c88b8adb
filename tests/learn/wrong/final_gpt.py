"""Deliberately wrong bodies for learner mode's tests (final_gpt): project -> (function, text in its
reference body, the wrong text). Each is a small mistake a learner makes (a sign flip, an
off-by-one, a missing term) and must make that function's milestone fail with expected vs got."""

WRONG: dict[str, tuple[str, str, str]] = {
}
