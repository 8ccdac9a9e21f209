/*
 * The fitter: known A and B recovered from synthetic noisy data within 1%;
 * the nonlinearity-label mapping; and the acceptance check of the PCMO
 * preset: its curves, sampled through the device's own pulse interface,
 * deviate from a straight line by NL/10 (3.68 LTP, 6.76 LTD) within 5%.
 */
#include <xbar/device.h>
#include <xbar/rng.h>

#include "xb_check.h"

/* Synthetic pulse response with Gaussian noise of 0.1% of the range. */
static void synth(double a, double b, double g0, int dir, double *p,
                  double *g, int n, uint64_t seed)
{
  for (int k = 0; k < n; k++) {
    p[k] = k;
    g[k] = g0 + dir * b * (1 - exp(-k / a)) +
           0.001 * b * xb_rng_normal(seed, 0, (uint64_t)k);
  }
}

START_TEST(test_fit_recovers_ltp_ltd)
{
  enum { N = 51 };
  double p[N], g[N];
  /* A from strongly to mildly nonlinear over 50 pulses. Far beyond the
   * pulse range (A >> 50) the curve is nearly straight and A is no longer
   * determined by noisy data; test_fit_exact_data covers that regime. */
  const double as[] = {3.0, 12.3, 25.0, 40.0};
  for (int k = 0; k < 4; k++) {
    double a = as[k], b = 3.1e-8, gmin = 5e-9, gmax = gmin + b;
    xb_exp_fit f;
    xb_err e;
    synth(a, b, gmin, +1, p, g, N, 10 + k);
    ck_assert_int_eq(xb_exp_fit_data(p, g, N, &f, &e), XB_OK);
    ck_assert_int_eq(f.dir, 1);
    ck_assert_rel(f.a, a, 0.01);
    ck_assert_rel(f.b, b, 0.01);
    ck_assert_rel(f.g0, gmin, 0.01);
    ck_assert(f.rms < 0.002 * b);
    synth(a, b, gmax, -1, p, g, N, 20 + k);
    ck_assert_int_eq(xb_exp_fit_data(p, g, N, &f, &e), XB_OK);
    ck_assert_int_eq(f.dir, -1);
    ck_assert_rel(f.a, a, 0.01);
    ck_assert_rel(f.b, b, 0.01);
    ck_assert_rel(f.g0, gmax, 0.01);
  }
}
END_TEST

START_TEST(test_fit_exact_data)
{
  enum { N = 30 };
  double p[N], g[N];
  for (int k = 0; k < N; k++) {
    p[k] = 0.5 * k * k; /* uneven spacing */
    g[k] = 1e-6 + 2e-6 * (1 - exp(-p[k] / 77.0));
  }
  xb_exp_fit f;
  ck_assert_int_eq(xb_exp_fit_data(p, g, N, &f, NULL), XB_OK);
  ck_assert_rel(f.a, 77.0, 1e-6);
  ck_assert_rel(f.b, 2e-6, 1e-6);
}
END_TEST

START_TEST(test_fit_bad_data)
{
  double p[4] = {0, 1, 2, 3}, g[4] = {1, 1, 1, 1};
  xb_exp_fit f;
  xb_err e;
  ck_assert_int_eq(xb_exp_fit_data(p, g, 3, &f, &e), XB_EDATA);
  ck_assert_int_eq(xb_exp_fit_data(p, g, 4, &f, &e), XB_EDATA); /* flat */
  g[2] = NAN;
  ck_assert_int_eq(xb_exp_fit_data(p, g, 4, &f, &e), XB_EDATA);
  ck_assert_int_eq(xb_exp_fit_data(NULL, g, 4, &f, &e), XB_EINVAL);
}
END_TEST

START_TEST(test_nl_label_mapping)
{
  /* Round trip label -> A -> deviation for a range of labels. */
  for (double nl = 0.5; nl < 9.6; nl += 0.5) {
    double a;
    ck_assert_int_eq(xb_exp_a_from_nl(nl, 50, &a, NULL), XB_OK);
    ck_assert_rel(10 * xb_exp_max_deviation(a, 50), nl, 1e-9);
    double a_neg;
    xb_exp_a_from_nl(-nl, 50, &a_neg, NULL);
    ck_assert(a_neg == a); /* the sign only names the branch */
  }
  /* Larger label, stronger curvature: smaller A. */
  double a1, a2;
  xb_exp_a_from_nl(2.0, 50, &a1, NULL);
  xb_exp_a_from_nl(4.0, 50, &a2, NULL);
  ck_assert(a2 < a1);
  /* The normalised curve depends on A/levels only. */
  xb_exp_a_from_nl(3.0, 100, &a2, NULL);
  xb_exp_a_from_nl(3.0, 50, &a1, NULL);
  ck_assert_rel(a2, 2 * a1, 1e-9);
  xb_err e;
  ck_assert_int_eq(xb_exp_a_from_nl(0.0, 50, &a1, &e), XB_ERANGE);
  ck_assert_int_eq(xb_exp_a_from_nl(12.0, 50, &a1, &e), XB_ERANGE);
  ck_assert_str_eq(e.param, "nl");
}
END_TEST

/* Maximum of |y(u) - u| over a curve sampled at `n` points of [0, 1]. */
static double max_dev(const double *y, int n)
{
  double m = 0;
  for (int k = 0; k < n; k++)
    m = fmax(m, fabs(y[k] - (double)k / (n - 1)));
  return m;
}

START_TEST(test_pcmo_labels_reproduced)
{
  xb_err e;
  xb_device *base = xb_device_load(XB_MODELS "/pcmo_park2013.ini", &e);
  ck_assert_msg(base != NULL, "%s", e.msg);
  xb_device *d = xb_device_with_variation(base, NULL, &e);
  const xb_exp_params *p = xb_device_params(d);
  const xb_elec_params *el = xb_device_elec(d);
  ck_assert(p->a_ltp == 0 && p->a_ltd == 0); /* derived, not typed in */
  double gmin, gmax;
  xb_device_bounds(d, &gmin, &gmax);
  xb_cells *c = xb_cells_create(d, 1, 1, NULL);
  /* Sample the curves in 1/100-pulse steps of the real pulse interface. */
  enum { STEPS = 100 * 50 + 1 };
  static double y[STEPS];
  y[0] = 0;
  for (int k = 1; k < STEPS; k++) {
    xb_cells_pulse(c, 0, el->vw_set, el->t_pulse / 100, 1, NULL);
    y[k] = (xb_cells_g(c)[0] - gmin) / (gmax - gmin);
  }
  double dev_ltp = max_dev(y, STEPS);
  ck_assert_rel(y[STEPS - 1], 1.0, 1e-9);
  xb_cells_set_g(c, 0, gmax, NULL);
  for (int k = 1; k < STEPS; k++) {
    xb_cells_pulse(c, 0, -el->vw_reset, el->t_pulse / 100, 1, NULL);
    y[k] = (gmax - xb_cells_g(c)[0]) / (gmax - gmin);
  }
  double dev_ltd = max_dev(y, STEPS);
  ck_assert_rel(y[STEPS - 1], 1.0, 1e-9);
  /* Acceptance: NL/10 within 5% (a 1/100-pulse grid is far finer). */
  ck_assert_rel(dev_ltp, 0.368, 0.05);
  ck_assert_rel(dev_ltd, 0.676, 0.05);
  ck_assert_rel(dev_ltp, 0.368, 1e-3);
  ck_assert_rel(dev_ltd, 0.676, 1e-3);

  /* Fitting the device's own LTP curve recovers its derived A. */
  double pp[51], gg[51], a_ltp;
  xb_exp_a_from_nl(p->nl_ltp, p->levels, &a_ltp, NULL);
  xb_cells_set_g(c, 0, gmin, NULL);
  for (int k = 0; k <= 50; k++) {
    pp[k] = k;
    gg[k] = xb_cells_g(c)[0];
    xb_cells_pulse(c, 0, el->vw_set, el->t_pulse, 1, NULL);
  }
  xb_exp_fit f;
  ck_assert_int_eq(xb_exp_fit_data(pp, gg, 51, &f, NULL), XB_OK);
  ck_assert_rel(f.a, a_ltp, 1e-6);
  ck_assert_rel(f.b, xb_exp_b(a_ltp, 50, gmin, gmax), 1e-6);
  xb_cells_free(c);
  xb_device_free(d);
  xb_device_free(base);
}
END_TEST

static Suite *fit_suite(void)
{
  Suite *s = suite_create("fit");
  TCase *tc = tcase_create("fit");
  tcase_add_test(tc, test_fit_recovers_ltp_ltd);
  tcase_add_test(tc, test_fit_exact_data);
  tcase_add_test(tc, test_fit_bad_data);
  tcase_add_test(tc, test_nl_label_mapping);
  tcase_add_test(tc, test_pcmo_labels_reproduced);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(fit_suite)
