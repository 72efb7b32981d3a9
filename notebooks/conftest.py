"""nbval: run the notebooks' kernels in the tutorial harness environment (see harness.py).

Kernels inherit this process's environment. Without a ``.env`` (``BEARERKIT_ENV_FILE``
names a missing file) ``bk.tmdb.connect()`` uses the sandbox even on a machine whose
``.env`` holds a real token, and cassettes only replay (``BEARERKIT_RECORD_MODE=none``):
the outputs then match the stored ones, and no token gets near them.
"""

import os

from harness import kernel_env

_env = kernel_env()
for _name in [n for n in os.environ if n not in _env]:
    del os.environ[_name]
os.environ.update(_env)
