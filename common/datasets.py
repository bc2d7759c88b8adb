"""Dataset registry: every dataset the projects use, found offline first, downloaded if needed.

``load(name)`` returns ready-to-use data and ``path(name)`` the file on disk. A file is looked
for, in order, in:

1. ``data/<folder>/`` in this repository (bundled: small and redistributable),
2. the cache ``$MLFP_DATA_DIR`` (default ``~/.cache/mlfp``),
3. a local mirror ``$MLFP_DATA_MIRROR`` (CI and development point it at ``../shared/datasets``),
4. the canonical URL: downloaded into the cache with a progress bar, a sha256 check, one retry
   and an atomic rename. A checksum mismatch deletes the partial file and fails clearly.

Every file's sha256 is checked the first time a process uses it. Download-only datasets
(licence or size) are never committed to ``data/``.

Names given on the command line can also be the file names the projects' example sessions use
(``iris_dataset.csv``, ``titanic.csv``...): see :data:`ALIASES` and :func:`resolve`.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import pickle
import shutil
import struct
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from common.cli import REPO_ROOT, UserError

BUNDLE_DIR = REPO_ROOT / "data"
DOWNLOAD_TIMEOUT_S = 30
RETRIES = 1


class DatasetError(UserError):
    """A dataset cannot be found, downloaded or verified (a one-line, fixable message)."""


class DatasetUnavailable(DatasetError):
    """Not bundled, cached or mirrored, and the download failed."""


# ----------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class FileSpec:
    """One file of a dataset, relative to its folder.

    ``members_sha256`` is for archives that upstream re-packs: a digest over the sorted
    (member name, member sha256) pairs, equal for any tarball with the same contents.
    """

    path: str
    sha256: str
    members_sha256: str | None = None


@dataclass(frozen=True)
class Archive:
    """A download that arrives as a zip/tar archive and is unpacked into the dataset folder."""

    url: str
    strip: str = ""  # member-name prefix to keep (e.g. "ml-100k/")


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    folder: str
    files: tuple[FileSpec, ...]
    urls: dict[str, str]
    licence: str
    bundled: bool
    loader: Callable[[Dataset], Any]
    archive: Archive | None = None
    source: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The canonical URL a user downloads (the archive, or the first file)."""
        if self.archive:
            return self.archive.url
        return self.urls.get(self.files[0].path, next(iter(self.urls.values()), ""))


REGISTRY: dict[str, Dataset] = {}


def _register(ds: Dataset) -> Dataset:
    REGISTRY[ds.name] = ds
    return ds


# ----------------------------------------------------------------------------- locations
def cache_dir() -> Path:
    return Path(os.environ.get("MLFP_DATA_DIR") or Path.home() / ".cache" / "mlfp")


def mirror_dir() -> Path | None:
    value = os.environ.get("MLFP_DATA_MIRROR")
    return Path(value) if value else None


def _candidates(ds: Dataset, rel: str) -> list[tuple[str, Path]]:
    places = []
    if ds.bundled:
        places.append(("bundled", BUNDLE_DIR / ds.folder / rel))
    places.append(("cache", cache_dir() / ds.folder / rel))
    mirror = mirror_dir()
    if mirror is not None:
        places.append(("mirror", mirror / ds.folder / rel))
    return places


# ----------------------------------------------------------------------------- checksums
def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def tar_members_sha256(path: Path) -> str:
    """Digest of a tarball's contents, independent of how it was packed."""
    digest = hashlib.sha256()
    entries = []
    with tarfile.open(path) as tar:
        for member in tar:  # archive order: a gzip stream cannot seek backwards cheaply
            if member.isfile():
                entries.append((member.name, hashlib.sha256(tar.extractfile(member).read()).hexdigest()))
    for name, member_sha in sorted(entries):
        digest.update(name.encode() + b"\0" + member_sha.encode() + b"\n")
    return digest.hexdigest()


def _file_ok(spec: FileSpec, path: Path) -> bool:
    if sha256_file(path) == spec.sha256:
        return True
    if spec.members_sha256:
        try:
            return tar_members_sha256(path) == spec.members_sha256
        except (tarfile.TarError, OSError, EOFError):
            return False
    return False


_VERIFIED: set[Path] = set()


def _verified(spec: FileSpec, path: Path, where: str) -> Path:
    resolved = path.resolve()
    if resolved not in _VERIFIED:
        if not _file_ok(spec, path):
            raise DatasetError(f"{path} ({where} copy) fails its sha256 check: delete it and run again "
                               f"so a fresh copy is fetched")
        _VERIFIED.add(resolved)
    return path


# ----------------------------------------------------------------------------- downloading
def download(url: str, dest: Path, sha256: str | None = None, *, retries: int = RETRIES,
             timeout: float = DOWNLOAD_TIMEOUT_S, progress: bool = True,
             check: Callable[[Path], bool] | None = None) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying its sha256 (or ``check``).

    The bytes go to a temp file beside ``dest``; a short read is retried ``retries`` times, an
    HTTP 4xx is not. On a checksum mismatch the temp file is removed and DatasetError raised.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    attempts = retries + 1
    last_error = ""
    for attempt in range(1, attempts + 1):
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                total = int(response.headers.get("Content-Length") or 0) or None
                bar = _progress(total, dest.name, progress)
                received = 0
                while block := response.read(1 << 16):
                    out.write(block)
                    digest.update(block)
                    received += len(block)
                    bar.update(len(block))
                bar.close()
            if total is not None and received != total:
                raise _Truncated(f"got {received} of {total} bytes")
            ok = digest.hexdigest() == sha256 if sha256 else check is None
            if not ok and check is not None:
                ok = check(tmp)
            if not ok:
                tmp.unlink(missing_ok=True)
                raise DatasetError(f"download of {url} has the wrong sha256 (expected {sha256}); "
                                   f"the file was discarded: the server may be serving something else")
            os.replace(tmp, dest)
            return dest
        except urllib.error.HTTPError as exc:
            tmp.unlink(missing_ok=True)
            last_error = f"HTTP {exc.code} {exc.reason}"
            if 400 <= exc.code < 500:
                break
        except (urllib.error.URLError, OSError, _Truncated, ValueError) as exc:
            tmp.unlink(missing_ok=True)
            reason = getattr(exc, "reason", None) or exc
            last_error = str(reason)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if attempt < attempts:
            time.sleep(0.5 * attempt)
    raise DatasetUnavailable(f"could not download {url}: {last_error}")


class _Truncated(Exception):
    pass


def _progress(total: int | None, label: str, enabled: bool):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is a core dependency
        enabled = False
    if not enabled:
        class _Null:
            def update(self, n):
                pass

            def close(self):
                pass
        return _Null()
    return tqdm(total=total, unit="B", unit_scale=True, desc=f"downloading {label}", leave=False)


def _fetch(ds: Dataset) -> None:
    """Download ``ds`` into the cache (whole archive or file by file)."""
    target = cache_dir() / ds.folder
    if ds.archive is not None:
        suffix = ".zip" if ds.archive.url.endswith(".zip") else ".tar.gz"
        with tempfile.TemporaryDirectory(dir=_ensure(cache_dir())) as tmpdir:
            archive = download(ds.archive.url, Path(tmpdir) / f"{ds.name}{suffix}")
            _unpack(archive, Path(tmpdir) / "unpacked", ds.archive.strip)
            for spec in ds.files:
                src = Path(tmpdir) / "unpacked" / spec.path
                if not src.exists() or not _file_ok(spec, src):
                    raise DatasetError(f"archive {ds.archive.url} does not hold a verified {spec.path}; "
                                       f"nothing was kept")
            for spec in ds.files:
                dst = target / spec.path
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(Path(tmpdir) / "unpacked" / spec.path, dst)
        return
    for spec in ds.files:
        dst = target / spec.path
        if dst.exists() and _file_ok(spec, dst):
            continue
        url = ds.urls[spec.path]
        check = (lambda p, s=spec: _file_ok(s, p)) if spec.members_sha256 else None
        download(url, dst, spec.sha256, check=check)


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _unpack(archive: Path, dest: Path, strip: str) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                name = info.filename
                if info.is_dir() or not name.startswith(strip):
                    continue
                rel = Path(name[len(strip):])
                if rel.is_absolute() or ".." in rel.parts:
                    continue
                out = dest / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    else:
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if not member.isfile() or not member.name.startswith(strip):
                    continue
                rel = Path(member.name[len(strip):])
                if rel.is_absolute() or ".." in rel.parts:
                    continue
                out = dest / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)


# ----------------------------------------------------------------------------- public API
def get(name: str) -> Dataset:
    """The registry entry for ``name`` (a dataset name or an alias)."""
    key = ALIASES.get(name, name)
    if key not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise DatasetError(f"unknown dataset {name!r}; known datasets: {known}")
    return REGISTRY[key]


def locate(name: str, file: str | None = None) -> tuple[str, Path] | None:
    """Where a file of ``name`` is available offline, as (place, path), or None."""
    ds = get(name)
    spec = _spec(ds, file)
    for where, candidate in _candidates(ds, spec.path):
        if candidate.is_file():
            return where, candidate
    return None


def available(name: str) -> bool:
    """True if every file of ``name`` is on this machine (bundled, cached or mirrored)."""
    ds = get(name)
    return all(locate(ds.name, spec.path) is not None for spec in ds.files)


def path(name: str, file: str | None = None, *, allow_download: bool = True) -> Path:
    """Path of one file of dataset ``name`` (default: its first file), fetched if needed."""
    ds = get(name)
    spec = _spec(ds, file)
    found = locate(ds.name, spec.path)
    if found is None and allow_download and not os.environ.get("MLFP_OFFLINE"):
        try:
            _fetch(ds)
        except DatasetUnavailable as exc:
            raise DatasetUnavailable(_unavailable_message(ds, str(exc))) from None
        found = locate(ds.name, spec.path)
    if found is None:
        raise DatasetUnavailable(_unavailable_message(ds, "offline (MLFP_OFFLINE is set)"
                                                      if os.environ.get("MLFP_OFFLINE") else "not found"))
    where, location = found
    return _verified(spec, location, where)


def load(name: str) -> Any:
    """Ready-to-use data for ``name``: arrays, DataFrames or text (see each entry's loader)."""
    return get(name).loader(get(name))


def _spec(ds: Dataset, file: str | None) -> FileSpec:
    if file is None:
        return ds.files[0]
    for spec in ds.files:
        if spec.path == file:
            return spec
    raise DatasetError(f"dataset {ds.name!r} has no file {file!r}")


def _unavailable_message(ds: Dataset, reason: str) -> str:
    return (f"dataset {ds.name!r} is not available ({reason}): download it from {ds.url} into "
            f"$MLFP_DATA_DIR/{ds.folder}/ (now {cache_dir()}), or set MLFP_DATA_MIRROR to a folder "
            f"holding {ds.folder}/{ds.files[0].path}")


# ----------------------------------------------------------------------------- file names on the CLI
#: File names from the projects' example sessions -> registry names. Projects may override
#: (``housing_data.csv`` is Boston housing in project 13 and California housing in project 19).
ALIASES: dict[str, str] = {
    "iris_dataset.csv": "iris",
    "iris.csv": "iris",
    "titanic.csv": "titanic",
    "temperature_data.csv": "seattle-weather",
    "customer_data.csv": "wholesale-customers",
    "shakespeare.txt": "tiny-shakespeare",
    "photo.jpg": "astronaut",
    "housing_data.csv": "california-housing",
    "spam": "sms-spam",
    "sms": "sms-spam",
    "enron": "enron-spam",
    "movielens": "movielens-100k",
    "fashion_mnist": "fashion-mnist",
    "cifar10": "cifar-10",
}


MAX_INPUT_BYTES = 2 * 2**30      # the largest data file a script reads (the biggest dataset is ~170 MB)


def check_input_file(file: str | Path, arg: str | None = None, what: str = "data file") -> Path:
    """``file`` as a Path if it is an existing regular file a script may read, else UserError.

    Refused: an empty name, a missing file, a folder, a named pipe or a device (reading would
    block forever, or never end: /dev/zero), and a file above MAX_INPUT_BYTES.
    """
    arg = str(file) if arg is None else arg
    if not str(arg).strip():
        raise UserError(f"the {what} name is empty: give a file")
    candidate = Path(file).expanduser()
    if not candidate.exists():
        raise UserError(f"no such file: {arg}")
    if candidate.is_dir():
        raise UserError(f"{arg} is a folder; give a {what}")
    if not candidate.is_file():                       # a named pipe or a device would block or never end
        raise UserError(f"{arg} is not a regular file (a pipe or a device?); give a {what}")
    size = candidate.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise UserError(f"{arg} is {size / 2**30:.1f} GiB, more than the {MAX_INPUT_BYTES // 2**30} GiB "
                        f"a {what} may have here")
    return candidate


def resolve(arg: str, aliases: dict[str, str] | None = None) -> Path | str:
    """A CLI data argument: an existing path is returned as a Path, else a registry name.

    ``aliases`` (per project) take precedence over :data:`ALIASES`. Raises UserError when the
    argument is neither a file nor a known dataset.
    """
    if not str(arg).strip():
        raise UserError("the data argument is empty: give a file or a dataset name")
    candidate = Path(arg).expanduser()
    if candidate.exists():
        return check_input_file(candidate, arg)
    table = {**ALIASES, **(aliases or {})}
    name = table.get(arg, arg)
    if name in REGISTRY:
        return name
    raise UserError(f"no such file or dataset: {arg!r} (a path, or one of: {', '.join(sorted(REGISTRY))})")


def read_table(arg: str | Path, aliases: dict[str, str] | None = None) -> Any:
    """A DataFrame from a CSV path or a registry name/alias, with one-line errors for bad files.

    A user's file is also refused when two column names differ only by spaces (or are equal),
    and when a number is beyond +/- MAX_MAGNITUDE (see check_column_names, check_magnitudes).
    """
    import pandas as pd

    where = resolve(str(arg), aliases)
    if isinstance(where, str):
        frame = load(where)
        if not isinstance(frame, pd.DataFrame):
            raise UserError(f"dataset {where!r} is not a table")
        return frame
    sep = _sniff_delimiter(where)
    try:
        frame = pd.read_csv(where, sep=sep)
    except UnicodeDecodeError:
        raise UserError(f"{where} is not a text CSV file (it is binary or not UTF-8)") from None
    except pd.errors.EmptyDataError:
        raise UserError(f"{where} is empty: expected a CSV with a header row") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "parse error"
        raise UserError(f"{where} is not a well-formed CSV: {first}") from None
    except OSError as exc:
        raise UserError(f"cannot read {where}: {exc.strerror}") from None
    if frame.empty:
        raise UserError(f"{where} has a header but no data rows")
    check_column_names(_header(where, sep), str(where))
    check_magnitudes(frame, str(where))
    return frame


#: The largest magnitude a number in a user's table may have. Scripts square their numbers
#: (variances, distances, squared errors, gradients of those) and add up many squares: values
#: near 1e308 overflow float64 (largest value about 1.8e308) to inf, then NaN. 1e100 squared is
#: 1e200, which leaves room for sums of squares and for the products inside a gradient.
MAX_MAGNITUDE = 1e100


def check_column_names(names, where: str) -> None:
    """UserError if two column names are equal once surrounding spaces are stripped ("a" and " a").

    The scripts strip the spaces a header often has after its commas, so such columns would
    become one ambiguous name; exact duplicates ("a,a") are refused too.
    """
    seen: dict[str, str] = {}
    for name in map(str, names):
        key = name.strip()
        if not key:                                 # unnamed columns: pandas numbers them ("Unnamed: 0")
            continue
        if key in seen:
            how = "have the same name" if seen[key] == name else "differ only by spaces"
            raise UserError(f"{where}: the columns {seen[key]!r} and {name!r} {how}; rename one of them")
        seen[key] = name


def check_magnitudes(frame, where: str) -> None:
    """UserError naming the first numeric column with a finite value beyond +/- MAX_MAGNITUDE."""
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind not in "iuf":          # text, dates and booleans hold no such numbers
            continue
        values = np.abs(column.to_numpy(dtype=float))
        big = np.isfinite(values) & (values > MAX_MAGNITUDE)
        if big.any():
            raise UserError(f"{where}: column {str(name).strip()!r} holds {column[big].iloc[0]:.3g}, beyond the "
                            f"+/-{MAX_MAGNITUDE:.0e} the scripts can square without overflow; rescale the column "
                            "(other units, or a logarithm)")


def _header(file: Path, sep: str) -> list[str]:
    """The raw column names of a CSV's first row, as written (pandas renames duplicates to "a.1")."""
    with open(file, encoding="utf-8", newline="") as handle:
        try:
            return next(csv.reader(handle, delimiter=sep), [])
        except csv.Error:
            return []


def _sniff_delimiter(file: Path) -> str:
    """The CSV delimiter among , ; tab | (default ","), guessed from the first 64 KB."""
    try:
        with open(file, encoding="utf-8", newline="") as handle:
            sample = handle.read(1 << 16)
    except UnicodeDecodeError:
        raise UserError(f"{file} is not a text CSV file (it is binary or not UTF-8)") from None
    except OSError as exc:
        raise UserError(f"cannot read {file}: {exc.strerror}") from None
    if "\0" in sample:
        raise UserError(f"{file} is not a text CSV file (it is binary)")
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


# ----------------------------------------------------------------------------- loaders
class ImageData(NamedTuple):
    """Image classification data: uint8 images and int labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]


class MovieLens(NamedTuple):
    """MovieLens 100k: ``ratings`` (user_id, item_id, rating, timestamp), ``movies`` (item_id,
    title, release_date, genre columns) and the folder holding the official splits."""

    ratings: Any
    movies: Any
    folder: Path

    def split(self, name: str) -> tuple[Any, Any]:
        """The official (train, test) ratings for ``u1``..``u5``, ``ua`` or ``ub``."""
        import pandas as pd

        cols = ["user_id", "item_id", "rating", "timestamp"]
        base = pd.read_csv(self.folder / f"{name}.base", sep="\t", names=cols)
        test = pd.read_csv(self.folder / f"{name}.test", sep="\t", names=cols)
        return base, test


def read_idx(path: Path) -> np.ndarray:
    """Parse an IDX file (optionally gzipped), the MNIST format.

    Header: two zero bytes, a type code (0x08 = uint8), the number of dimensions d, then d
    big-endian int32 sizes; the data follows in C order.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DatasetError(f"{path} is not an IDX file (bad magic number)")
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    code, ndim = raw[2], raw[3]
    if code not in dtypes:
        raise DatasetError(f"{path}: unknown IDX type code 0x{code:02x}")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=dtypes[code], offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise DatasetError(f"{path}: IDX header says {shape} but holds {data.size} values")
    return data.reshape(shape)


def _load_idx_set(ds: Dataset) -> ImageData:
    p = {spec.path: path(ds.name, spec.path) for spec in ds.files}
    return ImageData(read_idx(p["train-images-idx3-ubyte.gz"]), read_idx(p["train-labels-idx1-ubyte.gz"]),
                     read_idx(p["t10k-images-idx3-ubyte.gz"]), read_idx(p["t10k-labels-idx1-ubyte.gz"]),
                     tuple(ds.extra["classes"]))


def _load_csv(ds: Dataset):
    import pandas as pd

    return pd.read_csv(path(ds.name), **ds.extra.get("read_csv", {}))


def _load_text(ds: Dataset) -> str:
    return path(ds.name).read_text(encoding="utf-8")


def _load_sms(ds: Dataset):
    import pandas as pd

    return pd.read_csv(path(ds.name), sep="\t", header=None, names=["label", "text"],
                       quoting=csv.QUOTE_NONE, encoding="utf-8")


def _load_enron(ds: Dataset):
    import pandas as pd

    rows = []
    with tarfile.open(path(ds.name)) as tar:
        for member in tar:  # archive order (sorting first would re-read the gzip stream per file)
            parts = member.name.split("/")
            if member.isfile() and len(parts) == 3 and parts[1] in ("ham", "spam"):
                text = tar.extractfile(member).read().decode("latin-1")
                rows.append((member.name, parts[1], text))
    rows.sort()
    return pd.DataFrame([(label, text) for _, label, text in rows], columns=["label", "text"])


BOSTON_COLUMNS = ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX",
                  "PTRATIO", "B", "LSTAT", "MEDV"]


def _load_boston(ds: Dataset):
    import pandas as pd

    return pd.read_csv(path(ds.name), sep=r"\s+", header=None, names=BOSTON_COLUMNS)


def _load_movielens(ds: Dataset) -> MovieLens:
    import pandas as pd

    for spec in ds.files:  # resolve (and verify) every file, splits included
        path(ds.name, spec.path)
    folder = path(ds.name, "ml-100k/u.data").parent
    ratings = pd.read_csv(folder / "u.data", sep="\t", names=["user_id", "item_id", "rating", "timestamp"])
    genres = [line.split("|")[0] for line in (folder / "u.genre").read_text(encoding="latin-1").splitlines()
              if line.strip()]
    movies = pd.read_csv(folder / "u.item", sep="|", encoding="latin-1", header=None,
                         names=["item_id", "title", "release_date", "video_release_date", "imdb_url", *genres])
    return MovieLens(ratings, movies.drop(columns=["video_release_date"]), folder)


def _load_image(ds: Dataset) -> np.ndarray:
    with open_image(path(ds.name)) as img:
        return np.asarray(img.convert("RGB"))


#: The most pixels an image may declare: Pillow's own decompression-bomb threshold (about 89
#: megapixels, e.g. 9459 x 9459). A few hundred bytes of PNG can declare 30000 x 30000 pixels,
#: which would take 2.7 GB to decode.
MAX_IMAGE_PIXELS = 89_478_485


class NotAnImage(UserError):
    """A file that Pillow does not recognise as an image."""


def open_image(file: str | Path, name: str | None = None):
    """Open an image with Pillow, refusing one that declares more than MAX_IMAGE_PIXELS pixels.

    Only the header is read here (width and height); the pixels are decoded on first use, so a
    caller still catches OSError around ``.convert()`` for a truncated file. Use as
    ``with open_image(path) as img: ...``. Raises NotAnImage for a file Pillow cannot identify
    and UserError for one that is too large or unreadable.
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    name = name or str(file)
    with warnings.catch_warnings():                 # between 1x and 2x its limit Pillow only warns
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(file)
        except Image.DecompressionBombError:        # above 2x its limit Pillow refuses by itself
            raise UserError(f"{name} declares more than {2 * MAX_IMAGE_PIXELS / 1e6:.0f} megapixels (a "
                            f"decompression bomb?); images of at most {MAX_IMAGE_PIXELS / 1e6:.0f} "
                            "megapixels are read: resize it first") from None
        except UnidentifiedImageError:
            raise NotAnImage(f"cannot read {name}: it is not an image Pillow can read (try a .jpg or .png)") from None
        except OSError as exc:
            raise UserError(f"cannot read {name}: {exc.strerror or exc}") from None
    width, height = img.size
    if width * height > MAX_IMAGE_PIXELS:
        img.close()
        raise UserError(f"{name} declares {width} x {height} pixels ({width * height / 1e6:.0f} megapixels); "
                        f"images of at most {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels are read: resize it first")
    return img


def _load_path(ds: Dataset) -> Path:
    return path(ds.name)


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Reads the official CIFAR-10 python batches: dicts of bytes, lists and numpy arrays only."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")


def read_cifar_batch(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch -> (N x 32 x 32 x 3 uint8 images, N int64 labels).

    The batch must be what the official files hold: a dict with b"data", an (N, 3072) uint8
    array (three 32 x 32 planes per row), and b"labels", N class numbers 0..9. Anything else is
    a DatasetError saying what is wrong (pickle.UnpicklingError for a class we refuse to load).
    """
    batch = _ArrayOnlyUnpickler(io.BytesIO(raw), encoding="bytes").load()
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise DatasetError(f"a CIFAR-10 batch is a dict with b'data' and b'labels', this one is a "
                           f"{type(batch).__name__}" + (f" with keys {sorted(batch)[:5]}" if isinstance(batch, dict)
                                                        else ""))
    data = batch[b"data"]
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2 and data.shape[1] == 3072):
        shape = getattr(data, "shape", None)
        raise DatasetError(f"a CIFAR-10 batch's data is an (N, 3072) uint8 array, this one is a "
                           f"{type(data).__name__}" + (f" of shape {shape}" if shape is not None else ""))
    labels = np.asarray(batch[b"labels"])
    if (labels.shape != (len(data),) or labels.dtype.kind not in "iu"
            or (labels.size and not 0 <= labels.min() <= labels.max() <= 9)):
        raise DatasetError(f"a CIFAR-10 batch's labels are {len(data)} class numbers 0..9, one per image")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.int64)


def load_cifar_tarball(tar_path: Path) -> ImageData:
    """Read ``cifar-10-python.tar.gz`` (data_batch_1..5 and test_batch) without unpacking it.

    A damaged or foreign tarball is a DatasetError naming the file (and the batch at fault).
    """
    parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    member_name = ""
    try:
        with tarfile.open(tar_path) as tar:
            for member in tar.getmembers():
                base = member.name.rsplit("/", 1)[-1]
                if member.isfile() and (base.startswith("data_batch_") or base == "test_batch"):
                    member_name = member.name
                    parts[base] = read_cifar_batch(tar.extractfile(member).read())
    except DatasetError as exc:
        raise DatasetError(f"{tar_path}: {member_name} is not a CIFAR-10 batch: {exc}") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error, pickle.UnpicklingError, ValueError, TypeError,
            AttributeError, IndexError, KeyError) as exc:       # what a damaged archive or pickle raises
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        where = f" ({member_name})" if member_name else ""
        raise DatasetError(f"{tar_path} is not a CIFAR-10 python tarball{where}: {reason}") from None
    train_names = sorted(k for k in parts if k.startswith("data_batch_"))
    if not train_names or "test_batch" not in parts:
        raise DatasetError(f"{tar_path} does not hold the CIFAR-10 python batches")
    x_train = np.concatenate([parts[k][0] for k in train_names])
    y_train = np.concatenate([parts[k][1] for k in train_names])
    return ImageData(x_train, y_train, parts["test_batch"][0], parts["test_batch"][1],
                     ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"))


def _load_cifar(ds: Dataset) -> ImageData:
    return load_cifar_tarball(path(ds.name))


# ----------------------------------------------------------------------------- the datasets
_MNIST_BASE = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_FASHION_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

_register(Dataset(
    "mnist", "MNIST handwritten digits", "mnist",
    (FileSpec("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
     FileSpec("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
     FileSpec("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
     FileSpec("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")),
    {f: _MNIST_BASE + f for f in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                  "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")},
    "CC BY-SA 3.0 (Y. LeCun, C. Cortes)", True, _load_idx_set,
    source="http://yann.lecun.com/exdb/mnist/", extra={"classes": tuple(str(d) for d in range(10))}))

_register(Dataset(
    "fashion-mnist", "Fashion-MNIST clothing images", "fashion-mnist",
    (FileSpec("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
     FileSpec("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
     FileSpec("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
     FileSpec("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5")),
    {f: _FASHION_BASE + f for f in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")},
    "MIT (Zalando Research)", False, _load_idx_set, note="download-only (size: 30 MB)",
    extra={"classes": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                       "Sneaker", "Bag", "Ankle boot")}))

_ML_FILES = {
    "README": "4883b8cf340ed0059971b33f56ad3adc88a40792108ebca3d24aafc4c82e8b52",
    "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
    "u.item": "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
    "u.user": "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
    "u.genre": "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
    "u.info": "5b0a40b2e47a729ee6203063f6dcf8790c2e63f5a18663e6ee318a72c5f3c27b",
    "u.occupation": "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d",
    "u1.base": "ce253ec86c448b44fb3ba9a30d12dcfc2e9210cbde71efada3730c22e9ac212a",
    "u1.test": "18c6014a4b2c7324f250a63f8904a7b16b2b19f911129e346141507b0cbac950",
    "u2.base": "6c06f0b5df4b256da1a994f3ac66edc8da4d3f09bc9282df6b14d893366d703e",
    "u2.test": "4de658d1e04ed9104629509a2e2528fce833ac8e048280183f1df167632038c3",
    "u3.base": "afdc155c291c6edc41c0407e39d7462eb98d341e064f0b0a12175b80b3c4af5d",
    "u3.test": "0f548b51c78327de4c156461d3e430b7e5579fe2b5681586a59416e48fd35f6d",
    "u4.base": "219f0f4d40dfe9c5141d425f53fa91ee23ed275f14e280bbf1b50117afb064ca",
    "u4.test": "7c02ad0a1e7ab1083c8b9d4b627203a051dd7b5eab46d99fa44de33470de8db9",
    "u5.base": "a9574e59ce961eec2121627760b6e9b0974ce1637b3fe69ac32cb14a4bfab485",
    "u5.test": "351cc52e0d15b6c721466276fc24671d40936899e3d01fadeaf312915b8c5634",
    "ua.base": "67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2",
    "ua.test": "d0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42",
    "ub.base": "237254d253b6ad7de84f919d041055428646254f34ed8f562703c899430cd881",
    "ub.test": "d54a72d05730d5892062734b2bec73e976f9b713d18c828a18b968d6cce442da",
}
_register(Dataset(
    "movielens-100k", "MovieLens 100k ratings", "movielens-100k",
    tuple(FileSpec(f"ml-100k/{name}", sha) for name, sha in
          sorted(_ML_FILES.items(), key=lambda kv: kv[0] != "u.data")),
    {}, "GroupLens usage licence: research use, no redistribution (cite Harper & Konstan 2015)", False,
    _load_movielens, archive=Archive("https://files.grouplens.org/datasets/movielens/ml-100k.zip", ""),
    note="download-only (licence forbids redistribution)"))

_register(Dataset(
    "tiny-shakespeare", "Tiny Shakespeare (1.1 MB of plays)", "tiny-shakespeare",
    (FileSpec("input.txt", "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"),),
    {"input.txt": "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"},
    "public domain text (char-rnn repository: MIT)", True, _load_text))

_register(Dataset(
    "sms-spam", "SMS Spam Collection v.1", "sms-spam-collection",
    (FileSpec("SMSSpamCollection", "7d039a24a6083ed9ef0f806ebad56bbb976e3aeb8de05669173bfdc4996c239d"),
     FileSpec("readme", "656da9ff765ddeb69841ef429e3ad65f2207a9f410892a6f04f06542426fb75c")),
    {}, "CC BY 4.0 (Almeida & Gomez Hidalgo; please cite)", True, _load_sms,
    archive=Archive("https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip", "")))

_register(Dataset(
    "enron-spam", "Enron-Spam enron1 (5172 e-mails)", "enron-spam",
    (FileSpec("enron1.tar.gz", "fc85a8d3fa5e9845a7ee572de3e92ae057f7c2be06171818539ef0983da89ad8",
              members_sha256="4d40b4244b5d773a101aebadadb7f8df419a792ac6b6a2047b7384a9f2101874"),),
    {"enron1.tar.gz": "http://www2.aueb.gr/users/ion/data/enron-spam/preprocessed/enron1.tar.gz"},
    "no explicit licence; free for research (cite Metsis et al., CEAS 2006)", False, _load_enron,
    note="download-only (licence unclear)"))

_register(Dataset(
    "titanic", "Titanic passengers (Kaggle train.csv)", "titanic",
    (FileSpec("train.csv", "4a437fde05fe5264e1701a7387ac6fb75393772ba38bb2c9c566405af5af4bd7"),),
    {"train.csv": "https://raw.githubusercontent.com/datasciencedojo/datasets/master/titanic.csv"},
    "Kaggle competition data, widely redistributed (no formal licence)", True, _load_csv))

_register(Dataset(
    "iris", "Iris flowers (Fisher 1936)", "iris",
    (FileSpec("iris.csv", "9cc1c345c71bcc9b486b74cbf6063fa66f4bb5e0f603a4b3c3471ec2e5e8e355"),),
    {"iris.csv": "https://raw.githubusercontent.com/mwaskom/seaborn-data/master/iris.csv"},
    "public domain data; UCI CC BY 4.0", True, _load_csv))

_register(Dataset(
    "california-housing", "California housing, 1990 census (Geron's version)", "california-housing",
    (FileSpec("housing.csv", "8a3727f4cf54ac1a327f69b1d5b4db54c5834ea81c6e4efc0d163300022a685e"),),
    {}, "StatLib data (Pace & Barry 1997), public; handson-ml2 repository Apache-2.0", True, _load_csv,
    archive=Archive("https://raw.githubusercontent.com/ageron/handson-ml2/master/datasets/housing/housing.tgz",
                    "")))

_register(Dataset(
    "boston-housing", "Boston housing (Harrison & Rubinfeld 1978)", "boston-housing",
    (FileSpec("housing.data", "4a8425d42eb99b76feb7ee7cf0fb1d897a6cd19b72c437e4855d767cabb7e24e"),
     FileSpec("housing.names", "471253e2296eef2843272561685fc4d3ef123c8f0d1d3cc60ab13f37f7a02d4c")),
    {"housing.data": "https://archive.ics.uci.edu/ml/machine-learning-databases/housing/housing.data",
     "housing.names": "https://archive.ics.uci.edu/ml/machine-learning-databases/housing/housing.names"},
    "StatLib / UCI, no explicit licence", True, _load_boston,
    note="feature B encodes race; see phase4_ml/README.md"))

_register(Dataset(
    "seattle-weather", "Seattle daily weather 2012-2015 (NOAA)", "seattle-weather",
    (FileSpec("seattle-weather.csv", "62f0609f787158128aa2bd102967173a4953122dd4f872bf1d502cae1037df0b"),
     FileSpec("LICENSE.vega_datasets", "eef52740cbc46a37b26f1c527c337e7e8cf6983d46f03ba4c052eca2d904a4f2")),
    {"seattle-weather.csv": "https://raw.githubusercontent.com/vega/vega-datasets/main/data/seattle-weather.csv",
     "LICENSE.vega_datasets": "https://raw.githubusercontent.com/altair-viz/vega_datasets/master/LICENSE"},
    "NOAA data, public domain; vega_datasets MIT", True, _load_csv,
    extra={"read_csv": {"parse_dates": ["date"], "date_format": "%Y/%m/%d"}}))

_register(Dataset(
    "wholesale-customers", "Wholesale customers annual spending (UCI)", "wholesale-customers",
    (FileSpec("Wholesale customers data.csv", "c3d018c643565b85cee733c4a2ac76dd76e080e857cb23f0ccfcc2e15a6c17ef"),),
    {}, "CC BY 4.0", True, _load_csv,
    archive=Archive("https://archive.ics.uci.edu/static/public/292/wholesale+customers.zip", "")))

_register(Dataset(
    "mall-customers", "Mall customers (Kaggle teaching data)", "mall-customers",
    (FileSpec("Mall_Customers.csv", "293887b3a8de822afa42629d01c2679006adcc8269890b19eba1ff8ab4a49075"),),
    {"Mall_Customers.csv": "https://www.kaggle.com/datasets/vjchoudhary7/customer-segmentation-tutorial-in-python"},
    "unclear (no licence stated)", False, _load_csv,
    note="download-only (licence unclear; Kaggle needs a login: place the CSV in the cache yourself)"))

_register(Dataset(
    "astronaut", "Astronaut portrait (NASA, via scikit-image)", "face-detection",
    (FileSpec("astronaut.png", "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),),
    {"astronaut.png": "https://github.com/scikit-image/scikit-image/raw/main/skimage/data/astronaut.png"},
    "public domain (NASA)", True, _load_image))

_register(Dataset(
    "haarcascade-frontalface", "OpenCV frontal-face Haar cascade", "face-detection",
    (FileSpec("haarcascade_frontalface_default.xml",
              "0f7d4527844eb514d4a4948e822da90fbb16a34a0bbbbc6adc6498747a5aafb0"),),
    {"haarcascade_frontalface_default.xml":
     "https://github.com/opencv/opencv/raw/4.x/data/haarcascades/haarcascade_frontalface_default.xml"},
    "Intel License Agreement (BSD-style)", True, _load_path))

_register(Dataset(
    "cifar-10", "CIFAR-10 tiny images (python batches)", "cifar-10",
    (FileSpec("cifar-10-python.tar.gz", "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),),
    {"cifar-10-python.tar.gz": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"},
    "free to use, cite Krizhevsky 2009", False, _load_cifar, note="download-only (170 MB)"))
