"""How the process is tuned so that training and the interface share one interpreter well.

Two costs, each measured on the MLP preset with MNIST:

* The UI thread may take the GIL from the training thread every 5 ms (Python's switch interval). At most
  every 50 ms while a run trains lifts small, Python-bound networks from ~84% to ~90% of headless speed,
  and 50 ms is still below what a person notices on a key press.
* Python's cyclic garbage collector walks every tracked object in a full collection, with the GIL held.
  A Textual app's widgets, styles and caches are ~180,000 objects after one run: 50 ms a collection when
  idle, 100-150 ms while training, several times a minute; they were the slowest tab switches (p90 150 ms)
  and stalled the training thread. So the heap is settled at quiet moments (the data loaded, a run
  ended): one full collection, then gc.freeze(), which leaves every object alive then out of
  later collections (reference counting still frees them; only cyclic garbage among them waits for the
  next settling, which unfreezes and collects everything first). A run freezes what exists as it starts.
"""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager

TRAINING_SWITCH_INTERVAL = 0.05


def settle_heap() -> None:
    """Collect everything, then leave what is alive out of the collections to come (see above)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def release_heap() -> None:
    """Hand every frozen object back to the collector (the app is closing: its garbage must not outlive it)."""
    gc.unfreeze()


@contextmanager
def training_pace():
    """While a run trains: the UI interrupts at most every 50 ms; the objects alive as it starts are frozen."""
    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(TRAINING_SWITCH_INTERVAL)
    gc.freeze()
    try:
        yield
    finally:
        sys.setswitchinterval(previous_interval)
