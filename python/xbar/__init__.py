"""xbar: RRAM crosspoint arrays and their CMOS peripherals, from Python.

`import xbar` binds the C library libxbar with ctypes from the standard
library: no compiler and no build step for the package itself, so it works
in place from the build tree (python/ beside build/libxbar.so) as well as
installed (`make install`). CFFI would need a C compiler at install time
(API mode) or a hand-kept copy of the declarations (ABI mode); ctypes needs
the same declarations (xbar/_lib.py, one line per function) and nothing
else. Every number comes from the C library: parameter tables, error
messages and all the physics; Python only converts numpy arrays in and out
and manages lifetimes (context managers, close(), finalizers).

The library is found via XBAR_LIBRARY, else ../build/libxbar.so beside the
package, else the installed copy (_paths.py, written by make install).
"""
from ._lib import path as library_path
from . import errors
from .errors import XbarError
from .errors import *          # noqa: F401,F403  the exception classes
from . import params
from .params import *          # noqa: F401,F403  the parameter classes
from . import device
from .device import *          # noqa: F401,F403
from . import array
from .array import *           # noqa: F401,F403
from . import read
from .read import *            # noqa: F401,F403
from . import write
from .write import *           # noqa: F401,F403
from . import mvm
from .mvm import *             # noqa: F401,F403
from . import mc
from .mc import *              # noqa: F401,F403

_MODULES = [errors, params, device, array, read, write, mvm, mc]
__all__ = ["library_path", "XbarError"] + \
    [m.__name__.rsplit(".", 1)[1] for m in _MODULES] + \
    [n for m in _MODULES for n in m.__all__]
from . import data, learn; from .data import *; from .learn import *; __all__ += ["data", "learn"] + data.__all__ + learn.__all__  # noqa: E402,E702,F401,F403  the learner and its patches (xbar/learn.h, data.h)
