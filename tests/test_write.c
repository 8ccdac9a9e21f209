/*
 * Pulse-overlap write: the generators' waveforms, the quantization of the
 * overlap against the ideal r * z product, and the array write through the
 * network: with an ideal device and vanishing wires every dG is exactly
 * proportional to the overlap time; half-selected cells are untouched under
 * the default threshold and disturbed only by a response that allows it.
 */
#include <stdio.h>
#include <string.h>

#include <xbar/write.h>

#include "xb_check.h"

static xb_write_params defaults(void)
{
  xb_write_params p;
  xb_param_defaults(&xb_write_param_set, &p);
  return p;
}

START_TEST(test_generators)
{
  xb_write_params p = defaults();
  double tclk = p.t_write / p.clocks, half = 0.5 * p.t_write;
  for (int z = 0; z <= p.zbits; z++)
    for (int h = 0; h < 2; h++) {
      double t0, t1;
      ck_assert_int_eq(xb_write_z_window(&p, z, h, &t0, &t1, NULL), XB_OK);
      ck_assert_rel(t0 + 1e-30, h * half + 1e-30, 1e-15);
      ck_assert(fabs((t1 - t0) - z * tclk) < 1e-21);
    }
  double st[15];
  for (int r = -15; r <= 15; r++)
    for (int q = 0; q < p.reps; q++) {
      int n, h;
      ck_assert_int_eq(xb_write_r_pulses(&p, r, q, st, 15, &n, &h, NULL),
                       XB_OK);
      ck_assert_int_eq(n, abs(r));
      ck_assert_int_eq(h, r < 0);
      for (int k = 0; k < n; k++) { /* inside the half, not overlapping */
        ck_assert(st[k] >= h * half && st[k] + p.t_rpulse <= (h + 1) * half);
        if (k)
          ck_assert(st[k] >= st[k - 1] + p.t_rpulse);
      }
    }
  xb_err e;
  double t0, t1;
  ck_assert_int_eq(xb_write_z_window(&p, 17, 0, &t0, &t1, &e), XB_ERANGE);
  int n, h;
  ck_assert_int_eq(xb_write_r_pulses(&p, 16, 0, st, 15, &n, &h, &e),
                   XB_ERANGE);
}
END_TEST

START_TEST(test_quantization)
{
  /* Seed Fig. 2.18b: at most 1 LSB of 16 from the ideal product. */
  xb_write_params p = defaults();
  double lsb = fabs(xb_write_ideal(&p, p.r_levels, p.zbits)) / 16;
  double worst = 0;
  for (int r = -p.r_levels; r <= p.r_levels; r++)
    for (int z = 0; z <= p.zbits; z++) {
      double o = xb_write_overlap(&p, r, z), id = xb_write_ideal(&p, r, z);
      worst = fmax(worst, fabs(o - id) / lsb);
      if (r == 0 || z == 0)
        ck_assert(o == 0);
      ck_assert(r <= 0 || o <= 0); /* r > 0 depresses */
    }
  ck_assert_msg(worst <= 1.0, "worst quantization error %g LSB", worst);
  /* Four interleaved repetitions beat one. */
  p.reps = 1;
  double lsb1 = fabs(xb_write_ideal(&p, p.r_levels, p.zbits)) / 16, w1 = 0;
  for (int r = -p.r_levels; r <= p.r_levels; r++)
    for (int z = 0; z <= p.zbits; z++)
      w1 = fmax(w1, fabs(xb_write_overlap(&p, r, z) -
                         xb_write_ideal(&p, r, z)) / lsb1);
  ck_assert(worst < w1);
}
END_TEST

/* A linear device whose full pulse is one r pulse at vw. */
static xb_device *ideal_device(int response, double vw)
{
  xb_linear_params lp;
  xb_param_defaults(&xb_linear_param_set, &lp);
  lp.gmin = 1e-7;
  lp.gmax = 1e-6;
  lp.levels = 1000;
  xb_elec_params el;
  xb_param_defaults(&xb_elec_param_set, &el);
  el.vw_set = el.vw_reset = vw;
  el.t_pulse = 1e-9;
  el.response = response;
  el.v0 = 0.05;
  xb_err e;
  xb_device *d = xb_device_create(xb_device_linear, &lp, NULL, &el, NULL, &e);
  ck_assert_msg(d != NULL, "%s", e.msg);
  return d;
}

/* Write with drive vdd (0: the device's vw) and return every dG. */
static void write_case(int response, double vw, double vdd, double *dg,
                       int *r, int *z, size_t n, size_t m)
{
  xb_device *d = ideal_device(response, vw);
  xb_cells *c = xb_cells_create(d, n * m, 1, NULL);
  xb_cells_reset(c, 5.5e-7, NULL);
  double g0[64];
  memcpy(g0, xb_cells_g(c), n * m * sizeof(double));
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = ap.r_drive = 1e-6;
  xb_array *a = xb_array_create(n, m, &ap, NULL);
  xb_write_params p = defaults();
  p.vdd = vdd;
  double v = vdd > 0 ? vdd : vw;
  xb_write_stats st;
  xb_err e;
  ck_assert_msg(xb_write_parallel(a, c, &p, r, z, &st, &e) == XB_OK, "%s",
                e.msg);
  ck_assert(st.slices > 0);
  ck_assert(st.v_full_min > 0.999999 * v && st.v_half_max < 0.500001 * v);
  for (size_t k = 0; k < n * m; k++)
    dg[k] = xb_cells_g(c)[k] - g0[k];
  xb_array_free(a);
  xb_cells_free(c);
  xb_device_free(d);
}

START_TEST(test_array_write_exact)
{
  enum { N = 6, M = 5 };
  int r[N] = {15, -7, 0, 3, -1, -15}, z[M] = {16, 9, 0, 1, 4};
  double dg[N * M];
  write_case(0, 1.0, 0.0, dg, r, z, N, M);
  xb_write_params p = defaults();
  double step = (1e-6 - 1e-7) / 1000 / 1e-9; /* S per second at full V */
  for (int i = 0; i < N; i++)
    for (int j = 0; j < M; j++) {
      double want = step * xb_write_overlap(&p, r[i], z[j]);
      if (want == 0)
        ck_assert_msg(dg[i * M + j] == 0, "(%d,%d) half-selected moved by %g",
                      i, j, dg[i * M + j]);
      else
        ck_assert_rel(dg[i * M + j], want, 1e-9);
    }
}
END_TEST

START_TEST(test_disturb_only_when_allowed)
{
  enum { N = 3, M = 3 };
  int r[N] = {0, 5, 0}, z[M] = {0, 8, 0};
  double dg[N * M];
  /* Driven at 1 V, a device with Vw = 0.9 V sees its half-selected cells
   * at 0.5 V, above Vw/2. The default step response ignores them... */
  write_case(0, 0.9, 1.0, dg, r, z, N, M);
  for (int k = 0; k < N * M; k++)
    ck_assert(k == 1 * M + 1 ? dg[k] < 0 : dg[k] == 0);
  /* ...the exponential response (rate exp((|V| - Vw) / v0) above Vw/2)
   * lets them drift a little. */
  write_case(2, 0.9, 1.0, dg, r, z, N, M);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < M; j++) {
      int half = (i == 1) != (j == 1);
      if (i == 1 && j == 1)
        ck_assert(dg[i * M + j] < 0);
      else if (half) /* disturbed, but far less than the selected cell */
        ck_assert(dg[i * M + j] != 0 &&
                  fabs(dg[i * M + j]) < 1e-3 * fabs(dg[1 * M + 1]));
      else
        ck_assert(dg[i * M + j] == 0);
    }
}
END_TEST

START_TEST(test_write_errors)
{
  xb_device *d = ideal_device(0, 1.0);
  xb_cells *c = xb_cells_create(d, 4, 1, NULL);
  xb_array *a = xb_array_create(2, 2, NULL, NULL);
  xb_write_params p = defaults();
  int r[2] = {16, 0}, z[2] = {1, 1};
  xb_err e;
  ck_assert_int_eq(xb_write_parallel(a, c, &p, r, z, NULL, &e), XB_ERANGE);
  r[0] = 1;
  z[1] = -1;
  ck_assert_int_eq(xb_write_parallel(a, c, &p, r, z, NULL, &e), XB_ERANGE);
  p.zbits = 17; /* two windows no longer fit 32 clocks */
  z[1] = 1;
  ck_assert_int_eq(xb_write_parallel(a, c, &p, r, z, NULL, &e), XB_ERANGE);
  xb_array_free(a);
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

static Suite *write_suite(void)
{
  Suite *s = suite_create("write");
  TCase *tc = tcase_create("write");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_generators);
  tcase_add_test(tc, test_quantization);
  tcase_add_test(tc, test_array_write_exact);
  tcase_add_test(tc, test_disturb_only_when_allowed);
  tcase_add_test(tc, test_write_errors);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(write_suite)
