"""Loading libxbar and declaring its C functions (ctypes).

The library is found, in this order, at
  1. the path in the environment variable XBAR_LIBRARY;
  2. the build tree beside the package (python/../build/libxbar.so), so the
     package works in place from a source checkout after `make build`;
  3. the installed library named by _paths.py, which `make install` writes.
Every function the package calls is declared once, below, with its argtypes
and restype: pointers to opaque handles, structs and arrays are c_void_p
(callers pass an address and keep the object alive for the call), sizes are
c_size_t, seeds and stream positions c_uint64. Other modules (the learner)
add theirs with declare(), never by calling an undeclared symbol.
"""
import ctypes as C
import os

__all__ = ["lib", "path", "declare"]

_HERE = os.path.dirname(os.path.abspath(__file__))


def _candidates():
    env = os.environ.get("XBAR_LIBRARY")
    if env:
        yield env, "XBAR_LIBRARY"
        return
    yield os.path.join(_HERE, os.pardir, os.pardir, "build", "libxbar.so"), \
        "build tree"
    try:
        from . import _paths  # written by `make install`
        yield _paths.LIBRARY, "installed"
    except ImportError:
        pass


def _load():
    tried = []
    for p, why in _candidates():
        p = os.path.normpath(p)
        if os.path.exists(p):
            return C.CDLL(p), p
        tried.append("%s (%s)" % (p, why))
    raise ImportError("xbar: libxbar.so not found; tried: " + "; ".join(tried)
                      + ". Build it (make build) or set XBAR_LIBRARY.")


lib, path = _load()

P = C.c_void_p
I = C.c_int
U = C.c_uint
D = C.c_double
Z = C.c_size_t
U32 = C.c_uint32
U64 = C.c_uint64
S = C.c_char_p
N = None

# The C prototypes: name -> (restype, argtypes), one line each, in the
# order of the public headers.
_PROTOS = {
    # error.h
    "xb_strerror": (S, [I]),
    "xb_status_name": (S, [I]),
    "xb_err_clear": (N, [P]),
    # param.h
    "xb_param_defaults": (N, [P, P]),
    "xb_param_check": (I, [P, P, P]),
    "xb_param_find": (P, [P, S]),
    "xb_param_set_text": (I, [P, P, S, S, S, I, P]),
    "xb_param_get": (D, [P, P]),
    "xb_param_read": (I, [P, P, S, S, P]),
    "xb_param_describe": (Z, [P, P, P, Z]),
    # device.h
    "xb_lut_data_read": (I, [S, P, P]),
    "xb_lut_data_free": (N, [P]),
    "xb_device_type_find": (P, [S]),
    "xb_device_create": (P, [P, P, P, P, P, P]),
    "xb_device_load": (P, [S, P]),
    "xb_device_with_variation": (P, [P, P, P]),
    "xb_device_straight": (P, [P, P]),
    "xb_device_free": (N, [P]),
    "xb_device_name": (S, [P]),
    "xb_device_type_of": (P, [P]),
    "xb_device_params": (P, [P]),
    "xb_device_elec": (P, [P]),
    "xb_device_variation": (P, [P]),
    "xb_device_bounds": (N, [P, P, P]),
    "xb_device_levels": (D, [P]),
    "xb_device_rate": (D, [P, D]),
    "xb_device_describe": (Z, [P, P, Z]),
    "xb_cells_create": (P, [P, Z, U64, P]),
    "xb_cells_free": (N, [P]),
    "xb_cells_count": (Z, [P]),
    "xb_cells_device": (P, [P]),
    "xb_cells_g": (P, [P]),
    "xb_cells_gscale": (D, [P, Z]),
    "xb_cells_shape": (D, [P, Z]),
    "xb_cells_stuck": (I, [P, Z]),
    "xb_cells_state": (N, [P, Z, P]),
    "xb_cells_set_g": (I, [P, Z, D, P]),
    "xb_cells_reset": (I, [P, D, P]),
    "xb_cells_pulse": (I, [P, Z, D, D, U, P]),
    "xb_cells_pulse_all": (I, [P, P, D, P]),
    "xb_cells_iv": (I, [P, Z, D, P, P, P]),
    "xb_cells_read": (I, [P, Z, D, U64, P, P]),
    "xb_exp_fit_data": (I, [P, P, Z, P, P]),
    "xb_exp_max_deviation": (D, [D, D]),
    "xb_exp_a_from_nl": (I, [D, D, P, P]),
    "xb_exp_b": (D, [D, D, D, D]),
    # array.h
    "xb_array_create": (P, [Z, Z, P, P]),
    "xb_array_free": (N, [P]),
    "xb_array_rows": (Z, [P]),
    "xb_array_cols": (Z, [P]),
    "xb_array_params_of": (P, [P]),
    "xb_array_set_solver": (I, [P, P, P]),
    "xb_array_set_g": (I, [P, P, P]),
    "xb_array_set_cells": (I, [P, P, P]),
    "xb_array_g": (P, [P]),
    "xb_array_set_rw": (I, [P, I, P, P]),
    "xb_array_set_line": (I, [P, I, Z, P, P]),
    "xb_array_get_line": (I, [P, I, Z, P]),
    "xb_array_drive": (I, [P, I, Z, D, P]),
    "xb_array_sense": (I, [P, I, Z, D, P]),
    "xb_array_float": (I, [P, I, Z, P]),
    "xb_array_solve": (I, [P, P]),
    "xb_array_node_v": (I, [P, P, P]),
    "xb_array_cell_v": (I, [P, P]),
    "xb_array_cell_i": (I, [P, P]),
    "xb_array_line_i": (I, [P, I, P]),
    "xb_array_stats": (I, [P, P]),
    "xb_array_read": (I, [P, I, P, P, I, D, D, P, P]),
    "xb_array_bias_write": (I, [P, P, P, P]),
    "xb_array_residual": (I, [P, P, P]),
    # read.h
    "xb_read_type_find": (P, [S]),
    "xb_read_create": (P, [P, P, P]),
    "xb_read_load": (P, [S, P]),
    "xb_read_free": (N, [P]),
    "xb_read_type_of": (P, [P]),
    "xb_read_params_of": (P, [P]),
    "xb_read_threshold": (D, [P, D]),
    "xb_read_events": (I, [P, D, D, P, Z, P, P]),
    "xb_read_count": (I, [P, D, P, P]),
    "xb_read_wave": (I, [P, D, P, Z, P, P, P]),
    "xb_read_thermometer": (U, [I]),
    "xb_read_encode": (U, [U]),
    "xb_read_dz": (I, [P, P, I, P, I, D, I, D, P, P]),
    "xb_read_transient": (I, [P, P, I, P, P, I, D, P, P, P, P, Z, P, P]),
    # write.h
    "xb_write_z_window": (I, [P, I, I, P, P, P]),
    "xb_write_r_pulses": (I, [P, I, I, P, Z, P, P, P]),
    "xb_write_overlap": (D, [P, I, I]),
    "xb_write_ideal": (D, [P, I, I]),
    "xb_write_parallel": (I, [P, P, P, P, P, P, P]),
    # mvm.h
    "xb_sar_create": (P, [P, U64, P]),
    "xb_sar_free": (N, [P]),
    "xb_sar_params_of": (P, [P]),
    "xb_sar_caps": (N, [P, P]),
    "xb_sar_level": (D, [P, U32]),
    "xb_sar_convert": (U32, [P, D, I, U64]),
    "xb_sar_code_density": (I, [P, I, P, P, P, P]),
    "xb_sliced_create": (P, [Z, Z, P, P]),
    "xb_sliced_free": (N, [P]),
    "xb_sliced_layout": (P, [P]),
    "xb_sliced_set": (I, [P, P, P]),
    "xb_sliced_get": (N, [P, P]),
    "xb_sliced_levels": (P, [P, I]),
    "xb_sliced_crs": (I, [P, P]),
    "xb_sliced_saturated": (D, [P, I]),
    "xb_sliced_opa": (I, [P, P, P, P, P]),
    "xb_sliced_mvm": (I, [P, P, I, P, U64, P, P]),
    # mc.h
    "xb_mc_study_create": (P, [P, Z, Z, U64, I, P]),
    "xb_mc_study_load": (P, [S, P]),
    "xb_mc_study_free": (N, [P]),
    "xb_mc_study_samples": (Z, [P]),
    "xb_mc_study_nparams": (Z, [P]),
    "xb_mc_study_param": (P, [P, Z]),
    "xb_mc_study_find": (I, [P, S]),
    "xb_mc_study_get": (S, [P, S]),
    "xb_mc_sample": (N, [P, Z, P]),
    "xb_mc_quantile": (D, [P, D]),
    "xb_mc_out_open": (P, [S, S, Z, I, P, P]),
    "xb_mc_out_put": (I, [P, Z, S, P]),
    "xb_mc_out_written": (Z, [P]),
    "xb_mc_out_close": (I, [P, P]),
    "xb_mc_line": (I, [P, Z, P, P, Z, P, Z]),
    "xb_mc_header": (I, [P, P, Z, P, Z]),
    "xb_mc_run": (I, [P, P, P, Z, P, Z, I, P, P, P]),
    "xb_mc_summarize": (N, [P, Z, P]),
    "xb_mc_read_column": (I, [S, S, P, P, P]),
}


def declare(name, restype, argtypes):
    """Declare C function `name` of libxbar and return it."""
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


for _name, (_res, _args) in _PROTOS.items():
    declare(_name, _res, _args)

# free() of the C library, for the arrays the library allocates for the
# caller (xb_mc_read_column).
libc_free = C.CDLL(None).free
libc_free.argtypes = [P]
libc_free.restype = None
