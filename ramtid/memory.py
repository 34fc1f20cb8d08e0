"""The garbage collector kept out of the request path."""

from __future__ import annotations

import gc

GC_THRESHOLDS = (50_000, 20, 100)


def settle_memory() -> None:
    """After start-up: what start-up made (modules, models, catalogs) is moved out of the
    garbage collector's sight (``gc.freeze``), and collections run less often, so full passes
    over the whole heap (~200 ms at city scale) leave the request path."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
