"""The core: one file (file.py), one run (run.py), the result cache and the worker processes."""
