/*
 * Numerical edge cases return a clear error, never a crash (issue:
 * reliability): zero, negative, NaN and infinite conductances, Rw = 0, an
 * empty array, 1 x 1, sizes beyond the limit, and sizes within it that
 * cannot be allocated (an address-space limit in this forked test makes
 * the allocation fail: XB_ENOMEM, not a crash or the OOM killer; under
 * AddressSanitizer its allocator's size cap does the same). A zero
 * conductance is an open cell and legal; a whole array of them floats the
 * sensed lines only if nothing else holds them (here the sense ends do).
 */
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include <xbar/array.h>
#include <xbar/mc.h>
#include <xbar/mvm.h>
#include <xbar/read.h>

#include "xb_check.h"

START_TEST(test_conductance_values)
{
  xb_err e;
  xb_array *a = xb_array_create(2, 2, NULL, &e);
  double g[4] = {1e-5, 2e-5, 3e-5, 4e-5};
  const double bad[3] = {-1e-6, NAN, INFINITY};
  for (int k = 0; k < 3; k++) {
    g[2] = bad[k];
    ck_assert_int_eq(xb_array_set_g(a, g, &e), XB_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "cell (1, 0)"));
  }
  /* Open cells: zero current from them, the rest read as usual. */
  double z[4] = {0, 0, 0, 0}, v[2] = {0.2, 0.2}, I[2];
  ck_assert_int_eq(xb_array_set_g(a, z, &e), XB_OK);
  ck_assert_int_eq(xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0, I,
                                 &e),
                   XB_OK);
  ck_assert(I[0] == 0 && I[1] == 0);
  xb_array_free(a);
}
END_TEST

START_TEST(test_sizes)
{
  xb_err e;
  ck_assert_ptr_null(xb_array_create(0, 4, NULL, &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  ck_assert_ptr_null(xb_array_create(4, 0, NULL, &e));
  ck_assert_ptr_null(xb_array_create((size_t)1 << 20, (size_t)1 << 20, NULL,
                                     &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  /* 1 x 1: the series circuit driver - cell - sense, exactly. */
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  xb_array *a = xb_array_create(1, 1, &ap, &e);
  double g = 1e-4, v = 0.3, I;
  xb_array_set_g(a, &g, &e);
  ck_assert_int_eq(xb_array_read(a, XB_ROW, &v, NULL, XB_LINE_FLOAT, 0, 0,
                                 &I, &e),
                   XB_OK);
  ck_assert_rel(I, v / (ap.r_drive + 1 / g + ap.r_sense), 1e-12);
  xb_array_free(a);
  /* Rw = 0 is refused with its range. */
  ap.rw_row = 0;
  ck_assert_ptr_null(xb_array_create(4, 4, &ap, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  ck_assert_str_eq(e.param, "rw_row");
}
END_TEST

#if defined(__SANITIZE_ADDRESS__)
/* Under AddressSanitizer an address-space limit breaks the sanitizer's own
 * mappings; its allocator refuses large blocks instead (returning NULL). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
  return "allocator_may_return_null=1:max_allocation_size_mb=1024";
}
#endif

START_TEST(test_out_of_memory)
{
  /* 1 GiB of address space: a 16384 x 16384 array (2^28 cells, the
   * largest allowed, tens of GB) cannot be had. */
#if !defined(__SANITIZE_ADDRESS__)
  struct rlimit r = {(rlim_t)1 << 30, (rlim_t)1 << 30};
  ck_assert_int_eq(setrlimit(RLIMIT_AS, &r), 0);
#endif
  xb_err e;
  ck_assert_ptr_null(xb_array_create(16384, 16384, NULL, &e));
  ck_assert_int_eq(e.code, XB_ENOMEM);
  xb_slicing l = {8, {2, 2, 2, 2, 2, 2, 2, 2}, {4, 4, 4, 4, 4, 4, 4, 4}};
  ck_assert_ptr_null(xb_sliced_create(30000, 30000, &l, &e));
  ck_assert_int_eq(e.code, XB_ENOMEM);
  /* A Monte Carlo study needs no memory per sample (LHS by a permutation
   * function, output by a ring over the out-of-order span): 4e9 samples
   * fit in the limit. */
  xb_mc_param p = {"x", XB_DIST_NORMAL, 0, 1, 0, 0};
  xb_mc_study *s = xb_mc_study_create(&p, 1, 4000000000u, 1, 1, &e);
  ck_assert_ptr_nonnull(s);
  double x;
  xb_mc_sample(s, 3999999999u, &x);
  ck_assert(isfinite(x));
  xb_mc_study_free(s);
}
END_TEST

START_TEST(test_read_edges)
{
  xb_err e;
  xb_read *r = xb_read_create(xb_read_diff, NULL, &e);
  int n = -1;
  ck_assert_int_eq(xb_read_count(r, 0.0, &n, &e), XB_OK); /* no current */
  ck_assert_int_eq(n, 0);
  ck_assert_int_ne(xb_read_count(r, NAN, &n, &e), XB_OK);
  xb_read_free(r);
  xb_read_params p;
  xb_read_diff->defaults(&p);
  p.c_int = 0;
  ck_assert_ptr_null(xb_read_create(xb_read_diff, &p, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
}
END_TEST

static Suite *edge_suite(void)
{
  Suite *s = suite_create("edge");
  TCase *tc = tcase_create("edge");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_conductance_values);
  tcase_add_test(tc, test_sizes);
  tcase_add_test(tc, test_read_edges);
  suite_add_tcase(s, tc);
  /* Its own case, tagged: valgrind cannot run a program under an
   * address-space limit (tests/valgrind.sh excludes the tag). */
  TCase *oom = tcase_create("oom");
  tcase_set_tags(oom, "rlimit");
  tcase_add_test(oom, test_out_of_memory);
  suite_add_tcase(s, oom);
  return s;
}

XB_CHECK_MAIN(edge_suite)
