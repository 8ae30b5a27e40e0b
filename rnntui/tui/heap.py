"""The start-up heap, hidden from the cyclic garbage collector while an app runs."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Hide everything alive once the first screen is drawn from the cyclic garbage collector.

    A full collection walks every tracked object: the modules, Textual's classes and caches and,
    where a benchmark or demo loaded it, torch. That is a pause of tens of milliseconds on the UI
    thread, and during a run (when new views and log lines keep making garbage) it comes often
    enough to make keys visibly lag. What is alive after start-up mostly lives as long as the app,
    so freezing it costs little; later garbage is collected as before, and on_unmount unfreezes."""
    gc.collect()
    gc.freeze()
