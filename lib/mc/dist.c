/*
 * Monte Carlo distributions: the inverse CDF x = F^-1(u) of each
 * parameter distribution of xbar/mc.h (normal, lognormal, uniform,
 * truncated normal) and the check that a parameter's values describe one.
 * The normal quantile is Acklam's rational approximation refined by one
 * Halley step, so it is exact to double precision; the sampler (study.c)
 * feeds it plain or stratified u.
 */
#include <math.h>

#include "mc_impl.h"


/* Standard normal quantile: P. J. Acklam's rational approximation (relative
 * error 1.15e-9), refined by one Halley step on erfc, which brings it to
 * double precision. */
static double norm_quantile(double u)
{
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};
  const double lo = 0.02425, hi = 1 - lo;
  double x;
  if (u < lo) {
    double q = sqrt(-2 * log(u));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q +
         c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (u <= hi) {
    double q = u - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r +
         a[5]) *
        q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = sqrt(-2 * log1p(-u));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q +
          c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = 0.5 * erfc(-x / sqrt(2.0)) - u;
  double g = e * 2.5066282746310002 * exp(0.5 * x * x); /* sqrt(2 pi) */
  return x - g / (1 + 0.5 * x * g);
}

static double norm_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

double xb_mc_quantile(const xb_mc_param *p, double u)
{
  switch (p->dist) {
  case XB_DIST_NORMAL:
    return p->mean + p->sigma * norm_quantile(u);
  case XB_DIST_LOGNORMAL:
    return p->mean * exp(p->sigma * norm_quantile(u));
  case XB_DIST_UNIFORM:
    return p->lo + u * (p->hi - p->lo);
  default: { /* truncated normal */
    double a = norm_cdf((p->lo - p->mean) / p->sigma);
    double b = norm_cdf((p->hi - p->mean) / p->sigma);
    double x = p->mean + p->sigma * norm_quantile(a + u * (b - a));
    return x < p->lo ? p->lo : (x > p->hi ? p->hi : x);
  }
  }
}

int xb__mc_param_check(const xb_mc_param *p, xb_err *err)
{
  if (!p->name[0])
    return xb__err(err, XB_EINVAL, "Monte Carlo parameter without a name");
  int bounded = p->dist == XB_DIST_UNIFORM || p->dist == XB_DIST_TRUNCNORMAL;
  if (p->dist < XB_DIST_NORMAL || p->dist > XB_DIST_TRUNCNORMAL)
    return xb__err(err, XB_ETYPE, "parameter %s: unknown distribution",
                   p->name);
  if (!isfinite(p->mean) || !isfinite(p->sigma) ||
      (bounded && (!isfinite(p->lo) || !isfinite(p->hi))))
    return xb__err_set(err, XB_ENAN, NULL, 0, p->name, NAN, NAN,
                       "parameter %s: a value is not finite", p->name);
  if (p->dist != XB_DIST_UNIFORM && !(p->sigma >= 0))
    return xb__err_set(err, XB_ERANGE, NULL, 0, p->name, 0, INFINITY,
                       "parameter %s: sigma = %g < 0", p->name, p->sigma);
  if (p->dist == XB_DIST_LOGNORMAL && !(p->mean > 0))
    return xb__err_set(err, XB_ERANGE, NULL, 0, p->name, 0, INFINITY,
                       "parameter %s: lognormal median %g must be > 0",
                       p->name, p->mean);
  if (bounded && !(p->lo < p->hi))
    return xb__err_set(err, XB_ERANGE, NULL, 0, p->name, NAN, NAN,
                       "parameter %s: lo = %g must be below hi = %g",
                       p->name, p->lo, p->hi);
  if (p->dist == XB_DIST_TRUNCNORMAL) {
    if (!(p->sigma > 0))
      return xb__err_set(err, XB_ERANGE, NULL, 0, p->name, 0, INFINITY,
                         "parameter %s: truncated normal needs sigma > 0",
                         p->name);
    double mass = norm_cdf((p->hi - p->mean) / p->sigma) -
                  norm_cdf((p->lo - p->mean) / p->sigma);
    if (!(mass > 1e-12))
      return xb__err_set(err, XB_ERANGE, NULL, 0, p->name, NAN, NAN,
                         "parameter %s: [%g, %g] holds no probability of "
                         "N(%g, %g)",
                         p->name, p->lo, p->hi, p->mean, p->sigma);
  }
  return XB_OK;
}
