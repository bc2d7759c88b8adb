"""minigrad's memory setting for training loops (fast tier): reuse freed memory, skip page faults.

A training step allocates and frees the same few hundred arrays every step (activations, their
gradients, scratch buffers, a few MB each). By default glibc's ``malloc`` serves such large
blocks with fresh ``mmap`` pages and hands them back to the operating system when NumPy frees
them, so the next step's arrays start as untouched pages: the kernel zeroes and maps every 4 kB
page on first write (a page fault each). Measured on a 2-core VM, a GPT step at the cpu15
recipe's size spent about a fifth of its time there: GELU and LayerNorm, which write into new
arrays, ran at half speed.

:func:`keep_freed_memory` asks ``malloc`` (through ``mallopt``) to serve blocks up to 32 MB from
its heap and to keep freed memory for the next allocation instead of returning it: the process
keeps its peak memory, and every step after the first writes into pages that are already
mapped. Nothing changes in the numbers computed. Where the C library is not glibc (macOS,
Windows, musl) it does nothing and says so by returning False.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3    # mallopt's parameters (malloc.h)
MMAP_THRESHOLD = 32 << 20        # blocks up to 32 MB come from the heap (glibc's largest setting)
TRIM_THRESHOLD = 1 << 30         # keep up to 1 GB of freed heap memory instead of returning it
TOP_PAD = 64 << 20               # grow the heap 64 MB at a time

_DONE: list = []


def keep_freed_memory() -> bool:
    """Make ``malloc`` keep and reuse freed memory (glibc only); True when the setting took effect.

    Safe to call more than once: the first call sets it for the rest of the process.
    """
    if not _DONE:
        _DONE.append(_set_mallopt())
    return _DONE[0]


def _set_mallopt() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in
               ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_TOP_PAD, TOP_PAD)))
