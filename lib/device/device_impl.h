/*
 * Private definitions of the device module: the device and cell-array
 * structs, the registry's list of type names, and helpers shared by the
 * model files. Models see the core only through this header and their
 * descriptor; the core never names a model. Not installed.
 */
#ifndef XBAR_DEVICE_IMPL_H
#define XBAR_DEVICE_IMPL_H

#include <xbar/device.h>

#include "../core/core_impl.h"

struct xb_device {
  const xb_device_type *type;
  void *params;          /* copy of the model's parameter struct */
  void *model;           /* built by type->prepare */
  void *data;            /* owned copy of the model's data (copy_data) */
  xb_elec_params el;
  xb_var_params var;
  double gmin, gmax;     /* nominal range (S) */
};

/* Structure of arrays: one array per field, never one object per cell. */
struct xb_cells {
  const xb_device *dev;
  size_t n;
  uint64_t seed;
  double *g;                            /* conductance (S), cached */
  double *gscale;                       /* d2d conductance factor */
  double *shape;                        /* d2d nonlinearity factor */
  double *state[XB_DEVICE_MAX_STATE];   /* model state, field by field */
  unsigned char *stuck;                 /* enum xb_stuck */
  uint64_t *events;                     /* pulse calls so far (c2c stream) */
};

/* Random stream ids: tag in the top 16 bits, cell index below. */
enum xb__stream_tag {
  XB__STREAM_D2D_G = 1,
  XB__STREAM_D2D_NL = 2,
  XB__STREAM_STUCK = 3,
  XB__STREAM_C2C = 4,
  XB__STREAM_READ = 5
};
#define XB__STREAM(tag, i) (((uint64_t)(tag) << 48) | (uint64_t)(i))

static inline double xb__clamp(double v, double lo, double hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

/* The cross-field check every model with a [gmin, gmax] range needs. */
static inline int xb__check_range_order(double gmin, double gmax, xb_err *err)
{
  if (gmin < gmax)
    return XB_OK;
  return xb__err_set(err, XB_ERANGE, NULL, 0, "gmin", 0, gmax,
                     "[model] gmin = %g must be below gmax = %g", gmin, gmax);
}

/* The built-in type names (registry.c), `sep` between two and `last`
 * before the final one ("exp, linear, softbounds or lut"); with `tables`
 * only the types that read a table file (load_data). snprintf semantics. */
size_t xb__device_type_names(char *buf, size_t n, const char *sep,
                             const char *last, int tables);

#endif
