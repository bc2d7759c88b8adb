"""bpe.py: byte-level BPE (fast trainer == textbook trainer), round trip, save/load, CLI."""

import doctest
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common import datasets
from final_gpt import bpe
from tests.conftest import assert_user_error

SAMPLE = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
          "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n"
          "Don't we've they'll 12345 snake_case   spaces\tand tabs -- café naïve 東京 🙂🙂\n") * 3


SHAKESPEARE_SLICE = slice(0, 40_000)


def test_textbook_trainer_equals_fast_trainer():
    """Both tiers learn exactly the same merges, in the same order (tolerance: none, integers)."""
    assert bpe.train_bpe_reference(SAMPLE, 400) == bpe.train_bpe_fast(SAMPLE, 400)
    text = datasets.load("tiny-shakespeare")[SHAKESPEARE_SLICE]
    reference = bpe.train_bpe_reference(text, 350)
    assert len(reference) == 350 - 256 and reference == bpe.train_bpe_fast(text, 350)
    # texts full of ties: every pair equally frequent, so the tie rule decides every merge
    ties = " ".join(["ab", "ba", "cd", "dc", "abab", "baba"] * 4) + "\n" + "xyzzyx " * 6
    assert bpe.train_bpe_reference(ties, 320) == bpe.train_bpe_fast(ties, 320)
    # the tokenizer picks the tier; the tokenizers agree id for id
    fast = bpe.BPETokenizer.train(SAMPLE, 300)
    textbook = bpe.BPETokenizer.train(SAMPLE, 300, reference=True)
    assert textbook.merges == fast.merges and textbook.encode(SAMPLE) == fast.encode(SAMPLE)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="aab c\n.é", max_size=120), st.integers(256, 300))
def test_textbook_and_fast_trainers_agree_on_random_texts(text, vocab_size):
    """Small alphabets give many equally frequent pairs: exact agreement, tie-breaks included."""
    assert bpe.train_bpe_reference(text, vocab_size) == bpe.train_bpe_fast(text, vocab_size)


def test_get_stats_and_merge_worked_examples():
    assert bpe.get_stats([97, 97, 97, 98]) == {(97, 97): 2, (97, 98): 1}   # overlapping pairs count
    assert bpe.get_stats(list(b"hello")) == {(104, 101): 1, (101, 108): 1, (108, 108): 1, (108, 111): 1}
    assert bpe.get_stats([5]) == {} and bpe.get_stats([]) == {}
    assert bpe.merge([97, 97, 97, 98], (97, 97), 256) == [256, 97, 98]     # left to right, no overlap
    assert bpe.merge([97, 97, 97, 97], (97, 97), 256) == [256, 256]
    assert bpe.merge([1, 2, 3, 1, 2], (1, 2), 300) == [300, 3, 300]
    assert bpe.merge([1, 2, 3], (3, 1), 300) == [1, 2, 3]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=40), st.tuples(st.integers(0, 3), st.integers(0, 3)))
def test_merge_equals_bytes_replace(ids, pair):
    """``bytes.replace`` also replaces non-overlapping occurrences left to right: a trusted reference."""
    expected = list(bytes(ids).replace(bytes(pair), bytes([9])))
    assert bpe.merge(ids, pair, 9) == expected


def test_wikipedia_example():
    """aaabdaaabac -> Z=aa: ZabdZabac -> Y=ab: ZYdZYac -> X=ZY: XdXac, then no pair occurs twice."""
    merges = [(97, 97), (97, 98), (256, 257)]
    assert bpe.train_bpe_reference("aaabdaaabac", 300) == merges == bpe.train_bpe_fast("aaabdaaabac", 300)
    ids = list(b"aaabdaaabac")
    steps = []
    for i, pair in enumerate(merges):
        ids = bpe.merge(ids, pair, 256 + i)
        steps.append(ids)
    Z, Y, X, a, b, c, d = 256, 257, 258, 97, 98, 99, 100
    assert steps == [[Z, a, b, d, Z, a, b, a, c], [Z, Y, d, Z, Y, a, c], [X, d, X, a, c]]
    assert bpe.BPETokenizer(merges, special=()).encode("aaabdaaabac") == [X, d, X, a, c]


def test_docstring_examples_run():
    """The worked examples in bpe.py's docstrings (get_stats, merge, the Wikipedia example) hold."""
    result = doctest.testmod(bpe)
    assert result.attempted >= 10 and result.failed == 0


def test_chunks_cover_text():
    assert "".join(bpe.chunk_text(SAMPLE)) == SAMPLE
    assert bpe.chunk_text("Hello, world") == ["Hello", ",", " world"]


_TOK = bpe.BPETokenizer.train(SAMPLE, 300)


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_roundtrip_arbitrary_unicode(s):
    assert _TOK.decode(_TOK.encode(s)) == s


def test_special_tokens_and_compression():
    ids = _TOK.encode("hear me" + bpe.ENDOFTEXT + "speak")
    assert _TOK.special[bpe.ENDOFTEXT] in ids and _TOK.vocab_size == 300
    assert _TOK.decode(ids) == "hear me<|endoftext|>speak"
    # without special handling the marker is plain text, several ordinary tokens
    plain = _TOK.encode(bpe.ENDOFTEXT, allow_special=False)
    assert len(plain) > 1 and _TOK.special[bpe.ENDOFTEXT] not in plain
    assert len(_TOK.encode(SAMPLE)) < 0.75 * len(SAMPLE.encode("utf-8"))  # merges compress


def test_save_load_roundtrip(tmp_path):
    path = bpe.save_tokenizer(_TOK, tmp_path / "tok.json")
    again = bpe.load_tokenizer(path)
    assert again.merges == _TOK.merges and again.encode(SAMPLE) == _TOK.encode(SAMPLE)
    char = bpe.CharTokenizer.train(SAMPLE)
    again = bpe.load_tokenizer(bpe.save_tokenizer(char, tmp_path / "c.json"))
    assert again.decode(again.encode(SAMPLE)) == SAMPLE and again.vocab_size == len(set(SAMPLE))
    (tmp_path / "bad.json").write_text(json.dumps({"type": "bpe", "merges": [[300, 1]]}))
    with pytest.raises(bpe.cli.UserError):
        bpe.load_tokenizer(tmp_path / "bad.json")


@pytest.mark.slow
def test_cli_train_10k_on_tiny_shakespeare(run_cli, tmp_path):
    res = run_cli("final_gpt/bpe.py", "train", "shakespeare.txt", "--vocab", "10000", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Vocabulary size: 10,000" in res.stdout and "Compression ratio:" in res.stdout
    seconds = float(res.stdout.split("Training time: ")[1].split(" s")[0])
    assert seconds > 0
    tok = bpe.load_tokenizer(tmp_path / "tokenizer.json")
    text = datasets.load("tiny-shakespeare")
    assert tok.decode(tok.encode(text[:20000])) == text[:20000]
    res = run_cli("final_gpt/bpe.py", "encode", "--tokenizer", tmp_path / "tokenizer.json", "--text", "To be")
    assert res.returncode == 0 and "tokens:" in res.stdout, res


def test_trainer_speed_is_incremental():
    """2,000 merges on 100 kB must not recount the corpus per merge (the textbook trainer: minutes)."""
    text = datasets.load("tiny-shakespeare")[:100_000]
    start = time.process_time()
    merges = bpe.train_bpe_fast(text, 2256)
    assert len(merges) == 2000
    assert time.process_time() - start < 20  # generous CPU-time bound; the naive trainer needs ~100x


def test_cli_bad_input(run_cli, run_main, tmp_path):
    assert_user_error(run_cli("final_gpt/bpe.py", "train", tmp_path / "missing.txt"), "no such file")  # real exit
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    assert_user_error(run_main(bpe.main, "train", empty), "empty")
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    assert_user_error(run_main(bpe.main, "train", binary), "utf-8")
    assert_user_error(run_main(bpe.main, "train", "shakespeare.txt", "--vocab", "100"), "--vocab")
    assert_user_error(run_main(bpe.main, "train", "shakespeare.txt", "--vocab", "x"), "--vocab")
    assert_user_error(run_main(bpe.main, "encode", "--tokenizer", empty, "--text", "x"), "tokenizer")


def test_cli_reference_writes_the_same_tokenizer(run_main, tmp_path):
    """``--reference`` runs the textbook trainer end to end; tokenizer.json is byte for byte the same."""
    text = tmp_path / "slice.txt"
    text.write_text(datasets.load("tiny-shakespeare")[:20_000], encoding="utf-8")
    fast = run_main(bpe.main, "train", text, "--vocab", "320", "--out", tmp_path / "fast")
    textbook = run_main(bpe.main, "train", text, "--vocab", "320", "--out", tmp_path / "ref", "--reference")
    assert fast.returncode == 0 and textbook.returncode == 0, (fast, textbook)
    assert "textbook" in textbook.stdout and "textbook" not in fast.stdout
    assert "Vocabulary size: 320" in textbook.stdout
    written = (tmp_path / "ref" / "tokenizer.json").read_bytes()
    assert written == (tmp_path / "fast" / "tokenizer.json").read_bytes()
    assert len(json.loads(written)["merges"]) == 320 - 256 - 1
