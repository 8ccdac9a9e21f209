/*
 * Linear device model: the ideal synapse of seed 000 section 2.2, whose
 * conductance returns to its start after the same number of positive and
 * negative pulses.
 *
 *   G(x) = Gmin + (Gmax - Gmin) x / xmax,   x in [0, xmax]
 *
 * State: x (pulses). The d2d shape factor does not apply.
 */
#include <stdlib.h>

#include "device_impl.h"

typedef struct linear_model {
  double gmin, gmax, xmax;
} linear_model;

static int check(const void *pp, xb_err *err)
{
  const xb_linear_params *p = pp;
  return xb__check_range_order(p->gmin, p->gmax, err);
}

#define XB_PARAM_T xb_linear_params
XB_PARAM_SET_DEFINE(xb_linear_param_set, "model", XB_LINEAR_PARAMS, check)
#undef XB_PARAM_T

static int prepare(const void *pp, const void *data, void **out, xb_err *err)
{
  (void)data;
  const xb_linear_params *p = pp;
  linear_model *m = malloc(sizeof *m);
  if (!m)
    return xb__err(err, XB_ENOMEM, "linear model");
  m->gmin = p->gmin;
  m->gmax = p->gmax;
  m->xmax = p->levels;
  *out = m;
  return XB_OK;
}

static void bounds(const void *mp, double *gmin, double *gmax)
{
  const linear_model *m = mp;
  *gmin = m->gmin;
  *gmax = m->gmax;
}

static double g_of(const void *mp, double shape, const double *s)
{
  (void)shape;
  const linear_model *m = mp;
  return m->gmin + (m->gmax - m->gmin) * (s[0] / m->xmax);
}

static void set_g(const void *mp, double shape, double g, double *s)
{
  (void)shape;
  const linear_model *m = mp;
  s[0] = xb__clamp((g - m->gmin) / (m->gmax - m->gmin), 0, 1) * m->xmax;
}

static void pulse(const void *mp, double shape, double n, double *s)
{
  (void)shape;
  const linear_model *m = mp;
  s[0] = xb__clamp(s[0] + n, 0, m->xmax);
}

static double levels(const void *mp)
{
  return ((const linear_model *)mp)->xmax;
}

static const xb_device_type linear_type = {
    .name = "linear",
    .desc = "linear conductance vs pulse number",
    .params = &xb_linear_param_set,
    .nstate = 1,
    .prepare = prepare,
    .bounds = bounds,
    .g = g_of,
    .set_g = set_g,
    .pulse = pulse,
    .levels = levels,
};
const xb_device_type *const xb_device_linear = &linear_type;
