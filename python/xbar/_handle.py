"""Deterministic lifetimes of C objects.

Every wrapper owns one _Resource: the C handle, its xb_*_free and the
resources it depends on (cells need their device, an array its attached
cells). close() (or leaving a `with` block, or the garbage collector via
weakref.finalize) releases the wrapper's claim; the C object is freed as
soon as it is released and no dependent is alive, so a device closed
before its cells is freed right after them, never under them. Using a
closed object raises StateError, never touches freed memory.
"""
import weakref

from . import errors

__all__ = ["Owned"]


class _Resource:
    __slots__ = ("h", "free", "refs", "released", "parents", "keep")

    def __init__(self, h, free, parents=(), keep=()):
        self.h = h
        self.free = free
        self.refs = 0
        self.released = False
        self.parents = tuple(parents)
        self.keep = keep          # Python objects C memory points into
        for p in self.parents:
            p.refs += 1

    def release(self):
        self.released = True
        self._maybe_free()

    def _maybe_free(self):
        if self.released and self.refs == 0 and self.h is not None:
            h, self.h = self.h, None
            self.free(h)
            self.keep = ()
            for p in self.parents:
                p.refs -= 1
                p._maybe_free()
            self.parents = ()


class Owned:
    """Base of the wrappers: context manager, close(), finalizer."""
    __slots__ = ("_res", "_fin", "__weakref__")

    def _own(self, h, free, parents=(), keep=()):
        if not h:
            raise errors.NoMemoryError("null handle")
        self._res = _Resource(h, free, [p._res for p in parents], keep)
        self._fin = weakref.finalize(self, self._res.release)

    def _take(self, h, e, free, parents=()):
        """Own h from a C constructor that filled the Err e: raise e's
        exception when h is NULL."""
        if not h:
            errors.raise_err(e.code, e)
        self._own(h, free, parents)

    def _adopt(self, parent_res):
        """Depend on another resource for as long as this object lives."""
        self._res.parents += (parent_res,)
        parent_res.refs += 1

    @property
    def _h(self):
        res = getattr(self, "_res", None)
        if res is None or res.released or res.h is None:
            raise errors.StateError("%s is closed" % type(self).__name__)
        return res.h

    @property
    def closed(self):
        res = getattr(self, "_res", None)
        return res is None or res.released

    def close(self):
        """Release the C object now (idempotent)."""
        fin = getattr(self, "_fin", None)
        if fin is not None:
            fin()

    def __enter__(self):
        self._h
        return self

    def __exit__(self, *exc):
        self.close()
        return False
