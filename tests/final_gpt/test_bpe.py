"""bpe.py: byte-level BPE (incremental trainer == naive recount trainer), round trip, save/load, CLI."""

import json
import time
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common import datasets
from final_gpt import bpe
from tests.conftest import assert_user_error

SAMPLE = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
          "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved. resolved.\n"
          "Don't we've they'll 12345 snake_case   spaces\tand tabs -- café naïve 東京 🙂🙂\n") * 3


def naive_train(text: str, vocab_size: int) -> list[tuple[int, int]]:
    """The textbook trainer: recount every pair of every chunk after each merge (same tie rule)."""
    words = Counter(tuple(c.encode("utf-8")) for c in bpe.chunk_text(text))
    merges = []
    while len(merges) < vocab_size - 256:
        counts = Counter()
        for w, f in words.items():
            for p in zip(w, w[1:]):
                counts[p] += f
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        if counts[best] < 2:
            break
        new_id = 256 + len(merges)
        merges.append(best)
        new_words = Counter()
        for w, f in words.items():
            out, i = [], 0
            while i < len(w):
                if i < len(w) - 1 and (w[i], w[i + 1]) == best:
                    out.append(new_id)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new_words[tuple(out)] += f
        words = new_words
    return merges


def test_incremental_trainer_equals_naive_recount():
    assert bpe.train_bpe(SAMPLE, 400) == naive_train(SAMPLE, 400)


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
    """2,000 merges on 100 kB must not recount the corpus per merge (the naive trainer: minutes)."""
    text = datasets.load("tiny-shakespeare")[:100_000]
    start = time.process_time()
    merges = bpe.train_bpe(text, 2256)
    assert len(merges) == 2000
    assert time.process_time() - start < 20  # generous CPU-time bound; the naive trainer needs ~100x


def test_cli_bad_input(run_cli, call_main, tmp_path):
    assert_user_error(run_cli("final_gpt/bpe.py", "train", tmp_path / "missing.txt"), "no such file")  # real exit
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    assert_user_error(call_main(bpe.main, "train", empty), "empty")
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    assert_user_error(call_main(bpe.main, "train", binary), "utf-8")
    assert_user_error(call_main(bpe.main, "train", "shakespeare.txt", "--vocab", "100"), "--vocab")
    assert_user_error(call_main(bpe.main, "train", "shakespeare.txt", "--vocab", "x"), "--vocab")
    assert_user_error(call_main(bpe.main, "encode", "--tokenizer", empty, "--text", "x"), "tokenizer")
