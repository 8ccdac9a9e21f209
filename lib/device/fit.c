/*
 * Fitting the exponential device model (seed 000 Eq. 2.1/2.2) to a device.
 *
 * From data: G(p) = g0 + beta (1 - exp(-p/a)) is linear in (g0, beta) for a
 * fixed a, so the fit is one-dimensional in a (variable projection, Golub
 * and Pereyra 1973): for each a, g0 and beta come from the 2x2 normal
 * equations, and the residual sum of squares is minimised over log a by a
 * log-spaced scan followed by golden-section refinement. beta > 0 is LTP
 * (g0 = Gmin), beta < 0 is LTD with p counted from the start of depression
 * (g0 = Gmax). No starting guess is needed and the fit cannot wander off.
 *
 * From labels: NeuroSim reports a device's nonlinearity as a label (PCMO:
 * 3.68 LTP, -6.76 LTD). xbar reads a label as ten times the largest
 * deviation of the normalised curve y(u) from the straight line u, u =
 * p/levels in [0, 1]; the sign only distinguishes LTD. With a' = A/levels,
 *   y(u) = (1 - exp(-u/a')) / (1 - exp(-1/a')),
 * dy/du = 1 at u* = -a' ln(a' (1 - exp(-1/a'))), so the deviation has a
 * closed form and A follows by bisection (it decreases monotonically in a').
 */
#include <math.h>

#include "device_impl.h"

double xb_exp_b(double a, double levels, double gmin, double gmax)
{
  return (gmax - gmin) / -expm1(-levels / a);
}

double xb_exp_max_deviation(double a, double levels)
{
  double an = a / levels;
  double e = -expm1(-1.0 / an); /* 1 - exp(-1/a') */
  double q = an * e;            /* exp(-u_star / a') */
  double u = -an * log(q);
  return (1.0 - q) / e - u;
}

int xb_exp_a_from_nl(double nl, double levels, double *a, xb_err *err)
{
  double t = fabs(nl) / 10.0;
  if (!(fabs(nl) >= 0.01 && fabs(nl) <= 9.9))
    return xb__err_set(err, XB_ERANGE, NULL, 0, "nl", 0.01, 9.9,
                       "nonlinearity label |%g| outside [0.01, 9.9]", nl);
  if (!(levels >= 1 && isfinite(levels)))
    return xb__err_set(err, XB_ERANGE, NULL, 0, "levels", 1, INFINITY,
                       "levels = %g must be >= 1", levels);
  double lo = log(1e-4), hi = log(1e6); /* ln a' bracket */
  for (int it = 0; it < 200 && hi - lo > 1e-15; it++) {
    double mid = 0.5 * (lo + hi);
    if (xb_exp_max_deviation(exp(mid) * levels, levels) > t)
      lo = mid;
    else
      hi = mid;
  }
  *a = exp(0.5 * (lo + hi)) * levels;
  return XB_OK;
}

/* Best (g0, beta) for curvature a and the residual sum of squares. */
static double project(const double *p, const double *g, size_t n, double a,
                      double *g0, double *beta)
{
  double sf = 0, sg = 0, sff = 0, sfg = 0;
  for (size_t k = 0; k < n; k++) {
    double f = -expm1(-p[k] / a);
    sf += f;
    sg += g[k];
    sff += f * f;
    sfg += f * g[k];
  }
  double mf = sf / n, mg = sg / n;
  double vf = sff - n * mf * mf, cfg = sfg - n * mf * mg;
  double b = vf > 0 ? cfg / vf : 0;
  double c = mg - b * mf;
  double sse = 0;
  for (size_t k = 0; k < n; k++) {
    double r = g[k] - c - b * -expm1(-p[k] / a);
    sse += r * r;
  }
  *g0 = c;
  *beta = b;
  return sse;
}

int xb_exp_fit_data(const double *p, const double *g, size_t n,
                    xb_exp_fit *out, xb_err *err)
{
  if (!p || !g || !out)
    return xb__err(err, XB_EINVAL, "NULL data or output");
  if (n < 4)
    return xb__err(err, XB_EDATA, "need at least 4 points, got %zu", n);
  double pmax = 0, gmin = INFINITY, gmax = -INFINITY;
  for (size_t k = 0; k < n; k++) {
    if (!isfinite(p[k]) || !isfinite(g[k]) || p[k] < 0)
      return xb__err(err, XB_EDATA, "point %zu (%g, %g) not finite or p < 0",
                     k, p[k], g[k]);
    pmax = fmax(pmax, p[k]);
    gmin = fmin(gmin, g[k]);
    gmax = fmax(gmax, g[k]);
  }
  if (!(pmax > 0) || !(gmax > gmin))
    return xb__err(err, XB_EDATA, "data are flat in pulses or conductance");

  /* Scan ln a over [ln(1e-3 pmax), ln(1e3 pmax)]. */
  enum { NSCAN = 241 };
  double l0 = log(1e-3 * pmax), l1 = log(1e3 * pmax);
  double step = (l1 - l0) / (NSCAN - 1), c, b;
  double best = INFINITY;
  int kb = 0;
  for (int k = 0; k < NSCAN; k++) {
    double s = project(p, g, n, exp(l0 + k * step), &c, &b);
    if (s < best) {
      best = s;
      kb = k;
    }
  }
  /* Golden section on the bracket around the best scan point. */
  double lo = l0 + (kb > 0 ? kb - 1 : 0) * step;
  double hi = l0 + (kb < NSCAN - 1 ? kb + 1 : NSCAN - 1) * step;
  const double r = 0.5 * (sqrt(5.0) - 1.0);
  double x1 = hi - r * (hi - lo), x2 = lo + r * (hi - lo);
  double f1 = project(p, g, n, exp(x1), &c, &b);
  double f2 = project(p, g, n, exp(x2), &c, &b);
  for (int it = 0; it < 200 && hi - lo > 1e-13; it++) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - r * (hi - lo);
      f1 = project(p, g, n, exp(x1), &c, &b);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + r * (hi - lo);
      f2 = project(p, g, n, exp(x2), &c, &b);
    }
  }
  double a = exp(0.5 * (lo + hi));
  double sse = project(p, g, n, a, &c, &b);
  if (!(b != 0) || !isfinite(sse))
    return xb__err(err, XB_ENOCONV, "fit found no exponential trend");
  out->a = a;
  out->b = fabs(b);
  out->g0 = c;
  out->dir = b > 0 ? 1 : -1;
  out->rms = sqrt(sse / n);
  return XB_OK;
}
