/*
 * Exponential LTP/LTD device model, seed 000 Eq. 2.1 and 2.2 (PARCA,
 * fitted there to the PCMO data of Park et al. 2013):
 *
 *   G_LTP(x) = B_p (1 - exp(-x/A_p)) + Gmin
 *   G_LTD(x) = Gmax - B_d (1 - exp((x - xmax)/A_d))
 *   B = (Gmax - Gmin) / (1 - exp(-xmax/A))
 *
 * x in [0, xmax] is the pulse coordinate, so a fraction of a pulse is a
 * fraction of x. The two curves differ (LTP and LTD are not symmetric), so
 * the state is (x, branch): x is the coordinate on the branch of the last
 * pulse. A pulse in the other direction first maps x through the
 * conductance onto the other branch. Both curves meet at the end points, so
 * a full sweep always spans [Gmin, Gmax].
 *
 * Each cell's device-to-device nonlinearity factor multiplies A.
 * expm1/log1p keep the curve accurate as A grows (the linear limit).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "device_impl.h"

typedef struct exp_model {
  double gmin, gmax, xmax, a_ltp, a_ltd;
} exp_model;

enum { BR_LTP = 0, BR_LTD = 1 };

static double amp(double a, double xmax, double range)
{
  return range / -expm1(-xmax / a);
}

static double g_ltp(const exp_model *m, double a, double x)
{
  return m->gmin + amp(a, m->xmax, m->gmax - m->gmin) * -expm1(-x / a);
}

static double g_ltd(const exp_model *m, double a, double x)
{
  return m->gmax -
         amp(a, m->xmax, m->gmax - m->gmin) * -expm1((x - m->xmax) / a);
}

static double x_ltp(const exp_model *m, double a, double g)
{
  double y = (g - m->gmin) / amp(a, m->xmax, m->gmax - m->gmin);
  if (y <= 0)
    return 0;
  return xb__clamp(-a * log1p(-y), 0, m->xmax);
}

static double x_ltd(const exp_model *m, double a, double g)
{
  double y = (m->gmax - g) / amp(a, m->xmax, m->gmax - m->gmin);
  if (y <= 0)
    return m->xmax;
  return xb__clamp(m->xmax + a * log1p(-y), 0, m->xmax);
}

static int check(const void *pp, xb_err *err)
{
  const xb_exp_params *p = pp;
  int rc = xb__check_range_order(p->gmin, p->gmax, err);
  if (rc)
    return rc;
  if (p->a_ltp == 0 && fabs(p->nl_ltp) < 0.01)
    return xb__err_set(err, XB_ERANGE, NULL, 0, "nl_ltp", 0.01, 9.9,
                       "[model] a_ltp = 0 needs |nl_ltp| >= 0.01 "
                       "(use the linear model for a straight line)");
  if (p->a_ltd == 0 && fabs(p->nl_ltd) < 0.01)
    return xb__err_set(err, XB_ERANGE, NULL, 0, "nl_ltd", 0.01, 9.9,
                       "[model] a_ltd = 0 needs |nl_ltd| >= 0.01 "
                       "(use the linear model for a straight line)");
  return XB_OK;
}

#define XB_PARAM_T xb_exp_params
XB_PARAM_SET_DEFINE(xb_exp_param_set, "model", XB_EXP_PARAMS, check)
#undef XB_PARAM_T

static int prepare(const void *pp, const void *data, void **out, xb_err *err)
{
  (void)data;
  const xb_exp_params *p = pp;
  exp_model *m = malloc(sizeof *m);
  if (!m)
    return xb__err(err, XB_ENOMEM, "exp model");
  m->gmin = p->gmin;
  m->gmax = p->gmax;
  m->xmax = p->levels;
  m->a_ltp = p->a_ltp;
  m->a_ltd = p->a_ltd;
  int rc = XB_OK;
  if (m->a_ltp == 0)
    rc = xb_exp_a_from_nl(p->nl_ltp, p->levels, &m->a_ltp, err);
  if (!rc && m->a_ltd == 0)
    rc = xb_exp_a_from_nl(p->nl_ltd, p->levels, &m->a_ltd, err);
  if (rc) {
    free(m);
    return rc;
  }
  *out = m;
  return XB_OK;
}

static void bounds(const void *mp, double *gmin, double *gmax)
{
  const exp_model *m = mp;
  *gmin = m->gmin;
  *gmax = m->gmax;
}

static double g_of(const void *mp, double shape, const double *s)
{
  const exp_model *m = mp;
  return s[1] == BR_LTD ? g_ltd(m, m->a_ltd * shape, s[0])
                        : g_ltp(m, m->a_ltp * shape, s[0]);
}

static void set_g(const void *mp, double shape, double g, double *s)
{
  const exp_model *m = mp;
  g = xb__clamp(g, m->gmin, m->gmax);
  s[0] = s[1] == BR_LTD ? x_ltd(m, m->a_ltd * shape, g)
                        : x_ltp(m, m->a_ltp * shape, g);
}

static void pulse(const void *mp, double shape, double n, double *s)
{
  const exp_model *m = mp;
  double ap = m->a_ltp * shape, ad = m->a_ltd * shape;
  if (n > 0) {
    if (s[1] == BR_LTD) {
      s[0] = x_ltp(m, ap, g_ltd(m, ad, s[0]));
      s[1] = BR_LTP;
    }
    s[0] = xb__clamp(s[0] + n, 0, m->xmax);
  } else if (n < 0) {
    if (s[1] != BR_LTD) {
      s[0] = x_ltd(m, ad, g_ltp(m, ap, s[0]));
      s[1] = BR_LTD;
    }
    s[0] = xb__clamp(s[0] + n, 0, m->xmax);
  }
}

static double levels(const void *mp)
{
  return ((const exp_model *)mp)->xmax;
}

/* The curvatures A (given or derived from the labels) and amplitudes B. */
static size_t describe(const void *mp, char *buf, size_t n)
{
  const exp_model *m = mp;
  return (size_t)snprintf(
      buf, n,
      "derived: A_ltp = %.6g pulses, B_ltp = %.6g S, A_ltd = %.6g pulses, "
      "B_ltd = %.6g S\n",
      m->a_ltp, xb_exp_b(m->a_ltp, m->xmax, m->gmin, m->gmax), m->a_ltd,
      xb_exp_b(m->a_ltd, m->xmax, m->gmin, m->gmax));
}

static const xb_device_type exp_type = {
    .name = "exp",
    .desc = "exponential LTP/LTD (seed 000 Eq. 2.1/2.2)",
    .params = &xb_exp_param_set,
    .nstate = 2,
    .prepare = prepare,
    .bounds = bounds,
    .g = g_of,
    .set_g = set_g,
    .pulse = pulse,
    .levels = levels,
    .describe = describe,
};
const xb_device_type *const xb_device_exp = &exp_type;
