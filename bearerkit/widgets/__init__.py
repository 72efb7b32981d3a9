"""Notebook widgets (ipywidgets 8): a genre explorer, a paste-a-token box, an API explorer,
and the sign-in box that ``DeviceLogin``/``BrowserLogin`` show.

Loaded lazily as ``bk.widgets`` so ``import bearerkit`` stays light; matplotlib is
imported only when a chart is drawn. Every part of a widget carries a CSS class
(``.bk-...``) so browser tests and custom styles can find it.

Callbacks never let an error escape into the browser console: a
:class:`~bearerkit.BearerkitError` (or anything unexpected) is shown in the
widget's red error line instead, and the widget stays usable.

>>> import bearerkit as bk
>>> bk.widgets.GenreExplorer(bk.tmdb.connect())          # doctest: +SKIP
>>> bk.widgets.ApiExplorer(bk.Client(url, bk.load_token("MY_TOKEN")))  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from ..errors import BearerkitError

__all__ = ["ApiExplorer", "GenreExplorer", "LoginBox", "TokenBox"]

try:
    import ipywidgets  # noqa: F401
except ModuleNotFoundError:
    # A plain `pip install bearerkit` has no ipywidgets. Each widget then says which extra
    # brings it when used; importing this package still works, so help(bearerkit) and
    # dir() do not fail on a name the reader never asked for.
    def __getattr__(name: str) -> Any:
        if name in __all__:
            raise BearerkitError(
                f"bearerkit.widgets.{name} needs ipywidgets, which the notebook extra "
                'installs: pip install "bearerkit[notebook]" (then restart the kernel).'
            )
        raise AttributeError(f"module 'bearerkit.widgets' has no attribute {name!r}")

else:
    from .api_explorer import ApiExplorer
    from .genre_explorer import GenreExplorer
    from .login_box import LoginBox
    from .token_box import TokenBox
