"""Array against py_ref (bit for bit), against its own lower-level calls,
and against Ohm's law."""
import numpy as np
import pytest

import xbar


@pytest.fixture
def arr(ref):
    a = xbar.Array(np.reshape(ref["array_g"], (3, 4)))
    a.set_rw("row", np.reshape(ref["array_rw_row"], (3, 3)))
    yield a
    a.close()


def test_read_equals_c(arr, ref):
    r = arr.read([0.1, 0.2, 0.3])
    assert r.i.tolist() == ref["array_read_i"]
    assert r.v_row.ravel().tolist() == ref["array_read_vrow"]
    assert r.v_col.ravel().tolist() == ref["array_read_vcol"]
    t = arr.read([0.2, 0.4, 0.1, 0.3], axis="col", mode="bias",
                 active=[1, 0, 1, 1], v_bias=0.05, v_sense=0.01, nodes=False)
    assert t.i.tolist() == ref["array_readT_i"] and t.v_row is None
    vc = arr.bias_write([2, 1, 1], [0, 1, 1, 1])
    assert vc.ravel().tolist() == ref["array_bias_cellv"]
    arr.set_solver({"solver": 1})
    assert arr.params.solver == 1
    assert arr.read([0.1, 0.2, 0.3]).i.tolist() == ref["array_klu_i"]


def test_read_equals_the_lower_level_calls(arr):
    r = arr.read([0.1, 0.2, 0.3])
    b = xbar.Array(arr.g)
    b.set_rw("row", np.reshape(np.arange(9) * 0.125 + 0.5, (3, 3)))
    for i, v in enumerate([0.1, 0.2, 0.3]):
        b.drive("row", i, v)
    for j in range(4):
        b.sense("col", j, 0.0)
    st = b.solve()
    assert st.iterations > 0 and st.err_bound < 1e-9
    # the column currents flow from the cells into the sense amps
    assert b.line_i("col").tolist() == r.i.tolist()
    vr, vc = b.node_v()
    assert vr.tolist() == r.v_row.tolist() and vc.tolist() == r.v_col.tolist()
    np.testing.assert_array_equal(b.cell_v(), vr - vc)
    np.testing.assert_allclose(b.cell_i(), b.g * (vr - vc), rtol=1e-15)
    assert b.residual() < 1e-9


def test_ohm_1x1():
    for g, v in [(1e-3, 1.0), (2e-5, 0.3)]:
        a = xbar.Array([[g]], params={"r_drive": 10.0, "r_sense": 5.0})
        i = a.read([v]).i[0]
        assert abs(i - v / (10.0 + 1 / g + 5.0)) <= 1e-14 * abs(i)


def test_wires_cost_current():
    g = np.full((8, 8), 1e-4)
    tiny = {"r_drive": 1e-6, "r_sense": 1e-6}
    ideal = xbar.Array(g, params=tiny, rw_row=1e-6,
                       rw_col=1e-6).read(np.full(8, 0.2)).i
    lossy = xbar.Array(g, rw_row=5.0, rw_col=5.0).read(np.full(8, 0.2)).i
    assert np.all(lossy < ideal)
    np.testing.assert_allclose(ideal, 8 * 1e-4 * 0.2, rtol=1e-6)  # G.v


def test_newton_on_cells_equals_c(ref):
    d = xbar.Device("linear", elec={"iv": 1, "v_iv": 0.25})
    c = xbar.Cells(d, 4, seed=3)
    c.set_g([2e-8, 5e-8, 7e-8, 1e-7], i=[0, 1, 2, 3])
    a = xbar.Array.from_cells(c, (2, 2))
    del c                                   # kept alive by the array
    assert a.read([0.5, 0.3]).i.tolist() == ref["array_newton_i"]
    assert a.stats.newton == ref["array_newton_steps"][0]


def test_lines():
    a = xbar.Array(np.full((2, 3), 1e-5))
    a.set_line("row", 1, "drive", v=0.3, ends=3, r=2.0)
    assert a.get_line("row", 1) == (1, 0.3, 3, 2.0)
    a.float("col", 0)
    assert a.get_line(1, 0).mode == 0
    a.solve()
    assert a.line_i("col")[0] == 0.0


def test_bad_inputs():
    with pytest.raises(ValueError):
        xbar.Array(np.ones(4))                  # not a matrix
    with pytest.raises(xbar.RangeError) as ei:
        xbar.Array(np.full((2, 2), 1e-5), rw_row=-1.0)
    assert ei.value.param == "rw_row"
    a = xbar.Array(np.full((2, 2), 1e-5))
    with pytest.raises(ValueError):
        a.read([0.1, 0.2, 0.3])                 # wrong length
    with pytest.raises(ValueError):
        a.read([0.1, 0.2], axis="diagonal")
    with pytest.raises(TypeError):
        a.read(["x", "y"])
    with pytest.raises(xbar.InvalidArgumentError):
        a.set_g([[1e-5, -1.0], [1e-5, 1e-5]])
    with pytest.raises(ValueError):
        a.set_g(np.full((3, 2), 1e-5))
    with pytest.raises(xbar.InvalidArgumentError):
        a.set_rw("col", [[0.0, 1.0]])
    with pytest.raises(IndexError):
        a.drive("row", 2, 0.1)
    for k in range(2):
        a.float("row", k)
        a.float("col", k)
    with pytest.raises(xbar.SingularError):
        a.solve()
    with pytest.raises(xbar.RangeError) as ei:
        a.set_solver({"tol": 1.0})
    assert ei.value.param == "tol"
    a.close()
    with pytest.raises(xbar.StateError):
        a.read([0.1, 0.2])


def test_fortran_order_input_is_converted(ref):
    g = np.asfortranarray(np.reshape(ref["array_g"], (3, 4)))
    assert np.array_equal(xbar.Array(g).g, np.reshape(ref["array_g"], (3, 4)))


def test_read_into_buffers(arr, ref):
    bufs = (np.empty(4), np.empty((3, 4)), np.empty((3, 4)))
    r = arr.read([0.1, 0.2, 0.3], out=bufs)
    assert r.i is bufs[0] and r.v_col is bufs[2]
    assert r.i.tolist() == ref["array_read_i"]
    assert r.v_row.ravel().tolist() == ref["array_read_vrow"]
    with pytest.raises(ValueError):
        arr.read([0.1, 0.2, 0.3], out=(np.empty(4, np.float32),
                                       bufs[1], bufs[2]))
    with pytest.raises(ValueError):
        arr.read([0.1, 0.2, 0.3], out=(np.empty(4),))
    assert arr.read([0.1, 0.2, 0.3], nodes=False,
                    out=(np.empty(4),)).v_row is None
