"""``python -m bearerkit``: see :mod:`bearerkit.cli`."""

from .cli import main

raise SystemExit(main())
