/*
 * Integrate-and-fire read circuits: the ideal comparator gives
 * floor(I T / (C dV)); the event times follow the phase formulas derived
 * independently here; negative reads mirror positive ones; the ATB lowers
 * the threshold; the encoder saturates; the bit-serial D.z equals the
 * shift-and-add of ideal per-bit counts; the reduced transient agrees with
 * the full-network transient, and a stiff-source 1 x 1 transient with the
 * closed form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/read.h>
#include <xbar/rng.h>

#include "xb_check.h"

/* The diff circuit made ideal: no delay, an instant reset all the way back
 * to V_reset (the lower threshold 0.1 uV above it), no offset. */
static xb_read *ideal(double c, double window)
{
  xb_read_params p;
  xb_read_diff->defaults(&p);
  p.t_delay = 0;
  p.r_reset = 1e-3;
  p.v_tl = p.v_reset + 1e-7;
  p.c_int = c;
  p.window = window;
  xb_err e;
  xb_read *r = xb_read_create(xb_read_diff, &p, &e);
  ck_assert_msg(r != NULL, "%s", e.msg);
  return r;
}

START_TEST(test_ideal_floor)
{
  const double C = 100e-15, T = 4e-9, dV = 0.03;
  xb_read *r = ideal(C, T);
  int skipped = 0;
  for (int k = 1; k <= 2000; k++) {
    double I = 1e-8 * k * 0.5 + 3.3e-10; /* 5 nA steps up to 10 uA */
    double x = I * T / (C * dV);
    /* Each reset ends 0.1 uV above V_reset (3e-6 of the swing): skip the
     * currents that close to a count boundary. */
    if (fabs(x - floor(x + 0.5)) < 1e-4) {
      skipped++;
      continue;
    }
    int n;
    ck_assert_int_eq(xb_read_count(r, I, &n, NULL), XB_OK);
    ck_assert_msg(n == (int)floor(x), "I = %g A: %d spikes, floor = %g", I,
                  n, floor(x));
  }
  ck_assert_int_lt(skipped, 5);
  xb_read_free(r);
}
END_TEST

/* Second spike from the phase formulas of read.h, written out here. */
START_TEST(test_event_times)
{
  xb_read *r = xb_read_create(xb_read_diff, NULL, NULL);
  const xb_read_params *p = xb_read_params_of(r);
  const double I = 3.7e-6, C = p->c_int, R = p->r_reset, td = p->t_delay;
  double t[4];
  size_t n;
  ck_assert_int_eq(xb_read_events(r, I, 3e-9, t, 4, &n, NULL), XB_OK);
  ck_assert_uint_ge(n, 2);
  double t1 = (p->v_th - p->v_reset) * C / I + td;
  ck_assert_rel(t[0], t1, 1e-12);
  double v1 = p->v_th + I * td / C, vinf = p->v_reset + I * R;
  double sl = R * C * log((v1 - vinf) / (p->v_tl - vinf));
  double v2 = vinf + (v1 - vinf) * exp(-(sl + td) / (R * C));
  double t2 = t1 + sl + td + (p->v_th - v2) * C / I + td;
  ck_assert_rel(t[1], t2, 1e-12);
  /* The waveform agrees: at the threshold crossing, t_d before a spike. */
  double ts[2] = {t[0] - td, t[1] - td}, v[2], out[2];
  ck_assert_int_eq(xb_read_wave(r, I, ts, 2, v, out, NULL), XB_OK);
  ck_assert_rel(v[0], p->v_th, 1e-12);
  ck_assert_rel(v[1], p->v_th, 1e-9);
  ck_assert(out[0] == 0);
  xb_read_free(r);
}
END_TEST

START_TEST(test_negative_mirror)
{
  const xb_read_type *types[2] = {xb_read_se_adaptive, xb_read_diff};
  for (int k = 0; k < 2; k++) {
    xb_read *r = xb_read_create(types[k], NULL, NULL);
    for (double I = 0.25e-6; I < 9e-6; I += 0.25e-6) {
      int np, nn;
      xb_read_count(r, I, &np, NULL);
      xb_read_count(r, -I, &nn, NULL);
      ck_assert_int_eq(np, nn);
    }
    double t[3] = {0.5e-9, 1e-9, 2e-9}, vp[3], vn[3];
    xb_read_wave(r, 2e-6, t, 3, vp, NULL, NULL);
    xb_read_wave(r, -2e-6, t, 3, vn, NULL, NULL);
    for (int i = 0; i < 3; i++) /* mirrored about V_reset */
      ck_assert_rel(vp[i] - 0.5, 0.5 - vn[i], 1e-12);
    xb_read_free(r);
  }
}
END_TEST

START_TEST(test_anchors_and_atb)
{
  xb_read *se = xb_read_create(xb_read_se_adaptive, NULL, NULL);
  xb_read *df = xb_read_create(xb_read_diff, NULL, NULL);
  int n;
  /* Seed Fig. 2.11, 2.12, 2.16 with the default (uncalibrated) models. */
  xb_read_count(se, 1e-6, &n, NULL);
  ck_assert_int_eq(n, 1);
  xb_read_count(se, 5.75e-6, &n, NULL);
  ck_assert_int_eq(n, 6);
  xb_read_count(df, 1.25e-6, &n, NULL);
  ck_assert_int_eq(n, 1);
  xb_read_count(df, 5.55e-6, &n, NULL);
  ck_assert_int_eq(n, 6);
  /* The ATB lowers the threshold at high current only. */
  const xb_read_params *p = xb_read_params_of(se);
  ck_assert(xb_read_threshold(se, 0.1e-6) > p->v_th - 1e-4 * p->atb_dv * 1e4);
  ck_assert_rel(xb_read_threshold(se, p->atb_i), p->v_th - 0.5 * p->atb_dv,
                1e-12);
  ck_assert(xb_read_threshold(se, 20e-6) < p->v_th - 0.99 * p->atb_dv);
  ck_assert(xb_read_threshold(df, 20e-6) == xb_read_params_of(df)->v_th);
  /* Latching: the gate cannot win against a huge current. */
  xb_err e;
  ck_assert_int_eq(xb_read_count(se, 1e-3, &n, &e), XB_ERANGE);
  xb_read_free(se);
  xb_read_free(df);
}
END_TEST

START_TEST(test_encoder)
{
  for (int n = -2; n <= 12; n++) {
    unsigned t = xb_read_thermometer(n);
    int ones = n < 0 ? 0 : (n > 8 ? 8 : n);
    ck_assert_uint_eq(t, ones ? (1u << ones) - 1u : 0u);
    ck_assert_uint_eq(xb_read_encode(t), (unsigned)(ones > 7 ? 7 : ones));
  }
}
END_TEST

START_TEST(test_bad_params)
{
  xb_read_params p;
  xb_read_diff->defaults(&p);
  p.v_tl = 0.54;
  xb_err e;
  ck_assert_ptr_null(xb_read_create(xb_read_diff, &p, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  ck_assert_str_eq(e.param, "v_tl");
  xb_read_diff->defaults(&p);
  p.v_reset = 0.52;
  ck_assert_ptr_null(xb_read_create(xb_read_diff, &p, &e));
  ck_assert_ptr_null(xb_read_create(NULL, NULL, &e));
  ck_assert_ptr_null(xb_read_load(XB_DATA "/bad/no_type.ini", &e));
  ck_assert_int_eq(e.code, XB_EMISSING);
  xb_read *r = xb_read_create(xb_read_diff, NULL, NULL);
  int n;
  ck_assert_int_eq(xb_read_count(r, NAN, &n, &e), XB_EINVAL);
  xb_read_free(r);
}
END_TEST

/* D.z bit-serially with vanishing wires: per bit, column j carries
 * I_bj = v sum_i z_ib g_ij, and with an ideal comparator out_j =
 * sum_b min(7, floor(I_bj T / (C dV))) << b. */
START_TEST(test_bitserial)
{
  enum { N = 8, M = 6, B = 4 };
  const double C = 100e-15, T = 4e-9, dV = 0.03, v = 0.4;
  xb_read *r = ideal(C, T);
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = ap.r_drive = ap.r_sense = 1e-6;
  xb_array *a = xb_array_create(N, M, &ap, NULL);
  double g[N * M];
  unsigned z[N];
  for (int k = 0; k < N * M; k++)
    g[k] = 1e-6 + 4e-6 * xb_rng_uniform(8, 1, (uint64_t)k);
  for (int i = 0; i < N; i++)
    z[i] = (unsigned)(xb_rng_uniform(8, 2, (uint64_t)i) * 16);
  xb_array_set_g(a, g, NULL);
  int out[M];
  xb_err e;
  ck_assert_msg(xb_read_dz(r, a, XB_ROW, z, B, v, XB_LINE_FLOAT, 0, out,
                           &e) == XB_OK, "%s", e.msg);
  for (int j = 0; j < M; j++) {
    int want = 0;
    for (int b = 0; b < B; b++) {
      double I = 0;
      for (int i = 0; i < N; i++)
        if ((z[i] >> b) & 1u)
          I += g[i * M + j] * (v - 0.5); /* column held at V_reset */
      int c = (int)floor(fabs(I) * T / (C * dV));
      want += (c > 7 ? 7 : c) << b;
    }
    ck_assert_int_eq(out[j], want);
  }
  xb_array_free(a);
  xb_read_free(r);
}
END_TEST

/* An 8 x 8 array of 200 kOhm to 800 kOhm cells read at 1 V (8 to 11
 * spikes per column), its cells scaled by gscale, Rw on every segment. */
static xb_array *array8(double rw, double gscale, double *v)
{
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = rw;
  xb_array *a = xb_array_create(8, 8, &ap, NULL);
  double g[64];
  for (int k = 0; k < 64; k++)
    g[k] = gscale / (2e5 + 6e5 * xb_rng_uniform(9, 1, (uint64_t)k));
  for (int i = 0; i < 8; i++)
    v[i] = 1.0;
  xb_array_set_g(a, g, NULL);
  return a;
}

/* The reduced and the full-network transient on the same read: spike
 * times agree to 1 ps, so the counts are equal unless one method's last
 * spike falls within 1 ps of the window's end (the default case's column
 * 4: 3.9998 ns against just after 4 ns). */
static void methods_agree(const xb_read *r, xb_array *a, const double *v,
                          xb_transient_params tp)
{
  enum { M = 8, CAP = 16 };
  int s0[M], s1[M];
  double t0[M * CAP], t1[M * CAP];
  xb_err e;
  tp.method = 0;
  ck_assert_msg(xb_read_transient(r, a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0,
                                  NULL, &tp, s0, t0, CAP, NULL, &e) == XB_OK,
                "%s", e.msg);
  tp.method = 1;
  ck_assert_msg(xb_read_transient(r, a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0,
                                  NULL, &tp, s1, t1, CAP, NULL, &e) == XB_OK,
                "%s", e.msg);
  double window = xb_read_params_of(r)->window;
  for (int j = 0; j < M; j++) {
    if (s0[j] != s1[j]) {
      int more = s0[j] > s1[j] ? s0[j] : s1[j];
      const double *t = s0[j] > s1[j] ? t0 : t1;
      ck_assert_int_eq(abs(s0[j] - s1[j]), 1);
      ck_assert_msg(window - t[j * CAP + more - 1] < 1e-12,
                    "column %d: %d vs %d spikes, the extra one at %g s", j,
                    s0[j], s1[j], t[j * CAP + more - 1]);
      s0[j] = s1[j] = more - 1;
    }
    ck_assert_int_gt(s0[j], 0);
    for (int k = 0; k < s0[j]; k++)
      ck_assert_msg(fabs(t0[j * CAP + k] - t1[j * CAP + k]) < 1e-12,
                    "column %d spike %d: %g vs %g", j, k, t0[j * CAP + k],
                    t1[j * CAP + k]);
  }
}

START_TEST(test_transient_reduced_vs_full)
{
  xb_read *r = xb_read_create(xb_read_diff, NULL, NULL);
  double v[8];
  xb_array *a = array8(0.634, 1.0, v);
  double I[8]; /* leaves the columns sensed at 0.5 V */
  xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0.5, I, NULL);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  methods_agree(r, a, v, tp);
  /* The array's own line settings are restored. */
  xb_line l;
  xb_array_get_line(a, XB_COL, 3, &l);
  ck_assert(l.mode == XB_LINE_SENSE && l.v == 0.5);
  xb_array_free(a);
  xb_read_free(r);
}
END_TEST

/* Extremes that once stopped the full method's start or restarts: the
 * smallest wire resistance the array takes (1 uOhm: 1e-23 s wire time
 * constants against ps steps), a near-zero wire capacitance, and a 1 mOhm
 * reset gate (a 0.1 fs reset time constant). */
START_TEST(test_transient_extremes)
{
  xb_read_params rp;
  xb_read_diff->defaults(&rp);
  xb_read *r = xb_read_create(xb_read_diff, NULL, NULL);
  rp.r_reset = 1e-3;
  xb_read *rfast = xb_read_create(xb_read_diff, &rp, NULL);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  double v[8];
  xb_array *a = array8(1e-6, 1.0, v);
  methods_agree(r, a, v, tp);
  xb_array_free(a);
  a = array8(0.634, 1.0, v);
  methods_agree(rfast, a, v, tp);
  tp.cw = 1e-21;
  methods_agree(r, a, v, tp);
  xb_array_free(a);
  xb_read_free(r);
  xb_read_free(rfast);
}
END_TEST

/* Cells 30 times stronger carry ~270 uA: the 300 Ohm reset gate cannot pull
 * the node below v_tl. Both methods report the latch, as xb_read_count
 * does for the same current. */
START_TEST(test_transient_latch)
{
  xb_read *r = xb_read_create(xb_read_diff, NULL, NULL);
  double v[8], I[8];
  xb_array *a = array8(0.634, 30.0, v);
  ck_assert_int_eq(xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0.5,
                                 I, NULL), XB_OK);
  int c;
  ck_assert_int_eq(xb_read_count(r, I[0], &c, NULL), XB_ERANGE);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  int s[8];
  xb_err e;
  for (tp.method = 0; tp.method <= 1; tp.method++) {
    ck_assert_int_eq(xb_read_transient(r, a, XB_ROW, v, NULL, XB_LINE_FLOAT,
                                       0, NULL, &tp, s, NULL, 0, NULL, &e),
                     XB_ERANGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "latches"));
  }
  xb_array_free(a);
  xb_read_free(r);
}
END_TEST

/* 1 x 1 with a stiff source (100 V behind a cell carrying a few uA): the
 * current barely changes over the 30 mV swing, so the transient spike
 * times match the closed form of the behavioral model. */
START_TEST(test_transient_closed_form)
{
  xb_read *r = xb_read_create(xb_read_diff, NULL, NULL);
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = ap.r_drive = 1e-6;
  xb_array *a = xb_array_create(1, 1, &ap, NULL);
  double g = 3.3e-6 / 99.5, v = 100.0;
  xb_array_set_g(a, &g, NULL);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  tp.cw = 1e-21;
  tp.cr = 0;
  int s;
  double tt[8], te[8];
  size_t n;
  ck_assert_int_eq(xb_read_transient(r, a, XB_ROW, &v, NULL, XB_LINE_FLOAT, 0,
                                     NULL, &tp, &s, tt, 8, NULL, NULL),
                   XB_OK);
  double I = g * (v - 0.5);
  ck_assert_int_eq(xb_read_events(r, I, xb_read_params_of(r)->window, te, 8,
                                  &n, NULL), XB_OK);
  ck_assert_int_eq(s, (int)n);
  for (int k = 0; k < s; k++) /* the current drifts by 3e-4 over a swing */
    ck_assert_msg(fabs(tt[k] - te[k]) < 1e-3 * te[k], "spike %d: %g vs %g",
                  k, tt[k], te[k]);
  xb_array_free(a);
  xb_read_free(r);
}
END_TEST

static Suite *read_suite(void)
{
  Suite *s = suite_create("read");
  TCase *tc = tcase_create("read");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_ideal_floor);
  tcase_add_test(tc, test_event_times);
  tcase_add_test(tc, test_negative_mirror);
  tcase_add_test(tc, test_anchors_and_atb);
  tcase_add_test(tc, test_encoder);
  tcase_add_test(tc, test_bad_params);
  tcase_add_test(tc, test_bitserial);
  tcase_add_test(tc, test_transient_reduced_vs_full);
  tcase_add_test(tc, test_transient_extremes);
  tcase_add_test(tc, test_transient_latch);
  tcase_add_test(tc, test_transient_closed_form);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(read_suite)
