/*
 * Tests of the tiled back-end of the networks (xbar/nn.h, "networks on
 * tiles"; lib/nn/nn_tiled.c).
 *
 * - Float path: dev = NULL tiles give the float network's logits to 1e-5
 *   relative (double products against float sgemm) for the MLP and the
 *   LSTM.
 * - Ideal tiles: an ideal linear device of 4096 levels, 1e-6 Ohm wires
 *   solved exactly, unquantized inputs and 20-bit ADCs, on 16 x 32 tiles
 *   (16 weights a tile, several tiles per matrix, shapes that do not
 *   divide): the same predictions as the float network for every sample
 *   whose top two float logits differ by more than the tolerance, and
 *   logits within 2e-3 of the logits' rms (measured 5e-4 to 8e-4). The error budget: a weight
 *   rounds to w_max / 4096 / 2, so a logit of fan-in n moves by about
 *   sqrt(n) |x| w_max / 8192, 1e-3 of the rms for these nets.
 * - Masks: a CGS mask of 16 x 16 blocks on the MLP gives exactly the
 *   mask's tile count (xb_nn_mask_count with the tile side), fewer than
 *   the dense grid, and the tiles still match the float network.
 * - Retraining: gradients through dev = NULL tiles equal the ideal
 *   back-end's (straight-through); with every = 3, two training steps
 *   leave the tiles stale (writes unchanged) and xb_nn_tiles_sync writes
 *   them; freeing the tiles gives the network its ideal back-end back.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/device.h>
#include <xbar/nn.h>
#include <xbar/rng.h>
#include <xbar/tile.h>

#include "xb_check.h"

static float *random_inputs(size_t n, size_t dim, double lo, double hi,
                            uint64_t stream)
{
  float *x = malloc(n * dim * sizeof *x);
  for (size_t i = 0; i < n * dim; i++)
    x[i] = (float)(lo + (hi - lo) * xb_rng_uniform(11, stream, i));
  return x;
}

static xb_tile_params ideal_params(void)
{
  xb_tile_params p;
  xb_tile_params_default(&p);
  p.rows = 16;
  p.cols = 32; /* 16 weights a tile, differential pair */
  p.wires = 1;
  p.rw = 1e-6;
  p.r_drive = 1e-6;
  p.r_sense = 1e-6;
  p.xbits = 0; /* voltage mode, unquantized */
  p.x_max = 0; /* calibrated */
  p.adc_bits = 20;
  return p;
}

static xb_device *ideal_device(void)
{
  xb_linear_params lp = {1e-6, 1e-5, 4096};
  xb_err e;
  xb_device *d = xb_device_create(xb_device_linear, &lp, NULL, NULL, NULL, &e);
  ck_assert_msg(d != NULL, "%s", e.msg);
  return d;
}

/* Compare the tiled logits lt with the float logits lf (n x c). */
static void compare(const float *lf, const float *lt, size_t n, size_t c,
                    double tol_rms)
{
  double rms = 0, dmax = 0;
  for (size_t i = 0; i < n * c; i++) {
    rms += (double)lf[i] * lf[i];
    dmax = fmax(dmax, fabs((double)lf[i] - lt[i]));
  }
  rms = sqrt(rms / (double)(n * c));
  ck_assert_msg(dmax <= tol_rms * rms, "max logit diff %.3g > %.3g x rms %.3g",
                dmax, tol_rms, rms);
  size_t checked = 0;
  for (size_t s = 0; s < n; s++) {
    const float *a = lf + s * c, *b = lt + s * c;
    size_t ia = 0, ib = 0;
    for (size_t j = 1; j < c; j++) {
      ia = a[j] > a[ia] ? j : ia;
      ib = b[j] > b[ib] ? j : ib;
    }
    double second = -INFINITY;
    for (size_t j = 0; j < c; j++)
      if (j != ia)
        second = fmax(second, a[j]);
    if (a[ia] - second > 2 * tol_rms * rms) {
      ck_assert_msg(ia == ib, "sample %zu: float picks %zu, tiles %zu", s, ia,
                    ib);
      checked++;
    }
  }
  ck_assert_msg(checked >= n * 9 / 10, "only %zu of %zu predictions clear",
                checked, n);
}

static void run_net(xb_nn *nn, const xb_device *dev, double tol, int lo_neg)
{
  enum { N = 200 };
  xb_err e;
  const size_t dim = xb_nn_input_dim(nn), c = xb_nn_classes(nn);
  float *x = random_inputs(N, dim, lo_neg ? -1.0 : 0.0, 1.0, dim);
  float *lf = malloc(N * c * sizeof *lf), *lt = malloc(N * c * sizeof *lt);
  ck_assert_int_eq(xb_nn_forward(nn, x, N, lf, &e), XB_OK);
  xb_tile_params p = ideal_params();
  xb_nn_tiles *t = xb_nn_tiles_create(nn, &p, dev, 5, &e);
  ck_assert_msg(t != NULL, "%s", e.msg);
  ck_assert_msg(xb_nn_tiles_calibrate(t, x, N, &e) == XB_OK, "%s", e.msg);
  ck_assert_msg(xb_nn_forward(nn, x, N, lt, &e) == XB_OK, "%s", e.msg);
  compare(lf, lt, N, c, tol);
  xb_nn_tiles_free(t);
  /* ideal back-end again: the float logits exactly */
  ck_assert_int_eq(xb_nn_forward(nn, x, N, lt, &e), XB_OK);
  ck_assert_int_eq(memcmp(lf, lt, N * c * sizeof *lf), 0);
  free(x);
  free(lf);
  free(lt);
}

/* The small MLP and LSTM of these tests through run_net on dev. */
static void run_both(const xb_device *dev, double tol)
{
  xb_err e;
  const size_t sz[3] = {50, 40, 10};
  xb_nn *mlp = xb_nn_mlp_create(2, sz, 3, &e);
  run_net(mlp, dev, tol, 0);
  xb_nn *lstm = xb_nn_lstm_create(5, 6, 12, 4, 3, &e);
  run_net(lstm, dev, tol, 1);
  xb_nn_free(mlp);
  xb_nn_free(lstm);
}

START_TEST(test_float_tiles)
{
  run_both(NULL, 1e-5);
}
END_TEST

START_TEST(test_ideal_tiles)
{
  xb_device *dev = ideal_device();
  run_both(dev, 2e-3);
  xb_device_free(dev);
}
END_TEST

START_TEST(test_masked_tiles)
{
  xb_err e;
  xb_device *dev = ideal_device();
  const size_t sz[3] = {50, 40, 10};
  xb_nn *mlp = xb_nn_mlp_create(2, sz, 3, &e);
  xb_nn_mask_params mp;
  xb_param_defaults(&xb_nn_mask_param_set, &mp);
  mp.block_rows = 16;
  mp.block_cols = 16;
  mp.keep = 1;
  size_t want = 0;
  for (size_t k = 0; k < xb_nn_tensors(mlp); k += 2) {
    xb_nn_tensor t;
    xb_nn_tensor_get(mlp, k, &t, NULL);
    unsigned char *m = malloc(t.rows * t.cols);
    ck_assert_int_eq(xb_nn_mask_make(t.rows, t.cols, &mp, 9, k, m, &e), XB_OK);
    ck_assert_int_eq(xb_nn_mask_set(mlp, k, m, &e), XB_OK);
    size_t tiles;
    xb_nn_mask_count(m, t.rows, t.cols, 16, 16, NULL, &tiles);
    want += tiles;
    free(m);
  }
  xb_tile_params p = ideal_params();
  xb_nn_tiles *t = xb_nn_tiles_create(mlp, &p, dev, 5, &e);
  size_t tiles, dense;
  xb_nn_tiles_count(t, &tiles, &dense);
  ck_assert_uint_eq(tiles, want);
  ck_assert_uint_eq(dense, 4 * 3 + 3 * 1); /* ceil(50/16) x ceil(40/16) ... */
  ck_assert_uint_lt(tiles, dense);
  xb_nn_tiles_free(t);
  run_net(mlp, dev, 2e-3, 0);
  xb_nn_free(mlp);
  xb_device_free(dev);
}
END_TEST

START_TEST(test_retrain_straight_through)
{
  enum { N = 32 };
  xb_err e;
  const size_t sz[3] = {20, 16, 5};
  xb_nn *a = xb_nn_mlp_create(2, sz, 4, &e), *b = xb_nn_mlp_create(2, sz, 4, &e);
  float *x = random_inputs(N, 20, 0.0, 1.0, 77);
  int y[N];
  for (int i = 0; i < N; i++)
    y[i] = i % 5;
  xb_tile_params p = ideal_params();
  xb_nn_tiles *t = xb_nn_tiles_create(b, &p, NULL, 5, &e);
  double la, lb;
  ck_assert_int_eq(xb_nn_grad(a, x, y, N, &la, &e), XB_OK);
  ck_assert_int_eq(xb_nn_grad(b, x, y, N, &lb, &e), XB_OK);
  ck_assert_rel(lb, la, 1e-5);
  for (size_t k = 0; k < xb_nn_tensors(a); k++) {
    xb_nn_tensor ta, tb;
    xb_nn_tensor_get(a, k, &ta, NULL);
    xb_nn_tensor_get(b, k, &tb, NULL);
    double d = 0, n2 = 0;
    for (size_t i = 0; i < ta.rows * ta.cols; i++) {
      d += pow(ta.grad[i] - tb.grad[i], 2);
      n2 += pow(ta.grad[i], 2);
    }
    ck_assert_msg(sqrt(d) <= 1e-4 * sqrt(n2) + 1e-12, "tensor %zu: %g", k,
                  sqrt(d / (n2 + 1e-300)));
  }
  /* every = 3: the first write is the build; two steps leave it stale */
  ck_assert_int_eq(xb_nn_tiles_set_every(t, 3, &e), XB_OK);
  ck_assert_int_eq(xb_nn_tiles_set_every(t, 0, &e), XB_EINVAL);
  xb_nn_train_params tp;
  xb_param_defaults(&xb_nn_train_param_set, &tp);
  size_t w0, w1, w2;
  xb_nn_tiles_writes(t, &w0, NULL);
  ck_assert_uint_eq(w0, 2); /* two matrices built */
  for (int s = 0; s < 2; s++) {
    ck_assert_int_eq(xb_nn_step(b, &tp, &e), XB_OK);
    ck_assert_int_eq(xb_nn_grad(b, x, y, N, NULL, &e), XB_OK);
  }
  xb_nn_tiles_writes(t, &w1, NULL);
  ck_assert_uint_eq(w1, w0);
  ck_assert_int_eq(xb_nn_tiles_sync(t, &e), XB_OK);
  xb_nn_tiles_writes(t, &w2, NULL);
  ck_assert_uint_eq(w2, w0 + 2);
  /* synced tiles (ideal path) give the float network's logits */
  float lf[N * 5], lt[N * 5];
  ck_assert_int_eq(xb_nn_forward(b, x, N, lt, &e), XB_OK);
  xb_nn_tiles_free(t);
  ck_assert_int_eq(xb_nn_forward(b, x, N, lf, &e), XB_OK);
  for (int i = 0; i < N * 5; i++)
    ck_assert_msg(fabs(lf[i] - lt[i]) <= 1e-5 * (1 + fabs(lf[i])), "%d", i);
  ck_assert_ptr_null(xb_nn_tiles_create(NULL, &p, NULL, 0, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  p.adc_bits = 99;
  ck_assert_ptr_null(xb_nn_tiles_create(b, &p, NULL, 0, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  xb_nn_tiles_free(NULL);
  free(x);
  xb_nn_free(a);
  xb_nn_free(b);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("nn_tiled");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_float_tiles);
  tcase_add_test(tc, test_ideal_tiles);
  tcase_add_test(tc, test_masked_tiles);
  tcase_add_test(tc, test_retrain_straight_through);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(suite)
