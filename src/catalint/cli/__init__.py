"""The command line, and the only package that imports click: one module per command group.

Commands are imported only when used, so `catalint lint` starts fast. Each module parses its
options, calls the layers below, and turns what they return into output and an exit code.

The console script is `entry`: a `catalint lint` run that repeats one whose inputs have not
changed since is answered from its memo (lint/memo.py) before click or any command is imported.
`main`, the click group, is loaded on first use.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # (`typing` itself costs more to import than a memo's whole answer)
if TYPE_CHECKING:
    from typing import Any

    from catalint.cli.app import main

# command name -> (module, attribute)
COMMANDS = {
    "lint": ("catalint.cli.lint", "lint"),
    "rules": ("catalint.cli.rules", "list_rules"),
    "explain": ("catalint.cli.rules", "explain"),
    "auth": ("catalint.cli.bitbucket", "auth_command"),
    "discover": ("catalint.cli.bitbucket", "discover_command"),
    "sync": ("catalint.cli.sync", "sync_group"),
    "merge": ("catalint.cli.merge", "merge_command"),
}


def entry() -> None:
    """The `catalint` console script: the run memo's answer when it has one, else the command."""
    from catalint.lint import memo

    memo.replay(sys.argv)  # exits when the memo answers
    if memo.cache_root(sys.argv[1:], os.environ) is not None:
        from catalint.lint import memo_record  # (only for a run that may leave a memo)

        memo_record.start(sys.argv)
    from catalint.cli.app import main

    try:
        main()
    except SystemExit as stop:
        _leave(stop)


def _leave(stop: SystemExit) -> None:
    """Exit with `stop`'s code without tearing the interpreter down: freeing one by one the
    objects a large run holds (its results, the cache's lines) was a twentieth of a pull
    request's run at 30,000 files. Exit handlers still run, and output is flushed first; a
    stream that cannot be flushed, another thread still at work, a message to print, or a
    profiler watching exits the usual way instead."""
    import atexit
    import threading

    code = stop.code
    # (a profiler or coverage tracer writes its findings after the script: it gets the usual exit)
    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if not (code is None or isinstance(code, int)) or watched or threading.active_count() > 1 or not _flushed():
        raise stop
    atexit._run_exitfuncs()
    if not _flushed():
        raise stop
    os._exit(code or 0)


def _flushed() -> bool:
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # (None: started with the stream closed)
                stream.flush()
    except (OSError, ValueError):
        return False
    return True


def __getattr__(name: str) -> Any:
    # `main` is the click group: importing it imports click, which `entry` avoids until needed.
    if name == "main":
        from catalint.cli.app import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMANDS", "entry", "main"]
