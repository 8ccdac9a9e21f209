/*
 * The tile layer (xbar/tile.h) against exact references.
 *
 * - Integer arithmetic: an ideal linear device whose levels hold the
 *   integer weights exactly, 1e-6 Ohm wires solved exactly, integer inputs
 *   and an ADC with enough bits give y = x W exactly (1e-9 relative), in
 *   voltage mode and both bit-serial codes, for both mappings; an ADC too
 *   narrow for the column range must not (the ADC is in the loop).
 * - Array solver: with 0.634 and 5 Ohm wires on 10-100 kOhm cells a tile's
 *   column currents (its transfer matrix, i.e. superposition of unit
 *   solves) equal xb_array_read on an array with the same conductances for
 *   random row voltages (1e-9 of the largest current), while differing
 *   from the wire-free G^T v by more than 1e-3 (the IR drop is visible);
 *   the unquantized, ADC-free mvm equals the decoded difference currents.
 *   A sinh I-V tile (the Newton fallback) matches the array too.
 * - Tiling: 300 x 77 on 128-row, 64-weight tiles (shapes that do not
 *   divide) equals the untiled ideal path to 1e-12, and its effective
 *   weights equal W.
 * - Block mask: masked blocks contribute 0 and hold no weights; tile and
 *   weight counts follow the mask; a mask without blocks gives 0.
 * - Reprogramming and ranges: set_weights holds the new weights (ideal
 *   device), keeps the device-to-device factors and redraws the
 *   cycle-to-cycle error; calibration sets x_max = max |x| and i_fs to the
 *   largest difference current recomputed from the tiles' own currents,
 *   and the LSB is the smallest power-of-two multiple of the unit current
 *   covering it.
 * - Bad input: each error code names its argument and nothing changes.
 * - Threads: 1 and 2 threads give bit-identical outputs and weights with
 *   device variation, wires, ADC mismatch and noise.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include <xbar/array.h>
#include <xbar/device.h>
#include <xbar/rng.h>
#include <xbar/tile.h>

#include "xb_check.h"

static xb_device *linear_device(double gmin, double gmax, double levels,
                                const xb_var_params *var)
{
  xb_linear_params lp = {gmin, gmax, levels};
  xb_err e;
  xb_device *d = xb_device_create(xb_device_linear, &lp, NULL, NULL, var, &e);
  ck_assert_msg(d != NULL, "%s", e.msg);
  return d;
}

/* Defaults on 64 x 32 tiles (16 weights each): several tiles per test
 * matrix at little cost. */
static xb_tile_params small_tiles(void)
{
  xb_tile_params p;
  xb_tile_params_default(&p);
  p.rows = 64;
  p.cols = 32;
  return p;
}

/* Integers in [-m, m], with +-m present so that w_max = m. */
static void random_ints(double *x, size_t n, int m, uint64_t stream)
{
  for (size_t k = 0; k < n; k++)
    x[k] = floor(xb_rng_uniform(7, stream, k) * (2 * m + 1)) - m;
  x[0] = m;
  x[n - 1] = -m;
}

static void exact_product(const double *X, const double *W, size_t n,
                          size_t R, size_t C, double *Y)
{
  for (size_t b = 0; b < n; b++)
    for (size_t j = 0; j < C; j++) {
      double s = 0;
      for (size_t i = 0; i < R; i++)
        s += X[b * R + i] * W[i * C + j];
      Y[b * C + j] = s;
    }
}

static double max_rel_err(const double *a, const double *b, size_t n)
{
  double m = 0;
  for (size_t k = 0; k < n; k++) {
    double e = fabs(a[k] - b[k]) / fmax(fabs(b[k]), 1.0);
    m = e > m ? e : m;
  }
  return m;
}

START_TEST(test_integer_exact)
{
  enum { R = 100, C = 40, N = 9 };
  xb_device *d = linear_device(1e-8, 1e-7, 16, NULL);
  double *W = malloc(R * C * sizeof(double)), X[N * R], Y[N * C], Ye[N * C];
  xb_err e;
  for (int mapping = 0; mapping < 2; mapping++) {
    int m = mapping == 0 ? 16 : 8; /* kmax: L, or L / 2 offset */
    random_ints(W, R * C, m, 1 + mapping);
    random_ints(X, N * R, 127, 3);
    exact_product(X, W, N, R, C, Ye);
    for (int mode = 0; mode < 3; mode++) {
      xb_tile_params p = small_tiles();
      p.mapping = mapping;
      p.rw = p.r_drive = p.r_sense = 1e-6;
      p.x_max = 127;
      p.xbits = 8;
      p.bit_serial = mode;
      /* Column range in level units: rows kmax (127 in voltage mode). */
      p.adc_bits = mode == 0 ? 20 : 12;
      xb_tiled *t = xb_tiled_create(R, C, W, NULL, &p, d, 5, &e);
      ck_assert_msg(t != NULL, "%s", e.msg);
      ck_assert_int_eq(xb_tiled_mvm(t, X, N, Y, &e), XB_OK);
      double err = max_rel_err(Y, Ye, N * C);
      ck_assert_msg(err <= 1e-9, "mapping %d mode %d: rel err %g", mapping,
                    mode, err);
      xb_tiled_free(t);
      /* An ADC too narrow for the column range: coarser LSB, not exact. */
      p.adc_bits -= mode == 0 ? 9 : 2;
      t = xb_tiled_create(R, C, W, NULL, &p, d, 5, &e);
      ck_assert_int_eq(xb_tiled_mvm(t, X, N, Y, &e), XB_OK);
      ck_assert_msg(max_rel_err(Y, Ye, N * C) > 1e-3,
                    "a narrow ADC must change the result");
      xb_tiled_free(t);
    }
  }
  free(W);
  xb_device_free(d);
}
END_TEST

/* One tile against a fresh array with the same conductances. */
static void check_against_array(const xb_device *d, double rw, int rows,
                                int cols, double tol)
{
  size_t R = (size_t)rows, C = (size_t)cols / 2;
  double *W = malloc(R * C * sizeof(double));
  for (size_t k = 0; k < R * C; k++)
    W[k] = 2 * xb_rng_uniform(9, 1, k) - 1;
  xb_tile_params p;
  xb_tile_params_default(&p);
  p.rows = rows;
  p.cols = cols;
  p.rw = rw;
  xb_err e;
  xb_tiled *t = xb_tiled_create(R, C, W, NULL, &p, d, 11, &e);
  ck_assert_msg(t != NULL, "%s", e.msg);
  ck_assert_uint_eq(xb_tiled_tiles(t), 1);
  double *g = malloc(R * (size_t)cols * sizeof(double));
  ck_assert_int_eq(xb_tiled_tile_g(t, 0, g, &e), XB_OK);
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = rw;
  ap.r_drive = p.r_drive;
  ap.r_sense = p.r_sense;
  ap.tol = 1e-12;
  xb_array *a = xb_array_create(R, (size_t)cols, &ap, &e);
  xb_cells *cells = NULL;
  if (xb_device_elec(d)->iv == 0) {
    ck_assert_int_eq(xb_array_set_g(a, g, &e), XB_OK);
  } else {
    /* Same device, same seed stream: rebuild the cells from g. */
    cells = xb_cells_create(d, R * (size_t)cols, 0, &e);
    for (size_t k = 0; k < R * (size_t)cols; k++)
      xb_cells_set_g(cells, k, g[k], &e);
    ck_assert_int_eq(xb_array_set_cells(a, cells, &e), XB_OK);
  }
  double *v = malloc(R * sizeof(double));
  double *it = malloc((size_t)cols * sizeof(double));
  double *ia = malloc((size_t)cols * sizeof(double));
  for (int rep = 0; rep < 3; rep++) {
    for (size_t i = 0; i < R; i++)
      v[i] = 0.4 * xb_rng_uniform(13, (uint64_t)rep, i) - 0.2;
    ck_assert_int_eq(xb_tiled_tile_read(t, 0, v, it, &e), XB_OK);
    ck_assert_int_eq(xb_array_read(a, XB_ROW, v, NULL, XB_LINE_DRIVE, 0, 0,
                                   ia, &e),
                     XB_OK);
    double imax = 0, dmax = 0, ddrop = 0;
    for (int c = 0; c < cols; c++) {
      double ideal = 0;
      for (size_t i = 0; i < R; i++)
        ideal += g[i * (size_t)cols + (size_t)c] * v[i];
      imax = fmax(imax, fabs(ia[c]));
      dmax = fmax(dmax, fabs(it[c] - ia[c]));
      ddrop = fmax(ddrop, fabs(ia[c] - ideal));
    }
    ck_assert_msg(dmax <= tol * imax, "rw %g: tile vs array %g of %g A", rw,
                  dmax, imax);
    ck_assert_msg(ddrop > 1e-3 * imax, "rw %g: IR drop %g of %g A invisible",
                  rw, ddrop, imax);
  }
  /* mvm with unquantized inputs and no ADC: the decoded differences. */
  xb_tile_params q = p;
  q.xbits = 0;
  q.adc_bits = 0;
  q.x_max = 1.0;
  xb_tiled *t0 = xb_tiled_create(R, C, W, NULL, &q, d, 11, &e);
  ck_assert_msg(t0 != NULL, "%s", e.msg);
  double *x = malloc(R * sizeof(double)), *y = malloc(C * sizeof(double));
  for (size_t i = 0; i < R; i++)
    x[i] = v[i] / p.v_read;
  ck_assert_int_eq(xb_tiled_mvm(t0, x, 1, y, &e), XB_OK);
  ck_assert_int_eq(xb_tiled_tile_read(t0, 0, v, it, &e), XB_OK);
  double gmin, gmax, wmax = 0;
  xb_device_bounds(d, &gmin, &gmax);
  for (size_t k = 0; k < R * C; k++)
    wmax = fmax(wmax, fabs(W[k]));
  double levels = xb_device_levels(d);
  double dG = (gmax - gmin) / levels, wl = wmax / levels;
  for (size_t j = 0; j < C; j++) {
    double ref = (it[2 * j] - it[2 * j + 1]) / (p.v_read * dG) * wl;
    ck_assert_msg(fabs(y[j] - ref) <= 1e-12 * (fabs(ref) + wmax),
                  "column %zu: mvm %g vs currents %g", j, y[j], ref);
  }
  free(x);
  free(y);
  xb_tiled_free(t0);
  free(v);
  free(it);
  free(ia);
  free(g);
  free(W);
  xb_array_free(a);
  xb_cells_free(cells);
  xb_tiled_free(t);
}

START_TEST(test_array_solver)
{
  xb_device *d = linear_device(1e-5, 1e-4, 50, NULL);
  check_against_array(d, 0.634, 128, 128, 1e-9);
  check_against_array(d, 5.0, 128, 128, 1e-9);
  xb_device_free(d);
  /* sinh I-V: every read a Newton solve. */
  xb_linear_params lp = {1e-5, 1e-4, 50};
  xb_elec_params el;
  xb_param_defaults(&xb_elec_param_set, &el);
  el.iv = 1;
  el.v_iv = 0.3;
  xb_err e;
  d = xb_device_create(xb_device_linear, &lp, NULL, &el, NULL, &e);
  ck_assert_msg(d != NULL, "%s", e.msg);
  check_against_array(d, 5.0, 16, 16, 1e-7);
  xb_device_free(d);
}
END_TEST

START_TEST(test_tiling)
{
  enum { R = 300, C = 77, N = 5 };
  xb_device *d = linear_device(1e-8, 1e-7, 8, NULL);
  double *W = malloc(R * C * sizeof(double)), *We = malloc(R * C * sizeof(double));
  double X[N * R], Y[N * C], Yi[N * C];
  xb_err e;
  for (int mapping = 0; mapping < 2; mapping++) {
    random_ints(W, R * C, mapping == 0 ? 8 : 4, 20 + mapping);
    random_ints(X, N * R, 127, 22);
    xb_tile_params p;
    xb_tile_params_default(&p);
    p.rows = 128;
    p.cols = mapping == 0 ? 128 : 65; /* 64 weights per tile either way */
    p.mapping = mapping;
    p.wires = 0;
    p.x_max = 127;
    p.adc_bits = 0;
    xb_tiled *t = xb_tiled_create(R, C, W, NULL, &p, d, 3, &e);
    xb_tiled *ti = xb_tiled_create(R, C, W, NULL, &p, NULL, 3, &e);
    ck_assert_msg(t && ti, "%s", e.msg);
    size_t br, bc, k;
    xb_tiled_grid(t, &br, &bc, &k);
    ck_assert_uint_eq(br, 3);
    ck_assert_uint_eq(bc, 2);
    ck_assert_uint_eq(k, 64);
    ck_assert_uint_eq(xb_tiled_tiles(t), 6);
    ck_assert_uint_eq(xb_tiled_kept(t), R * C);
    ck_assert_int_eq(xb_tiled_mvm(t, X, N, Y, &e), XB_OK);
    ck_assert_int_eq(xb_tiled_mvm(ti, X, N, Yi, &e), XB_OK);
    double err = max_rel_err(Y, Yi, N * C);
    ck_assert_msg(err <= 1e-12, "mapping %d: tiled vs untiled %g", mapping,
                  err);
    xb_tiled_weights(t, We);
    ck_assert_msg(max_rel_err(We, W, R * C) <= 1e-12,
                  "effective weights differ");
    xb_tiled_free(t);
    xb_tiled_free(ti);
  }
  free(W);
  free(We);
  xb_device_free(d);
}
END_TEST

START_TEST(test_mask)
{
  enum { R = 300, C = 77, N = 4 };
  const unsigned char mask[6] = {1, 0, 0, 1, 1, 1};
  xb_device *d = linear_device(1e-8, 1e-7, 8, NULL);
  double *W = malloc(R * C * sizeof(double)), *Wm = malloc(R * C * sizeof(double));
  double *We = malloc(R * C * sizeof(double)), X[N * R], Y[N * C], Ye[N * C];
  random_ints(W, R * C, 8, 30);
  random_ints(X, N * R, 127, 31);
  size_t kept = 0;
  for (size_t i = 0; i < R; i++)
    for (size_t j = 0; j < C; j++) {
      int on = mask[(i / 128) * 2 + j / 64];
      Wm[i * C + j] = on ? W[i * C + j] : 0.0;
      kept += (size_t)on;
    }
  exact_product(X, Wm, N, R, C, Ye);
  xb_tile_params p;
  xb_tile_params_default(&p);
  p.wires = 0;
  p.x_max = 127;
  p.adc_bits = 0;
  xb_err e;
  for (int ideal = 0; ideal < 2; ideal++) {
    xb_tiled *t = xb_tiled_create(R, C, W, mask, &p, ideal ? NULL : d, 3, &e);
    ck_assert_msg(t != NULL, "%s", e.msg);
    ck_assert_uint_eq(xb_tiled_tiles(t), 4);
    ck_assert_uint_eq(xb_tiled_kept(t), kept);
    ck_assert_int_eq(xb_tiled_mvm(t, X, N, Y, &e), XB_OK);
    ck_assert_msg(max_rel_err(Y, Ye, N * C) <= 1e-12, "masked product");
    xb_tiled_weights(t, We);
    ck_assert_msg(max_rel_err(We, Wm, R * C) <= 1e-12, "masked weights");
    if (!ideal) {
      size_t bi, bj;
      ck_assert_int_eq(xb_tiled_tile_block(t, 1, &bi, &bj, &e), XB_OK);
      ck_assert_uint_eq(bi, 1);
      ck_assert_uint_eq(bj, 1);
    }
    xb_tiled_free(t);
  }
  free(W);
  free(Wm);
  free(We);
  xb_device_free(d);
}
END_TEST

START_TEST(test_reprogram_range)
{
  enum { R = 70, C = 20, N = 40 };
  double W1[R * C], W2[R * C], We[R * C], We2[R * C], X[N * R], Y[N * C],
      Ye[N * C];
  random_ints(W1, R * C, 8, 50);
  random_ints(W2, R * C, 8, 51);
  for (size_t k = 0; k < N * R; k++)
    X[k] = 4 * xb_rng_uniform(52, 0, k) - 2;
  X[5] = -2.5; /* the largest |x| */
  xb_tile_params p = small_tiles();
  p.wires = 0;
  p.adc_bits = 0;
  xb_err e;
  /* Ideal device: the new weights exactly, and the product with them. */
  xb_device *d = linear_device(1e-8, 1e-7, 8, NULL);
  xb_tiled *t = xb_tiled_create(R, C, W1, NULL, &p, d, 1, &e);
  ck_assert_int_eq(xb_tiled_set_weights(t, W2, &e), XB_OK);
  xb_tiled_weights(t, We);
  ck_assert_msg(max_rel_err(We, W2, R * C) <= 1e-12, "reprogrammed weights");
  double Xi[N * R];
  random_ints(Xi, N * R, 127, 53);
  p.x_max = 127;
  xb_tiled_free(t);
  t = xb_tiled_create(R, C, W1, NULL, &p, d, 1, &e);
  ck_assert_int_eq(xb_tiled_set_weights(t, W2, &e), XB_OK);
  ck_assert_int_eq(xb_tiled_mvm(t, Xi, N, Y, &e), XB_OK);
  exact_product(Xi, W2, N, R, C, Ye);
  ck_assert_msg(max_rel_err(Y, Ye, N * C) <= 1e-12, "reprogrammed product");
  xb_tiled_free(t);
  xb_device_free(d);

  /* Device-to-device factors are the cells', kept; cycle-to-cycle draws
   * are new at every write. */
  xb_var_params var;
  xb_param_defaults(&xb_var_param_set, &var);
  var.d2d_g = 0.2;
  d = linear_device(1e-8, 1e-7, 8, &var);
  t = xb_tiled_create(R, C, W1, NULL, &p, d, 1, &e);
  xb_tiled_weights(t, We);
  ck_assert_msg(max_rel_err(We, W1, R * C) > 1e-3, "d2d must show");
  ck_assert_int_eq(xb_tiled_set_weights(t, W1, &e), XB_OK);
  xb_tiled_weights(t, We2);
  ck_assert_mem_eq(We, We2, sizeof We);
  xb_tiled_free(t);
  xb_device_free(d);
  var.d2d_g = 0;
  var.c2c = 0.02;
  d = linear_device(1e-8, 1e-7, 8, &var);
  t = xb_tiled_create(R, C, W1, NULL, &p, d, 1, &e);
  xb_tiled_weights(t, We);
  ck_assert_int_eq(xb_tiled_set_weights(t, W1, &e), XB_OK);
  xb_tiled_weights(t, We2);
  ck_assert_msg(max_rel_err(We, We2, R * C) > 1e-3, "c2c must be redrawn");
  xb_tiled_free(t);
  xb_device_free(d);

  /* Calibration: x_max = max |x|; i_fs = the largest difference current
   * of the quantized inputs, recomputed here from the tiles' currents; the
   * LSB a power of two times the unit current, the smallest that covers
   * i_fs. */
  d = linear_device(1e-8, 1e-7, 8, NULL);
  p.x_max = 0;
  p.adc_bits = 8;
  p.wires = 1;
  t = xb_tiled_create(R, C, W1, NULL, &p, d, 1, &e);
  double x0, f0, l0;
  xb_tiled_range(t, &x0, &f0, &l0);
  ck_assert_double_eq(x0, 1.0);
  ck_assert_int_eq(xb_tiled_calibrate(t, X, N, &e), XB_OK);
  double xm, fs, lsb;
  xb_tiled_range(t, &xm, &fs, &lsb);
  ck_assert_double_eq(xm, 2.5);
  ck_assert(fs < f0);
  double qmax = 127, v[64], ic[32], imax = 0;
  for (size_t k = 0; k < xb_tiled_tiles(t); k++) {
    size_t bi, bj;
    xb_tiled_tile_block(t, k, &bi, &bj, &e);
    for (size_t b = 0; b < N; b++) {
      for (size_t i = 0; i < 64; i++) {
        size_t gi = bi * 64 + i;
        double q = gi < R ? floor(X[b * R + gi] * qmax / xm + 0.5) : 0;
        v[i] = p.v_read * q / qmax;
      }
      ck_assert_int_eq(xb_tiled_tile_read(t, k, v, ic, &e), XB_OK);
      for (size_t j = 0; j < 16 && bj * 16 + j < C; j++)
        imax = fmax(imax, fabs(ic[2 * j] - ic[2 * j + 1]));
    }
  }
  ck_assert_rel(fs, imax, 1e-12);
  double unit = p.v_read / qmax * (1e-7 - 1e-8) / 8;
  double s = log2(lsb / unit);
  ck_assert_msg(s == floor(s), "LSB / unit = 2^%g", s);
  ck_assert(127 * lsb >= fs && 127 * lsb / 2 < fs);
  xb_tiled_free(t);

  /* Every block masked: no tile, and the product is 0. */
  unsigned char none[4] = {0, 0, 0, 0}; /* the 2 x 2 grid */
  t = xb_tiled_create(R, C, W1, none, &p, d, 1, &e);
  ck_assert_msg(t != NULL, "%s", e.msg);
  ck_assert_uint_eq(xb_tiled_tiles(t), 0);
  ck_assert_uint_eq(xb_tiled_kept(t), 0);
  ck_assert_int_eq(xb_tiled_mvm(t, X, N, Y, &e), XB_OK);
  for (size_t k = 0; k < N * C; k++)
    ck_assert(Y[k] == 0);
  xb_tiled_free(t);
  xb_device_free(d);
}
END_TEST

/* xb_tiled_create of a 3 x 2 W must refuse with `code`, naming `param`. */
static void refused(size_t R, const double *W, const unsigned char *mask,
                    const xb_tile_params *p, const xb_device *d, int code,
                    const char *param)
{
  xb_err e;
  ck_assert_ptr_null(xb_tiled_create(R, 2, W, mask, p, d, 1, &e));
  ck_assert_int_eq(e.code, code);
  ck_assert_str_eq(e.param, param);
}

START_TEST(test_bad_input)
{
  xb_device *d = linear_device(1e-8, 1e-7, 8, NULL);
  double W[6] = {1, 2, 3, 4, 5, 6};
  xb_tile_params p;
  xb_tile_params_default(&p);
  p.rows = 2;
  p.cols = 4;
  xb_err e;
  refused(3, NULL, NULL, &p, d, XB_EINVAL, "W");
  refused(0, W, NULL, &p, d, XB_EINVAL, "");
  W[4] = NAN;
  refused(3, W, NULL, &p, d, XB_ENAN, "W");
  W[4] = 5;
  xb_tile_params q = p;
  q.rows = 0;
  refused(3, W, NULL, &q, d, XB_ERANGE, "rows");
  q = p;
  q.xbits = 0;
  q.bit_serial = 1;
  refused(3, W, NULL, &q, d, XB_EINVAL, "xbits");
  q = p;
  q.adc_bits = 1;
  refused(3, W, NULL, &q, d, XB_EINVAL, "adc_bits");
  q = p;
  q.mapping = 1;
  q.levels = 1; /* no weight level left for the offset mapping */
  refused(3, W, NULL, &q, d, XB_EINVAL, "levels");
  /* A 2 x 1 grid; a mask made for another type or grid. */
  size_t br, bc;
  ck_assert_int_eq(xb_tile_grid(3, 2, &p, &br, &bc, NULL, &e), XB_OK);
  ck_assert_uint_eq(br, 2);
  ck_assert_uint_eq(bc, 1);
  const unsigned char bad[2] = {1, 255};
  refused(3, W, bad, &p, d, XB_EINVAL, "mask");
  /* A model without a pulse count needs levels. */
  xb_device *sb = xb_device_create(xb_device_softbounds, NULL, NULL, NULL,
                                   NULL, &e);
  refused(3, W, NULL, &p, sb, XB_EINVAL, "levels");
  q = p;
  q.levels = 16;
  xb_tiled *ts = xb_tiled_create(3, 2, W, NULL, &q, sb, 1, &e);
  ck_assert_msg(ts != NULL, "%s", e.msg);
  xb_tiled_free(ts);
  xb_device_free(sb);

  /* Calls on a valid object: every failure leaves it and Y as they were. */
  xb_tiled *t = xb_tiled_create(3, 2, W, NULL, &p, d, 1, &e);
  ck_assert_msg(t != NULL, "%s", e.msg);
  double X[3] = {0.5, -0.25, 1}, Y[2] = {42, 42}, We[6], We2[6];
  double x0, f0, l0, x1, f1, l1;
  xb_tiled_weights(t, We);
  xb_tiled_range(t, &x0, &f0, &l0);
  ck_assert_int_eq(xb_tiled_mvm(t, NULL, 1, Y, &e), XB_EINVAL);
  ck_assert_int_eq(xb_tiled_mvm(t, X, 0, Y, &e), XB_EINVAL);
  ck_assert_int_eq(xb_tiled_mvm(t, X, 1, NULL, &e), XB_EINVAL);
  X[1] = INFINITY;
  ck_assert_int_eq(xb_tiled_mvm(t, X, 1, Y, &e), XB_ENAN);
  ck_assert_str_eq(e.param, "X");
  ck_assert_int_eq(xb_tiled_calibrate(t, X, 1, &e), XB_ENAN);
  ck_assert_int_eq(xb_tiled_calibrate(t, X, 0, &e), XB_EINVAL);
  ck_assert(Y[0] == 42 && Y[1] == 42);
  W[0] = NAN;
  ck_assert_int_eq(xb_tiled_set_weights(t, W, &e), XB_ENAN);
  ck_assert_int_eq(xb_tiled_set_weights(t, NULL, &e), XB_EINVAL);
  xb_tiled_weights(t, We2);
  ck_assert_mem_eq(We, We2, sizeof We);
  xb_tiled_range(t, &x1, &f1, &l1);
  ck_assert(x0 == x1 && f0 == f1 && l0 == l1);
  double v[2] = {0, 0}, ic[4];
  ck_assert_int_eq(xb_tiled_tile_read(t, 2, v, ic, &e), XB_EINVAL);
  ck_assert_int_eq(xb_tiled_tile_read(t, 0, NULL, ic, &e), XB_EINVAL);
  ck_assert_int_eq(xb_tiled_tile_g(t, 0, NULL, &e), XB_EINVAL);
  ck_assert_int_eq(xb_tiled_mvm(NULL, X, 1, Y, &e), XB_EINVAL);
  xb_tiled_free(t);
  xb_tiled_free(NULL);
  W[0] = 1;
  t = xb_tiled_create(3, 2, W, NULL, &p, NULL, 1, &e);
  ck_assert_int_eq(xb_tiled_tile_block(t, 0, NULL, NULL, &e), XB_EINVAL);
  xb_tiled_free(t);
  xb_device_free(d);
}
END_TEST

/* Outputs and effective weights of a noisy configuration at `threads`. */
static void noisy_run(int threads, double *Y, double *We, size_t R, size_t C,
                      size_t N)
{
  xb_var_params var;
  xb_param_defaults(&xb_var_param_set, &var);
  var.d2d_g = 0.1;
  var.c2c = 0.01;
  var.stuck_gmin = 0.01;
  xb_device *d = linear_device(1e-6, 1e-5, 32, &var);
  double *W = malloc(R * C * sizeof(double)), *X = malloc(N * R * sizeof(double));
  for (size_t k = 0; k < R * C; k++)
    W[k] = xb_rng_normal(40, 0, k);
  for (size_t k = 0; k < N * R; k++)
    X[k] = xb_rng_uniform(41, 0, k);
  xb_tile_params p = small_tiles();
  p.x_max = 0;
  p.x_signed = 0;
  p.bit_serial = 1;
  p.adc_bits = 6;
  p.adc_sigma_cu = 0.02;
  p.adc_noise = 0.3;
  omp_set_num_threads(threads);
  xb_err e;
  xb_tiled *t = xb_tiled_create(R, C, W, NULL, &p, d, 99, &e);
  ck_assert_msg(t != NULL, "%s", e.msg);
  ck_assert_int_eq(xb_tiled_calibrate(t, X, N, &e), XB_OK);
  ck_assert_int_eq(xb_tiled_mvm(t, X, N, Y, &e), XB_OK);
  xb_tiled_weights(t, We);
  xb_tiled_free(t);
  free(W);
  free(X);
  xb_device_free(d);
}

START_TEST(test_threads)
{
  enum { R = 150, C = 40, N = 300 }; /* N over one chunk of inputs */
  double *Y1 = malloc(N * C * sizeof(double)), *Y2 = malloc(N * C * sizeof(double));
  double *W1 = malloc(R * C * sizeof(double)), *W2 = malloc(R * C * sizeof(double));
  int saved = omp_get_max_threads();
  noisy_run(1, Y1, W1, R, C, N);
  noisy_run(2, Y2, W2, R, C, N);
  omp_set_num_threads(saved);
  ck_assert_mem_eq(Y1, Y2, N * C * sizeof(double));
  ck_assert_mem_eq(W1, W2, R * C * sizeof(double));
  /* Not a vacuous comparison: the outputs are not all zero. */
  double s = 0;
  for (size_t k = 0; k < N * C; k++)
    s += fabs(Y1[k]);
  ck_assert(s > 0);
  free(Y1);
  free(Y2);
  free(W1);
  free(W2);
}
END_TEST

static Suite *tile_suite(void)
{
  Suite *s = suite_create("tile");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_integer_exact);
  tcase_add_test(tc, test_array_solver);
  tcase_add_test(tc, test_tiling);
  tcase_add_test(tc, test_mask);
  tcase_add_test(tc, test_reprogram_range);
  tcase_add_test(tc, test_bad_input);
  tcase_add_test(tc, test_threads);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(tile_suite)
