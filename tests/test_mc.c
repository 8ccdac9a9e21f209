/*
 * Monte Carlo engine (xbar/mc.h).
 *
 * - LHS marginals are stratified: for every parameter, u = F(x) of the N
 *   samples puts exactly one sample in each of the N strata [k/N, (k+1)/N)
 *   (uniform, normal, lognormal and truncated normal parameters, N = 1000
 *   and N = 7); plain sampling does not (a collision in 1000 draws).
 * - A sample's values depend on (seed, i) only: sampling in any order gives
 *   the same numbers; a different seed gives different ones.
 * - Quantiles: the normal quantile against known values (1e-12), F(F^-1(u))
 *   = u for every distribution (1e-12), truncation bounds held.
 * - Output: lines handed in out of order come out in sample order; a file
 *   cut mid-line resumes after its last whole line and ends identical to
 *   an uninterrupted one; another header refuses to resume (XB_EDATA).
 * - xb_mc_run on 1 and 2 threads writes byte-identical files.
 * - Study files: a complete one loads; bad ones fail with their own code.
 * (The 1 vs 2 MPI ranks and kill-and-resume checks of the runner program
 * are in tests/mc_cli.sh.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xbar/mc.h>

#include "xb_check.h"

extern void omp_set_num_threads(int n);

static double cdf(const xb_mc_param *p, double x)
{
  double z;
  switch (p->dist) {
  case XB_DIST_NORMAL:
    return 0.5 * erfc(-(x - p->mean) / p->sigma / sqrt(2.0));
  case XB_DIST_LOGNORMAL:
    z = log(x / p->mean) / p->sigma;
    return 0.5 * erfc(-z / sqrt(2.0));
  case XB_DIST_UNIFORM:
    return (x - p->lo) / (p->hi - p->lo);
  default: {
    double a = 0.5 * erfc(-(p->lo - p->mean) / p->sigma / sqrt(2.0));
    double b = 0.5 * erfc(-(p->hi - p->mean) / p->sigma / sqrt(2.0));
    double c = 0.5 * erfc(-(x - p->mean) / p->sigma / sqrt(2.0));
    return (c - a) / (b - a);
  }
  }
}

static const xb_mc_param P4[4] = {
    {"u", XB_DIST_UNIFORM, 0, 0, -2.0, 3.0},
    {"n", XB_DIST_NORMAL, 0.53, 0.004, 0, 0},
    {"ln", XB_DIST_LOGNORMAL, 1e5, 0.3, 0, 0},
    {"tn", XB_DIST_TRUNCNORMAL, 0.0, 1.0, -0.5, 2.0},
};

static int stratified(const xb_mc_study *s, size_t N, size_t p)
{
  unsigned char *hit = calloc(N, 1);
  double *x = malloc(4 * sizeof *x);
  int ok = 1;
  for (size_t i = 0; i < N && ok; i++) {
    xb_mc_sample(s, i, x);
    double u = cdf(&P4[p], x[p]);
    long k = (long)floor(u * (double)N);
    if (k < 0 || k >= (long)N || hit[k]++)
      ok = 0;
  }
  free(hit);
  free(x);
  return ok;
}

START_TEST(test_lhs_strata)
{
  size_t Ns[2] = {1000, 7};
  for (int t = 0; t < 2; t++) {
    xb_err e;
    xb_mc_study *s = xb_mc_study_create(P4, 4, Ns[t], 11, 1, &e);
    ck_assert_msg(s, "%s", e.msg);
    for (size_t p = 0; p < 4; p++)
      ck_assert_msg(stratified(s, Ns[t], p), "parameter %s, N = %zu",
                    P4[p].name, Ns[t]);
    xb_mc_study_free(s);
  }
  /* Plain sampling: 1000 uniform draws into 1000 strata collide. */
  xb_mc_study *s = xb_mc_study_create(P4, 4, 1000, 11, 0, NULL);
  ck_assert(!stratified(s, 1000, 0));
  xb_mc_study_free(s);
}
END_TEST

START_TEST(test_reproducible)
{
  xb_mc_study *a = xb_mc_study_create(P4, 4, 500, 3, 1, NULL);
  xb_mc_study *b = xb_mc_study_create(P4, 4, 500, 3, 1, NULL);
  xb_mc_study *c = xb_mc_study_create(P4, 4, 500, 4, 1, NULL);
  double x[4], y[4], z[4];
  int differ = 0;
  for (size_t k = 0; k < 500; k++) {
    size_t i = (k * 37) % 500; /* another order */
    xb_mc_sample(a, k, x);
    xb_mc_sample(b, k, y);
    ck_assert(memcmp(x, y, sizeof x) == 0);
    xb_mc_sample(a, i, x);
    xb_mc_sample(b, i, y);
    ck_assert(memcmp(x, y, sizeof x) == 0);
    xb_mc_sample(c, i, z);
    differ |= memcmp(x, z, sizeof x) != 0;
  }
  ck_assert(differ);
  xb_mc_study_free(a);
  xb_mc_study_free(b);
  xb_mc_study_free(c);
}
END_TEST

START_TEST(test_quantiles)
{
  xb_mc_param n = {"z", XB_DIST_NORMAL, 0, 1, 0, 0};
  /* Standard normal quantiles (tables). */
  ck_assert_double_eq_tol(xb_mc_quantile(&n, 0.5), 0.0, 1e-14);
  ck_assert_double_eq_tol(xb_mc_quantile(&n, 0.975), 1.959963984540054,
                          1e-12);
  ck_assert_double_eq_tol(xb_mc_quantile(&n, 0.001), -3.090232306167814,
                          1e-11);
  ck_assert_double_eq_tol(xb_mc_quantile(&n, 1e-9), -5.997807015007686,
                          1e-9);
  for (int p = 0; p < 4; p++)
    for (int k = 1; k < 1000; k++) {
      double u = k / 1000.0, x = xb_mc_quantile(&P4[p], u);
      ck_assert_msg(fabs(cdf(&P4[p], x) - u) < 1e-12, "%s at u = %g",
                    P4[p].name, u);
      if (P4[p].dist == XB_DIST_TRUNCNORMAL)
        ck_assert(x >= P4[p].lo && x <= P4[p].hi);
    }
}
END_TEST

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  size_t got = fread(b, 1, (size_t)n, f);
  b[got] = 0;
  fclose(f);
  return b;
}

START_TEST(test_output_order_and_resume)
{
  char path[] = "/tmp/xb_test_mc_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  xb_err e;
  size_t done;
  xb_mc_out *o = xb_mc_out_open(path, "sample,a", 6, 0, &done, &e);
  ck_assert_msg(o, "%s", e.msg);
  ck_assert_uint_eq(done, 0);
  const size_t order[6] = {2, 0, 5, 1, 3, 4};
  for (int k = 0; k < 6; k++) {
    char line[32];
    snprintf(line, sizeof line, "%zu,%zu", order[k], 10 * order[k]);
    ck_assert_int_eq(xb_mc_out_put(o, order[k], line, &e), XB_OK);
  }
  ck_assert_int_eq(xb_mc_out_put(o, 3, "3,30", &e), XB_EINVAL); /* twice */
  ck_assert_int_eq(xb_mc_out_close(o, &e), XB_OK);
  char *full = slurp(path);
  ck_assert_str_eq(full, "sample,a\n0,0\n1,10\n2,20\n3,30\n4,40\n5,50\n");
  /* Cut mid-line (a kill during a write), then resume. */
  FILE *f = fopen(path, "w");
  fputs("sample,a\n0,0\n1,10\n2,2", f);
  fclose(f);
  o = xb_mc_out_open(path, "sample,a", 6, 1, &done, &e);
  ck_assert_msg(o, "%s", e.msg);
  ck_assert_uint_eq(done, 2);
  for (size_t i = 5; i >= 2; i--) {
    char line[32];
    snprintf(line, sizeof line, "%zu,%zu", i, 10 * i);
    ck_assert_int_eq(xb_mc_out_put(o, i, line, &e), XB_OK);
  }
  ck_assert_int_eq(xb_mc_out_close(o, &e), XB_OK);
  char *again = slurp(path);
  ck_assert_str_eq(again, full);
  /* Another study's file does not resume; a gap is reported at close. */
  ck_assert_ptr_null(xb_mc_out_open(path, "sample,b", 6, 1, &done, &e));
  ck_assert_int_eq(e.code, XB_EDATA);
  o = xb_mc_out_open(path, "sample,a", 6, 0, &done, &e);
  ck_assert_int_eq(xb_mc_out_put(o, 1, "1,10", &e), XB_OK);
  ck_assert_int_eq(xb_mc_out_close(o, &e), XB_EIO);
  /* 3000 lines in reverse: the buffer follows the out-of-order span. */
  o = xb_mc_out_open(path, "sample,a", 3000, 0, &done, &e);
  for (size_t i = 3000; i-- > 0;) {
    char line[32];
    snprintf(line, sizeof line, "%zu,%zu", i, i);
    ck_assert_int_eq(xb_mc_out_put(o, i, line, &e), XB_OK);
    ck_assert_uint_eq(xb_mc_out_written(o), i ? 0 : 3000);
  }
  ck_assert_int_eq(xb_mc_out_close(o, &e), XB_OK);
  char *rev = slurp(path);
  char *p = rev + strlen("sample,a\n");
  for (size_t i = 0; i < 3000; i++) {
    char want[32];
    int w = snprintf(want, sizeof want, "%zu,%zu\n", i, i);
    ck_assert(strncmp(p, want, (size_t)w) == 0);
    p += w;
  }
  ck_assert(*p == 0);
  free(rev);
  free(full);
  free(again);
  unlink(path);
}
END_TEST

/* A model with some work and a result that depends on x and i only. */
static int toy(void *ctx, size_t i, const double *x, double *y, xb_err *err)
{
  (void)ctx;
  (void)err;
  double s = 0;
  for (int k = 0; k < 2000; k++)
    s += sin(x[0] * k + (double)i) * x[1];
  y[0] = s;
  return XB_OK;
}

START_TEST(test_threads_identical)
{
  char p1[] = "/tmp/xb_test_mc1_XXXXXX", p2[] = "/tmp/xb_test_mc2_XXXXXX";
  close(mkstemp(p1));
  close(mkstemp(p2));
  xb_mc_study *s = xb_mc_study_create(P4, 4, 3000, 5, 1, NULL);
  const char *outs[1] = {"y"};
  char header[256];
  ck_assert_int_gt(xb_mc_header(s, outs, 1, header, sizeof header), 0);
  for (int t = 1; t <= 2; t++) {
    xb_err e;
    xb_mc_out *o = xb_mc_out_open(t == 1 ? p1 : p2, header, 3000, 0, NULL,
                                  &e);
    ck_assert_int_eq(xb_mc_run(s, toy, NULL, 1, o, 0, t, NULL, NULL, &e),
                     XB_OK);
    ck_assert_int_eq(xb_mc_out_close(o, &e), XB_OK);
  }
  char *a = slurp(p1), *b = slurp(p2);
  ck_assert(strlen(a) > 3000 * 20);
  ck_assert(strcmp(a, b) == 0);
  free(a);
  free(b);
  xb_mc_study_free(s);
  unlink(p1);
  unlink(p2);
}
END_TEST

static int write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (!f)
    return -1;
  fputs(text, f);
  return fclose(f);
}

START_TEST(test_study_files)
{
  char dir[] = "/tmp/xb_test_mcs_XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof path, "%s/s.ini", dir);
  write_file(path, "[study]\nsamples = 10\nseed = 2\nsampling = plain\n"
                   "output = out.csv\nmodel = read\ncircuit = diff\n"
                   "[param v_th]\ndist = normal\nmean = 0.53\nsigma = 0.003\n"
                   "[param offset]\ndist = uniform\nlo = -0.01\nhi = 0.01\n");
  xb_err e;
  xb_mc_study *s = xb_mc_study_load(path, &e);
  ck_assert_msg(s, "%s", e.msg);
  ck_assert_uint_eq(xb_mc_study_samples(s), 10);
  ck_assert_uint_eq(xb_mc_study_nparams(s), 2);
  ck_assert_int_eq(xb_mc_study_find(s, "offset"), 1);
  ck_assert_str_eq(xb_mc_study_get(s, "circuit"), "diff");
  char want[300];
  snprintf(want, sizeof want, "%s/out.csv", dir);
  ck_assert_str_eq(xb_mc_study_get(s, "output"), want);
  xb_mc_study_free(s);
  const struct {
    const char *text;
    int code;
  } bad[] = {
      {"[study]\nseed = 1\n", XB_EMISSING},
      {"[study]\nsamples = 0\n", XB_ERANGE},
      {"[study]\nsamples = 10\nsampling = sobol\n", XB_EKEY},
      {"[study]\nsamples = 10\n[param a]\ndist = cauchy\n", XB_ETYPE},
      {"[study]\nsamples = 10\n[param a]\ndist = normal\nmean = 1\n",
       XB_EMISSING},
      {"[study]\nsamples = 10\n[param a]\ndist = normal\nmean = 1\nsigma = "
       "-1\n",
       XB_ERANGE},
      {"[study]\nsamples = 10\n[param a]\ndist = uniform\nlo = 2\nhi = 1\n",
       XB_ERANGE},
      {"[study]\nsamples = 10\n[param a]\ndist = truncnormal\nmean = 0\n"
       "sigma = 1\nlo = 50\nhi = 60\n",
       XB_ERANGE},
      {"[study]\nsamples = 10\n[param a]\ndist = normal\nmean = x\n",
       XB_ENAN},
      {"[study]\nsamples = 10\n[param a]\ncolour = 1\n", XB_EKEY},
      {"[study]\nsamples = 10\n[oops]\nk = 1\n", XB_EKEY},
      {"[study]\nsamples = 10\nsamples = 11\n", XB_EKEY},
      {"[param a]\ndist = lognormal\nmean = -1\nsigma = 1\n[study]\n"
       "samples = 3\n",
       XB_ERANGE},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    write_file(path, bad[k].text);
    ck_assert_ptr_null(xb_mc_study_load(path, &e));
    ck_assert_msg(e.code == bad[k].code, "case %zu: code %d, want %d (%s)",
                  k, e.code, bad[k].code, e.msg);
  }
  unlink(path);
  rmdir(dir);
}
END_TEST

START_TEST(test_summary)
{
  double v[9] = {5, 1, NAN, 4, 2, 3, 9, 8, 7};
  xb_mc_summary s;
  xb_mc_summarize(v, 9, &s);
  ck_assert_uint_eq(s.n, 8);
  ck_assert_uint_eq(s.n_nan, 1);
  ck_assert_double_eq_tol(s.mean, 39.0 / 8, 1e-15);
  ck_assert_double_eq_tol(s.q50, 4.5, 1e-15);
  ck_assert_double_eq(s.min, 1);
  ck_assert_double_eq(s.max, 9);
  ck_assert_double_eq_tol(s.sigma, sqrt(58.875 / 7), 1e-12);
}
END_TEST

static Suite *mc_suite(void)
{
  Suite *s = suite_create("mc");
  TCase *tc = tcase_create("mc");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_lhs_strata);
  tcase_add_test(tc, test_reproducible);
  tcase_add_test(tc, test_quantiles);
  tcase_add_test(tc, test_output_order_and_resume);
  tcase_add_test(tc, test_threads_identical);
  tcase_add_test(tc, test_study_files);
  tcase_add_test(tc, test_summary);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(mc_suite)
