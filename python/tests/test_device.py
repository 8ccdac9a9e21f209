"""Device, Cells and the fitter against py_ref (bit for bit) and the
model's closed forms."""
import os

import numpy as np
import pytest

import xbar


def preset(src, name):
    return os.path.join(src, "models", name)


def test_cells_equal_c(src, ref):
    with xbar.Device.load(preset(src, "pcmo_park2013.ini")) as d0:
        d = d0.with_variation({"c2c": 0.01, "read": 0.02, "d2d_g": 0.1})
    assert d0.closed and not d.closed
    assert list(d.bounds) == ref["device_bounds"]
    assert d.levels == ref["device_levels"][0]
    with xbar.Cells(d, 6, seed=11) as c:
        c.pulse_all([2.0, -2.0, 1.6, 1.0, 2.0, 2.0], 1e-3)
        c.pulse(2, 2.0, 0.5e-3, count=7)
        assert c.g.tolist() == ref["cells_g"]
        assert c.read(np.arange(6), 0.2, event=5).tolist() == \
            ref["cells_read"]
        assert c.read(3, 0.2, 5) == ref["cells_read"][3]


def test_linear_closed_form():
    d = xbar.Device("linear", {"gmin": 1e-8, "gmax": 1e-7, "levels": 64})
    c = xbar.Cells(d, 3)
    np.testing.assert_array_equal(c.g, 1e-8)
    c.pulse([0, 1, 2], 2.0, 1e-3, count=1)        # one full pulse
    np.testing.assert_allclose(c.g, 1e-8 + 9e-8 / 64, rtol=1e-12)
    c.set_g(5e-8)
    np.testing.assert_array_equal(c.g, 5e-8)
    c.set_g([2e-8, 3e-8], i=[0, 2])
    assert c.g.tolist() == [2e-8, 5e-8, 3e-8]
    cur, didv = c.iv(1, 0.3)
    assert cur == 5e-8 * 0.3 and didv == 5e-8           # ohmic
    assert d.rate(0.9) == 0.0 and d.rate(2.0) == 1.0 and d.rate(-2.0) == -1
    assert d.type == "linear" and d.params.levels == 64


def test_straight_twin(src):
    d = xbar.Device.load(preset(src, "pcmo_park2013.ini"))
    s = d.straight()
    assert s.type == "linear" and s.bounds == d.bounds
    assert s.levels == d.levels
    with pytest.raises(xbar.UnknownTypeError):
        xbar.Device("softbounds").straight()
    assert "A" in d.describe() and "exp" in d.describe()


def test_fit_equals_c(ref):
    f = xbar.fit(np.arange(20.0), ref["fit_g"])
    assert list(f) == ref["fit"]
    assert f.dir == 1 and 6.5 < f.a < 7.5


def test_lut_device_from_arrays():
    p = np.arange(5.0)
    d = xbar.Device("lut", table=(p, 1e-8 * (1 + p), p, 1e-8 * (5 - p)))
    assert d.bounds == (1e-8, 5e-8)


def test_bad_inputs():
    with pytest.raises(xbar.RangeError) as ei:
        xbar.Device("linear", {"gmin": 2e-7, "gmax": 1e-7})
    assert ei.value.param == "gmin"
    with pytest.raises(xbar.RangeError) as ei:
        xbar.Device("exp", elec={"vw_set": 1e3})
    assert ei.value.param == "vw_set" and ei.value.range == (1e-3, 100.0)
    with pytest.raises(xbar.UnknownTypeError):
        xbar.Device("nonsense")
    with pytest.raises(OSError):
        xbar.Device.load("/nonexistent.ini")
    c = xbar.Cells(xbar.Device("linear"), 4)
    with pytest.raises(ValueError):
        c.pulse_all([2.0, 2.0], 1e-3)                     # wrong length
    with pytest.raises(TypeError):
        c.pulse_all(["a"] * 4, 1e-3)
    with pytest.raises(IndexError):
        c.pulse(4, 2.0, 1e-3)
    with pytest.raises(xbar.InvalidArgumentError):
        c.set_g(float("nan"))
    with pytest.raises(xbar.InvalidArgumentError):
        c.pulse(0, 2.0, -1.0)
    with pytest.raises(xbar.DataError):
        xbar.fit([0, 1, 2], [1e-8, 2e-8, 3e-8])
    with pytest.raises(ValueError):
        xbar.fit([0, 1, 2, 3], [1e-8, 2e-8])
    c.close()
    with pytest.raises(xbar.StateError):
        c.g


def test_non_contiguous_and_other_dtypes_are_converted():
    d = xbar.Device("linear")
    a, b = xbar.Cells(d, 4), xbar.Cells(d, 4)
    v = np.array([2.0, 0, 2.0, 0, 2.0, 0, 2.0, 0])[::2]   # strided
    a.pulse_all(v, 1e-3)
    b.pulse_all(np.full(4, 2, dtype=np.int16), 1e-3)
    assert a.g.tolist() == b.g.tolist()


def test_device_outlives_closed_cells_order():
    d = xbar.Device("linear")
    c = xbar.Cells(d, 10)
    d.close()                      # freed only after its cells
    c.pulse(0, 2.0, 1e-3)
    assert c.g[0] > c.g[1]
    c.close()
