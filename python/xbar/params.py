"""Parameter sets, built at import from the library's own tables.

Each C parameter set (xbar/param.h) is exported as an xb_param_set: rows of
(name, kind, unit, default, range, description, offset) and the struct
size. This module turns each table into a ctypes Structure laid out by the
offsets (checked against the struct size) and a Python class with one
attribute per row, so nothing about a parameter is written in Python:

    p = xbar.ArrayParams(rw_row=1.0)      # defaults from xb_param_defaults
    p.tol = 1e-12                          # range-checked by the library
    p.rw_row = -1                          # RangeError naming rw_row, range
    ArrayParams.info("tol").unit           # unit, range, description
    print(p.describe())                    # xb_param_describe

Assigning one value parses it with xb_param_set_text (the key's own range
check; the value goes through repr(float), which round-trips exactly);
check() runs xb_param_check, the whole set with its cross-field check
(gmin < gmax, ...), as every constructor in C does again.
"""
import ctypes as C
import keyword
from collections import namedtuple

import numpy as np

from ._lib import lib
from . import errors
from .errors import Err, check as _check

__all__ = ["Params", "Row", "param_class", "class_for_set"]


class _RowC(C.Structure):
    _fields_ = [("name", C.c_char_p), ("kind", C.c_int),
                ("unit", C.c_char_p), ("default", C.c_double),
                ("lo", C.c_double), ("hi", C.c_double),
                ("desc", C.c_char_p), ("offset", C.c_size_t)]


class _SetC(C.Structure):
    _fields_ = [("name", C.c_char_p), ("size", C.c_size_t),
                ("nrows", C.c_size_t), ("rows", C.POINTER(_RowC)),
                ("check", C.c_void_p)]


# enum xb_param_kind
_KINDS = {0: ("double", C.c_double), 1: ("int", C.c_int)}

Row = namedtuple("Row", "name kind unit default lo hi desc")
Row.__doc__ = "One parameter: name, kind ('double'/'int'), unit, default, " \
    "allowed closed range [lo, hi] and description."


class UnknownParamError(errors.UnknownKeyError, AttributeError):
    """XB_EKEY for an attribute that is not a parameter of the set."""


def _unkeyword(name):
    """`lambda_` names the parameter `lambda` (a Python keyword)."""
    if name.endswith("_") and keyword.iskeyword(name[:-1]):
        return name[:-1]
    return name


class Params:
    """Base of the parameter classes (one per C set; see the module doc)."""
    _set = None        # address of the xb_param_set
    _Struct = None     # its ctypes Structure
    _rows = ()         # Row tuples in table order
    section = None     # default .ini section

    __slots__ = ("_c",)

    def __init__(self, **values):
        object.__setattr__(self, "_c", self._Struct())
        lib.xb_param_defaults(self._set, C.byref(self._c))
        for k, v in values.items():
            setattr(self, k, v)

    # ---- construction from C ----
    @classmethod
    def _from_address(cls, addr):
        """A copy of the struct at `addr` (a C pointer to this set's type)."""
        p = cls.__new__(cls)
        object.__setattr__(p, "_c", cls._Struct.from_buffer_copy(
            (C.c_char * C.sizeof(cls._Struct)).from_address(addr)))
        return p

    @classmethod
    def coerce(cls, value):
        """None -> None (the C default), a Params of this class as is, a
        dict -> cls(**dict). Anything else: TypeError."""
        if value is None or isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return cls(**value)
        raise TypeError("expected %s or dict, got %s"
                        % (cls.__name__, type(value).__name__))

    def _ptr(self):
        return C.byref(self._c)

    # ---- attribute access ----
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        name = _unkeyword(name)
        try:
            return getattr(self._c, name)
        except AttributeError:
            raise UnknownParamError("%s has no parameter '%s'"
                                    % (type(self).__name__, name),
                                    param=name) from None

    def __setattr__(self, name, value):
        name = _unkeyword(name)
        if isinstance(value, (bool, np.bool_)):
            value = int(value)
        if isinstance(value, (int, np.integer)):
            text = str(int(value))
        elif isinstance(value, (float, np.floating)):
            text = repr(float(value))
        else:
            raise TypeError("%s.%s: a number is needed, got %s"
                            % (type(self).__name__, name,
                               type(value).__name__))
        e = Err()
        st = lib.xb_param_set_text(self._set, C.byref(self._c),
                                   name.encode(), text.encode(), None, 0,
                                   C.byref(e))
        if st == errors.UnknownKeyError.code:
            raise UnknownParamError(e.msg.decode(), param=name)
        _check(st, e)

    def __dir__(self):
        return [r.name for r in self._rows] + list(super().__dir__())

    # ---- whole-set operations ----
    def check(self):
        """xb_param_check: every range and the set's cross-field check;
        raises RangeError / NotFiniteError / ... naming the parameter."""
        e = Err()
        _check(lib.xb_param_check(self._set, C.byref(self._c), C.byref(e)),
               e)
        return self

    def describe(self):
        """xb_param_describe: `name = value unit [min, max] description`."""
        n = lib.xb_param_describe(self._set, C.byref(self._c), None, 0)
        buf = C.create_string_buffer(n + 1)
        lib.xb_param_describe(self._set, C.byref(self._c), buf, n + 1)
        return buf.value.decode()

    def read_ini(self, path, section=None):
        """Update from section `section` (default: the set's) of an .ini
        file (xb_param_read; unchanged on error). Returns self."""
        e = Err()
        _check(lib.xb_param_read(self._set, C.byref(self._c),
                                 str(path).encode(),
                                 None if section is None else section.encode(),
                                 C.byref(e)), e)
        return self

    @classmethod
    def load_ini(cls, path, section=None):
        """Defaults updated from an .ini file (see read_ini)."""
        return Params.read_ini(cls(), path, section)

    @classmethod
    def info(cls, name):
        """The Row (unit, default, range, description) of a parameter."""
        for r in cls._rows:
            if r.name == name:
                return r
        raise UnknownParamError("%s has no parameter '%s'"
                                % (cls.__name__, name), param=name)

    @classmethod
    def names(cls):
        return [r.name for r in cls._rows]

    def as_dict(self):
        return {r.name: getattr(self._c, r.name) for r in self._rows}

    def copy(self):
        return type(self)._from_address(C.addressof(self._c))

    def __eq__(self, other):
        return type(other) is type(self) and \
            bytes(self._c) == bytes(other._c)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(
            "%s=%r" % kv for kv in self.as_dict().items()))

    def __reduce__(self):
        return (_rebuild, (type(self).__name__, self.as_dict()))


def _rebuild(name, d):
    return _by_name[name](**d)


_by_addr = {}
_by_name = {}


def class_for_set(addr, pyname=None):
    """The Params class of the xb_param_set at address `addr` (built once)."""
    if addr in _by_addr:
        return _by_addr[addr]
    s = _SetC.from_address(addr)
    rows, fields, at = [], [], 0
    for k in sorted(range(s.nrows), key=lambda k: s.rows[k].offset):
        r = s.rows[k]
        kind, ctype = _KINDS[r.kind]
        if r.offset < at:
            raise ImportError("xbar: parameter table %s overlaps at %s"
                              % (s.name, r.name))
        if r.offset > at:
            fields.append(("_pad%d" % at, C.c_char * (r.offset - at)))
        fields.append((r.name.decode(), ctype))
        at = r.offset + C.sizeof(ctype)
    if s.size > at:
        fields.append(("_pad%d" % at, C.c_char * (s.size - at)))
    for k in range(s.nrows):
        r = s.rows[k]
        conv = int if r.kind == 1 else float
        rows.append(Row(r.name.decode(), _KINDS[r.kind][0], r.unit.decode(),
                        conv(r.default), conv(r.lo), conv(r.hi),
                        r.desc.decode()))
    section = s.name.decode()
    pyname = pyname or section.title().replace("_", "") + "Params"
    Struct = type(pyname + "_C", (C.Structure,), {"_fields_": fields})
    if C.sizeof(Struct) != s.size:
        raise ImportError("xbar: %s: struct size %d from the table, %d in C"
                          % (section, C.sizeof(Struct), s.size))
    doc = "Parameters [%s] (from the library's table):\n\n" % section + \
        "\n".join("  %s (%s, %s) = %r in [%r, %r]: %s"
                  % (r.name, r.kind, r.unit, r.default, r.lo, r.hi, r.desc)
                  for r in rows)
    ns = {"_set": addr, "_Struct": Struct, "_rows": tuple(rows),
          "section": section, "__doc__": doc, "__slots__": (),
          "__module__": __name__}
    # one read-only property per field: a parameter named like a method
    # (VarParams.read) is the parameter; assignment goes via __setattr__
    for r in rows:
        ns[r.name] = property(lambda self, n=r.name: getattr(self._c, n),
                              doc="%s (%s) in [%r, %r]: %s"
                              % (r.name, r.unit, r.lo, r.hi, r.desc))
    cls = type(pyname, (Params,), ns)
    _by_addr[addr] = cls
    _by_name[pyname] = cls
    return cls


def param_class(symbol, pyname):
    """The Params class of the exported set `symbol` (xb_array_param_set)."""
    return class_for_set(C.addressof(_SetC.in_dll(lib, symbol)), pyname)


# The library's exported sets (the symbol names of the public headers).
ElecParams = param_class("xb_elec_param_set", "ElecParams")
VarParams = param_class("xb_var_param_set", "VarParams")
ExpParams = param_class("xb_exp_param_set", "ExpParams")
LinearParams = param_class("xb_linear_param_set", "LinearParams")
SoftboundsParams = param_class("xb_softbounds_param_set", "SoftboundsParams")
LutParams = param_class("xb_lut_param_set", "LutParams")
ArrayParams = param_class("xb_array_param_set", "ArrayParams")
ReadParams = param_class("xb_read_param_set", "ReadParams")
TransientParams = param_class("xb_transient_param_set", "TransientParams")
WriteParams = param_class("xb_write_param_set", "WriteParams")
SarParams = param_class("xb_sar_param_set", "SarParams")
LearnParams = param_class("xb_learn_param_set", "LearnParams")
PatchParams = param_class("xb_patch_param_set", "PatchParams")
SynthParams = param_class("xb_synth_param_set", "SynthParams")

__all__ += [n for n in list(globals())
            if n.endswith("Params") and n != "Params"]
