/*
 * Device models and cells. The conformance suite runs over every built-in
 * model (the presets in models/, without variation): monotone LTP and LTD,
 * bounds, the write threshold, exact partial pulses, and state unchanged on
 * error. Then model-specific closed forms (Eq. 2.1/2.2, linear round trip),
 * what the generic layer takes from each descriptor's optional ops (pulse
 * count, derived values, the loader's type names), the straight-response
 * twin of a device, and the statistics and determinism of each kind of
 * variation.
 */
#include <stdio.h>
#include <string.h>

#include <xbar/device.h>

#include "xb_check.h"

static const char *presets[] = {"pcmo_park2013.ini", "linear_ideal.ini",
                                "softbounds_generic.ini",
                                "lut_pcmo_table.ini"};
#define NMODELS 4

/* Preset i with its variation switched off. */
static xb_device *model(int i)
{
  char path[512];
  snprintf(path, sizeof path, "%s/%s", XB_MODELS, presets[i]);
  xb_err e;
  xb_device *d = xb_device_load(path, &e);
  ck_assert_msg(d != NULL, "%s", e.msg);
  xb_device *ideal = xb_device_with_variation(d, NULL, &e);
  ck_assert_msg(ideal != NULL, "%s", e.msg);
  xb_device_free(d);
  return ideal;
}

static double g0(const xb_cells *c) { return xb_cells_g(c)[0]; }

/* One full pulse of polarity sgn at the full write voltage. */
static void full_pulse(xb_cells *c, const xb_device *d, int sgn)
{
  const xb_elec_params *el = xb_device_elec(d);
  double v = sgn > 0 ? el->vw_set : -el->vw_reset;
  ck_assert_int_eq(xb_cells_pulse(c, 0, v, el->t_pulse, 1, NULL), XB_OK);
}

/* ---- conformance, every model ------------------------------------------- */

START_TEST(test_monotone_and_bounded)
{
  xb_device *d = model(_i);
  xb_cells *c = xb_cells_create(d, 1, 1, NULL);
  double gmin, gmax;
  xb_device_bounds(d, &gmin, &gmax);
  double range = gmax - gmin;
  ck_assert(g0(c) == gmin);
  double prev = g0(c);
  for (int k = 0; k < 80; k++) {
    full_pulse(c, d, +1);
    double g = g0(c);
    if (k < 10)
      ck_assert_msg(g > prev, "%s LTP pulse %d: %g !> %g", presets[_i], k, g,
                    prev);
    ck_assert(g >= prev && g <= gmax && g >= gmin);
    prev = g;
  }
  ck_assert_msg(prev > gmax - 0.05 * range, "%s LTP ends at %g of %g",
                presets[_i], prev, gmax);
  for (int k = 0; k < 80; k++) {
    full_pulse(c, d, -1);
    double g = g0(c);
    if (k < 10)
      ck_assert_msg(g < prev, "%s LTD pulse %d", presets[_i], k);
    ck_assert(g <= prev && g <= gmax && g >= gmin);
    prev = g;
  }
  ck_assert(prev < gmin + 0.05 * range);
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_threshold)
{
  xb_device *d = model(_i);
  const xb_elec_params *el = xb_device_elec(d);
  xb_cells *c = xb_cells_create(d, 1, 1, NULL);
  double gmin, gmax;
  xb_device_bounds(d, &gmin, &gmax);
  xb_cells_set_g(c, 0, 0.5 * (gmin + gmax), NULL);
  double mid = g0(c);
  /* At or below Vw/2: no change, however long or often. */
  const double fr[] = {0.5, 0.3, 0.0, 0.74};
  for (int k = 0; k < 4; k++) {
    ck_assert_int_eq(xb_cells_pulse(c, 0, fr[k] * el->vw_set,
                                    100 * el->t_pulse, 50, NULL), XB_OK);
    ck_assert_int_eq(xb_cells_pulse(c, 0, -fr[k] * el->vw_reset,
                                    100 * el->t_pulse, 50, NULL), XB_OK);
    ck_assert_msg(g0(c) == mid, "%s changed at %g Vw", presets[_i], fr[k]);
  }
  /* The default step response writes fully at 0.76 Vw. */
  ck_assert_int_eq(xb_cells_pulse(c, 0, 0.76 * el->vw_set, el->t_pulse, 1,
                                  NULL), XB_OK);
  double up = g0(c);
  ck_assert(up > mid);
  xb_cells_set_g(c, 0, mid, NULL);
  full_pulse(c, d, +1);
  ck_assert_rel(up, g0(c), 1e-12);
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_partial_pulses)
{
  xb_device *d = model(_i);
  const xb_elec_params *el = xb_device_elec(d);
  xb_cells *a = xb_cells_create(d, 1, 1, NULL);
  xb_cells *b = xb_cells_create(d, 1, 1, NULL);
  double gmin, gmax;
  xb_device_bounds(d, &gmin, &gmax);
  for (int sgn = 1; sgn >= -1; sgn -= 2) {
    double v = sgn > 0 ? el->vw_set : -el->vw_reset;
    xb_cells_set_g(a, 0, 0.4 * gmin + 0.6 * gmax, NULL);
    xb_cells_set_g(b, 0, 0.4 * gmin + 0.6 * gmax, NULL);
    /* Two half-width pulses == one full pulse == 4 quarter pulses. */
    xb_cells_pulse(a, 0, v, 0.5 * el->t_pulse, 2, NULL);
    xb_cells_pulse(b, 0, v, el->t_pulse, 1, NULL);
    ck_assert_rel(g0(a), g0(b), 1e-9);
    for (int k = 0; k < 4; k++)
      xb_cells_pulse(a, 0, v, 0.25 * el->t_pulse, 1, NULL);
    xb_cells_pulse(b, 0, v, el->t_pulse, 1, NULL);
    ck_assert_rel(g0(a), g0(b), 1e-9);
  }
  xb_cells_free(a);
  xb_cells_free(b);
  xb_device_free(d);
}
END_TEST

START_TEST(test_unchanged_on_error)
{
  xb_device *d = model(_i);
  const xb_elec_params *el = xb_device_elec(d);
  enum { N = 8 };
  xb_cells *c = xb_cells_create(d, N, 1, NULL);
  double gmin, gmax;
  xb_device_bounds(d, &gmin, &gmax);
  for (size_t i = 0; i < N; i++)
    xb_cells_set_g(c, i, gmin + (gmax - gmin) * (i + 0.5) / N, NULL);
  double g_before[N], s_before[N][XB_DEVICE_MAX_STATE];
  memcpy(g_before, xb_cells_g(c), sizeof g_before);
  for (size_t i = 0; i < N; i++)
    xb_cells_state(c, i, s_before[i]);

  xb_err e;
  ck_assert_int_eq(xb_cells_pulse(c, 0, NAN, el->t_pulse, 1, &e), XB_EINVAL);
  ck_assert_str_eq(e.param, "v");
  ck_assert_int_eq(xb_cells_pulse(c, 0, el->vw_set, -1e-3, 1, &e), XB_EINVAL);
  ck_assert_int_eq(xb_cells_pulse(c, 0, el->vw_set, INFINITY, 1, &e),
                   XB_EINVAL);
  ck_assert_int_eq(xb_cells_pulse(c, N, el->vw_set, el->t_pulse, 1, &e),
                   XB_EINVAL);
  ck_assert_int_eq(xb_cells_set_g(c, 1, NAN, &e), XB_EINVAL);
  ck_assert_int_eq(xb_cells_set_g(c, N, gmax, &e), XB_EINVAL);
  ck_assert_int_eq(xb_cells_reset(c, INFINITY, &e), XB_EINVAL);
  /* A parallel write with one bad voltage changes no cell at all. */
  double v[N];
  for (size_t i = 0; i < N; i++)
    v[i] = el->vw_set;
  v[N - 1] = NAN;
  ck_assert_int_eq(xb_cells_pulse_all(c, v, el->t_pulse, &e), XB_EINVAL);
  ck_assert_ptr_nonnull(strstr(e.msg, "cell 7"));

  ck_assert(memcmp(g_before, xb_cells_g(c), sizeof g_before) == 0);
  for (size_t i = 0; i < N; i++) {
    double s[XB_DEVICE_MAX_STATE];
    xb_cells_state(c, i, s);
    ck_assert(memcmp(s, s_before[i], sizeof s) == 0);
  }
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_set_g_round_trip)
{
  xb_device *d = model(_i);
  xb_cells *c = xb_cells_create(d, 1, 1, NULL);
  double gmin, gmax;
  xb_device_bounds(d, &gmin, &gmax);
  for (int k = 0; k <= 10; k++) {
    double g = gmin + (gmax - gmin) * k / 10.0;
    xb_cells_set_g(c, 0, g, NULL);
    ck_assert_rel(g0(c), g, 1e-9);
  }
  xb_cells_set_g(c, 0, 10 * gmax, NULL); /* clamped */
  ck_assert_rel(g0(c), gmax, 1e-12);
  xb_cells_set_g(c, 0, -1.0, NULL);
  ck_assert_rel(g0(c), gmin, 1e-12);
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

/* ---- model-specific ------------------------------------------------------ */

START_TEST(test_linear_round_trip)
{
  xb_device *d = model(1);
  const xb_elec_params *el = xb_device_elec(d);
  xb_cells *c = xb_cells_create(d, 1, 1, NULL);
  const xb_linear_params *p = xb_device_params(d);
  for (unsigned n = 1; n <= 20; n++) {
    xb_cells_set_g(c, 0, p->gmin + (p->gmax - p->gmin) * 0.5, NULL);
    double start = g0(c);
    ck_assert_int_eq(xb_cells_pulse(c, 0, el->vw_set, el->t_pulse, n, NULL),
                     XB_OK);
    ck_assert_rel(g0(c), start + n * (p->gmax - p->gmin) / p->levels, 1e-12);
    for (unsigned k = 0; k < n; k++)
      xb_cells_pulse(c, 0, -el->vw_reset, el->t_pulse, 1, NULL);
    ck_assert_msg(g0(c) == start, "n = %u: %.17g != %.17g", n, g0(c), start);
  }
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_exp_closed_form)
{
  /* Eq. 2.1 from Gmin and Eq. 2.2 from Gmax, pulse by pulse. */
  xb_exp_params p;
  xb_param_defaults(&xb_exp_param_set, &p);
  p.a_ltp = 14.0;
  p.a_ltd = 5.0;
  xb_err e;
  xb_device *d = xb_device_create(xb_device_exp, &p, NULL, NULL, NULL, &e);
  ck_assert_msg(d != NULL, "%s", e.msg);
  const xb_elec_params *el = xb_device_elec(d);
  xb_cells *c = xb_cells_create(d, 1, 1, NULL);
  double bp = xb_exp_b(14.0, 50, p.gmin, p.gmax);
  double bd = xb_exp_b(5.0, 50, p.gmin, p.gmax);
  ck_assert_rel(bp, (p.gmax - p.gmin) / (1 - exp(-50 / 14.0)), 1e-14);
  for (int k = 1; k <= 50; k++) {
    full_pulse(c, d, +1);
    ck_assert_rel(g0(c), bp * (1 - exp(-k / 14.0)) + p.gmin, 1e-12);
  }
  ck_assert_rel(g0(c), p.gmax, 1e-12);
  for (int k = 1; k <= 50; k++) {
    full_pulse(c, d, -1);
    /* Eq. 2.2 with x = xmax - k */
    ck_assert_rel(g0(c), -bd * (1 - exp(-k / 5.0)) + p.gmax, 1e-12);
  }
  /* Direction change mid-way: the state hops branch through G. */
  xb_cells_set_g(c, 0, 2.5e-8, NULL);
  double g = g0(c);
  xb_cells_pulse(c, 0, -el->vw_reset, el->t_pulse, 1, NULL);
  double x = 50 + 5.0 * log1p(-(p.gmax - g) / bd); /* LTD coordinate */
  ck_assert_rel(g0(c), p.gmax - bd * (1 - exp((x - 1 - 50) / 5.0)), 1e-10);
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_response_functions)
{
  xb_elec_params el;
  xb_param_defaults(&xb_elec_param_set, &el);
  el.vw_set = 2.0;
  el.vw_reset = 1.5;
  el.response = 1; /* linear */
  xb_device *d = xb_device_create(xb_device_linear, NULL, NULL, &el, NULL,
                                  NULL);
  ck_assert(xb_device_rate(d, 1.0) == 0);
  ck_assert(xb_device_rate(d, -0.75) == 0);
  ck_assert_rel(xb_device_rate(d, 1.5), 0.5, 1e-15);
  ck_assert_rel(xb_device_rate(d, -1.125), -0.5, 1e-15);
  ck_assert(xb_device_rate(d, 2.0) == 1 && xb_device_rate(d, 3.0) == 1);
  ck_assert(xb_device_rate(d, NAN) == 0);
  xb_device_free(d);
  el.response = 2; /* exponential */
  el.v0 = 0.1;
  d = xb_device_create(xb_device_linear, NULL, NULL, &el, NULL, NULL);
  ck_assert(xb_device_rate(d, 1.0) == 0);
  ck_assert_rel(xb_device_rate(d, 1.01), exp(-9.9), 1e-12);
  ck_assert_rel(xb_device_rate(d, 2.0), 1.0, 1e-15);
  ck_assert_rel(xb_device_rate(d, 2.1), exp(1.0), 1e-12);
  ck_assert_rel(xb_device_rate(d, -1.6), -exp(0.1 / 0.1 * 1.0), 1e-12);
  xb_device_free(d);
  /* A linear-response device: a pulse at 0.75 Vw moves half a pulse. */
  el.response = 1;
  d = xb_device_create(xb_device_linear, NULL, NULL, &el, NULL, NULL);
  xb_cells *c = xb_cells_create(d, 1, 1, NULL);
  const xb_linear_params *p = xb_device_params(d);
  xb_cells_pulse(c, 0, 1.5, el.t_pulse, 1, NULL);
  ck_assert_rel(g0(c), p->gmin + 0.5 * (p->gmax - p->gmin) / p->levels,
                1e-12);
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_sinh_iv)
{
  xb_elec_params el;
  xb_param_defaults(&xb_elec_param_set, &el);
  el.iv = 1;
  el.v_iv = 0.25;
  xb_device *d = xb_device_create(xb_device_linear, NULL, NULL, &el, NULL,
                                  NULL);
  xb_cells *c = xb_cells_create(d, 1, 1, NULL);
  double i, didv, g = g0(c);
  ck_assert_int_eq(xb_cells_iv(c, 0, 0.5, &i, &didv, NULL), XB_OK);
  ck_assert_rel(i, g * 0.25 * sinh(2.0), 1e-14);
  ck_assert_rel(didv, g * cosh(2.0), 1e-14);
  xb_cells_iv(c, 0, -0.5, &i, NULL, NULL);
  ck_assert_rel(i, -g * 0.25 * sinh(2.0), 1e-14);
  xb_device_free(d);
  d = xb_device_create(xb_device_linear, NULL, NULL, NULL, NULL, NULL);
  xb_cells_free(c);
  c = xb_cells_create(d, 1, 1, NULL);
  xb_cells_iv(c, 0, 0.3, &i, &didv, NULL); /* ohmic default */
  ck_assert(i == g0(c) * 0.3 && didv == g0(c));
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

/* ---- variation ------------------------------------------------------------ */

static xb_device *linear_with(const xb_var_params *v)
{
  xb_err e;
  xb_device *d = xb_device_create(xb_device_linear, NULL, NULL, NULL, v, &e);
  ck_assert_msg(d != NULL, "%s", e.msg);
  return d;
}

static void sample_sd(const double *x, size_t n, double *mean, double *sd)
{
  double s = 0, ss = 0;
  for (size_t i = 0; i < n; i++)
    s += x[i];
  *mean = s / n;
  for (size_t i = 0; i < n; i++)
    ss += (x[i] - *mean) * (x[i] - *mean);
  *sd = sqrt(ss / (n - 1));
}

START_TEST(test_c2c_sqrt_n)
{
  xb_var_params v;
  xb_param_defaults(&xb_var_param_set, &v);
  v.c2c = 0.01;
  xb_device *d = linear_with(&v);
  const xb_linear_params *p = xb_device_params(d);
  const xb_elec_params *el = xb_device_elec(d);
  double range = p->gmax - p->gmin;
  enum { N = 8000 };
  static double dg[N];
  xb_cells *c = xb_cells_create(d, N, 99, NULL);
  for (unsigned count = 1; count <= 16; count *= 4) {
    xb_cells_reset(c, p->gmin + 0.3 * range, NULL);
    double start = xb_cells_g(c)[0];
    for (size_t i = 0; i < N; i++) {
      xb_cells_pulse(c, i, el->vw_set, el->t_pulse, count, NULL);
      dg[i] = xb_cells_g(c)[i] - start;
    }
    double mean, sd;
    sample_sd(dg, N, &mean, &sd);
    /* sigma = c2c * range * sqrt(n); the sample sd of N normals has
     * relative standard error 1/sqrt(2N) = 0.8%: 5% is over 6 of them. */
    ck_assert_rel(sd, 0.01 * range * sqrt((double)count), 0.05);
    ck_assert_rel(mean, count * range / p->levels, 0.02);
  }
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_d2d_and_stuck)
{
  xb_var_params v;
  xb_param_defaults(&xb_var_param_set, &v);
  v.d2d_g = 0.2;
  v.d2d_nl = 0.1;
  v.stuck_gmin = 0.05;
  v.stuck_gmax = 0.02;
  xb_device *d = linear_with(&v);
  const xb_elec_params *el = xb_device_elec(d);
  enum { N = 20000 };
  static double lg[N], ls[N];
  xb_cells *c = xb_cells_create(d, N, 5, NULL);
  size_t smin = 0, smax = 0;
  double gmin, gmax;
  xb_device_bounds(d, &gmin, &gmax);
  for (size_t i = 0; i < N; i++) {
    lg[i] = log(xb_cells_gscale(c, i));
    ls[i] = log(xb_cells_shape(c, i));
    int st = xb_cells_stuck(c, i);
    smin += st == XB_STUCK_GMIN;
    smax += st == XB_STUCK_GMAX;
    double g = xb_cells_g(c)[i], sc = xb_cells_gscale(c, i);
    ck_assert_rel(g, sc * (st == XB_STUCK_GMAX ? gmax : gmin), 1e-12);
  }
  double m, sd;
  sample_sd(lg, N, &m, &sd);
  ck_assert_rel(sd, 0.2, 0.05);
  ck_assert(fabs(m) < 5 * 0.2 / sqrt(N));
  sample_sd(ls, N, &m, &sd);
  ck_assert_rel(sd, 0.1, 0.05);
  /* Binomial counts within 5 standard deviations. */
  ck_assert(fabs(smin - 0.05 * N) < 5 * sqrt(N * 0.05 * 0.95));
  ck_assert(fabs(smax - 0.02 * N) < 5 * sqrt(N * 0.02 * 0.98));
  /* Stuck cells ignore pulses and set_g; the others move. */
  for (size_t i = 0; i < 200; i++) {
    double before = xb_cells_g(c)[i];
    xb_cells_pulse(c, i, el->vw_set, el->t_pulse, 3, NULL);
    xb_cells_set_g(c, i, xb_cells_g(c)[i] * 1.01, NULL);
    if (xb_cells_stuck(c, i))
      ck_assert(xb_cells_g(c)[i] == before);
    else
      ck_assert(xb_cells_g(c)[i] > before);
  }
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_read_noise)
{
  xb_var_params v;
  xb_param_defaults(&xb_var_param_set, &v);
  v.read = 0.03;
  xb_device *d = linear_with(&v);
  xb_cells *c = xb_cells_create(d, 1, 11, NULL);
  enum { N = 8000 };
  static double r[N];
  for (size_t k = 0; k < N; k++)
    ck_assert_int_eq(xb_cells_read(c, 0, 0.2, k, &r[k], NULL), XB_OK);
  double m, sd, ideal = 0.2 * g0(c);
  sample_sd(r, N, &m, &sd);
  ck_assert_rel(sd / ideal, 0.03, 0.05);
  ck_assert(fabs(m - ideal) < 5 * 0.03 * ideal / sqrt(N));
  double again;
  xb_cells_read(c, 0, 0.2, 17, &again, NULL);
  ck_assert(again == r[17]); /* same event, same noise */
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_determinism)
{
  xb_var_params v;
  xb_param_defaults(&xb_var_param_set, &v);
  v.d2d_g = 0.1;
  v.c2c = 0.02;
  v.stuck_gmin = 0.1;
  xb_device *d = linear_with(&v);
  const xb_elec_params *el = xb_device_elec(d);
  enum { N = 500 };
  xb_cells *a = xb_cells_create(d, N, 3, NULL);
  xb_cells *b = xb_cells_create(d, 2 * N, 3, NULL);
  /* Per-cell draws do not depend on the number of cells. */
  for (size_t i = 0; i < N; i++) {
    ck_assert(xb_cells_gscale(a, i) == xb_cells_gscale(b, i));
    ck_assert(xb_cells_stuck(a, i) == xb_cells_stuck(b, i));
  }
  /* A parallel write equals single pulses applied in reverse order. */
  static double vv[N];
  for (size_t i = 0; i < N; i++)
    vv[i] = (i % 3 == 0) ? -el->vw_reset : el->vw_set * (i % 2 ? 1 : 0.9);
  for (int rep = 0; rep < 3; rep++) {
    ck_assert_int_eq(xb_cells_pulse_all(a, vv, el->t_pulse, NULL), XB_OK);
    for (size_t i = N; i-- > 0;)
      xb_cells_pulse(b, i, vv[i], el->t_pulse, 1, NULL);
  }
  for (size_t i = 0; i < N; i++)
    ck_assert(xb_cells_g(a)[i] == xb_cells_g(b)[i]);
  /* Another seed gives other cells. */
  xb_cells *o = xb_cells_create(d, N, 4, NULL);
  int differ = 0;
  for (size_t i = 0; i < N; i++)
    differ += xb_cells_gscale(o, i) != xb_cells_gscale(a, i);
  ck_assert_int_gt(differ, N / 2);
  xb_cells_free(a);
  xb_cells_free(b);
  xb_cells_free(o);
  xb_device_free(d);
}
END_TEST

START_TEST(test_c2c_respects_bounds)
{
  xb_var_params v;
  xb_param_defaults(&xb_var_param_set, &v);
  v.c2c = 0.3;
  v.d2d_g = 0.3;
  for (int m = 0; m < NMODELS; m++) {
    xb_device *base = model(m);
    xb_device *d = xb_device_with_variation(base, &v, NULL);
    const xb_elec_params *el = xb_device_elec(d);
    double gmin, gmax;
    xb_device_bounds(d, &gmin, &gmax);
    xb_cells *c = xb_cells_create(d, 64, 8, NULL);
    for (int k = 0; k < 40; k++)
      for (size_t i = 0; i < 64; i++) {
        double vv = (k / 10) % 2 ? -el->vw_reset : el->vw_set;
        xb_cells_pulse(c, i, vv, el->t_pulse, 1, NULL);
        double s = xb_cells_gscale(c, i), g = xb_cells_g(c)[i];
        ck_assert(g >= s * gmin * (1 - 1e-12) && g <= s * gmax * (1 + 1e-12));
      }
    xb_cells_free(c);
    xb_device_free(d);
    xb_device_free(base);
  }
}
END_TEST

START_TEST(test_create_errors)
{
  xb_err e;
  ck_assert_ptr_null(xb_device_create(NULL, NULL, NULL, NULL, NULL, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  xb_linear_params p;
  xb_param_defaults(&xb_linear_param_set, &p);
  p.gmax = p.gmin;
  ck_assert_ptr_null(xb_device_create(xb_device_linear, &p, NULL, NULL, NULL,
                                      &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  ck_assert_ptr_null(xb_device_create(xb_device_lut, NULL, NULL, NULL, NULL,
                                      &e));
  ck_assert_int_eq(e.code, XB_EMISSING);
  xb_device *d = xb_device_create(xb_device_linear, NULL, NULL, NULL, NULL,
                                  NULL);
  ck_assert_ptr_null(xb_cells_create(d, 0, 1, &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  ck_assert_ptr_null(xb_cells_create(NULL, 4, 1, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  ck_assert(xb_device_type_find("lut") == xb_device_lut);
  ck_assert_ptr_null(xb_device_type_find("nope"));
  xb_cells_free(NULL);
  xb_device_free(d);
}
END_TEST

/* ---- descriptor ops and the straight twin ------------------------------ */

/* The generic layer knows a model through its descriptor: the pulse count
 * where the model has one, the derived values only the exp model gives,
 * and the loader's messages listing the registry's names. */
START_TEST(test_descriptor_ops)
{
  const double levels[NMODELS] = {50, 0, 0, 0};
  for (int m = 0; m < NMODELS; m++) {
    xb_device *d = model(m);
    double want = levels[m];
    if (m == 1)
      want = ((const xb_linear_params *)xb_device_params(d))->levels;
    ck_assert_msg(xb_device_levels(d) == want, "%s: %g pulses", presets[m],
                  xb_device_levels(d));
    char buf[8192];
    xb_device_describe(d, buf, sizeof buf);
    ck_assert_msg((strstr(buf, "derived: A_ltp = ") != NULL) == (m == 0),
                  "%s", presets[m]);
    xb_device_free(d);
  }
  /* The derived A of the exp preset: the label's, B from Eq. 2.1. */
  xb_device *d = model(0);
  const xb_exp_params *p = xb_device_params(d);
  double a;
  ck_assert_int_eq(xb_exp_a_from_nl(p->nl_ltp, p->levels, &a, NULL), XB_OK);
  char want[160], buf[8192];
  snprintf(want, sizeof want, "derived: A_ltp = %.6g pulses, B_ltp = %.6g S,",
           a, xb_exp_b(a, p->levels, p->gmin, p->gmax));
  xb_device_describe(d, buf, sizeof buf);
  ck_assert_msg(strstr(buf, want) != NULL, "'%s' not in '%s'", want, buf);
  xb_device_free(d);

  static const struct {
    const char *file, *msg;
  } bad[] = {
      {"no_type.ini",
       "[device] type = exp | linear | softbounds | lut is missing"},
      {"bad_type.ini", "[device] type = 'memristor' is not exp, linear, "
                       "softbounds or lut"},
      {"table_not_lut.ini", "[device] table only applies to type = lut"},
      {"lut_missing_table.ini",
       "[device] type = lut needs table = <file.csv>"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    xb_err e;
    char path[512];
    snprintf(path, sizeof path, "%s/bad/%s", XB_DATA, bad[k].file);
    ck_assert_ptr_null(xb_device_load(path, &e));
    ck_assert_msg(strstr(e.msg, bad[k].msg) != NULL, "%s: '%s'", bad[k].file,
                  e.msg);
  }
}
END_TEST

/* The twin of an exp device as parca_demo and test_learn built it by hand:
 * the linear model on the exp parameters' range and levels (its only
 * three fields), with the source's electrical and variation parameters. */
static xb_device *straight_by_hand(const xb_device *src)
{
  const xb_exp_params *ep = xb_device_params(src);
  const xb_linear_params lin = {ep->gmin, ep->gmax, ep->levels};
  xb_device *d = xb_device_create(xb_device_linear, &lin, NULL,
                                  xb_device_elec(src),
                                  xb_device_variation(src), NULL);
  ck_assert(d != NULL);
  return d;
}

START_TEST(test_straight_twin)
{
  xb_err e;
  xb_device *pcmo = xb_device_load(XB_MODELS "/pcmo_parca.ini", &e);
  ck_assert_msg(pcmo != NULL, "%s", e.msg);
  xb_var_params v = *xb_device_variation(pcmo); /* c2c 0.005 */
  v.d2d_g = 0.1;
  v.stuck_gmax = 0.01;
  xb_device *src = xb_device_with_variation(pcmo, &v, &e);
  ck_assert_msg(src != NULL, "%s", e.msg);
  xb_device *tw = xb_device_straight(src, &e);
  ck_assert_msg(tw != NULL, "%s", e.msg);

  /* Same range, levels, electrical and variation; a linear model. */
  ck_assert(xb_device_type_of(tw) == xb_device_linear);
  double gmin, gmax, tmin, tmax;
  xb_device_bounds(src, &gmin, &gmax);
  xb_device_bounds(tw, &tmin, &tmax);
  ck_assert(tmin == gmin && tmax == gmax);
  ck_assert(xb_device_levels(tw) == xb_device_levels(src));
  ck_assert(xb_device_levels(tw) == 50);
  ck_assert(memcmp(xb_device_elec(tw), xb_device_elec(src),
                   sizeof(xb_elec_params)) == 0);
  ck_assert(memcmp(xb_device_variation(tw), xb_device_variation(src),
                   sizeof(xb_var_params)) == 0);

  /* Identical to the hand-built twin: parameters and every cell's
   * conductance through a run of noisy pulses. */
  xb_device *hand = straight_by_hand(src);
  ck_assert(memcmp(xb_device_params(tw), xb_device_params(hand),
                   sizeof(xb_linear_params)) == 0);
  enum { N = 64 };
  xb_cells *a = xb_cells_create(tw, N, 9, NULL);
  xb_cells *b = xb_cells_create(hand, N, 9, NULL);
  const xb_elec_params *el = xb_device_elec(tw);
  for (int k = 0; k < 30; k++)
    for (size_t i = 0; i < N; i++) {
      double vv = k % 7 < 4 ? el->vw_set : -el->vw_reset;
      xb_cells_pulse(a, i, vv, el->t_pulse * (1 + i % 3) / 2, 1, NULL);
      xb_cells_pulse(b, i, vv, el->t_pulse * (1 + i % 3) / 2, 1, NULL);
    }
  ck_assert(memcmp(xb_cells_g(a), xb_cells_g(b), N * sizeof(double)) == 0);
  xb_cells_free(a);
  xb_cells_free(b);
  xb_device_free(hand);

  /* Linear pulse response (no variation): G after k pulses from Gmin is
   * Gmin + k (Gmax - Gmin) / levels, saturating at Gmax. */
  xb_device *quiet = xb_device_with_variation(pcmo, NULL, &e);
  ck_assert_msg(quiet != NULL, "%s", e.msg);
  xb_device *ideal = xb_device_straight(quiet, &e);
  ck_assert_msg(ideal != NULL, "%s", e.msg);
  xb_device_free(quiet);
  xb_cells *c = xb_cells_create(ideal, 1, 1, NULL);
  const double lv = xb_device_levels(ideal);
  ck_assert(g0(c) == gmin);
  for (int k = 1; k <= 55; k++) {
    full_pulse(c, ideal, +1);
    double want = k <= lv ? gmin + k * (gmax - gmin) / lv : gmax;
    ck_assert_msg(fabs(g0(c) - want) <= 1e-12 * gmax, "k = %d: %.17g vs %.17g",
                  k, g0(c), want);
  }
  xb_cells_free(c);
  xb_device_free(ideal);

  /* Refusals: NULL, and models without a pulse count. */
  e.code = XB_OK;
  ck_assert_ptr_null(xb_device_straight(NULL, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  ck_assert_ptr_null(xb_device_straight(NULL, NULL));
  for (int m = 2; m < NMODELS; m++) {
    xb_device *d = model(m);
    e.code = XB_OK;
    ck_assert_ptr_null(xb_device_straight(d, &e));
    ck_assert_int_eq(e.code, XB_ETYPE);
    xb_device_free(d);
  }
  xb_device_free(tw);
  xb_device_free(src);
  xb_device_free(pcmo);
}
END_TEST

static Suite *device_suite(void)
{
  Suite *s = suite_create("device");
  TCase *conf = tcase_create("conformance");
  tcase_add_loop_test(conf, test_monotone_and_bounded, 0, NMODELS);
  tcase_add_loop_test(conf, test_threshold, 0, NMODELS);
  tcase_add_loop_test(conf, test_partial_pulses, 0, NMODELS);
  tcase_add_loop_test(conf, test_unchanged_on_error, 0, NMODELS);
  tcase_add_loop_test(conf, test_set_g_round_trip, 0, NMODELS);
  suite_add_tcase(s, conf);
  TCase *mod = tcase_create("models");
  tcase_add_test(mod, test_linear_round_trip);
  tcase_add_test(mod, test_exp_closed_form);
  tcase_add_test(mod, test_response_functions);
  tcase_add_test(mod, test_sinh_iv);
  tcase_add_test(mod, test_create_errors);
  tcase_add_test(mod, test_descriptor_ops);
  tcase_add_test(mod, test_straight_twin);
  suite_add_tcase(s, mod);
  TCase *var = tcase_create("variation");
  tcase_set_timeout(var, 30);
  tcase_add_test(var, test_c2c_sqrt_n);
  tcase_add_test(var, test_d2d_and_stuck);
  tcase_add_test(var, test_read_noise);
  tcase_add_test(var, test_determinism);
  tcase_add_test(var, test_c2c_respects_bounds);
  suite_add_tcase(s, var);
  return s;
}

XB_CHECK_MAIN(device_suite)
