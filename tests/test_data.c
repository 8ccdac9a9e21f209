/*
 * Data pipeline of the sparse-coding demo (xbar/data.h): IDX round trip
 * with the bytes checked against a hand-built big-endian file; the
 * committed fixture made by the real converter (scripts/mnist-to-idx.js)
 * read back with its pixel values and stratified order recomputed here;
 * every kind of bad file with its own code, the file named and no output;
 * the MNIST cache rule; patch extraction counts, values and order on tiny
 * images, the split by image range, the random mode's range, uniformity,
 * determinism and prefix property; the synthetic task's exact sparsity,
 * non-negativity, unit columns, amplitude and noise statistics and its
 * determinism. Nothing here touches the network or files outside the
 * repository and a temporary directory that teardown removes.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xbar/data.h>

#include "xb_check.h"

#define IDX XB_DATA "/idx/"

static char tmpdir[256];

static void setup(void)
{
  const char *t = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/xb_test_data.XXXXXX",
           t && t[0] ? t : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Names in tmpdir, into names[] (up to cap); returns how many. */
static int list_dir(char names[][256], int cap)
{
  DIR *d = opendir(tmpdir);
  ck_assert_ptr_nonnull(d);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && n < cap)
      snprintf(names[n++], 256, "%s", e->d_name);
  closedir(d);
  return n;
}

static void teardown(void)
{
  DIR *d = opendir(tmpdir);
  ck_assert_ptr_nonnull(d);
  struct dirent *e;
  char path[640];
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
      if (rmdir(path) != 0)
        unlink(path);
    }
  closedir(d);
  ck_assert_int_eq(rmdir(tmpdir), 0);
}

static const char *tpath(const char *name)
{
  static char buf[8][512];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(b, 1, n, f), n);
  ck_assert_int_eq(fclose(f), 0);
}

static size_t read_bytes(const char *path, unsigned char *b, size_t cap)
{
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  size_t n = fread(b, 1, cap, f);
  fclose(f);
  return n;
}

/* Big-endian 32-bit word into b. */
static void be(unsigned char *b, uint32_t v)
{
  b[0] = (unsigned char)(v >> 24);
  b[1] = (unsigned char)(v >> 16);
  b[2] = (unsigned char)(v >> 8);
  b[3] = (unsigned char)v;
}

/* An IDX header of `nd` sizes after `magic`, then `ndata` bytes k % 251. */
static size_t make_idx(unsigned char *b, uint32_t magic, int nd,
                       const uint32_t *sz, size_t ndata)
{
  be(b, magic);
  for (int i = 0; i < nd; i++)
    be(b + 4 + 4 * i, sz[i]);
  size_t h = 4 + 4 * (size_t)nd;
  for (size_t k = 0; k < ndata; k++)
    b[h + k] = (unsigned char)(k % 251);
  return h + ndata;
}

/* ---- IDX ----------------------------------------------------------------- */

START_TEST(test_idx_round_trip)
{
  /* 3 images of 4 x 5: the writer must produce exactly these bytes. */
  enum { N = 3, R = 4, C = 5 };
  unsigned char pix[N * R * C], want[16 + N * R * C], got[256];
  for (int k = 0; k < N * R * C; k++)
    pix[k] = (unsigned char)(k * 37 + 11);
  uint32_t sz[3] = {N, R, C};
  size_t nb = make_idx(want, 0x00000803, 3, sz, 0);
  memcpy(want + nb, pix, sizeof pix);
  size_t dims[3] = {N, R, C};
  xb_err e;
  const char *ip = tpath("im.idx3-ubyte");
  ck_assert_int_eq(xb_idx_write(ip, 3, dims, pix, &e), XB_OK);
  ck_assert_uint_eq(read_bytes(ip, got, sizeof got), sizeof want);
  ck_assert(memcmp(got, want, sizeof want) == 0);
  /* Header bytes spelled out: magic 00 00 08 03, n = 3 big-endian. */
  ck_assert(got[0] == 0 && got[1] == 0 && got[2] == 8 && got[3] == 3);
  ck_assert(got[4] == 0 && got[7] == 3 && got[11] == 4 && got[15] == 5);

  size_t rd[3] = {0, 0, 0};
  unsigned char *data = NULL;
  ck_assert_int_eq(xb_idx_read(ip, 3, rd, &data, &e), XB_OK);
  ck_assert(rd[0] == N && rd[1] == R && rd[2] == C);
  ck_assert(memcmp(data, pix, sizeof pix) == 0);
  free(data);

  /* Labels, 1 dimension, and the pair through xb_images_load. */
  unsigned char lab[N] = {7, 0, 9};
  size_t ld[1] = {N};
  const char *lp = tpath("lab.idx1-ubyte");
  ck_assert_int_eq(xb_idx_write(lp, 1, ld, lab, &e), XB_OK);
  ck_assert_uint_eq(read_bytes(lp, got, sizeof got), 8 + N);
  ck_assert(got[3] == 1 && got[7] == N && got[8] == 7 && got[10] == 9);
  xb_images *im = xb_images_load(ip, lp, &e);
  ck_assert_ptr_nonnull(im);
  ck_assert(im->n == N && im->rows == R && im->cols == C);
  ck_assert(memcmp(im->pix, pix, sizeof pix) == 0);
  ck_assert(memcmp(im->labels, lab, N) == 0);
  xb_images_free(im);
  im = xb_images_load(ip, NULL, &e); /* labels are optional */
  ck_assert_ptr_nonnull(im);
  ck_assert_ptr_null(im->labels);
  xb_images_free(im);
  xb_images_free(NULL);

  /* Overwrite is atomic and leaves no temporary file behind. */
  pix[0] ^= 0xff;
  ck_assert_int_eq(xb_idx_write(ip, 3, dims, pix, &e), XB_OK);
  ck_assert_int_eq(xb_idx_read(ip, 3, rd, &data, &e), XB_OK);
  ck_assert_int_eq(data[0], pix[0]);
  free(data);
  char names[8][256];
  ck_assert_int_eq(list_dir(names, 8), 2);
  /* Writer errors: nothing created. */
  ck_assert_int_eq(xb_idx_write(tpath("no/such/dir.idx"), 3, dims, pix, &e),
                   XB_EIO);
  size_t zero[3] = {N, 0, C};
  ck_assert_int_eq(xb_idx_write(tpath("z.idx"), 3, zero, pix, &e), XB_ESIZE);
  ck_assert_int_eq(xb_idx_write(tpath("z.idx"), 0, dims, pix, &e), XB_EINVAL);
  ck_assert_int_eq(xb_idx_write(NULL, 3, dims, pix, &e), XB_EINVAL);
  ck_assert_int_eq(list_dir(names, 8), 2);
}
END_TEST

/* The stratified order the converter documents, recomputed here: image i
 * of digit d (of c_d) has key (2i + 1) / (2 c_d); ties by digit. */
static void stratified(const int *count, int nd, int *label, int *index)
{
  int n = 0;
  for (int d = 0; d < nd; d++)
    for (int i = 0; i < count[d]; i++, n++) {
      label[n] = d;
      index[n] = i;
    }
  for (int a = 1; a < n; a++) /* insertion sort, stable */
    for (int b = a; b > 0; b--) {
      long l = (2L * index[b] + 1) * count[label[b - 1]];
      long r = (2L * index[b - 1] + 1) * count[label[b]];
      if (!(l < r || (l == r && label[b] < label[b - 1])))
        break;
      int t = label[b];
      label[b] = label[b - 1];
      label[b - 1] = t;
      t = index[b];
      index[b] = index[b - 1];
      index[b - 1] = t;
    }
}

START_TEST(test_converter_fixture)
{
  xb_err e;
  xb_images *im = xb_images_load(IDX "tiny-images.idx3-ubyte",
                                 IDX "tiny-labels.idx1-ubyte", &e);
  ck_assert_msg(im != NULL, "%s", e.msg);
  int count[10], label[19], index[19];
  for (int d = 0; d < 10; d++)
    count[d] = 1 + d % 3;
  stratified(count, 10, label, index);
  ck_assert_uint_eq(im->n, 19);
  ck_assert(im->rows == 28 && im->cols == 28);
  int nonzero = 0;
  for (size_t j = 0; j < im->n; j++) {
    int d = label[j], i = index[j];
    ck_assert_int_eq(im->labels[j], d);
    for (int r = 0; r < 28; r++)
      for (int c = 0; c < 28; c++) {
        int p = (r + c + d) % 9 == 0 ? (28 * r + c + 7 * d + 13 * i) % 256 : 0;
        ck_assert_int_eq(im->pix[(j * 28 + r) * 28 + c], p);
        nonzero += p != 0;
      }
  }
  ck_assert_int_gt(nonzero, 1500); /* the pattern is really there */
  xb_images_free(im);

  /* The same files as an MNIST cache directory. */
  ck_assert_int_eq(symlink(XB_SOURCE_DIR "/tests/data/idx/tiny-images.idx3-ubyte",
                           tpath(XB_MNIST_IMAGES)), 0);
  ck_assert_int_eq(symlink(XB_SOURCE_DIR "/tests/data/idx/tiny-labels.idx1-ubyte",
                           tpath(XB_MNIST_LABELS)), 0);
  im = xb_mnist_load(tmpdir, &e);
  ck_assert_msg(im != NULL, "%s", e.msg);
  ck_assert_uint_eq(im->n, 19);
  ck_assert_int_eq(im->labels[0], 2);
  xb_images_free(im);
}
END_TEST

/* Read `name` (bytes b[0..n)) as an idx of nd dimensions: expect `code`,
 * the file named, and dims/data untouched. */
static void expect_bad_idx(const char *name, const unsigned char *b, size_t n,
                           int nd, int code)
{
  const char *p = tpath(name);
  if (b)
    write_bytes(p, b, n);
  size_t dims[3] = {111, 222, 333};
  unsigned char sentinel = 0, *data = &sentinel;
  xb_err e;
  int rc = xb_idx_read(p, nd, dims, &data, &e);
  ck_assert_msg(rc == code, "%s: got %s (%s), want %s", name,
                xb_status_name(rc), e.msg, xb_status_name(code));
  if (code == XB_OK) { /* the control case */
    ck_assert(dims[0] == 2 && dims[1] == 3 && dims[2] == 4);
    ck_assert(data != &sentinel && data[23] == 23);
    free(data);
    return;
  }
  ck_assert_int_eq(e.code, code);
  ck_assert_msg(strstr(e.msg, name) != NULL, "%s not named in '%s'", name,
                e.msg);
  ck_assert_str_eq(e.file, p);
  ck_assert(dims[0] == 111 && dims[1] == 222 && dims[2] == 333);
  ck_assert_ptr_eq(data, &sentinel);
  /* xb_images_load: the same code, no set. */
  xb_images *im = xb_images_load(p, NULL, &e);
  if (nd == 3) {
    ck_assert_ptr_null(im);
    ck_assert_int_eq(e.code, code);
  } else {
    xb_images_free(im);
  }
}

START_TEST(test_idx_bad_files)
{
  unsigned char b[4096] = {0};
  uint32_t s3[3] = {2, 3, 4}, s1[1] = {5};
  size_t n;
  n = make_idx(b, 0x00000803, 3, s3, 24);
  expect_bad_idx("good.idx3", b, n, 3, XB_OK);

  /* Bad magic: wrong type byte, non-zero leading bytes, wrong rank. */
  n = make_idx(b, 0x00000903, 3, s3, 24);
  expect_bad_idx("magic_type.idx3", b, n, 3, XB_ESYNTAX);
  n = make_idx(b, 0x01000803, 3, s3, 24);
  expect_bad_idx("magic_lead.idx3", b, n, 3, XB_ESYNTAX);
  n = make_idx(b, 0x00000801, 1, s1, 5);
  expect_bad_idx("labels_as_images.idx1", b, n, 3, XB_ESYNTAX);
  n = make_idx(b, 0x00000803, 3, s3, 24);
  expect_bad_idx("images_as_labels.idx3", b, n, 1, XB_ESYNTAX);
  memcpy(b, "\x1f\x8b\x08\x00", 4); /* a gzip file, as downloaded */
  expect_bad_idx("gzipped.idx3", b, 64, 3, XB_ESYNTAX);

  /* Truncated: no magic, header cut, data one byte short; and one extra. */
  n = make_idx(b, 0x00000803, 3, s3, 24);
  expect_bad_idx("tiny.idx3", b, 2, 3, XB_EDATA);
  expect_bad_idx("empty.idx3", b, 0, 3, XB_EDATA);
  expect_bad_idx("cut_header.idx3", b, 10, 3, XB_EDATA);
  expect_bad_idx("cut_data.idx3", b, n - 1, 3, XB_EDATA);
  expect_bad_idx("trailing.idx3", b, n + 1, 3, XB_EDATA);
  n = make_idx(b, 0x00000801, 1, s1, 5);
  expect_bad_idx("cut_labels.idx1", b, n - 1, 1, XB_EDATA);

  /* Wrong sizes: a zero, one beyond 2^31 - 1, a product beyond it. */
  uint32_t z[3] = {2, 0, 4}, big[3] = {0x80000000u, 1, 1},
           prod[3] = {65536, 65536, 1};
  n = make_idx(b, 0x00000803, 3, z, 0);
  expect_bad_idx("zero_dim.idx3", b, n, 3, XB_ESIZE);
  n = make_idx(b, 0x00000803, 3, big, 0);
  expect_bad_idx("huge_dim.idx3", b, n, 3, XB_ESIZE);
  n = make_idx(b, 0x00000803, 3, prod, 0);
  expect_bad_idx("huge_count.idx3", b, n, 3, XB_ESIZE);

  /* Missing, and a directory. */
  expect_bad_idx("missing.idx3", NULL, 0, 3, XB_EIO);
  ck_assert_int_eq(mkdir(tpath("a_dir.idx3"), 0755), 0);
  expect_bad_idx("a_dir.idx3", NULL, 0, 3, XB_EIO);

  /* Argument errors. */
  size_t d[3];
  unsigned char *data = NULL;
  xb_err e;
  ck_assert_int_eq(xb_idx_read(tpath("good.idx3"), 0, d, &data, &e),
                   XB_EINVAL);
  ck_assert_int_eq(xb_idx_read(tpath("good.idx3"), 9, d, &data, &e),
                   XB_EINVAL);
  ck_assert_int_eq(xb_idx_read(NULL, 3, d, &data, &e), XB_EINVAL);
  ck_assert_int_eq(xb_idx_read(tpath("good.idx3"), 3, d, NULL, NULL),
                   XB_EINVAL);
  ck_assert_ptr_null(data);
}
END_TEST

START_TEST(test_images_bad_pairs)
{
  unsigned char b[4096] = {0};
  uint32_t s3[3] = {2, 3, 4}, s1[1] = {3};
  write_bytes(tpath("im.idx3"), b, make_idx(b, 0x00000803, 3, s3, 24));
  write_bytes(tpath("lab3.idx1"), b, make_idx(b, 0x00000801, 1, s1, 3));
  xb_err e;
  /* 3 labels for 2 images. */
  ck_assert_ptr_null(xb_images_load(tpath("im.idx3"), tpath("lab3.idx1"), &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  ck_assert_ptr_nonnull(strstr(e.msg, "lab3.idx1"));
  /* A bad label file is reported under its own name. */
  ck_assert_ptr_null(xb_images_load(tpath("im.idx3"), tpath("nolab"), &e));
  ck_assert_int_eq(e.code, XB_EIO);
  ck_assert_ptr_nonnull(strstr(e.msg, "nolab"));
  ck_assert_ptr_null(xb_images_load(NULL, NULL, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  ck_assert_ptr_null(xb_images_load(tpath("im.idx3"), tpath("nolab"), NULL));
}
END_TEST

/* ---- MNIST cache --------------------------------------------------------- */

START_TEST(test_mnist_cache_dir)
{
  char buf[512];
  xb_err e;
  setenv("HOME", "/home/u", 1);
  setenv("XBAR_CACHE", "/c/xb", 1);
  setenv("XDG_CACHE_HOME", "/x", 1);
  ck_assert_int_eq(xb_mnist_cache_dir(buf, sizeof buf, &e), XB_OK);
  ck_assert_str_eq(buf, "/c/xb");
  setenv("XBAR_CACHE", "", 1); /* empty = unset */
  ck_assert_int_eq(xb_mnist_cache_dir(buf, sizeof buf, &e), XB_OK);
  ck_assert_str_eq(buf, "/x/xbar");
  setenv("XDG_CACHE_HOME", "rel/ative", 1); /* XDG: relative is ignored */
  ck_assert_int_eq(xb_mnist_cache_dir(buf, sizeof buf, &e), XB_OK);
  ck_assert_str_eq(buf, "/home/u/.cache/xbar");
  unsetenv("XDG_CACHE_HOME");
  ck_assert_int_eq(xb_mnist_cache_dir(buf, sizeof buf, &e), XB_OK);
  ck_assert_str_eq(buf, "/home/u/.cache/xbar");
  ck_assert_int_eq(xb_mnist_cache_dir(buf, 10, &e), XB_ESIZE);
  ck_assert_str_eq(buf, "");
  unsetenv("HOME");
  ck_assert_int_eq(xb_mnist_cache_dir(buf, sizeof buf, &e), XB_EMISSING);
  ck_assert_int_eq(xb_mnist_cache_dir(NULL, 8, &e), XB_EINVAL);

  /* xb_mnist_load(NULL) looks there, and says how to fetch. */
  setenv("XBAR_CACHE", tmpdir, 1);
  ck_assert_ptr_null(xb_mnist_load(NULL, &e));
  ck_assert_int_eq(e.code, XB_EIO);
  ck_assert_ptr_nonnull(strstr(e.msg, "fetch-mnist.sh"));
  ck_assert_ptr_nonnull(strstr(e.msg, XB_MNIST_IMAGES));
}
END_TEST

START_TEST(test_mnist_load_checks)
{
  unsigned char b[3 * 28 * 28 + 64] = {0};
  uint32_t s3[3] = {3, 28, 28}, s1[1] = {3}, s27[3] = {3, 27, 28};
  xb_err e;
  /* Images present, labels missing: EIO naming the labels file. */
  write_bytes(tpath(XB_MNIST_IMAGES), b,
              make_idx(b, 0x00000803, 3, s3, 3 * 28 * 28));
  ck_assert_ptr_null(xb_mnist_load(tmpdir, &e));
  ck_assert_int_eq(e.code, XB_EIO);
  ck_assert_ptr_nonnull(strstr(e.msg, XB_MNIST_LABELS));
  /* A label above 9. */
  size_t n = make_idx(b, 0x00000801, 1, s1, 0);
  b[n] = 4, b[n + 1] = 10, b[n + 2] = 0;
  write_bytes(tpath(XB_MNIST_LABELS), b, n + 3);
  ck_assert_ptr_null(xb_mnist_load(tmpdir, &e));
  ck_assert_int_eq(e.code, XB_EDATA);
  b[n + 1] = 9;
  write_bytes(tpath(XB_MNIST_LABELS), b, n + 3);
  xb_images *im = xb_mnist_load(tmpdir, &e);
  ck_assert_msg(im != NULL, "%s", e.msg);
  ck_assert(im->n == 3 && im->labels[1] == 9);
  xb_images_free(im);
  /* Not 28 x 28. */
  write_bytes(tpath(XB_MNIST_IMAGES), b,
              make_idx(b, 0x00000803, 3, s27, 3 * 27 * 28));
  ck_assert_ptr_null(xb_mnist_load(tmpdir, &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  /* A corrupt image file keeps its own code (not the "fetch" EIO). */
  write_bytes(tpath(XB_MNIST_IMAGES), b, 100);
  ck_assert_ptr_null(xb_mnist_load(tmpdir, &e));
  ck_assert_int_eq(e.code, XB_EDATA);
}
END_TEST

/* ---- patches ------------------------------------------------------------- */

/* Tiny image set: 3 images of 6 x 7, pixel = (50 i + 7 r + c) % 256,
 * labels 4, 5, 6. */
enum { TN = 3, TR = 6, TC = 7 };
static unsigned char tpix[TN * TR * TC], tlab[TN] = {4, 5, 6};
static xb_images tiny(void)
{
  for (int i = 0; i < TN; i++)
    for (int r = 0; r < TR; r++)
      for (int c = 0; c < TC; c++)
        tpix[(i * TR + r) * TC + c] = (unsigned char)((50 * i + 7 * r + c) % 256);
  xb_images im = {TN, TR, TC, tpix, tlab};
  return im;
}

/* Every patch equals the image content at its origin, scaled by 1/255. */
static void check_against_images(const xb_patches *ps, const xb_images *im)
{
  for (size_t k = 0; k < ps->n; k++) {
    const xb_patch_origin *o = &ps->origin[k];
    ck_assert(o->row >= 0 && (size_t)o->row + ps->side <= im->rows);
    ck_assert(o->col >= 0 && (size_t)o->col + ps->side <= im->cols);
    ck_assert_int_eq(o->label, im->labels ? im->labels[o->image] : -1);
    for (size_t y = 0; y < ps->side; y++)
      for (size_t x = 0; x < ps->side; x++) {
        unsigned char p =
            im->pix[(o->image * im->rows + o->row + y) * im->cols + o->col + x];
        ck_assert(ps->x[k * ps->dim + y * ps->side + x] == p / 255.0);
      }
  }
}

START_TEST(test_patches_dense)
{
  xb_images im = tiny();
  xb_patch_params p;
  xb_param_defaults(&xb_patch_param_set, &p);
  ck_assert_int_eq(p.size, 10);
  ck_assert(p.min_sum == 1.0 && p.count == 0 && p.stride == 1);
  p.size = 3;
  p.stride = 2;
  p.min_sum = 0.0;
  xb_err e;
  xb_patches *ps = xb_patches_create(&im, 0, TN, &p, 0, &e);
  ck_assert_msg(ps != NULL, "%s", e.msg);
  /* rows 0, 2 (4 > 6 - 3); cols 0, 2, 4: 6 per image, in order. */
  ck_assert_uint_eq(ps->n, TN * 6);
  ck_assert(ps->dim == 9 && ps->side == 3);
  for (size_t k = 0; k < ps->n; k++) {
    ck_assert_uint_eq(ps->origin[k].image, k / 6);
    ck_assert_int_eq(ps->origin[k].row, (int)(k % 6 / 3) * 2);
    ck_assert_int_eq(ps->origin[k].col, (int)(k % 3) * 2);
  }
  /* A value spelled out: image 1, patch (2, 4), pixel (1, 2). */
  ck_assert(ps->x[(6 + 5) * 9 + 1 * 3 + 2] == (50 + 7 * 3 + 6) / 255.0);
  check_against_images(ps, &im);
  xb_patches_free(ps);

  /* Stride 1 reaches the last position; a stride beyond it only 0. */
  p.stride = 1;
  ps = xb_patches_create(&im, 2, 3, &p, 0, &e);
  ck_assert_uint_eq(ps->n, 4 * 5);
  ck_assert_int_eq(ps->origin[19].row, 3);
  ck_assert_int_eq(ps->origin[19].col, 4);
  check_against_images(ps, &im);
  xb_patches_free(ps);
  p.stride = 100;
  ps = xb_patches_create(&im, 0, 1, &p, 0, &e);
  ck_assert_uint_eq(ps->n, 1);
  xb_patches_free(ps);
  /* Full-image patches. */
  p.size = 6;
  p.stride = 1;
  ps = xb_patches_create(&im, 0, TN, &p, 0, &e);
  ck_assert_uint_eq(ps->n, TN * 2);
  check_against_images(ps, &im);
  xb_patches_free(ps);
  xb_patches_free(NULL);
}
END_TEST

START_TEST(test_patches_min_sum)
{
  /* 4 x 4 image, black but pixel (0, 0) = 255 and (3, 3) = 128. */
  unsigned char pix[16] = {0};
  pix[0] = 255;
  pix[15] = 128;
  xb_images im = {1, 4, 4, pix, NULL};
  xb_patch_params p;
  xb_param_defaults(&xb_patch_param_set, &p);
  p.size = 2;
  xb_err e;
  /* Default min_sum 1.0: only the patch holding the full pixel (sum
   * exactly 1.0: the threshold is inclusive). */
  xb_patches *ps = xb_patches_create(&im, 0, 1, &p, 0, &e);
  ck_assert_msg(ps != NULL, "%s", e.msg);
  ck_assert_uint_eq(ps->n, 1);
  ck_assert(ps->origin[0].row == 0 && ps->origin[0].col == 0);
  ck_assert(ps->x[0] == 1.0 && ps->x[1] == 0.0);
  ck_assert_int_eq(ps->origin[0].label, -1);
  xb_patches_free(ps);
  p.min_sum = 0.5; /* 128/255 = 0.502 passes too */
  ps = xb_patches_create(&im, 0, 1, &p, 0, &e);
  ck_assert_uint_eq(ps->n, 2);
  ck_assert(ps->origin[1].row == 2 && ps->origin[1].col == 2);
  xb_patches_free(ps);
  p.min_sum = 0.0;
  ps = xb_patches_create(&im, 0, 1, &p, 0, &e);
  ck_assert_uint_eq(ps->n, 9);
  xb_patches_free(ps);
  /* Nothing passes: an error, not an empty set. */
  p.min_sum = 1.0001;
  ck_assert_ptr_null(xb_patches_create(&im, 0, 1, &p, 0, &e));
  ck_assert_int_eq(e.code, XB_EDATA);
  ck_assert_str_eq(e.param, "min_sum");
  p.count = 5;
  ck_assert_ptr_null(xb_patches_create(&im, 0, 1, &p, 0, &e));
  ck_assert_int_eq(e.code, XB_EDATA);
  /* Random mode with a rare pass: every patch is the one that passes. */
  p.min_sum = 1.0;
  p.count = 50;
  ps = xb_patches_create(&im, 0, 1, &p, 3, &e);
  ck_assert_msg(ps != NULL, "%s", e.msg);
  for (size_t k = 0; k < ps->n; k++)
    ck_assert(ps->origin[k].row == 0 && ps->origin[k].col == 0);
  xb_patches_free(ps);
}
END_TEST

START_TEST(test_patches_split)
{
  xb_images im = tiny();
  xb_patch_params p;
  xb_param_defaults(&xb_patch_param_set, &p);
  p.size = 4;
  p.min_sum = 0.0;
  xb_err e;
  xb_patches *all = xb_patches_create(&im, 0, 3, &p, 0, &e);
  xb_patches *train = xb_patches_create(&im, 0, 2, &p, 0, &e);
  xb_patches *held = xb_patches_create(&im, 2, 3, &p, 0, &e);
  ck_assert(all && train && held);
  ck_assert_uint_eq(train->n + held->n, all->n);
  ck_assert_uint_eq(held->n, 3 * 4);
  ck_assert(memcmp(train->x, all->x, train->n * 16 * sizeof(double)) == 0);
  ck_assert(memcmp(held->x, all->x + train->n * 16,
                   held->n * 16 * sizeof(double)) == 0);
  for (size_t k = 0; k < train->n; k++) {
    ck_assert_uint_lt(train->origin[k].image, 2);
    ck_assert_int_eq(train->origin[k].label, 4 + (int)train->origin[k].image);
  }
  for (size_t k = 0; k < held->n; k++)
    ck_assert(held->origin[k].image == 2 && held->origin[k].label == 6);
  xb_patches_free(all);
  xb_patches_free(train);
  xb_patches_free(held);
}
END_TEST

START_TEST(test_patches_random)
{
  xb_images im = tiny();
  xb_patch_params p;
  xb_param_defaults(&xb_patch_param_set, &p);
  p.size = 3;
  p.min_sum = 0.0;
  p.count = 4000;
  xb_err e;
  xb_patches *ps = xb_patches_create(&im, 1, 3, &p, 42, &e);
  ck_assert_msg(ps != NULL, "%s", e.msg);
  ck_assert_uint_eq(ps->n, 4000);
  check_against_images(ps, &im);
  /* Uniform over images [1, 3) x 4 rows x 5 cols = 40 cells, 100 each:
   * every cell hit, chi-square (39 dof: mean 39, sd 8.8) below 39 + 5 sd. */
  int hits[2][4][5] = {{{0}}};
  for (size_t k = 0; k < ps->n; k++) {
    const xb_patch_origin *o = &ps->origin[k];
    ck_assert(o->image == 1 || o->image == 2);
    hits[o->image - 1][o->row][o->col]++;
  }
  double chi2 = 0.0;
  for (int i = 0; i < 2; i++)
    for (int r = 0; r < 4; r++)
      for (int c = 0; c < 5; c++) {
        ck_assert_int_gt(hits[i][r][c], 0);
        chi2 += (hits[i][r][c] - 100.0) * (hits[i][r][c] - 100.0) / 100.0;
      }
  ck_assert_msg(chi2 < 39 + 5 * 8.8, "chi2 = %g", chi2);

  /* Same seed: same bits; prefix: the first 300 are the 300-draw. */
  xb_patches *again = xb_patches_create(&im, 1, 3, &p, 42, &e);
  ck_assert(memcmp(again->x, ps->x, ps->n * ps->dim * sizeof(double)) == 0);
  for (size_t k = 0; k < ps->n; k++)
    ck_assert(again->origin[k].image == ps->origin[k].image &&
              again->origin[k].row == ps->origin[k].row &&
              again->origin[k].col == ps->origin[k].col);
  xb_patches_free(again);
  p.count = 300;
  xb_patches *pre = xb_patches_create(&im, 1, 3, &p, 42, &e);
  ck_assert(memcmp(pre->x, ps->x, 300 * ps->dim * sizeof(double)) == 0);
  xb_patches_free(pre);
  xb_patches *other = xb_patches_create(&im, 1, 3, &p, 43, &e);
  int same = 0;
  for (size_t k = 0; k < 300; k++)
    same += other->origin[k].image == ps->origin[k].image &&
            other->origin[k].row == ps->origin[k].row &&
            other->origin[k].col == ps->origin[k].col;
  ck_assert_int_lt(same, 30); /* 1 in 40 by chance: about 7.5 */
  xb_patches_free(other);
  xb_patches_free(ps);
}
END_TEST

START_TEST(test_patches_bad_args)
{
  xb_images im = tiny();
  xb_patch_params p;
  xb_param_defaults(&xb_patch_param_set, &p);
  p.size = 3;
  xb_err e;
  ck_assert_ptr_null(xb_patches_create(NULL, 0, 1, &p, 0, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  ck_assert_ptr_null(xb_patches_create(&im, 0, 1, NULL, 0, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  ck_assert_ptr_null(xb_patches_create(&im, 2, 2, &p, 0, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  ck_assert_str_eq(e.param, "first");
  ck_assert_ptr_null(xb_patches_create(&im, 0, 4, &p, 0, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  ck_assert_str_eq(e.param, "last");
  ck_assert(e.lo == 1 && e.hi == 3);
  p.size = 7; /* wider than the 6 rows */
  ck_assert_ptr_null(xb_patches_create(&im, 0, 1, &p, 0, &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  ck_assert_str_eq(e.param, "size");
  p.size = 3;
  p.stride = 0;
  ck_assert_ptr_null(xb_patches_create(&im, 0, 1, &p, 0, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  ck_assert_str_eq(e.param, "stride");
  p.stride = 1;
  p.min_sum = NAN;
  ck_assert_ptr_null(xb_patches_create(&im, 0, 1, &p, 0, &e));
  ck_assert_int_eq(e.code, XB_ENAN);
  p.min_sum = 0;
  xb_images empty = {0, TR, TC, tpix, NULL};
  ck_assert_ptr_null(xb_patches_create(&empty, 0, 1, &p, 0, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  xb_images nopix = {TN, TR, TC, NULL, NULL};
  ck_assert_ptr_null(xb_patches_create(&nopix, 0, 1, &p, 0, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  /* The images are not touched. */
  xb_images ref = tiny();
  ck_assert(memcmp(ref.pix, im.pix, sizeof tpix) == 0);
}
END_TEST

/* ---- synthetic task ------------------------------------------------------ */

static xb_synth_params synth_defaults(void)
{
  xb_synth_params p;
  xb_param_defaults(&xb_synth_param_set, &p);
  return p;
}

START_TEST(test_synth_statistics)
{
  xb_synth_params p = synth_defaults();
  ck_assert(p.side == 10 && p.atoms == 100 && p.k == 3);
  p.n = 3000;
  p.sigma = 0.01;
  xb_err e;
  xb_synth *s = xb_synth_create(&p, 7, &e);
  ck_assert_msg(s != NULL, "%s", e.msg);
  const size_t dim = 100, m = 100, n = 3000;
  ck_assert(s->patches->n == n && s->patches->dim == dim &&
            s->patches->side == 10 && s->atoms == m);
  ck_assert_ptr_null(s->patches->origin);

  /* D_true: non-negative, unit columns, localized strokes. */
  for (size_t j = 0; j < m; j++) {
    double ss = 0.0;
    int nz = 0;
    for (size_t q = 0; q < dim; q++) {
      double v = s->d[q * m + j];
      ck_assert(v >= 0.0 && v <= 1.0);
      ss += v * v;
      nz += v > 0.0;
    }
    ck_assert_msg(fabs(sqrt(ss) - 1.0) < 1e-12, "column %zu norm %g", j,
                  sqrt(ss));
    ck_assert_msg(nz >= 5 && nz <= 50, "atom %zu has %d pixels", j, nz);
  }

  /* Codes: exactly k entries, in [amp_min, amp_max]; atoms used evenly. */
  int use[100] = {0};
  double asum = 0.0;
  for (size_t i = 0; i < n; i++) {
    int nz = 0;
    for (size_t j = 0; j < m; j++) {
      double z = s->z[i * m + j];
      if (z != 0.0) {
        ck_assert(z >= p.amp_min && z <= p.amp_max);
        nz++;
        use[j]++;
        asum += z;
      }
    }
    ck_assert_int_eq(nz, p.k);
  }
  double chi2 = 0.0, expect = (double)n * p.k / m; /* 90 per atom */
  for (size_t j = 0; j < m; j++)
    chi2 += (use[j] - expect) * (use[j] - expect) / expect;
  ck_assert_msg(chi2 < 99 + 5 * 14.1, "atom use chi2 = %g", chi2);
  /* Mean amplitude 1.5, sd of the mean 0.289 / sqrt(9000) = 0.003. */
  ck_assert_msg(fabs(asum / (n * p.k) - 1.5) < 0.015, "mean amp %g",
                asum / (n * p.k));

  /* x in [0, 1]; residual x - D z where the clip cannot act has mean 0 and
   * sd sigma (10 sigma margins). */
  double r1 = 0.0, r2 = 0.0;
  size_t cnt = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t q = 0; q < dim; q++) {
      double clean = 0.0;
      for (size_t j = 0; j < m; j++)
        clean += s->d[q * m + j] * s->z[i * m + j];
      double x = s->patches->x[i * dim + q];
      ck_assert(x >= 0.0 && x <= 1.0);
      if (clean > 0.1 && clean < 0.9) {
        r1 += x - clean;
        r2 += (x - clean) * (x - clean);
        cnt++;
      }
    }
  ck_assert_uint_gt(cnt, 20000);
  double mean = r1 / cnt, sd = sqrt(r2 / cnt - mean * mean);
  ck_assert_msg(fabs(mean) < 4 * p.sigma / sqrt((double)cnt), "mean %g",
                mean);
  ck_assert_msg(fabs(sd / p.sigma - 1.0) < 0.015, "sd %g vs sigma %g", sd,
                p.sigma);
  xb_synth_free(s);
  xb_synth_free(NULL);
}
END_TEST

START_TEST(test_synth_noiseless_and_sparse_atoms)
{
  xb_synth_params p = synth_defaults();
  p.n = 200;
  p.sigma = 0.0;
  p.kind = 1;
  p.density = 0.1;
  p.atoms = 50;
  p.k = 5;
  p.side = 8;
  xb_err e;
  xb_synth *s = xb_synth_create(&p, 1, &e);
  ck_assert_msg(s != NULL, "%s", e.msg);
  const size_t dim = 64, m = 50;
  /* Random sparse atoms: density 0.1 of 3200 entries (sd 0.0053). */
  size_t nz = 0;
  for (size_t q = 0; q < dim * m; q++) {
    ck_assert(s->d[q] >= 0.0);
    nz += s->d[q] > 0.0;
  }
  ck_assert_msg(fabs((double)nz / (dim * m) - 0.1) < 0.03, "density %g",
                (double)nz / (dim * m));
  /* sigma = 0: x is exactly clip(D z). */
  for (size_t i = 0; i < (size_t)p.n; i++)
    for (size_t q = 0; q < dim; q++) {
      double clean = 0.0;
      for (size_t j = 0; j < m; j++)
        if (s->z[i * m + j] != 0.0)
          clean += s->d[q * m + j] * s->z[i * m + j];
      clean = clean > 1.0 ? 1.0 : clean;
      ck_assert(fabs(s->patches->x[i * dim + q] - clean) < 1e-14);
    }
  xb_synth_free(s);
  /* k = atoms: every atom in every patch. */
  p.k = p.atoms = 4;
  p.n = 10;
  s = xb_synth_create(&p, 1, &e);
  for (size_t q = 0; q < 40; q++)
    ck_assert(s->z[q] >= p.amp_min);
  xb_synth_free(s);
}
END_TEST

START_TEST(test_synth_determinism)
{
  xb_synth_params p = synth_defaults();
  p.n = 200;
  xb_err e;
  xb_synth *a = xb_synth_create(&p, 99, &e), *b = xb_synth_create(&p, 99, &e);
  ck_assert(a && b);
  const size_t nd = 100 * 100, nz = 200 * 100, nx = 200 * 100;
  ck_assert(memcmp(a->d, b->d, nd * sizeof(double)) == 0);
  ck_assert(memcmp(a->z, b->z, nz * sizeof(double)) == 0);
  ck_assert(memcmp(a->patches->x, b->patches->x, nx * sizeof(double)) == 0);
  /* Prefix: 50 patches are the first 50 of 200, with the same D. */
  p.n = 50;
  xb_synth *c = xb_synth_create(&p, 99, &e);
  ck_assert(memcmp(c->d, a->d, nd * sizeof(double)) == 0);
  ck_assert(memcmp(c->z, a->z, 50 * 100 * sizeof(double)) == 0);
  ck_assert(memcmp(c->patches->x, a->patches->x, 50 * 100 * sizeof(double)) ==
            0);
  /* Another seed: another dictionary. */
  p.n = 200;
  xb_synth *d = xb_synth_create(&p, 100, &e);
  size_t differ = 0;
  for (size_t q = 0; q < nd; q++)
    differ += d->d[q] != a->d[q];
  ck_assert_uint_gt(differ, nd / 10);
  xb_synth_free(a);
  xb_synth_free(b);
  xb_synth_free(c);
  xb_synth_free(d);
}
END_TEST

START_TEST(test_synth_bad_params)
{
  xb_synth_params p = synth_defaults();
  xb_err e;
  p.k = 101;
  ck_assert_ptr_null(xb_synth_create(&p, 1, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  ck_assert_str_eq(e.param, "k");
  ck_assert(e.hi == 100);
  p = synth_defaults();
  p.amp_min = 3.0;
  ck_assert_ptr_null(xb_synth_create(&p, 1, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  ck_assert_str_eq(e.param, "amp_min");
  p = synth_defaults();
  p.sigma = -0.1;
  ck_assert_ptr_null(xb_synth_create(&p, 1, &e));
  ck_assert_str_eq(e.param, "sigma");
  p = synth_defaults();
  p.amp_max = INFINITY;
  ck_assert_ptr_null(xb_synth_create(&p, 1, &e));
  ck_assert_int_eq(e.code, XB_ENAN);
  ck_assert_ptr_null(xb_synth_create(NULL, 1, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  /* The tables are complete: every default within range, units set. */
  const xb_param_set *sets[] = {&xb_patch_param_set, &xb_synth_param_set};
  for (int i = 0; i < 2; i++) {
    union {
      xb_patch_params a;
      xb_synth_params b;
    } any;
    xb_param_defaults(sets[i], &any);
    ck_assert_int_eq(xb_param_check(sets[i], &any, &e), XB_OK);
  }
}
END_TEST

static Suite *data_suite(void)
{
  Suite *s = suite_create("data");
  TCase *tc = tcase_create("idx");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_idx_round_trip);
  tcase_add_test(tc, test_converter_fixture);
  tcase_add_test(tc, test_idx_bad_files);
  tcase_add_test(tc, test_images_bad_pairs);
  tcase_add_test(tc, test_mnist_cache_dir);
  tcase_add_test(tc, test_mnist_load_checks);
  suite_add_tcase(s, tc);
  tc = tcase_create("patches");
  tcase_add_test(tc, test_patches_dense);
  tcase_add_test(tc, test_patches_min_sum);
  tcase_add_test(tc, test_patches_split);
  tcase_add_test(tc, test_patches_random);
  tcase_add_test(tc, test_patches_bad_args);
  suite_add_tcase(s, tc);
  tc = tcase_create("synth");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_synth_statistics);
  tcase_add_test(tc, test_synth_noiseless_and_sparse_atoms);
  tcase_add_test(tc, test_synth_determinism);
  tcase_add_test(tc, test_synth_bad_params);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(data_suite)
