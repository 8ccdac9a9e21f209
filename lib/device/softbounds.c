/*
 * Soft-bounds device model (the "SoftBounds" update of aihwkit, Gokmen and
 * Vlasov 2016): the step shrinks linearly as the conductance nears the bound
 * it moves toward,
 *
 *   dG/dn = (Gmax - G) / tau_ltp   (potentiation)
 *   dG/dn = -(G - Gmin) / tau_ltd  (depression)
 *
 * solved exactly for fractional n: G(n) = Gmax - (Gmax - G0) exp(-n/tau_ltp)
 * and G(n) = Gmin + (G0 - Gmin) exp(-n/tau_ltd). The bounds are approached,
 * never crossed. State: G itself (S). The d2d shape factor multiplies tau.
 */
#include <math.h>
#include <stdlib.h>

#include "device_impl.h"

static int check(const void *pp, xb_err *err)
{
  const xb_softbounds_params *p = pp;
  return xb__check_range_order(p->gmin, p->gmax, err);
}

#define XB_PARAM_T xb_softbounds_params
XB_PARAM_SET_DEFINE(xb_softbounds_param_set, "model", XB_SOFTBOUNDS_PARAMS,
                    check)
#undef XB_PARAM_T

static int prepare(const void *pp, const void *data, void **out, xb_err *err)
{
  (void)data;
  xb_softbounds_params *m = malloc(sizeof *m);
  if (!m)
    return xb__err(err, XB_ENOMEM, "softbounds model");
  *m = *(const xb_softbounds_params *)pp;
  *out = m;
  return XB_OK;
}

static void bounds(const void *mp, double *gmin, double *gmax)
{
  const xb_softbounds_params *m = mp;
  *gmin = m->gmin;
  *gmax = m->gmax;
}

static double g_of(const void *mp, double shape, const double *s)
{
  (void)mp;
  (void)shape;
  return s[0];
}

static void set_g(const void *mp, double shape, double g, double *s)
{
  (void)shape;
  const xb_softbounds_params *m = mp;
  s[0] = xb__clamp(g, m->gmin, m->gmax);
}

static void pulse(const void *mp, double shape, double n, double *s)
{
  const xb_softbounds_params *m = mp;
  if (n > 0)
    s[0] = m->gmax - (m->gmax - s[0]) * exp(-n / (m->tau_ltp * shape));
  else if (n < 0)
    s[0] = m->gmin + (s[0] - m->gmin) * exp(n / (m->tau_ltd * shape));
  s[0] = xb__clamp(s[0], m->gmin, m->gmax);
}

static const xb_device_type softbounds_type = {
    .name = "softbounds",
    .desc = "soft bounds: step proportional to the distance to the bound",
    .params = &xb_softbounds_param_set,
    .nstate = 1,
    .prepare = prepare,
    .bounds = bounds,
    .g = g_of,
    .set_g = set_g,
    .pulse = pulse,
};
const xb_device_type *const xb_device_softbounds = &softbounds_type;
