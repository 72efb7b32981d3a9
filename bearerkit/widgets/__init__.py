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

from ..errors import BearerkitError

try:
    import ipywidgets  # noqa: F401  (a plain `pip install bearerkit` has none: say which extra)
except ModuleNotFoundError:
    raise BearerkitError(
        "bearerkit.widgets needs ipywidgets, which the notebook extra installs: "
        'pip install "bearerkit[notebook]" (then restart the kernel).'
    ) from None

from .api_explorer import ApiExplorer
from .genre_explorer import GenreExplorer
from .login_box import LoginBox
from .token_box import TokenBox

__all__ = ["ApiExplorer", "GenreExplorer", "LoginBox", "TokenBox"]
