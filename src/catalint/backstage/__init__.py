"""Backstage's own rules written in Python: its formats and entity references, and its catalog API."""
