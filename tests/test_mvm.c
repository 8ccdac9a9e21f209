/*
 * Bit-sliced MVM and OPA against exact integer arithmetic, and the SAR
 * ADC's conversion rule (xbar/mvm.h).
 *
 * - MVM: for random sliced weights (homogeneous 2-bit x 8 as PUMA, and a
 *   heterogeneous layout with carry bits) and random signed inputs fed bit
 *   by bit in two's complement, y = x^T W bit for bit, with the ideal
 *   digitisation and with an ideal SAR per column just wide enough
 *   (ceil(log2(R (2^p - 1) + 1)) bits). Two bits fewer, and column sums
 *   of mid-level cells saturate it: the result must then differ (the ADC
 *   path is really in the loop).
 * - OPA: W + b a^T exactly over a sequence of random sign-magnitude
 *   updates while no cell leaves its range (clipped = 0), for both layouts;
 *   the carry resolution step keeps W and brings every non-top level back
 *   within its balanced digit range; narrow cells saturate (clipped > 0,
 *   saturated fraction > 0) and the result is then not exact.
 * - SAR: with ideal capacitors the code is floor(vin / LSB) over a fine
 *   sweep (mid-point, exactly at and both sides of every transition); a k-bit
 *   conversion gives min(floor(vin / LSB), 2^k - 1) in the same LSB; with
 *   mismatch the transition into code c is xb_sar_level(c) (the decision
 *   of c's lowest set bit); noise is reproducible from its stream
 *   position. (The INL/DNL statistics and the ngspice CDAC check are in
 *   test_sar_spice.)
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/mvm.h>
#include <xbar/rng.h>

#include "xb_check.h"

static xb_slicing puma(void) /* 16-bit weights, 2-bit cells x 8 */
{
  xb_slicing l = {8, {2, 2, 2, 2, 2, 2, 2, 2}, {2, 2, 2, 2, 2, 2, 2, 2}};
  return l;
}

static xb_slicing hetero(void) /* carries, PANTHER-style widths */
{
  xb_slicing l = {6, {3, 3, 2, 2, 3, 3}, {5, 6, 4, 4, 5, 6}};
  return l;
}

/* Uniform integer in [lo, hi] from the test's stream. */
static int64_t draw(uint64_t seed, uint64_t k, int64_t lo, int64_t hi)
{
  return lo + (int64_t)floor(xb_rng_uniform(seed, 77, k) *
                             (double)(hi - lo + 1));
}

/* Largest |W| the canonical form of layout l holds, halved for margin. */
static int64_t wmax(const xb_slicing *l)
{
  int o = 0;
  for (int s = 0; s + 1 < l->S; s++)
    o += l->d[s];
  return (((int64_t)1 << (l->p[l->S - 1] - 1)) - 1) * ((int64_t)1 << o) / 2;
}

static void mvm_case(const xb_slicing *l, size_t R, size_t C, int xbits,
                     uint64_t seed)
{
  xb_err e;
  xb_sliced *w = xb_sliced_create(R, C, l, &e);
  ck_assert_msg(w, "%s", e.msg);
  int64_t *W = malloc(R * C * sizeof *W), *x = malloc(R * sizeof *x);
  int64_t *y = malloc(C * sizeof *y), *ref = malloc(C * sizeof *ref);
  int64_t m = wmax(l);
  for (size_t k = 0; k < R * C; k++)
    W[k] = draw(seed, k, -m, m);
  ck_assert_int_eq(xb_sliced_set(w, W, &e), XB_OK);
  int64_t *back = malloc(R * C * sizeof *back);
  xb_sliced_get(w, back);
  ck_assert(memcmp(W, back, R * C * sizeof *W) == 0);
  int64_t xm = ((int64_t)1 << (xbits - 1));
  for (size_t i = 0; i < R; i++)
    x[i] = draw(seed + 1, i, -xm, xm - 1);
  for (size_t j = 0; j < C; j++) {
    ref[j] = 0;
    for (size_t i = 0; i < R; i++)
      ref[j] += x[i] * W[i * C + j];
  }
  ck_assert_int_eq(xb_sliced_mvm(w, x, xbits, NULL, 0, y, &e), XB_OK);
  for (size_t j = 0; j < C; j++)
    ck_assert_int_eq(y[j], ref[j]);
  /* Column ADCs just wide enough for R cells at the top level. */
  int pmax = 0;
  for (int s = 0; s < l->S; s++)
    pmax = l->p[s] > pmax ? l->p[s] : pmax;
  double top = (double)R * (double)(((int64_t)1 << pmax) - 1);
  int bits = (int)ceil(log2(top + 1));
  xb_sar_params sp;
  xb_param_defaults(&xb_sar_param_set, &sp);
  sp.bits = bits;
  xb_sar *adc = xb_sar_create(&sp, 1, &e);
  ck_assert_int_eq(xb_sliced_mvm(w, x, xbits, adc, 3, y, &e), XB_OK);
  for (size_t j = 0; j < C; j++)
    ck_assert_int_eq(y[j], ref[j]);
  xb_sar_free(adc);
  /* Two bits short: the column sums of cells near their middle levels
   * (about R 2^(p-1) with every row driven) exceed its range. */
  for (size_t i = 0; i < R; i++)
    x[i] = -1; /* every bit set: every cycle drives every row */
  xb_sliced_mvm(w, x, xbits, NULL, 0, ref, &e);
  sp.bits = bits - 2;
  adc = xb_sar_create(&sp, 1, &e);
  ck_assert_int_eq(xb_sliced_mvm(w, x, xbits, adc, 3, y, &e), XB_OK);
  int differ = 0;
  for (size_t j = 0; j < C; j++)
    differ |= y[j] != ref[j];
  ck_assert_msg(differ, "a %d-bit ADC should saturate", bits - 2);
  xb_sar_free(adc);
  free(W);
  free(x);
  free(y);
  free(ref);
  free(back);
  xb_sliced_free(w);
}

START_TEST(test_mvm_exact)
{
  xb_slicing a = puma(), b = hetero();
  mvm_case(&a, 24, 9, 16, 11);
  mvm_case(&a, 7, 5, 1, 12);
  mvm_case(&b, 16, 12, 8, 13);
  mvm_case(&b, 33, 3, 12, 14);
}
END_TEST

static void opa_case(const xb_slicing *l, int64_t wm, int amag, int bmag,
                     int steps, int expect_exact, uint64_t seed)
{
  enum { R = 12, C = 10 };
  xb_err e;
  xb_sliced *w = xb_sliced_create(R, C, l, &e);
  int64_t W[R * C], got[R * C];
  int32_t a[C], b[R];
  for (size_t k = 0; k < R * C; k++)
    W[k] = draw(seed, k, -wm, wm);
  ck_assert_int_eq(xb_sliced_set(w, W, &e), XB_OK);
  size_t clipped_total = 0;
  for (int t = 0; t < steps; t++) {
    for (int j = 0; j < C; j++)
      a[j] = (int32_t)draw(seed + 2, (uint64_t)(t * C + j), -amag, amag);
    for (int i = 0; i < R; i++)
      b[i] = (int32_t)draw(seed + 3, (uint64_t)(t * R + i), -bmag, bmag);
    size_t clipped;
    ck_assert_int_eq(xb_sliced_opa(w, b, a, &clipped, &e), XB_OK);
    clipped_total += clipped;
    for (int i = 0; i < R; i++)
      for (int j = 0; j < C; j++)
        W[i * C + j] += (int64_t)b[i] * a[j];
  }
  xb_sliced_get(w, got);
  int same = memcmp(W, got, sizeof W) == 0;
  if (expect_exact) {
    ck_assert_int_eq(clipped_total, 0);
    ck_assert_msg(same, "OPA result differs from W + sum b a^T");
    /* CRS: same W, every non-top level within its balanced digits. */
    ck_assert_int_eq(xb_sliced_crs(w, &e), XB_OK);
    xb_sliced_get(w, got);
    ck_assert(memcmp(W, got, sizeof W) == 0);
    for (int s = 0; s + 1 < l->S; s++) {
      const int32_t *v = xb_sliced_levels(w, s);
      int32_t mid = 1 << (l->p[s] - 1), half = 1 << (l->d[s] - 1);
      for (size_t k = 0; k < R * C; k++)
        ck_assert(v[k] - mid >= -half && v[k] - mid < half);
    }
  } else {
    ck_assert_uint_gt(clipped_total, 0);
    ck_assert(!same);
    double sat = 0;
    for (int s = 0; s < l->S; s++)
      sat += xb_sliced_saturated(w, s);
    ck_assert(sat > 0);
  }
  xb_sliced_free(w);
}

START_TEST(test_opa_exact)
{
  /* Wide cells: 2 data bits in 12-bit cells, room for many carries. */
  xb_slicing wide = {8, {2, 2, 2, 2, 2, 2, 2, 2},
                     {12, 12, 12, 12, 12, 12, 12, 12}};
  opa_case(&wide, 1000, 255, 255, 6, 1, 21);
  opa_case(&wide, 1 << 12, 1 << 10, 7, 10, 1, 22);
  xb_slicing b = {6, {3, 3, 2, 2, 3, 3}, {10, 11, 9, 9, 10, 12}};
  opa_case(&b, 5000, 63, 31, 8, 1, 23);
  /* Narrow cells: one carry bit saturates within a few updates. */
  xb_slicing narrow = {8, {2, 2, 2, 2, 2, 2, 2, 2}, {3, 3, 3, 3, 3, 3, 3, 6}};
  opa_case(&narrow, 100, 255, 255, 6, 0, 24);
}
END_TEST

START_TEST(test_opa_single)
{
  /* One cell by hand: W = 0, a = 5, b = -3: slices of 2 data bits. */
  xb_slicing l = {4, {2, 2, 2, 2}, {6, 6, 6, 6}};
  xb_sliced *w = xb_sliced_create(1, 1, &l, NULL);
  int32_t a = 5, b = -3;
  size_t c;
  ck_assert_int_eq(xb_sliced_opa(w, &b, &a, &c, NULL), XB_OK);
  int64_t W;
  xb_sliced_get(w, &W);
  ck_assert_int_eq(W, -15);
  ck_assert_uint_eq(c, 0);
  /* b's bits 0 and 1: chunks of 5 = 01|01 and 10 = 10|10 go to slices 0
   * and 1: slice 0 moves by -(1 + 2), slice 1 by -(1 + 2). */
  ck_assert_int_eq(xb_sliced_levels(w, 0)[0], 32 - 3);
  ck_assert_int_eq(xb_sliced_levels(w, 1)[0], 32 - 3);
  ck_assert_int_eq(xb_sliced_levels(w, 2)[0], 32);
  xb_sliced_free(w);
}
END_TEST

START_TEST(test_sar_rule)
{
  xb_sar_params p;
  xb_param_defaults(&xb_sar_param_set, &p);
  p.bits = 6;
  p.v_fs = 0.8;
  xb_sar *s = xb_sar_create(&p, 5, NULL);
  double lsb = p.v_fs / 64;
  for (int c = 0; c < 64; c++) {
    ck_assert_uint_eq(xb_sar_convert(s, (c + 0.5) * lsb, 6, 0), (unsigned)c);
    ck_assert_uint_eq(xb_sar_convert(s, (c + 1e-9) * lsb, 6, 0),
                      (unsigned)c);
    /* Exactly at the transition: the level is c LSB to rounding, and
     * it is the transition to the last bit (the comparator's >=). */
    double lv = xb_sar_level(s, (uint32_t)c);
    ck_assert_double_le_tol(fabs(lv - c * lsb), 0.0, 1e-15);
    ck_assert_uint_eq(xb_sar_convert(s, lv, 6, 0), (unsigned)c);
    if (c > 0)
      ck_assert_uint_eq(xb_sar_convert(s, nextafter(lv, 0), 6, 0),
                        (unsigned)c - 1);
    if (c > 0)
      ck_assert_uint_eq(xb_sar_convert(s, (c - 1e-9) * lsb, 6, 0),
                        (unsigned)c - 1);
    for (int k = 1; k <= 6; k++) { /* tunable resolution */
      unsigned want = c < (1 << k) ? (unsigned)c : (1u << k) - 1;
      ck_assert_uint_eq(xb_sar_convert(s, (c + 0.5) * lsb, k, 0), want);
    }
  }
  ck_assert_uint_eq(xb_sar_convert(s, 2.0, 6, 0), 63u);
  ck_assert_uint_eq(xb_sar_convert(s, -1.0, 6, 0), 0u);
  xb_sar_free(s);
  /* Mismatch: the transition into c is the DAC level of c. */
  p.sigma_cu = 0.05;
  s = xb_sar_create(&p, 6, NULL);
  int checked = 0;
  for (uint32_t c = 1; c < 64; c++) {
    double t = xb_sar_level(s, c);
    /* Where the DAC is monotonic around c, both sides resolve. */
    if (!(xb_sar_level(s, c - 1) < t - 1e-6 &&
          (c == 63 || t < xb_sar_level(s, c + 1) - 1e-6)))
      continue;
    uint32_t hi = xb_sar_convert(s, t + 1e-9, 6, 0);
    uint32_t lo = xb_sar_convert(s, t - 1e-9, 6, 0);
    ck_assert_uint_eq(hi, c);
    ck_assert_uint_lt(lo, c);
    checked++;
  }
  ck_assert_int_gt(checked, 40);
  double caps[7];
  xb_sar_caps(s, caps);
  double tot = 0;
  for (int k = 0; k < 7; k++)
    tot += caps[k];
  ck_assert_double_eq_tol(xb_sar_level(s, 63), p.v_fs * (1 - caps[0] / tot),
                          1e-12);
  xb_sar_free(s);
  /* Noise: the same stream position gives the same code. */
  p.sigma_cu = 0;
  p.noise = 0.3 * lsb;
  p.ktc = 1;
  s = xb_sar_create(&p, 7, NULL);
  int varied = 0;
  for (uint64_t pos = 0; pos < 200; pos++) {
    uint32_t c1 = xb_sar_convert(s, 31.5 * lsb, 6, pos);
    ck_assert_uint_eq(c1, xb_sar_convert(s, 31.5 * lsb, 6, pos));
    varied |= c1 != 31;
  }
  ck_assert(varied);
  xb_sar_free(s);
}
END_TEST

START_TEST(test_bad_input)
{
  xb_err e;
  xb_slicing l = {3, {2, 2, 2}, {2, 1, 2}}; /* p < d */
  ck_assert_ptr_null(xb_sliced_create(4, 4, &l, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  l.p[1] = 31;
  ck_assert_ptr_null(xb_sliced_create(4, 4, &l, &e));
  l.S = 0;
  ck_assert_ptr_null(xb_sliced_create(4, 4, &l, &e));
  xb_slicing ok = {2, {2, 2}, {3, 3}};
  xb_sliced *w = xb_sliced_create(2, 2, &ok, &e);
  int64_t W[4] = {0, 1, 2, 1000};
  ck_assert_int_eq(xb_sliced_set(w, W, &e), XB_ERANGE);
  int64_t x[2] = {1, 200}, y[2];
  ck_assert_int_eq(xb_sliced_mvm(w, x, 8, NULL, 0, y, &e), XB_ERANGE);
  ck_assert_int_eq(xb_sliced_mvm(w, x, 0, NULL, 0, y, &e), XB_ERANGE);
  xb_sliced_free(w);
  xb_sar_params p;
  xb_param_defaults(&xb_sar_param_set, &p);
  p.bits = 25;
  ck_assert_ptr_null(xb_sar_create(&p, 1, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
}
END_TEST

static Suite *mvm_suite(void)
{
  Suite *s = suite_create("mvm");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_mvm_exact);
  tcase_add_test(tc, test_opa_exact);
  tcase_add_test(tc, test_opa_single);
  tcase_add_test(tc, test_sar_rule);
  tcase_add_test(tc, test_bad_input);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(mvm_suite)
