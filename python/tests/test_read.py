"""Read circuits against py_ref (bit for bit) and the ideal comparator's
closed form floor(I T / (C dV))."""
import os

import numpy as np
import pytest

import xbar


@pytest.fixture
def se(src):
    with xbar.ReadCircuit.load(os.path.join(src, "models",
                                            "read_se_65nm.ini")) as r:
        yield r


def test_counts_events_equal_c(se, ref):
    assert se.type == "se_adaptive"
    assert se.count(ref["read_currents"]).tolist() == ref["read_counts"]
    assert se.count(ref["read_currents"][2]) == ref["read_counts"][2]
    assert se.events(5e-6, 10e-9).tolist() == ref["read_events"]
    assert se.threshold(6e-6) == ref["read_threshold"][0]


def test_dz_and_transient_equal_c(se, ref):
    a = xbar.Array(np.reshape(ref["dz_g"], (4, 3)))
    assert se.dz(a, [3, 0, 15, 9], zbits=4, v_read=0.2).tolist() == \
        ref["dz"]
    before = [a.get_line("row", k) for k in range(4)]
    spikes, times, st = se.transient(a, [0.7, 0.7, 0.5, 0.7],
                                     params=xbar.TransientParams(), cap=4)
    assert spikes.tolist() == ref["transient_spikes"]
    assert times.shape == (3, 4) and times[0, 0] == ref["transient_t0"][0]
    assert st.events > 0
    # the array's own lines are restored
    assert [a.get_line("row", k) for k in range(4)] == before


def test_ideal_comparator_floor():
    # the diff circuit made ideal: no delay, instant reset to V_reset
    c, T, dv = 100e-15, 4e-9, 0.03
    r = xbar.ReadCircuit("diff", {"t_delay": 0.0, "r_reset": 1e-3,
                                  "v_tl": 0.5 + 1e-7, "c_int": c,
                                  "window": T})
    p = r.params
    assert p.v_th - p.v_reset == pytest.approx(dv, abs=1e-15)
    i = 1e-8 * np.arange(1, 2001) * 0.5 + 3.3e-10
    x = i * T / (c * dv)
    keep = np.abs(x - np.floor(x + 0.5)) >= 1e-4
    assert keep.sum() > 1995
    np.testing.assert_array_equal(r.count(i[keep]), np.floor(x[keep]))
    assert r.count(-i[keep][:50]).tolist() == \
        np.floor(x[keep][:50]).astype(int).tolist()      # mirrored


def test_digital_side():
    assert xbar.thermometer(3) == 0b111 and xbar.thermometer(12) == 0xFF
    assert xbar.encode(xbar.thermometer(np.arange(10))).tolist() == \
        [0, 1, 2, 3, 4, 5, 6, 7, 7, 7]


def test_wave():
    r = xbar.ReadCircuit("se_adaptive")
    v, out = r.wave(3e-6, np.linspace(0, r.params.window, 50))
    assert v[0] == r.params.v_reset and set(out) <= {0.0, 1.0}


def test_bad_inputs():
    with pytest.raises(xbar.UnknownTypeError):
        xbar.ReadCircuit("nope")
    with pytest.raises(xbar.RangeError) as ei:
        xbar.ReadCircuit("diff", {"c_int": 1.0})
    assert ei.value.param == "c_int" and ei.value.range == (1e-18, 1e-9)
    with pytest.raises(xbar.RangeError):
        xbar.ReadCircuit("diff", {"v_tl": 0.6})          # above v_th
    r = xbar.ReadCircuit("diff")
    with pytest.raises(xbar.RangeError):
        r.count(1.0)                                     # latches
    with pytest.raises(TypeError):
        r.count("1e-6")
    a = xbar.Array(np.full((2, 2), 1e-5))
    with pytest.raises(ValueError):
        r.dz(a, [1, 2, 3])
    with pytest.raises(TypeError):
        r.dz(a, [0.5, 1])
    with pytest.raises(TypeError):
        r.dz("array", [1, 2])
