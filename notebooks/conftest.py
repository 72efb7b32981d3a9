"""nbval: pin the notebooks' kernels to the embedded sandbox.

Kernels inherit this process's environment, so with BEARERKIT_SANDBOX=1 set here
``bk.tmdb.connect()`` uses the sandbox even on a machine whose ``.env`` holds a
real token: the outputs then match the stored ones, and no token gets near them.
"""

import os

os.environ["BEARERKIT_SANDBOX"] = "1"
