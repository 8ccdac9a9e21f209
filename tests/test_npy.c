/*
 * Tests of the .npy reader and writer (xbar/npy.h): files written by the
 * real numpy (tests/data/npy, made once by tests/data/npy/make_npy.py) read
 * to the values numpy holds, in every accepted dtype and in versions 1.0
 * and 2.0; our files round trip bit for bit and have numpy's header layout;
 * every bad file of the corpus (tests/data/bad/npy_*.npy) and every shape
 * mismatch fails with its own code, a message naming the file, and leaves
 * the outputs untouched.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xbar/npy.h>

#include "xb_check.h"

#define NPY XB_DATA "/npy/"
#define BAD XB_DATA "/bad/"

static double *read_ok(const char *path, int nd, size_t *dims)
{
  double *d = NULL;
  xb_err e;
  int rc = xb_npy_read(path, nd, dims, &d, &e);
  ck_assert_msg(rc == XB_OK, "%s: %s", path, e.msg);
  ck_assert_ptr_nonnull(d);
  return d;
}

START_TEST(test_numpy_files)
{
  size_t d2[2] = {0, 0};
  double *a = read_ok(NPY "f8_3x4.npy", 2, d2);
  ck_assert_uint_eq(d2[0], 3);
  ck_assert_uint_eq(d2[1], 4);
  for (int i = 0; i < 12; i++) /* (arange(12) - 5.5) * 0.25, C order */
    ck_assert_double_eq(a[i], (i - 5.5) * 0.25);
  size_t v2[2] = {3, 4}; /* the same array written as version 2.0 */
  double *b = read_ok(NPY "v2_f8_3x4.npy", 2, v2);
  ck_assert_int_eq(memcmp(a, b, 12 * sizeof *a), 0);
  free(a);
  free(b);

  size_t d1[1] = {0};
  double *f = read_ok(NPY "f4_5.npy", 1, d1);
  ck_assert_uint_eq(d1[0], 5);
  const float fw[5] = {1.5f, -2.25f, 3e-3f, 1e30f, -0.0f};
  for (int i = 0; i < 5; i++)
    ck_assert_double_eq(f[i], (double)fw[i]);
  ck_assert(signbit(f[4]));
  free(f);

  d2[0] = d2[1] = 0;
  double *i4 = read_ok(NPY "i4_2x3.npy", 2, d2);
  const double iw[6] = {1, -2, 3, -2147483648.0, 0, 2147483647.0};
  for (int i = 0; i < 6; i++)
    ck_assert_double_eq(i4[i], iw[i]);
  free(i4);

  size_t d3[3] = {2, 0, 4};
  double *i8 = read_ok(NPY "i8_2x3x4.npy", 3, d3);
  ck_assert_uint_eq(d3[1], 3);
  for (int i = 0; i < 24; i++)
    ck_assert_double_eq(i8[i], (i - 12) * 1000003.0);
  free(i8);

  d1[0] = 4;
  double *u1 = read_ok(NPY "u1_4.npy", 1, d1);
  ck_assert_double_eq(u1[2], 128);
  ck_assert_double_eq(u1[3], 255);
  free(u1);

  size_t d4[4] = {1, 2, 1, 3};
  double *r4 = read_ok(NPY "f8_1x2x1x3.npy", 4, d4);
  for (int i = 0; i < 6; i++)
    ck_assert_double_eq(r4[i], i / 3.0);
  free(r4);
}
END_TEST

START_TEST(test_round_trip)
{
  char dir[] = "/tmp/xb_npy_XXXXXX", path[256];
  ck_assert_ptr_nonnull(mkdtemp(dir));
  const double vals[7] = {0.0, -0.0, 1e-300, -3.5, 1.0 / 3.0, 6.02e23, 42};
  for (int nd = 1; nd <= 4; nd++) {
    size_t dims[4] = {7, 1, 1, 1};
    if (nd >= 2) { /* 7 values as 1 x 7, 1 x 7 x 1, 1 x 1 x 7 x 1 */
      dims[0] = 1;
      dims[nd - 2] = 7;
    }
    snprintf(path, sizeof path, "%s/r%d.npy", dir, nd);
    xb_err e;
    ck_assert_int_eq(xb_npy_write(path, nd, dims, vals, &e), XB_OK);
    /* numpy's layout: version 1.0, data on a 64-byte boundary, '\n'. */
    FILE *fp = fopen(path, "rb");
    unsigned char h[128];
    size_t got = fread(h, 1, sizeof h, fp);
    fclose(fp);
    ck_assert_uint_ge(got, 10);
    size_t hlen = h[8] | (size_t)h[9] << 8;
    ck_assert_uint_eq((10 + hlen) % 64, 0);
    ck_assert_uint_eq(h[10 + hlen - 1], '\n');
    size_t back[4] = {0, 0, 0, 0};
    double *d = read_ok(path, nd, back);
    ck_assert_int_eq(memcmp(back, dims, (size_t)nd * sizeof *dims), 0);
    ck_assert_int_eq(memcmp(d, vals, sizeof vals), 0); /* bit for bit */
    free(d);
    unlink(path);
  }
  /* numpy's own spelling of a 1-D header: "(7,)". */
  size_t one[1] = {7};
  snprintf(path, sizeof path, "%s/one.npy", dir);
  ck_assert_int_eq(xb_npy_write(path, 1, one, vals, NULL), XB_OK);
  FILE *fp = fopen(path, "rb");
  char h[128] = {0};
  ck_assert_uint_gt(fread(h, 1, sizeof h - 1, fp), 64);
  fclose(fp);
  ck_assert_ptr_nonnull(strstr(h + 10, "'shape': (7,), }"));
  unlink(path);

  /* Writer refusals. */
  size_t zero[2] = {3, 0}, big[2] = {65536, 65536};
  ck_assert_int_eq(xb_npy_write(path, 2, zero, vals, NULL), XB_ESIZE);
  ck_assert_int_eq(xb_npy_write(path, 2, big, vals, NULL), XB_ESIZE);
  ck_assert_int_eq(xb_npy_write(path, 5, one, vals, NULL), XB_EINVAL);
  ck_assert_int_eq(xb_npy_write(NULL, 1, one, vals, NULL), XB_EINVAL);
  ck_assert_int_eq(access(path, F_OK), -1); /* nothing left behind */
  snprintf(path, sizeof path, "%s/no/such/dir.npy", dir);
  ck_assert_int_eq(xb_npy_write(path, 1, one, vals, NULL), XB_EIO);
  ck_assert_int_eq(rmdir(dir), 0); /* no temporary file left */
}
END_TEST

/* Reading `path` at rank nd (dims as given) fails with `code`, names the
 * file, and leaves dims and the data pointer as they were. */
static void expect_bad(const char *path, int nd, const size_t *want,
                       int code)
{
  size_t dims[4] = {0, 0, 0, 0}, keep[4];
  if (want)
    memcpy(dims, want, (size_t)nd * sizeof *dims);
  memcpy(keep, dims, sizeof dims);
  double sentinel = 1.0, *d = &sentinel;
  xb_err e;
  int rc = xb_npy_read(path, nd, dims, &d, &e);
  ck_assert_msg(rc == code, "%s: got %s (%s), want %s", path,
                xb_status_name(rc), e.msg, xb_status_name(code));
  ck_assert_int_eq(e.code, code);
  ck_assert_msg(strstr(e.msg, path) != NULL, "message lacks the file: %s",
                e.msg);
  ck_assert_str_eq(e.file, path);
  ck_assert_ptr_eq(d, &sentinel);
  ck_assert_int_eq(memcmp(dims, keep, sizeof dims), 0);
}

START_TEST(test_bad_corpus)
{
  const struct {
    const char *file;
    int ndims, code;
  } bad[] = {
      {"npy_truncated.npy", 2, XB_EDATA},   {"npy_trailing.npy", 2, XB_EDATA},
      {"npy_header_cut.npy", 2, XB_EDATA},  {"npy_bad_magic.npy", 2, XB_ESYNTAX},
      {"npy_bad_version.npy", 2, XB_ESYNTAX},
      {"npy_bad_header.npy", 2, XB_ESYNTAX}, {"npy_big_endian.npy", 2, XB_ETYPE},
      {"npy_complex.npy", 2, XB_ETYPE},     {"npy_fortran.npy", 2, XB_ETYPE},
      {"npy_overflow.npy", 1, XB_ESIZE},    {"npy_huge.npy", 2, XB_ESIZE},
      {"npy_nan.npy", 2, XB_ENAN},          {"npy_missing.npy", 2, XB_EIO},
  };
  char path[512];
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    snprintf(path, sizeof path, "%s%s", BAD, bad[k].file);
    expect_bad(path, bad[k].ndims, NULL, bad[k].code);
  }
  expect_bad(XB_DATA "/npy", 2, NULL, XB_EIO); /* a directory */

  /* The fortran_order message says what to do. */
  size_t d[2] = {0, 0};
  double *x = NULL;
  xb_err e;
  xb_npy_read(BAD "npy_fortran.npy", 2, d, &x, &e);
  ck_assert_ptr_nonnull(strstr(e.msg, "fortran_order True"));
}
END_TEST

START_TEST(test_shape_mismatch)
{
  const size_t r43[2] = {4, 3}, r3x[2] = {3, 5}, r34[2] = {3, 4};
  const size_t any1[1] = {0}, any3[3] = {0, 0, 0};
  expect_bad(NPY "f8_3x4.npy", 2, r43, XB_ESIZE);  /* transposed */
  expect_bad(NPY "f8_3x4.npy", 2, r3x, XB_ESIZE);  /* wrong columns */
  expect_bad(NPY "f8_3x4.npy", 1, any1, XB_ESIZE); /* wrong rank */
  expect_bad(NPY "f8_3x4.npy", 3, any3, XB_ESIZE);
  size_t d[2] = {3, 4};
  double *x = read_ok(NPY "f8_3x4.npy", 2, d); /* the right one reads */
  ck_assert_int_eq(memcmp(d, r34, sizeof d), 0);
  free(x);

  /* Argument errors. */
  ck_assert_int_eq(xb_npy_read(NPY "f8_3x4.npy", 0, d, &x, NULL), XB_EINVAL);
  ck_assert_int_eq(xb_npy_read(NPY "f8_3x4.npy", 5, d, &x, NULL), XB_EINVAL);
  ck_assert_int_eq(xb_npy_read(NULL, 2, d, &x, NULL), XB_EINVAL);
  ck_assert_int_eq(xb_npy_read(NPY "f8_3x4.npy", 2, d, NULL, NULL),
                   XB_EINVAL);
}
END_TEST

/* Headers a numpy-like writer may vary: key order, double quotes, no
 * trailing comma, no padding; and what is refused: a missing or repeated
 * key, a one-element shape without its comma, a zero size, junk after. */
START_TEST(test_header_variants)
{
  char dir[] = "/tmp/xb_npyh_XXXXXX", path[256];
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/h.npy", dir);
  const struct {
    const char *dict;
    int code;
  } cases[] = {
      {"{'shape': (2,), 'fortran_order': False, 'descr': '<f8'}", XB_OK},
      {"{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2,)}\n",
       XB_OK},
      {"{'descr':'<f8','fortran_order':False,'shape':(2,),}", XB_OK},
      {"{'descr': '<f8', 'shape': (2,)}", XB_ESYNTAX},
      {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, "
       "'shape': (2,)}",
       XB_ESYNTAX},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2)}", XB_ESYNTAX},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}",
       XB_ESYNTAX},
      {"{'descr': '<f8', 'fortran_order': false, 'shape': (2,)}", XB_ESYNTAX},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} x",
       XB_ESYNTAX},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,)",
       XB_ESYNTAX},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (0,)}", XB_ESIZE},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,2)}",
       XB_ESIZE},
      {"{'descr': '<f2', 'fortran_order': False, 'shape': (2,)}", XB_ETYPE},
  };
  const double two[2] = {1.25, -7};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    FILE *f = fopen(path, "wb");
    size_t n = strlen(cases[k].dict);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)n, 0};
    fwrite(pre, 1, 10, f);
    fwrite(cases[k].dict, 1, n, f);
    fwrite(two, 1, sizeof two, f); /* little-endian host assumed here */
    fclose(f);
    size_t d[1] = {0};
    double *x = NULL;
    xb_err e;
    int rc = xb_npy_read(path, 1, d, &x, &e);
    ck_assert_msg(rc == cases[k].code, "case %zu %s: got %s (%s)", k,
                  cases[k].dict, xb_status_name(rc), rc ? e.msg : "");
    if (rc == XB_OK) {
      ck_assert_uint_eq(d[0], 2);
      ck_assert_int_eq(memcmp(x, two, sizeof two), 0);
      free(x);
    }
  }
  unlink(path);
  ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *npy_suite(void)
{
  Suite *s = suite_create("npy");
  TCase *tc = tcase_create("npy");
  tcase_add_test(tc, test_numpy_files);
  tcase_add_test(tc, test_round_trip);
  tcase_add_test(tc, test_bad_corpus);
  tcase_add_test(tc, test_shape_mismatch);
  tcase_add_test(tc, test_header_variants);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(npy_suite)
