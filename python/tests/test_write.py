"""The overlap write against py_ref (bit for bit) and its own ideal."""
import os

import numpy as np
import pytest

import xbar


def test_generators_equal_c(ref):
    w = xbar.OverlapWrite()
    assert list(w.z_window(5, 1)) == ref["write_zwin"]
    t, h = w.r_pulses(-3, q=1)
    assert t.tolist() == ref["write_rpulses"] and h == ref["write_rhalf"][0]
    r, z = np.meshgrid(np.arange(-15, 16), [0, 7, 14], indexing="ij")
    assert w.overlap(r, z).ravel().tolist() == ref["write_overlap"]
    assert w.ideal(r, z).ravel().tolist() == ref["write_ideal"]
    assert w.overlap(3, 0) == 0.0 and w.overlap(-3, 7) > 0 > w.overlap(3, 7)


def test_parallel_write_equals_c(src, ref):
    d = xbar.Device.load(os.path.join(src, "models", "pcmo_parca.ini"))
    c = xbar.Cells(d, 9, seed=2)
    c.set_g(2e-8)
    a = xbar.Array.from_cells(c, (3, 3))
    st = xbar.write_parallel(a, c, [3, -5, 0], [4, 16, 0])
    assert c.g.tolist() == ref["write_g"]
    assert st.slices == ref["write_slices"][0]
    assert st.v_full_min == ref["write_vfull_min"][0]


def test_bad_inputs():
    with pytest.raises(xbar.RangeError) as ei:
        xbar.OverlapWrite({"reps": 0})
    assert ei.value.param == "reps"
    w = xbar.OverlapWrite()
    with pytest.raises(xbar.RangeError):
        w.z_window(17, 0)                     # z beyond zbits
    with pytest.raises(xbar.RangeError):
        w.r_pulses(16)                        # |r| beyond r_levels
    d = xbar.Device("linear")
    c = xbar.Cells(d, 4)
    a = xbar.Array.from_cells(c, (2, 2))
    with pytest.raises(ValueError):
        w.write_parallel(a, c, [1, 2, 3], [1, 1])
    with pytest.raises(TypeError):
        w.write_parallel(a, c, [0.5, 1], [1, 1])
    with pytest.raises(TypeError):
        w.write_parallel(a, None, [1, 1], [1, 1])
