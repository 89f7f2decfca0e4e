"""Giving freed memory back to the system between the large steps of a run."""

from __future__ import annotations

import ctypes

import pyarrow as pa


def release_memory() -> None:
    """Give free memory back to the system (Arrow's pool; glibc's malloc_trim, where there is glibc), so what a
    finished step held (a file's bytes, a partition's work) is not counted as ours any more."""
    pa.default_memory_pool().release_unused()  # Arrow's own allocator (the text columns are Arrow strings)
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
