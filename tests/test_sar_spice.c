/*
 * The SAR ADC (xbar/mvm.h) against ngspice and against its analytic
 * mismatch statistics.
 *
 * - CDAC vs ngspice (xbar/spice_sar.h): for 4, 5 and 6 bits, an ideal
 *   instance and three mismatched instances each at sigma_cu 0.02, 0.05
 *   and 0.15 (different seeds, unit capacitors of 10 fF and 2 fF; 0.15
 *   makes some DACs non-monotonic), every code's DAC level from ngspice's
 *   charge-redistribution transient equals xb_sar_level to 1e-9 of the
 *   full scale. Why 1e-9: the deck is a linear capacitive divider
 *   integrated with the trapezoidal rule, which keeps the floating top
 *   plate's charge exactly, so its only error beyond round-off is the
 *   10 s / c_unit leak resistor the operating point needs; by the last
 *   slot it has drained at most 2^n slots / (10 s 2^n) = 1e-10 of full
 *   scale (measured worst 5.0e-11, growing slot by slot as the droop
 *   does). The tolerance is 10x that bound, 6e-8 LSB at 6 bits; a
 *   capacitor off by a tenth of a unit moves some level by more than 5e-4
 *   of full scale.
 *   Then the model's conversion at full resolution of a voltage
 *   eps = 1e-7 v_fs (1000x the deck error, under 1e-5 LSB) above / below
 *   each ngspice level: where the instance's DAC is monotonic (every level
 *   more than 2 eps above the one before), just above level c gives c and
 *   just below gives c - 1 (with an ideal comparator the transition into
 *   code c is the level of c). Where it is not, the codes are those of the
 *   binary search run on the ngspice levels (codes whose level lies above
 *   a higher code's are missing, the same way in both). The ideal and the
 *   sigma 0.02 instances must be monotonic and at least one instance must
 *   not be, with a missing code, so both checks really run. Also: more
 *   than 10 bits is XB_ERANGE and NULL XB_EINVAL, the output untouched.
 * - INL / DNL statistics (xb_sar_code_density, no ngspice): the ideal ADC
 *   (several resolutions, sample densities and full scales) has INL and
 *   DNL exactly 0 at every code and transitions exactly at c LSB (the
 *   samples sit at bin centres, half a sample step away from every
 *   transition, so the histogram counts are exact). An 8-bit ADC with
 *   sigma_cu 0.02 over 400 instances: the sample sigma of INL at mid-scale
 *   (code 128) and quarter-scale (64), and of DNL of the codes whose upper
 *   transition is the MSB (127) or bit 6 (63), each within 20% of the
 *   linearised sigma (INL(c): sigma_cu sqrt(c (2^n - c) / 2^n); DNL of
 *   code c with j trailing ones: sigma_cu sqrt(2^(j+1) - 1 - 2^-n), the
 *   mid-scale sqrt(2^n - 1) of mvm.h; derivation in
 *   experiments/sar_inl_dnl.c). 20% is 5.6 standard errors of a sample
 *   sigma of 400 (1 / sqrt(2 * 399) = 3.5%); 16 samples per LSB add a
 *   rounding sigma 1 / (16 sqrt 12) = 0.018 LSB, +0.8% on the smallest of
 *   these sigmas (0.14 LSB, INL(64)). Measured ratios are printed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <xbar/spice_sar.h>

#include "xb_check.h"

#define TOL 1e-9 /* of v_fs: ngspice level vs model */
#define EPS 1e-7 /* of v_fs: just above / below a level */

/* The binary search of an ideal comparator against the DAC levels lv. */
static uint32_t sar_on(const double *lv, int n, double vin)
{
  uint32_t code = 0;
  for (int b = n - 1; b >= 0; b--)
    if (vin >= lv[code | 1u << b])
      code |= 1u << b;
  return code;
}

START_TEST(test_cdac_levels)
{
  xb_err e;
  xb_spice *sp = xb_spice_create(&e);
  ck_assert_msg(sp, "%s", e.msg);
  const double sig[4] = {0.0, 0.02, 0.05, 0.15};
  double worst = 0;
  int mono = 0, nonmono = 0, missing = 0;
  for (int n = 4; n <= 6; n++)
    for (int m = 0; m < 4; m++)
      for (int r = 0; r < (m ? 3 : 1); r++) {
        xb_sar_params p;
        xb_param_defaults(&xb_sar_param_set, &p);
        p.bits = n;
        p.sigma_cu = sig[m];
        p.v_fs = 0.9;
        p.c_unit = r == 1 ? 2e-15 : 10e-15;
        uint64_t seed = 1000 * (uint64_t)n + 100 * (uint64_t)m + r;
        xb_sar *s = xb_sar_create(&p, seed, &e);
        ck_assert_msg(s, "%s", e.msg);
        double lv[64];
        ck_assert_msg(xb_spice_cdac_levels(sp, s, lv, &e) == XB_OK, "%s",
                      e.msg);
        uint32_t codes = 1u << n;
        int is_mono = 1;
        for (uint32_t c = 0; c < codes; c++) {
          double d = fabs(lv[c] - xb_sar_level(s, c)) / p.v_fs;
          worst = fmax(worst, d);
          ck_assert_msg(d <= TOL,
                        "%d bits, sigma %g, seed %llu, code %u: ngspice "
                        "%.15g V, model %.15g V",
                        n, sig[m], (unsigned long long)seed, c, lv[c],
                        xb_sar_level(s, c));
          if (c > 0 && !(lv[c] - lv[c - 1] > 2 * EPS * p.v_fs))
            is_mono = 0;
        }
        ck_assert_msg(is_mono || m >= 2,
                      "%d bits, sigma %g: DAC not monotonic", n, sig[m]);
        mono += is_mono;
        nonmono += !is_mono;
        double eps = EPS * p.v_fs;
        for (uint32_t c = 1; c < codes; c++) {
          uint32_t hi = xb_sar_convert(s, lv[c] + eps, n, 0);
          uint32_t lo = xb_sar_convert(s, lv[c] - eps, n, 0);
          if (is_mono) {
            ck_assert_uint_eq(hi, c);
            ck_assert_uint_eq(lo, c - 1);
          } else {
            ck_assert_uint_eq(hi, sar_on(lv, n, lv[c] + eps));
            ck_assert_uint_eq(lo, sar_on(lv, n, lv[c] - eps));
            missing += hi != c;
          }
        }
        xb_sar_free(s);
      }
  printf("CDAC vs ngspice: worst |level difference| %.3g of full scale; "
         "%d monotonic instances, %d not (%d missing codes)\n",
         worst, mono, nonmono, missing);
  ck_assert_int_gt(nonmono, 0); /* the second branch ran too */
  ck_assert_int_gt(missing, 0);

  /* Refusals leave the output alone. */
  xb_sar_params p;
  xb_param_defaults(&xb_sar_param_set, &p);
  p.bits = 11;
  xb_sar *s = xb_sar_create(&p, 1, &e);
  ck_assert_ptr_nonnull(s);
  double guard[4] = {-7, -7, -7, -7};
  ck_assert_int_eq(xb_spice_cdac_levels(sp, s, guard, &e), XB_ERANGE);
  ck_assert_int_eq(e.code, XB_ERANGE);
  ck_assert_int_eq(xb_spice_cdac_levels(NULL, s, guard, &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_cdac_levels(sp, NULL, guard, &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_cdac_levels(sp, s, NULL, NULL), XB_EINVAL);
  for (int k = 0; k < 4; k++)
    ck_assert(guard[k] == -7);
  xb_sar_free(s);
  xb_spice_free(sp);
}
END_TEST

/* Sample sigma (n - 1 denominator) from a sum and a sum of squares. */
static double sample_sigma(double sum, double sq, int n)
{
  double mean = sum / n;
  return sqrt(fmax(sq - n * mean * mean, 0.0) / (n - 1));
}

START_TEST(test_inl_dnl_sigma)
{
  xb_err e;
  /* The ideal ADC: exactly zero. */
  const int bits[3] = {4, 8, 10}, per[3] = {1, 7, 16};
  const double vfs[2] = {1.0, 0.9};
  for (int b = 0; b < 3; b++)
    for (int q = 0; q < 3; q++)
      for (int v = 0; v < 2; v++) {
        xb_sar_params p;
        xb_param_defaults(&xb_sar_param_set, &p);
        p.bits = bits[b];
        p.v_fs = vfs[v];
        xb_sar *s = xb_sar_create(&p, 3, &e);
        size_t codes = (size_t)1 << bits[b];
        double *t = malloc(3 * codes * sizeof *t);
        double *dnl = t + codes, *inl = t + 2 * codes;
        ck_assert_ptr_nonnull(t);
        ck_assert_int_eq(xb_sar_code_density(s, per[q], t, dnl, inl, &e),
                         XB_OK);
        double lsb = p.v_fs / (double)codes;
        for (size_t c = 0; c < codes; c++) {
          ck_assert_msg(dnl[c] == 0.0 && inl[c] == 0.0,
                        "%d bits, %d per LSB, code %zu: DNL %g INL %g",
                        bits[b], per[q], c, dnl[c], inl[c]);
          ck_assert(t[c] == (double)c * lsb);
        }
        free(t);
        xb_sar_free(s);
      }

  /* Monte Carlo over instances: sigma against the linearised one. */
  enum { N = 8, CODES = 1 << N, PER = 16, INST = 400 };
  const double sigma = 0.02;
  const int ic[2] = {CODES / 2, CODES / 4};         /* INL codes */
  const int dc[2] = {CODES / 2 - 1, CODES / 4 - 1}; /* DNL codes */
  double si[2] = {0}, si2[2] = {0}, sd[2] = {0}, sd2[2] = {0};
  xb_sar_params p;
  xb_param_defaults(&xb_sar_param_set, &p);
  p.bits = N;
  p.sigma_cu = sigma;
  double dnl[CODES], inl[CODES];
  for (int k = 0; k < INST; k++) {
    xb_sar *s = xb_sar_create(&p, 7000 + (uint64_t)k, &e);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(xb_sar_code_density(s, PER, NULL, dnl, inl, &e), XB_OK);
    for (int w = 0; w < 2; w++) {
      si[w] += inl[ic[w]];
      si2[w] += inl[ic[w]] * inl[ic[w]];
      sd[w] += dnl[dc[w]];
      sd2[w] += dnl[dc[w]] * dnl[dc[w]];
    }
    xb_sar_free(s);
  }
  for (int w = 0; w < 2; w++) {
    double c = ic[w], nn = CODES;
    double a_inl = sigma * sqrt(c * (nn - c) / nn);
    int j = 0; /* trailing ones of the DNL code */
    while ((dc[w] >> j) & 1)
      j++;
    double a_dnl = sigma * sqrt(ldexp(1.0, j + 1) - 1 - 1 / nn);
    double r_inl = sample_sigma(si[w], si2[w], INST) / a_inl;
    double r_dnl = sample_sigma(sd[w], sd2[w], INST) / a_dnl;
    printf("%d-bit SAR, sigma_cu %g, %d instances: sigma measured / "
           "analytic: INL(%d) %.3f, DNL(%d) %.3f\n",
           N, sigma, INST, ic[w], r_inl, dc[w], r_dnl);
    ck_assert_msg(fabs(r_inl - 1) < 0.2, "INL(%d) sigma ratio %.3f", ic[w],
                  r_inl);
    ck_assert_msg(fabs(r_dnl - 1) < 0.2, "DNL(%d) sigma ratio %.3f", dc[w],
                  r_dnl);
  }
}
END_TEST

static Suite *sar_suite(void)
{
  Suite *s = suite_create("sar_spice");
  TCase *tc = tcase_create("cdac");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_cdac_levels);
  suite_add_tcase(s, tc);
  tc = tcase_create("inl_dnl");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_inl_dnl_sigma);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(sar_suite)
