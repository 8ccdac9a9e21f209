/*
 * Tile reads: Y = X W through the input DAC, the tiles' exact currents,
 * the column ADCs and the digital sums (xbar/tile.h), and the range
 * calibration.
 *
 * A batch is processed in chunks of CHUNK_ROWS / P inputs. Each input is clipped
 * and quantized to q (|q| <= qmax) and split into P bit planes of row
 * values s in {0, +-1} (bit-serial) or one plane s = q (voltage mode),
 * each with a digital weight pw (2^b; -2^(xbits-1) for the sign bit of a
 * two's complement code). For block row r the row voltages of every input
 * and plane form V (chunk P x rows, V = v_unit s), and
 *
 *   I = V B_r,   B_r = [D_1 ... D_n] (rows x n_r K),
 *
 * D_k the difference transfer of the r-th row's k-th tile (I+ - I-, or
 * I_j - I_ref, per volt on each row), one dgemm per block row (a sinh I-V
 * instead solves each tile for each row of V). Each difference current is
 * converted, c = round(I / I_lsb) clipped to the bipolar codes (through
 * the column's xb_sar when it has mismatch or noise: vin = (2^(n-1) +
 * I / I_lsb + 1/2) 2^-n V on a 1 V reference), and decoded:
 *
 *   y_j += x_lsb w_lvl sum_planes pw c I_lsb / i_unit,
 *
 * with I / i_unit in place of c I_lsb / i_unit without ADC. The block rows
 * are added in order and inputs are independent, so the result does not
 * depend on how the inputs are spread over threads. The ADC noise of
 * input b, plane p uses stream position (events + b) P + p of its column's
 * converter.
 *
 * Calibration runs the same path without ADC and keeps max |I| over the
 * weight columns that hold weights.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "../core/core_impl.h"
#include "tile_impl.h"

/* Plane rows (inputs times bit planes) per chunk: bounds the plane and
 * current buffers (a few MB) while keeping the products large. */
#define CHUNK_ROWS 2048

/* What one pass over a chunk does. */
typedef struct pass {
  double lsb, unit;  /* ADC LSB (0: no ADC) and unit current (A) */
  int P;             /* bit planes */
  double pw[32];     /* digital weight of each plane */
  double *Y;         /* mvm: chunk outputs (chunk x C), else NULL */
  double imax;       /* calibration: largest |I| seen */
} pass;

static int planes(const xb_tile_params *p, double *pw)
{
  if (p->bit_serial == 0) {
    pw[0] = 1;
    return 1;
  }
  int P = p->bit_serial == 1 && p->x_signed ? p->xbits - 1 : p->xbits;
  for (int b = 0; b < P; b++)
    pw[b] = ldexp(1.0, b);
  if (p->bit_serial == 2 && p->x_signed)
    pw[P - 1] = -pw[P - 1];
  return P;
}

/* Q (n) from X (n): clipped and quantized, q = floor(x qmax / x_max + 1/2)
 * (unquantized: x / x_max). Written with a truncating conversion of a
 * non-negative value, so that the loop vectorises. */
static void quantize(const xb_tiled *t, const double *X, size_t n, double *Q)
{
  double lo = t->p.x_signed ? -t->x_max : 0.0, hi = t->x_max;
  if (t->p.xbits == 0) {
    for (size_t k = 0; k < n; k++)
      Q[k] = (X[k] < lo ? lo : X[k] > hi ? hi : X[k]) / hi;
    return;
  }
  double s = t->qmax / t->x_max, off = t->p.x_signed ? t->qmax : 0.0;
  for (size_t k = 0; k < n; k++) {
    double x = X[k] < lo ? lo : X[k] > hi ? hi : X[k];
    Q[k] = (double)(int32_t)(x * s + off + 0.5) - off;
  }
}

/* Row value of q on plane b (bit-serial modes). */
static double plane_value(const xb_tile_params *p, double q, int b)
{
  int32_t iq = (int32_t)q;
  if (p->bit_serial == 1) {
    int32_t m = iq < 0 ? -iq : iq;
    return ((m >> b) & 1) ? (iq < 0 ? -1.0 : 1.0) : 0.0;
  }
  uint32_t code = (uint32_t)iq & (uint32_t)((1ul << p->xbits) - 1);
  return (double)((code >> b) & 1u);
}

/* V (nb P x rows) of block row r for the quantized chunk Q (nb x R). */
static void fill_planes(const xb_tiled *t, const pass *ps, const double *Q,
                        size_t nb, size_t r, double *V)
{
  size_t rows = (size_t)t->p.rows, i0 = r * rows;
  size_t h = i0 + rows <= t->R ? rows : t->R - i0;
  double v_unit = t->p.bit_serial ? t->p.v_read : t->p.v_read / t->qmax;
  for (size_t b = 0; b < nb; b++)
    for (int pl = 0; pl < ps->P; pl++) {
      double *v = V + (b * (size_t)ps->P + (size_t)pl) * rows;
      const double *q = Q + b * t->R + i0;
      if (t->p.bit_serial == 0)
        for (size_t i = 0; i < h; i++)
          v[i] = v_unit * q[i];
      else
        for (size_t i = 0; i < h; i++)
          v[i] = v_unit * plane_value(&t->p, q[i], pl);
      for (size_t i = h; i < rows; i++)
        v[i] = 0.0;
    }
}

/* Difference currents I (nv x n_r K) of block row r for row voltages V
 * (nv x rows). */
static int row_currents(xb_tiled *t, size_t r, const double *V, size_t nv,
                        double *cur, xb_err *err)
{
  size_t rows = (size_t)t->p.rows, K = t->K;
  size_t k0 = t->row_first[r], nr = t->row_first[r + 1] - k0, ld = nr * K;
  if (t->linear) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nv, (int)ld,
                (int)rows, 1.0, V, (int)rows, t->B[r], (int)ld, 0.0, cur,
                (int)ld);
    return XB_OK;
  }
  /* sinh I-V: a full solve per tile and row of V, tiles in parallel. */
  int *rcs = calloc(nr, sizeof(int));
  xb_err *errs = calloc(nr, sizeof(xb_err));
  if (!rcs || !errs) {
    free(rcs);
    free(errs);
    return xb__err(err, XB_ENOMEM, "tile solves");
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t s = 0; s < nr; s++) {
    double *ip = malloc((size_t)t->p.cols * sizeof(double));
    rcs[s] = ip ? XB_OK : xb__err(&errs[s], XB_ENOMEM, "tile currents");
    for (size_t n = 0; n < nv && !rcs[s]; n++) {
      rcs[s] = xb__tile_phys_read(t, k0 + s, V + n * rows, ip, &errs[s]);
      if (!rcs[s])
        xb__tile_diff(t, ip, 1, cur + n * ld + s * K);
    }
    free(ip);
  }
  int rc = XB_OK;
  for (size_t s = 0; s < nr && !rc; s++)
    if ((rc = rcs[s]) && err)
      *err = errs[s];
  free(rcs);
  free(errs);
  return rc;
}

/* Decoded value c I_lsb / i_unit of difference current i through the
 * column's converter (mismatch or noise). */
static double convert_sar(const xb_tiled *t, const pass *ps,
                          const xb__tile *tl, size_t j, double i,
                          uint64_t pos)
{
  int n = t->p.adc_bits;
  double half = ldexp(1.0, n - 1), u = i / ps->lsb;
  double c = (double)xb_sar_convert(tl->adc[j], ldexp(half + u + 0.5, -n), n,
                                    pos) -
             half;
  return c * (ps->lsb / ps->unit);
}

/* y[j] += f c_j I_lsb / i_unit for the w difference currents i (ideal
 * ADC: c = floor(i / I_lsb + 1/2) clipped to the bipolar codes; no ADC:
 * i / i_unit), as one vectorisable loop. */
static void add_ideal(const xb_tiled *t, const pass *ps, const double *i,
                      size_t w, double f, double *y)
{
  if (ps->lsb == 0) {
    double g = f / ps->unit;
    for (size_t j = 0; j < w; j++)
      y[j] += g * i[j];
    return;
  }
  double half = ldexp(1.0, t->p.adc_bits - 1), inv = 1.0 / ps->lsb;
  double g = f * (ps->lsb / ps->unit), top = 2 * half - 0.5;
  for (size_t j = 0; j < w; j++) {
    double u = i[j] * inv + half + 0.5;
    u = u < 0 ? 0 : u > top ? top : u;
    y[j] += g * ((double)(int32_t)u - half);
  }
}

/* Block row r's currents into the chunk outputs or the calibration max. */
static void accumulate(xb_tiled *t, pass *ps, size_t r, const double *cur,
                       size_t nb, uint64_t first)
{
  size_t k0 = t->row_first[r], nr = t->row_first[r + 1] - k0, ld = nr * t->K;
  size_t P = (size_t)ps->P;
  if (!ps->Y) {
    double m = ps->imax;
    for (size_t n = 0; n < nb * P; n++)
      for (size_t s = 0; s < nr; s++) {
        size_t w = xb__tile_width(t, k0 + s);
        for (size_t j = 0; j < w; j++)
          if (fabs(cur[n * ld + s * t->K + j]) > m)
            m = fabs(cur[n * ld + s * t->K + j]);
      }
    ps->imax = m;
    return;
  }
  double scale = t->x_max / t->qmax * t->w_lvl;
  if (!t->tile[k0].adc) {
    /* Cheap per value: a serial loop, which leaves the cores to OpenBLAS
     * (its threads and OpenMP's would otherwise take turns spinning). */
    for (size_t b = 0; b < nb; b++)
      for (size_t pl = 0; pl < P; pl++)
        for (size_t s = 0; s < nr; s++) {
          const xb__tile *tl = &t->tile[k0 + s];
          add_ideal(t, ps, cur + (b * P + pl) * ld + s * t->K,
                    xb__tile_width(t, k0 + s), scale * ps->pw[pl],
                    ps->Y + b * t->C + tl->bj * t->K);
        }
    return;
  }
#pragma omp parallel for schedule(static)
  for (size_t b = 0; b < nb; b++)
    for (size_t s = 0; s < nr; s++) {
      const xb__tile *tl = &t->tile[k0 + s];
      size_t w = xb__tile_width(t, k0 + s);
      double *y = ps->Y + b * t->C + tl->bj * t->K;
      for (size_t j = 0; j < w; j++) {
        double acc = 0;
        for (size_t pl = 0; pl < P; pl++)
          acc += ps->pw[pl] *
                 convert_sar(t, ps, tl, j, cur[(b * P + pl) * ld + s * t->K + j],
                             (first + b) * P + pl);
        y[j] += scale * acc;
      }
    }
}

/* The whole tile path over X (n x R): outputs into Y (n x C) or, Y NULL,
 * the calibration max into *imax. */
static int run(xb_tiled *t, const double *X, size_t n, double *Y,
               double *imax, xb_err *err)
{
  pass ps = {0};
  ps.P = planes(&t->p, ps.pw);
  ps.unit = xb__tile_unit(t);
  ps.lsb = Y ? xb__tile_lsb(t) : 0.0;
  size_t rows = (size_t)t->p.rows, nmax = 0;
  for (size_t r = 0; r < t->br; r++) {
    size_t nr = t->row_first[r + 1] - t->row_first[r];
    nmax = nr > nmax ? nr : nmax;
  }
  size_t P = (size_t)ps.P, cn = CHUNK_ROWS / P;
  cn = cn < 1 ? 1 : cn > n ? n : cn;
  double *Q = malloc(cn * t->R * sizeof(double));
  double *V = malloc(cn * P * rows * sizeof(double));
  double *cur = malloc((cn * P * nmax * t->K + 1) * sizeof(double));
  int rc = !Q || !V || !cur ? xb__err(err, XB_ENOMEM, "tile read buffers")
                          : XB_OK;
  for (size_t b0 = 0; b0 < n && !rc; b0 += cn) {
    size_t nb = n - b0 < cn ? n - b0 : cn;
    quantize(t, X + b0 * t->R, nb * t->R, Q);
    ps.Y = Y ? Y + b0 * t->C : NULL;
    if (Y)
      memset(ps.Y, 0, nb * t->C * sizeof(double));
    for (size_t r = 0; r < t->br && !rc; r++) {
      if (t->row_first[r + 1] == t->row_first[r])
        continue;
      fill_planes(t, &ps, Q, nb, r, V);
      rc = row_currents(t, r, V, nb * P, cur, err);
      if (!rc)
        accumulate(t, &ps, r, cur, nb, t->events + b0);
    }
  }
  free(Q);
  free(V);
  free(cur);
  if (imax)
    *imax = ps.imax;
  return rc;
}

static int check_inputs(const xb_tiled *t, const double *X, size_t n,
                        xb_err *err)
{
  if (!t || !X)
    return xb__err(err, XB_EINVAL, "NULL tiled matrix or inputs");
  if (t->broken)
    return xb__err(err, XB_ESTATE, "a failed reprogramming left no weights");
  if (n == 0)
    return xb__err_set(err, XB_EINVAL, NULL, 0, "batch", 1, INFINITY,
                       "no inputs");
  for (size_t k = 0; k < n * t->R; k++)
    if (!isfinite(X[k]))
      return xb__err_set(err, XB_ENAN, NULL, 0, "X", NAN, NAN,
                         "input (%zu, %zu) = %g is not finite", k / t->R,
                         k % t->R, X[k]);
  return XB_OK;
}

int xb_tiled_mvm(xb_tiled *t, const double *X, size_t batch, double *Y,
                 xb_err *err)
{
  int rc = check_inputs(t, X, batch, err);
  if (rc)
    return rc;
  if (!Y)
    return xb__err(err, XB_EINVAL, "NULL outputs");
  if (!t->dev) {
    if (batch > INT_MAX)
      return xb__err_set(err, XB_ESIZE, NULL, 0, "batch", 1, INT_MAX,
                         "%zu inputs in one call of the ideal path", batch);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch,
                (int)t->C, (int)t->R, 1.0, X, (int)t->R, t->W, (int)t->C,
                0.0, Y, (int)t->C);
    return XB_OK;
  }
  /* Only the solves of a sinh I-V can fail once the buffers exist: that
   * path works on a copy so that Y stays as it was. */
  double *Yw = t->linear ? Y : malloc(batch * t->C * sizeof(double));
  if (!Yw)
    return xb__err(err, XB_ENOMEM, "outputs");
  rc = run(t, X, batch, Yw, NULL, err);
  if (!rc && Yw != Y)
    memcpy(Y, Yw, batch * t->C * sizeof(double));
  if (Yw != Y)
    free(Yw);
  if (!rc)
    t->events += batch;
  return rc;
}

int xb_tiled_calibrate(xb_tiled *t, const double *X, size_t n, xb_err *err)
{
  int rc = check_inputs(t, X, n, err);
  if (rc || !t->dev)
    return rc;
  double x_old = t->x_max;
  if (t->p.x_max == 0) {
    double m = 0;
    for (size_t k = 0; k < n * t->R; k++) {
      double a = t->p.x_signed ? fabs(X[k]) : X[k];
      m = a > m ? a : m;
    }
    if (m > 0)
      t->x_max = m;
  }
  if (t->p.adc_bits == 0 || t->p.adc_fs > 0)
    return XB_OK;
  double imax = 0;
  rc = run(t, X, n, NULL, &imax, err);
  if (rc)
    t->x_max = x_old;
  else if (imax > 0)
    t->i_fs = imax;
  return rc;
}
