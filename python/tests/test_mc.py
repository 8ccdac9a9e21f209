"""Monte Carlo studies: sampling against py_ref (bit for bit), the runner
into a CSV read back through the library, resume, model errors."""
import os

import numpy as np
import pytest

import xbar

PARAMS = [{"name": "v_th", "dist": "normal", "mean": 0.53, "sigma": 0.003},
          {"name": "c_int", "dist": "truncnormal", "mean": 150e-15,
           "sigma": 20e-15, "lo": 120e-15, "hi": 170e-15}]


def test_samples_equal_c(ref):
    s = xbar.Study(PARAMS, 16, seed=9, lhs=True)
    assert s.samples_matrix().ravel().tolist() == ref["mc_samples"]
    assert s.quantile("c_int", 0.3) == ref["mc_quantile"][0]
    assert s.names == ["v_th", "c_int"] and len(s) == 16
    sm = xbar.summarize(ref["mc_samples"])
    assert [sm[k] for k in ("mean", "sigma", "min", "max", "q05", "q50",
                            "q95")] == ref["mc_summary"]


def model(i, x):
    with xbar.ReadCircuit("se_adaptive", {"v_th": x[0],
                                          "c_int": x[1]}) as r:
        return [r.count(3e-6), r.threshold(3e-6)]


def test_run_and_results(tmp_path):
    s = xbar.Study(PARAMS, 24, seed=2)
    out = tmp_path / "mc.csv"
    res = s.run(model, ["spikes", "vth_eff"], output=out)
    assert res.dtype.names == ("sample", "v_th", "c_int", "spikes",
                               "vth_eff")
    assert res["sample"].tolist() == list(range(24))
    np.testing.assert_array_equal(res["v_th"], s.samples_matrix()[:, 0])
    # each line is the model's result for that sample's parameters
    for k in (0, 7, 23):
        assert list(model(k, s.sample(k))) == [res["spikes"][k],
                                               res["vth_eff"][k]]
    assert np.array_equal(xbar.read_results(out), res)
    # a stopped run resumed gives the same file
    part = tmp_path / "part.csv"
    s.run(model, ["spikes", "vth_eff"], output=part,
          progress=lambda done, total: done >= 10)
    assert 10 <= len(xbar.read_results(part)) < 24
    s.run(model, ["spikes", "vth_eff"], output=part, resume=True)
    assert part.read_bytes() == out.read_bytes()


def test_study_file(src):
    s = xbar.Study.load(os.path.join(src, "models", "mc_array_read.ini"))
    assert s.names == ["d2d", "rw"] and s.get("model") == "array"
    assert s.params[1]["dist"] == "lognormal"
    assert len(s) == 400


def test_errors(tmp_path):
    s = xbar.Study(PARAMS, 8)

    def bad(i, x):
        if i == 3:
            raise ZeroDivisionError("sample 3")
        return [0.0]
    with pytest.raises(ZeroDivisionError):
        s.run(bad, ["y"], output=tmp_path / "bad.csv")

    def range_fail(i, x):
        return [xbar.ReadCircuit("diff").count(1.0)]   # latches
    with pytest.raises(xbar.RangeError):
        s.run(range_fail, ["y"], output=tmp_path / "r.csv")
    with pytest.raises(ValueError):
        s.run(lambda i, x: [1.0, 2.0], ["y"], output=tmp_path / "n.csv")
    with pytest.raises(xbar.RangeError):
        xbar.Study([{"name": "a", "dist": "uniform", "lo": 1, "hi": 0}], 4)
    with pytest.raises(ValueError):
        xbar.Study([{"name": "a", "dist": "cauchy"}], 4)
    with pytest.raises(OSError):
        xbar.Study.load("/nonexistent/study.ini")
    with pytest.raises(OSError):
        xbar.read_results(tmp_path / "none.csv")
