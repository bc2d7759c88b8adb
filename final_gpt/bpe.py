"""Byte-level BPE tokenizer from scratch (and a character tokenizer), as GPT-2 does it.

Byte-pair encoding starts from the 256 byte values and repeatedly *merges* the most frequent
adjacent pair of symbols into a new symbol, until the vocabulary has the size asked for:

    vocab_0 = {0..255}                         (every UTF-8 byte: any text can be encoded)
    repeat: (a, b) = argmax_{pairs} count(a, b) over the training text
            new id n = |vocab|; replace every "a b" by "n"; remember merge (a, b) -> n

Training comes in two tiers that learn exactly the same merges (a test checks it):

* the textbook tier, ``train_bpe_reference``, reads as the algorithm: split the text into
  *chunks* (words with their leading space, runs of digits, punctuation, whitespace) by a regular
  expression, count every adjacent pair with ``get_stats``, replace the most frequent one
  everywhere with ``merge``, repeat. Each round recounts the whole text: O(merges x corpus);
* the fast tier, ``train_bpe_fast``, builds ``pair -> count`` and ``pair -> set of chunks
  containing it`` once. A merge touches only the chunks that contain the pair: their old pairs
  are subtracted, the pair is merged, their new pairs are added, and every pair whose count
  changed is pushed on a max-heap. Heap entries whose count is out of date are skipped when
  popped (lazy deletion).

Pairs never cross a chunk boundary, so both tiers keep each distinct chunk once with its
frequency (tiny Shakespeare: 298k chunks, 15k distinct).

Encoding applies the learned merges to each chunk in rank order (earliest merge first), with a
cache per distinct chunk; decoding concatenates the bytes of each id and decodes UTF-8, so
``decode(encode(s)) == s`` for any Unicode string. Special tokens (``<|endoftext|>``) are cut
out of the text before the chunking and get their own ids after the merges.

    python final_gpt/bpe.py train shakespeare.txt --vocab 10000
    python final_gpt/bpe.py train shakespeare.txt --vocab 400 --reference     # the textbook trainer
    python final_gpt/bpe.py encode --tokenizer outputs/bpe/tokenizer.json --text "To be, or not to be"
"""

from __future__ import annotations

import heapq
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import cli, datasets  # noqa: E402

# A chunk is: a contraction, an optional space + letters, an optional space + digits, an optional
# space + other symbols (underscore counts as a symbol), or whitespace. Every character belongs to
# exactly one of these classes, so the chunks always cover the whole text.
CHUNK_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+"""
_CHUNK_RE = re.compile(CHUNK_PATTERN)
ENDOFTEXT = "<|endoftext|>"


def chunk_text(text: str) -> list[str]:
    """Split text into pre-tokenisation chunks; ``"".join(chunk_text(s)) == s``."""
    return _CHUNK_RE.findall(text)


# ----------------------------------------------------------------------------- textbook tier
def get_stats(ids: list[int]) -> dict[tuple[int, int], int]:
    """Count every pair of consecutive ids: ``{(a, b): how often b follows a}``.

    Overlapping pairs all count, so a run of three ``a`` holds the pair ``(a, a)`` twice:

    >>> get_stats([97, 97, 97, 98])             # "aaab"
    {(97, 97): 2, (97, 98): 1}
    >>> get_stats(list(b"hello"))               # h e l l o
    {(104, 101): 1, (101, 108): 1, (108, 108): 1, (108, 111): 1}
    """
    counts: dict[tuple[int, int], int] = {}
    for pair in zip(ids, ids[1:]):              # (ids[0], ids[1]), (ids[1], ids[2]), ...
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every occurrence of ``pair`` in ``ids`` by ``new_id``, scanning left to right.

    Occurrences cannot overlap: in "aaa" the first two ``a`` merge and the third is left over.

    >>> merge([97, 97, 97, 98], (97, 97), 256)  # "aaab" -> Z a b, with Z = aa
    [256, 97, 98]
    >>> merge([1, 2, 3, 1, 2], (1, 2), 300)
    [300, 3, 300]
    """
    a, b = pair
    out: list[int] = []
    i, n = 0, len(ids)
    while i < n:
        if i < n - 1 and ids[i] == a and ids[i + 1] == b:
            out.append(new_id)                  # the pair becomes one symbol
            i += 2
        else:
            out.append(ids[i])                  # anything else is copied
            i += 1
    return out


def train_bpe_reference(text: str, vocab_size: int) -> list[tuple[int, int]]:
    """The textbook BPE trainer: count all pairs, merge the most frequent, repeat.

    Returns the ``vocab_size - 256`` merges in the order they were learned; merge ``i`` creates
    id ``256 + i``. Ties between equally frequent pairs go to the smallest pair ``(a, b)``, as in
    :func:`train_bpe_fast`, so both tiers learn the same merges. Stops early when no pair occurs
    twice. Every round recounts the whole text, so this is slow for large vocabularies.

    The worked example from Wikipedia, "aaabdaaabac" (a=97, b=98, c=99, d=100):

    >>> ids = list("aaabdaaabac".encode("utf-8"))
    >>> ids
    [97, 97, 97, 98, 100, 97, 97, 97, 98, 97, 99]
    >>> train_bpe_reference("aaabdaaabac", vocab_size=300)   # stops after 3: nothing occurs twice
    [(97, 97), (97, 98), (256, 257)]
    >>> ids = merge(ids, (97, 97), 256)          # Z = aa:  "ZabdZabac"
    >>> ids
    [256, 97, 98, 100, 256, 97, 98, 97, 99]
    >>> ids = merge(ids, (97, 98), 257)          # Y = ab (ties with Za; ab is the smaller pair)
    >>> ids
    [256, 257, 100, 256, 257, 97, 99]
    >>> merge(ids, (256, 257), 258)              # X = ZY:  "XdXac"
    [258, 100, 258, 97, 99]
    """
    if vocab_size < 256:
        raise ValueError(f"vocab_size must be >= 256 (the byte alphabet), got {vocab_size}")
    # Pairs never cross a chunk boundary. A chunk that occurs f times adds f to each of its pairs,
    # so every distinct chunk is kept once, as a list of byte ids, with its frequency f.
    chunk_counts = Counter(chunk_text(text))
    words: list[list[int]] = [list(chunk.encode("utf-8")) for chunk in chunk_counts]  # ids 0..255
    freqs: list[int] = list(chunk_counts.values())

    merges: list[tuple[int, int]] = []
    while len(merges) < vocab_size - 256:
        # 1. count every adjacent pair in the whole text
        stats: dict[tuple[int, int], int] = {}
        for ids, f in zip(words, freqs):
            for pair, count in get_stats(ids).items():
                stats[pair] = stats.get(pair, 0) + count * f
        if not stats:
            break
        # 2. the most frequent pair (ties: the smallest pair)
        best = min(stats, key=lambda pair: (-stats[pair], pair))
        if stats[best] < 2:
            break
        # 3. it becomes a new symbol everywhere
        new_id = 256 + len(merges)
        words = [merge(ids, best, new_id) for ids in words]
        merges.append(best)
    return merges


# ----------------------------------------------------------------------------- fast tier
def train_bpe_fast(text: str, vocab_size: int) -> list[tuple[int, int]]:
    """The same merges as :func:`train_bpe_reference`, without recounting the text each round.

    ``pair -> count`` and ``pair -> chunks containing it`` are built once; a merge only updates
    the chunks that contain the pair, and a max-heap (with lazy deletion of out-of-date entries)
    finds the next most frequent pair.
    """
    if vocab_size < 256:
        raise ValueError(f"vocab_size must be >= 256 (the byte alphabet), got {vocab_size}")
    counts = Counter(chunk_text(text))
    words: list[list[int]] = [list(chunk.encode("utf-8")) for chunk in counts]
    freqs: list[int] = list(counts.values())

    pair_count: dict[tuple[int, int], int] = {}
    pair_where: dict[tuple[int, int], set[int]] = {}
    for w, (symbols, f) in enumerate(zip(words, freqs)):
        for pair in zip(symbols, symbols[1:]):
            pair_count[pair] = pair_count.get(pair, 0) + f
            pair_where.setdefault(pair, set()).add(w)
    heap = [(-c, pair) for pair, c in pair_count.items()]
    heapq.heapify(heap)

    merges: list[tuple[int, int]] = []
    while len(merges) < vocab_size - 256 and heap:
        neg, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) != -neg:      # stale entry: the count changed since the push
            continue
        if -neg < 2:
            break
        new_id = 256 + len(merges)
        merges.append(pair)
        changed: set[tuple[int, int]] = set()
        for w in pair_where.pop(pair, ()):
            symbols, f = words[w], freqs[w]
            for old in zip(symbols, symbols[1:]):         # remove this chunk's old pairs
                pair_count[old] -= f
                changed.add(old)
            merged = words[w] = merge(symbols, pair, new_id)
            for new in zip(merged, merged[1:]):           # add its new pairs
                pair_count[new] = pair_count.get(new, 0) + f
                pair_where.setdefault(new, set()).add(w)
                changed.add(new)
        pair_count.pop(pair, None)
        changed.discard(pair)
        for p in changed:
            c = pair_count[p]
            if c > 0:
                heapq.heappush(heap, (-c, p))
            else:
                del pair_count[p]
                pair_where.pop(p, None)
    return merges


def train_bpe(text: str, vocab_size: int, reference: bool = False) -> list[tuple[int, int]]:
    """Learn ``vocab_size - 256`` merges: the fast tier, or the textbook one with ``reference=True``."""
    return (train_bpe_reference if reference else train_bpe_fast)(text, vocab_size)


# ----------------------------------------------------------------------------- tokenizers
class BPETokenizer:
    """Byte-level BPE: ``encode(str) -> list[int]``, ``decode(list[int]) -> str``.

    Ids 0..255 are bytes, 256..256+len(merges)-1 are merges, then the special tokens.
    """

    kind = "bpe"

    def __init__(self, merges: list[tuple[int, int]], special: tuple[str, ...] = (ENDOFTEXT,)):
        self.merges = [tuple(m) for m in merges]
        self.ranks = {pair: i for i, pair in enumerate(self.merges)}
        self.vocab: list[bytes] = [bytes([i]) for i in range(256)]
        for a, b in self.merges:
            self.vocab.append(self.vocab[a] + self.vocab[b])
        self.special = {tok: len(self.vocab) + i for i, tok in enumerate(special)}
        self.special_inv = {i: tok for tok, i in self.special.items()}
        self._special_re = (re.compile("(" + "|".join(map(re.escape, special)) + ")") if special else None)
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def train(cls, text: str, vocab_size: int, special: tuple[str, ...] = (ENDOFTEXT,),
              reference: bool = False) -> BPETokenizer:
        """Train so that the vocabulary (merges + bytes + special tokens) has ``vocab_size`` ids.

        ``reference=True`` uses the textbook trainer (:func:`train_bpe_reference`), otherwise the
        fast one (:func:`train_bpe_fast`); both learn the same merges.
        """
        return cls(train_bpe(text, vocab_size - len(special), reference=reference), special)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab) + len(self.special)

    def _encode_chunk(self, chunk: str) -> list[int]:
        ids = self._cache.get(chunk)
        if ids is not None:
            return ids
        ids = list(chunk.encode("utf-8"))
        while len(ids) > 1:
            # the pair that was merged earliest during training goes first
            pair = min(zip(ids, ids[1:]), key=lambda p: self.ranks.get(p, 1 << 30))
            rank = self.ranks.get(pair)
            if rank is None:
                break
            ids = merge(ids, pair, 256 + rank)
        if len(self._cache) < 200_000:
            self._cache[chunk] = ids
        return ids

    def encode(self, text: str, allow_special: bool = True) -> list[int]:
        parts = self._special_re.split(text) if (allow_special and self._special_re) else [text]
        ids: list[int] = []
        for part in parts:
            if part in self.special and allow_special:
                ids.append(self.special[part])
            elif part:
                for chunk in chunk_text(part):
                    ids.extend(self._encode_chunk(chunk))
        return ids

    def decode_bytes(self, ids) -> bytes:
        out = []
        for i in ids:
            i = int(i)
            if i in self.special_inv:
                out.append(self.special_inv[i].encode("utf-8"))
            elif 0 <= i < len(self.vocab):
                out.append(self.vocab[i])
            else:
                raise ValueError(f"token id {i} is outside the vocabulary (0..{self.vocab_size - 1})")
        return b"".join(out)

    def decode(self, ids) -> str:
        # a sampled sequence may stop in the middle of a multi-byte character: replace, don't fail
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    def token_str(self, i: int) -> str:
        return self.decode([i])

    def to_dict(self) -> dict:
        return {"type": "bpe", "pattern": CHUNK_PATTERN, "merges": [list(m) for m in self.merges],
                "special": list(self.special)}


class CharTokenizer:
    """One id per distinct character of the training text (nanoGPT's shakespeare_char)."""

    kind = "char"

    def __init__(self, chars: str):
        self.chars = "".join(sorted(set(chars)))
        self.stoi = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def train(cls, text: str, vocab_size: int | None = None) -> CharTokenizer:
        return cls(text)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        try:
            return [self.stoi[c] for c in text]
        except KeyError as exc:
            raise ValueError(f"character {exc.args[0]!r} is not in the tokenizer's alphabet") from None

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def token_str(self, i: int) -> str:
        return self.chars[i]

    def to_dict(self) -> dict:
        return {"type": "char", "chars": self.chars}


def tokenizer_from_dict(d: dict) -> BPETokenizer | CharTokenizer:
    """Rebuild a tokenizer from :meth:`to_dict` output (raises ValueError when malformed)."""
    try:
        if d["type"] == "bpe":
            merges = [(int(a), int(b)) for a, b in d["merges"]]
            for i, (a, b) in enumerate(merges):
                if not (0 <= a < 256 + i and 0 <= b < 256 + i):
                    raise ValueError(f"merge {i} refers to an id that does not exist yet")
            return BPETokenizer(merges, tuple(d.get("special", ())))
        if d["type"] == "char":
            return CharTokenizer(str(d["chars"]))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"malformed tokenizer description ({exc})") from None
    raise ValueError(f"unknown tokenizer type {d.get('type')!r}")


def save_tokenizer(tok, path: str | Path) -> Path:
    cli.save_text(path, json.dumps(tok.to_dict()))
    return Path(path)


def load_tokenizer(path: str | Path):
    """Load a tokenizer JSON file; UserError for missing or malformed files."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise cli.UserError(f"tokenizer file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise cli.UserError(f"cannot read tokenizer {path}: {exc}") from None
    if not isinstance(d, dict):
        raise cli.UserError(f"{path} is not a tokenizer file")
    try:
        return tokenizer_from_dict(d)
    except ValueError as exc:
        raise cli.UserError(f"{path}: {exc}") from None


def read_text(arg: str) -> tuple[str, str]:
    """The training text from a path or registry name/alias (shakespeare.txt); (text, label)."""
    where = datasets.resolve(arg)
    if isinstance(where, str):
        text = datasets.load(where)
        if not isinstance(text, str):
            raise cli.UserError(f"{arg} is not a text dataset")
        return text, where
    try:
        text = Path(where).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise cli.UserError(f"{arg} is not UTF-8 text") from None
    except OSError as exc:
        raise cli.UserError(f"cannot read {arg}: {exc.strerror}") from None
    if not text.strip():
        raise cli.UserError(f"{arg} is empty")
    return text, Path(where).name


# ----------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="final_gpt/bpe.py", seed=False, show=False)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=cli.Parser)
    tr = sub.add_parser("train", help="learn merges from a text file and save tokenizer.json")
    tr.add_argument("text", help="UTF-8 text file or dataset name (shakespeare.txt)")
    tr.add_argument("--vocab", type=cli.positive_int, default=10000, help="vocabulary size (default 10000)")
    tr.add_argument("--out", type=Path, default=None, metavar="DIR", help="folder (default outputs/bpe/)")
    tr.add_argument("--reference", action="store_true",
                    help="run the textbook (reference) implementation instead of the fast one")
    en = sub.add_parser("encode", help="show how a tokenizer splits a text")
    en.add_argument("--tokenizer", type=Path, required=True, help="tokenizer.json written by train")
    en.add_argument("--text", required=True)
    args = parser.parse_args(argv)

    if args.command == "encode":
        tok = load_tokenizer(args.tokenizer)
        try:
            ids = tok.encode(args.text)
        except ValueError as exc:
            raise cli.UserError(str(exc)) from None
        print(f"{len(ids)} tokens: {ids}")
        print(" | ".join(repr(tok.token_str(i)) for i in ids))
        return 0

    if args.vocab < 257:
        raise cli.UserError(f"--vocab must be at least 257 (256 bytes + special tokens), got {args.vocab}")
    text, label = read_text(args.text)
    out = cli.out_dir(args, "bpe")
    print("=== Byte-level BPE from Scratch ===\n")
    n_bytes = len(text.encode("utf-8"))
    print(f"Training text: {label} ({n_bytes / 1e6:.1f} MB, {len(text):,} characters)")
    if args.reference:
        print("Trainer: textbook tier (recounts every pair after each merge; slow for large vocabularies)")
    start = time.perf_counter()
    tok = BPETokenizer.train(text, args.vocab, reference=args.reference)
    train_s = time.perf_counter() - start
    start = time.perf_counter()
    ids = tok.encode(text)
    encode_s = time.perf_counter() - start
    assert tok.decode(ids) == text
    print(f"Vocabulary size: {tok.vocab_size:,} (256 bytes + {len(tok.merges):,} merges + "
          f"{len(tok.special)} special)")
    print(f"Training time: {train_s:.2f} s")
    print(f"Encoded: {len(ids):,} tokens in {encode_s:.2f} s; round trip decode(encode(text)) == text")
    print(f"Compression ratio: {n_bytes / len(ids):.2f} bytes per token")
    longest = sorted(range(256, len(tok.vocab)), key=lambda i: -len(tok.vocab[i]))[:5]
    print("First merges: " + ", ".join(repr(tok.token_str(256 + i)) for i in range(min(8, len(tok.merges)))))
    print("Longest tokens: " + ", ".join(repr(tok.token_str(i)) for i in longest))
    path = save_tokenizer(tok, out / "tokenizer.json")
    print(f"Saved: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
