"""Dask worker preload of the sweep's LocalCluster: the workers ignore SIGINT.

A terminal's Ctrl-C goes to the whole foreground process group.  The sweep client handles it
(one line, exit 130, finished points kept) and shuts its LocalCluster down; the worker processes
must not also die of it, each with a KeyboardInterrupt traceback.  They still stop when the
client closes the cluster or dies (Dask's parent-alive pipe), and on SIGTERM/SIGKILL.
"""

from __future__ import annotations

import signal
import threading


def dask_setup(worker: object) -> None:  # noqa: ARG001 - the preload protocol passes the worker
    """Ignore SIGINT in this worker process (called by Dask when the worker starts)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
