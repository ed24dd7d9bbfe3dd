"""Worker processes that end with the run that started them.

A SIGTERM (a cancelled CI job) ends the parent at once, and a pool's workers, blocked on a queue
the parent can no longer close, would otherwise go on for minutes. Each worker watches its
parent and exits as soon as it is gone (it is then re-parented, so its parent id changes).
"""

from __future__ import annotations

import gc
import os
import threading
import time

POLL = 0.2  # seconds between looks at the parent


def follow_parent() -> None:
    """A process pool's `initializer`: exit this worker when its parent process ends."""
    parent = os.getppid()
    # As in the parent's run (lint/run.py): few cycles, many allocations, a collector kept out of the way.
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)

    def watch() -> None:
        while True:
            time.sleep(POLL)
            if os.getppid() != parent:
                os._exit(1)  # nothing of this worker's work is wanted any more

    threading.Thread(target=watch, name="catalint-follow-parent", daemon=True).start()

