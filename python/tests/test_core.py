"""The loader, the exceptions and the parameter tables."""
import ctypes as C
import math

import pytest

import xbar
from xbar import errors
from xbar._lib import lib


def test_every_status_is_a_class_with_the_library_message():
    n = 0
    code = -1
    while lib.xb_status_name(code) != b"XB_UNKNOWN":
        cls = errors.by_code[code]
        assert issubclass(cls, xbar.XbarError)
        assert cls.status == lib.xb_status_name(code).decode()
        assert lib.xb_strerror(code).decode() in cls.__doc__
        n += 1
        code -= 1
    assert n == len(errors.by_code) == 15


@pytest.mark.parametrize("name,base", [
    ("XB_ERANGE", ValueError), ("XB_EIO", OSError), ("XB_ENOMEM", MemoryError),
    ("XB_EKEY", KeyError), ("XB_ESINGULAR", ArithmeticError),
    ("XB_ESTATE", RuntimeError), ("XB_EINVAL", ValueError)])
def test_hierarchy(name, base):
    assert issubclass(errors.by_name[name], base)


def test_range_error_names_parameter_and_range():
    p = xbar.ArrayParams()
    with pytest.raises(xbar.RangeError) as ei:
        p.rw_row = -1.0
    e = ei.value
    assert e.param == "rw_row" and e.range == (1e-6, 1e9)
    assert "rw_row" in str(e) and "1e-06" in str(e)
    assert p.rw_row == 0.634          # unchanged


def test_nan_and_types_and_unknown_keys():
    p = xbar.ReadParams()
    with pytest.raises(xbar.NotFiniteError) as ei:
        p.c_int = math.nan
    assert ei.value.param == "c_int"
    with pytest.raises(TypeError):
        p.c_int = "1e-15"
    with pytest.raises(AttributeError):
        p.no_such = 1.0
    with pytest.raises(xbar.UnknownKeyError):
        xbar.ReadParams(no_such=1.0)
    with pytest.raises(xbar.SyntaxError_):
        xbar.ArrayParams(maxit=2.5)


def test_cross_field_check():
    p = xbar.ExpParams(gmin=1e-6, gmax=1e-7)   # each in range
    with pytest.raises(xbar.RangeError) as ei:
        p.check()
    assert ei.value.param == "gmin"


def test_tables_match_the_c_structs(ref):
    # the struct layout comes from the table's offsets; the defaults
    # written by xb_param_defaults into it equal py_ref's C struct fields
    p = xbar.ArrayParams()
    assert [p.rw_row, p.rw_col, p.r_drive, p.r_sense] == ref["array_defaults"]
    for cls in [xbar.ArrayParams, xbar.ReadParams, xbar.ExpParams,
                xbar.SarParams, xbar.WriteParams, xbar.LearnParams,
                xbar.TransientParams, xbar.ElecParams, xbar.VarParams]:
        q = cls()
        for r in cls._rows:
            assert getattr(q, r.name) == r.default
            assert r.lo <= r.default <= r.hi
            assert r.unit and r.desc
        assert C.sizeof(cls._Struct) == \
            xbar.params._SetC.from_address(cls._set).size
        assert cls.info(cls._rows[0].name).unit in cls.__doc__
        assert cls().describe().count("\n") >= len(cls._rows)


def test_values_round_trip_exactly():
    p = xbar.ArrayParams()
    for v in [0.1, 1 / 3, 2.0 ** -10, 123456.789e-3]:
        p.rw_col = v
        assert p.rw_col == v
    p.solver = True
    assert p.solver == 1
    assert p == p.copy() and p != xbar.ArrayParams()
    assert xbar.LearnParams(lambda_=0.25).lambda_ == 0.25


def test_read_ini(tmp_path):
    f = tmp_path / "a.ini"
    f.write_text("[array]\nrw_row = 2.5\n")
    assert xbar.ArrayParams.load_ini(str(f)).rw_row == 2.5
    f.write_text("[array]\nrw_row = -3\n")
    with pytest.raises(xbar.RangeError) as ei:
        xbar.ArrayParams.load_ini(str(f))
    assert ei.value.file.endswith("a.ini") and ei.value.line == 2
    with pytest.raises(OSError):
        xbar.ArrayParams.load_ini(str(tmp_path / "none.ini"))
