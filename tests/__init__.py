"""The tests collect garbage as a settled server does (ramtid.memory): start-up and the
fixtures make many objects that live on, and full passes over them only cost time."""

import gc

from ramtid.memory import GC_THRESHOLDS

gc.set_threshold(*GC_THRESHOLDS)
