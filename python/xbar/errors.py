"""xbar status codes as Python exceptions.

Every XB_E* code of xbar/error.h is one exception class, found at import by
walking the library's own code list (xb_status_name / xb_strerror, codes -1,
-2, ... until the library answers XB_UNKNOWN), so a code added to
XB_STATUS_LIST gets a class without touching this file. All derive from
XbarError; each also derives from the built-in exception a Python caller
would catch for it (RangeError is a ValueError, IOError_ an OSError, ...).

An exception carries the detail of the C call's xb_err:
  code, status (e.g. "XB_ERANGE"), message, file, line, param, lo, hi
(file "" / line 0 / param "" / lo, hi None when they do not apply) and
str(e) is the library's full message, which names the parameter and its
allowed range.
"""
import ctypes as C
import math

from ._lib import lib

__all__ = ["XbarError"]      # + one name per status class (below)


class Err(C.Structure):
    """struct xb_err (xbar/error.h): the caller-owned error detail."""
    _fields_ = [("code", C.c_int), ("msg", C.c_char * 512),
                ("file", C.c_char * 256), ("line", C.c_int),
                ("param", C.c_char * 64), ("lo", C.c_double),
                ("hi", C.c_double)]


class XbarError(Exception):
    """Base of every error the xbar library reports."""
    code = None
    status = None

    def __init__(self, message, file="", line=0, param="", lo=None, hi=None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.param = param
        self.lo = lo
        self.hi = hi

    @property
    def range(self):
        """The allowed closed range (lo, hi) of `param`, or None."""
        return None if self.lo is None else (self.lo, self.hi)

    def __str__(self):
        return self.message


# Which built-in exception each status also is, and its Python name. Only
# the naming lives here; codes and messages come from the library.
_KIND = {
    "XB_ENOMEM": ("NoMemoryError", MemoryError),
    "XB_EINVAL": ("InvalidArgumentError", ValueError),
    "XB_EIO": ("IOError_", OSError),
    "XB_ESYNTAX": ("SyntaxError_", ValueError),
    "XB_EKEY": ("UnknownKeyError", KeyError),
    "XB_ERANGE": ("RangeError", ValueError),
    "XB_ENAN": ("NotFiniteError", ValueError),
    "XB_EMISSING": ("MissingError", ValueError),
    "XB_ETYPE": ("UnknownTypeError", ValueError),
    "XB_EDATA": ("DataError", ValueError),
    "XB_ENOCONV": ("NoConvergenceError", ArithmeticError),
    "XB_ESINGULAR": ("SingularError", ArithmeticError),
    "XB_ESIZE": ("SizeError", ValueError),
    "XB_ESTATE": ("StateError", RuntimeError),
    "XB_EEXTERNAL": ("ExternalError", RuntimeError),
}

by_code = {}   # -6 -> RangeError
by_name = {}   # "XB_ERANGE" -> RangeError


def _build():
    code = -1
    while True:
        name = lib.xb_status_name(code).decode()
        if name == "XB_UNKNOWN":
            break
        msg = lib.xb_strerror(code).decode()
        pyname, base = _KIND.get(name, (name[3:].title() + "Error",
                                        RuntimeError))
        cls = type(pyname, (XbarError, base), {
            "__doc__": "%s (%d): %s." % (name, code, msg),
            "__module__": __name__, "code": code, "status": name,
            "__str__": XbarError.__str__})
        by_code[code] = cls
        by_name[name] = cls
        globals()[pyname] = cls
        __all__.append(pyname)
        code -= 1


_build()
del _build


def _s(b):
    return b.decode(errors="replace")


def raise_err(status, err=None):
    """Raise the exception of `status` with the detail in `err` (an Err)."""
    cls = by_code.get(status, XbarError)
    if err is None or not err.msg:
        raise cls(lib.xb_strerror(status).decode())
    lo = None if math.isnan(err.lo) else err.lo
    hi = None if math.isnan(err.hi) else err.hi
    raise cls(_s(err.msg), _s(err.file), err.line, _s(err.param), lo, hi)


def check(status, err=None):
    """Return None for XB_OK, else raise (see raise_err)."""
    if status != 0:
        raise_err(status, err)
