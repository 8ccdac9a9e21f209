"""SAR ADC and bit-sliced weights against py_ref (bit for bit), the ideal
ADC's floor(vin / LSB) and exact integer arithmetic."""
import numpy as np
import pytest

import xbar


def test_sar_equals_c(ref):
    adc = xbar.Sar({"bits": 6, "sigma_cu": 0.02, "noise": 1e-3}, seed=5)
    vin = np.array(ref["sar_vin"])
    k = np.where(np.arange(50) % 3 == 0, 4, 0)
    codes = [adc.convert(v, int(kk), pos=i) for i, (v, kk) in
             enumerate(zip(vin, k))]
    assert codes == ref["sar_codes"]
    assert adc.levels().tolist() == ref["sar_levels"]
    t, dnl, inl = adc.code_density(16)
    assert inl.tolist() == ref["sar_inl"]
    assert adc.caps().size == 7


def test_ideal_sar_floor():
    adc = xbar.Sar({"bits": 8, "v_fs": 1.0})
    lsb = 1.0 / 256
    v = (np.arange(256) + 0.37) * lsb
    np.testing.assert_array_equal(adc.convert(v), np.arange(256))
    assert adc.convert(2.0) == 255
    t, dnl, inl = adc.code_density(64)
    assert np.max(np.abs(inl)) < 1 / 64 + 1e-12


def test_sliced_equals_c_and_integer_arithmetic(ref):
    W = (np.arange(12) * 5 - 30).reshape(4, 3)
    x = np.array([3, -4, 7, -8])
    with xbar.Sliced(4, 3, d=[2, 2, 2], p=[3, 3, 4]) as w:
        assert w.layout == ([2, 2, 2], [3, 3, 4])
        w.set(W)
        np.testing.assert_array_equal(w.get(), W)
        np.testing.assert_array_equal(w.mvm(x, 4), x @ W)     # exact
        adc = xbar.Sar({"bits": 6, "v_fs": 0.5}, seed=1)
        assert w.mvm(x, 4, adc=adc).tolist() == ref["sliced_mvm_adc"]
        clipped = w.opa([1, -2, 3, 0], [2, 1, -1])
        assert w.get().ravel().tolist() + [clipped] == \
            ref["sliced_opa_w_clip"]
        w.crs()
        assert w.levels(0).ravel().tolist() == ref["sliced_crs_levels0"]
        assert 0.0 <= w.saturated(2) <= 1.0


def test_opa_exact_without_saturation():
    w = xbar.Sliced(3, 2, d=[4, 4], p=[8, 8])
    b, a = np.array([2, -1, 3]), np.array([-3, 2])
    assert w.opa(b, a) == 0
    np.testing.assert_array_equal(w.get(), np.outer(b, a))


def test_bad_inputs():
    with pytest.raises(xbar.RangeError) as ei:
        xbar.Sar({"bits": 30})
    assert ei.value.param == "bits" and ei.value.range == (1, 24)
    with pytest.raises(xbar.RangeError):
        xbar.Sliced(2, 2, d=[4], p=[2])                # p < d
    with pytest.raises(ValueError):
        xbar.Sliced(2, 2, d=[2, 2], p=[2])
    w = xbar.Sliced(2, 2, d=[2], p=[2])
    with pytest.raises(xbar.RangeError):
        w.set([[100, 0], [0, 0]])                      # does not fit
    with pytest.raises(ValueError):
        w.set([1, 2, 3, 4])                            # not 2 x 2
    with pytest.raises(TypeError):
        w.mvm([0.5, 1.0], 4)
    with pytest.raises(xbar.RangeError):
        w.mvm([100, 1], 4)                             # beyond 4 bits
    with pytest.raises(IndexError):
        w.levels(1)
