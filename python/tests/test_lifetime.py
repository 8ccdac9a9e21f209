"""Deterministic lifetimes: with/close/finalizer free the C objects, in
dependency order; no leak over 10,000 create/destroy cycles (RSS from
/proc/self/statm bounded)."""
import gc
import os

import numpy as np
import pytest

import xbar

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def cycle(k):
    with xbar.Device("linear") as d:
        with xbar.Cells(d, 16, seed=k) as c:
            c.pulse_all(np.full(16, 2.0), 1e-3)
            with xbar.Array.from_cells(c, (4, 4)) as a:
                a.read(np.full(4, 0.1))
    r = xbar.ReadCircuit("diff")            # left to the finalizer
    r.count(1e-6)
    del r
    with xbar.Sar({"bits": 4}, seed=k) as s:
        s.convert(0.3)
    with xbar.Sliced(2, 2, d=[2]) as w:
        w.set([[1, 0], [0, 1]])
    with xbar.Study([{"name": "a", "dist": "uniform", "lo": 0,
                      "hi": 1}], 4) as st:
        st.sample(1)
    try:                                     # failing constructors too
        xbar.Array(np.full((2, 2), -1.0))
    except xbar.InvalidArgumentError:
        pass


def test_no_leak_over_10000_cycles():
    for k in range(500):                     # warm up allocator and caches
        cycle(k)
    gc.collect()
    before = rss()
    for k in range(10000):
        cycle(k)
    gc.collect()
    grown = rss() - before
    assert grown < 5 * 2**20, "RSS grew by %.1f MB" % (grown / 2**20)


def test_dependents_keep_parents():
    d = xbar.Device("linear")
    c = xbar.Cells(d, 4)
    a = xbar.Array.from_cells(c, (2, 2))
    d.close()
    c.close()
    assert d.closed and c.closed
    assert d._res.h is not None and c._res.h is not None   # still in use
    assert a.read([0.1, 0.1]).i[0] > 0
    a.set_g(np.full((2, 2), 1e-5))                         # detaches cells
    assert c._res.h is None and d._res.h is None           # freed now
    a.close()
    assert a._res.h is None
    with pytest.raises(xbar.StateError):
        a.read([0.1, 0.1])
    with pytest.raises(xbar.StateError):
        xbar.Cells(d, 4)


def test_finalizer_frees():
    c = xbar.Cells(xbar.Device("linear"), 4)
    res, dres = c._res, c.device._res
    del c
    gc.collect()
    assert res.h is None and dres.h is None
