/*
 * The SAR ADC's capacitive DAC against ngspice (xbar/spice_sar.h): for 4,
 * 5 and 6 bits, ideal and mismatched instances (sigma_cu 0.02 and 0.05),
 * every code's DAC level, which is the code's transition (xbar/mvm.h), from
 * ngspice's charge-redistribution transient equals xb_sar_level to 1e-8 of
 * the full scale (the deck's only error is the integration of a linear
 * capacitive divider with 10 ps edges; measured worst 5e-11), and the
 * model's conversion of a voltage just above / below each ngspice level
 * gives that code / a lower one wherever the DAC is monotonic there (with
 * an ideal comparator the transition into code c is the level of c).
 */
#include <math.h>
#include <stdio.h>

#include <xbar/spice_sar.h>

#include "xb_check.h"

START_TEST(test_cdac_levels)
{
  xb_err e;
  xb_spice *sp = xb_spice_create(&e);
  ck_assert_msg(sp, "%s", e.msg);
  const int bits[3] = {4, 5, 6};
  const double sig[3] = {0.0, 0.02, 0.05};
  double worst = 0;
  for (int b = 0; b < 3; b++)
    for (int m = 0; m < 3; m++) {
      xb_sar_params p;
      xb_param_defaults(&xb_sar_param_set, &p);
      p.bits = bits[b];
      p.sigma_cu = sig[m];
      p.v_fs = 0.9;
      xb_sar *s = xb_sar_create(&p, 40 + (uint64_t)(3 * b + m), &e);
      double lv[64];
      ck_assert_msg(xb_spice_cdac_levels(sp, s, lv, &e) == XB_OK, "%s",
                    e.msg);
      uint32_t codes = 1u << bits[b];
      for (uint32_t c = 0; c < codes; c++) {
        double d = fabs(lv[c] - xb_sar_level(s, c));
        worst = fmax(worst, d / p.v_fs);
        ck_assert_msg(d <= 1e-8 * p.v_fs, "%d bits, sigma %g, code %u: "
                                          "ngspice %.9g vs %.9g",
                      bits[b], sig[m], c, lv[c], xb_sar_level(s, c));
        if (c == 0 || !(lv[c - 1] < lv[c] - 1e-5) ||
            (c + 1 < codes && !(lv[c] < lv[c + 1] - 1e-5)))
          continue;
        ck_assert_uint_eq(xb_sar_convert(s, lv[c] + 2e-6, bits[b], 0), c);
        ck_assert_uint_lt(xb_sar_convert(s, lv[c] - 2e-6, bits[b], 0), c);
      }
      xb_sar_free(s);
    }
  printf("CDAC: worst |ngspice - model| level %.3g of full scale\n", worst);
  xb_spice_free(sp);
}
END_TEST

static Suite *sar_suite(void)
{
  Suite *s = suite_create("sar_spice");
  TCase *tc = tcase_create("cdac");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_cdac_levels);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(sar_suite)
