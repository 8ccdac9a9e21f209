/*
 * Philox4x32-10 streams: known answers of the reference implementation
 * (Random123 kat_vectors), the (seed, stream, pos) packing, independence of
 * draw order, cursor = pure function, and the moments of the draws.
 */
#include <xbar/rng.h>

#include "xb_check.h"

/* Random123 kat_vectors, philox4x32 10: counter[4], key[2] -> output[4]. */
static const uint32_t kat[3][10] = {
    {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
     0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
     0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};

START_TEST(test_known_answers)
{
  for (int k = 0; k < 3; k++) {
    uint32_t out[4];
    xb_philox4x32_10(kat[k], kat[k] + 4, out);
    for (int w = 0; w < 4; w++)
      ck_assert_msg(out[w] == kat[k][6 + w],
                    "vector %d word %d: %08x != %08x", k, w, out[w],
                    kat[k][6 + w]);
  }
}
END_TEST

START_TEST(test_packing)
{
  /* pos fills counter words 0-1, stream words 2-3, seed the key. */
  const uint32_t *v = kat[2];
  uint64_t pos = ((uint64_t)v[1] << 32) | v[0];
  uint64_t stream = ((uint64_t)v[3] << 32) | v[2];
  uint64_t seed = ((uint64_t)v[5] << 32) | v[4];
  uint32_t out[4];
  xb_rng_words(seed, stream, pos, out);
  for (int w = 0; w < 4; w++)
    ck_assert_uint_eq(out[w], v[6 + w]);
}
END_TEST

START_TEST(test_order_independence)
{
  enum { N = 1000 };
  static double fwd[N], rev[N];
  for (int i = 0; i < N; i++)
    fwd[i] = xb_rng_normal(42, 7, (uint64_t)i);
  for (int i = N - 1; i >= 0; i--)
    rev[i] = xb_rng_normal(42, 7, (uint64_t)i);
  xb_rng r;
  xb_rng_init(&r, 42, 7);
  for (int i = 0; i < N; i++) {
    ck_assert(fwd[i] == rev[i]);
    ck_assert(xb_rng_next_normal(&r) == fwd[i]);
  }
  /* Other stream, other seed: different numbers. */
  ck_assert(xb_rng_normal(42, 8, 0) != fwd[0]);
  ck_assert(xb_rng_normal(43, 7, 0) != fwd[0]);
}
END_TEST

START_TEST(test_moments)
{
  enum { N = 200000 };
  double su = 0, suu = 0, sn = 0, snn = 0, umin = 1, umax = 0;
  for (uint64_t i = 0; i < N; i++) {
    double u = xb_rng_uniform(1, 3, i);
    double z = xb_rng_normal(1, 4, i);
    ck_assert(u > 0 && u < 1);
    su += u;
    suu += u * u;
    sn += z;
    snn += z * z;
    umin = fmin(umin, u);
    umax = fmax(umax, u);
  }
  double mu = su / N, vu = suu / N - mu * mu;
  double mn = sn / N, vn = snn / N - mn * mn;
  /* 5-sigma bands of the sample statistics. */
  ck_assert_msg(fabs(mu - 0.5) < 5 * sqrt(1.0 / 12 / N), "uniform mean %g", mu);
  ck_assert_msg(fabs(vu - 1.0 / 12) < 5 * sqrt(1.0 / 180 / N),
                "uniform var %g", vu);
  ck_assert_msg(fabs(mn) < 5 * sqrt(1.0 / N), "normal mean %g", mn);
  ck_assert_msg(fabs(vn - 1) < 5 * sqrt(2.0 / N), "normal var %g", vn);
  ck_assert(umin < 1e-4 && umax > 1 - 1e-4);
}
END_TEST

static Suite *rng_suite(void)
{
  Suite *s = suite_create("rng");
  TCase *tc = tcase_create("philox");
  tcase_add_test(tc, test_known_answers);
  tcase_add_test(tc, test_packing);
  tcase_add_test(tc, test_order_independence);
  tcase_add_test(tc, test_moments);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(rng_suite)
