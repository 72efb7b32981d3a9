"""Plumbing for the tutorial notebooks in ``notebooks/``: their kernels' environment
(harness.py), nbval's rules (sanitize.cfg, plugin.py) and the script that regenerates
their stored outputs (regenerate.py)."""
