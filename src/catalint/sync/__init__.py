"""`catalint sync`: keep a catalog (a Location file or a live Backstage) in step with Bitbucket.

Layers: ``discovery`` (what exists upstream, and whether that answer is complete),
``descriptors`` (fetch + lint each discovered file), then one of the two sinks:
``location_file`` (+ ``git`` to commit/push it) or ``backstage`` (catalog API plan/apply).
"""
