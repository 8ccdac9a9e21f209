/*
 * Tile mapping: weights to pulse counts to conductances, and each tile's
 * exact transfer matrix.
 *
 * Levels. The nominal device (the variation-free twin of the tile's device)
 * is reset to Gmin and pulsed one LTP pulse at a time at vw_set for
 * t_pulse, giving its pulse response g(k), k = 0 .. ceil(levels) (or, for
 * a model without a pulse count, until g stops rising, at most 2^20
 * pulses). Level m of L has the target Gmin + m (Gmax - Gmin) / L and is
 * written with the k whose g(k) is nearest (write-verify on the nominal
 * curve; g is non-decreasing, so one merge pass finds every k). A cell is
 * programmed by xb_cells_reset to Gmin and one xb_cells_pulse call of k
 * pulses, so the cell's own scale, shape, stuck state and one
 * cycle-to-cycle draw of sigma c2c (Gmax - Gmin) sqrt(k) decide what it
 * really holds.
 *
 * Transfer matrix. With ohmic cells the tile's network is linear in the
 * row voltages (every row driven, every column sensed at 0 V), so column
 * j's current is I_j = sum_i A_ji v_i with A_ji the current into column j
 * when row i alone is at 1 V. The rows unit solves share the array's
 * factorisations (only the sources change), and the tiles are built in
 * parallel, one array each. Ideal wires give A_ji = g_ij directly. With a
 * sinh I-V every read is a full Newton solve of the kept array instead.
 *
 * The per-weight difference (I+ - I- of a pair, or I_j - I_ref) is taken
 * from the physical columns by xb__tile_diff, for currents, transfer rows
 * and conductances alike.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/core_impl.h"
#include "tile_impl.h"

/* Longest nominal pulse response followed for a model without a pulse
 * count. */
#define PULSES_CAP ((size_t)1 << 20)

size_t xb__tile_width(const xb_tiled *t, size_t k)
{
  size_t c0 = t->tile[k].bj * t->K;
  return t->C - c0 < t->K ? t->C - c0 : t->K;
}

void xb__tile_diff(const xb_tiled *t, const double *phys, size_t stride,
                   double *out)
{
  size_t cols = (size_t)t->p.cols;
  if (t->p.mapping == 0)
    for (size_t j = 0; j < t->K; j++)
      out[j] = phys[2 * j * stride] - phys[(2 * j + 1) * stride];
  else
    for (size_t j = 0; j < t->K; j++)
      out[j] = phys[j * stride] - phys[(cols - 1) * stride];
}

/* The nominal pulse response g[0 .. *n - 1] of t->dev. */
static int nominal_curve(const xb_tiled *t, double **g_out, size_t *n_out,
                         xb_err *err)
{
  const xb_device *d = t->dev;
  const xb_elec_params *el = xb_device_elec(d);
  double D = xb_device_levels(d);
  size_t kmax = D > 0 ? (size_t)ceil(D) : PULSES_CAP;
  if (kmax > PULSES_CAP)
    kmax = PULSES_CAP;
  xb_device *twin = xb_device_with_variation(d, NULL, err);
  xb_cells *c = twin ? xb_cells_create(twin, 1, 0, err) : NULL;
  double *g = malloc((kmax + 1) * sizeof(double));
  size_t n = 0;
  int rc = !twin || !c ? (err ? err->code : XB_ENOMEM) : XB_OK;
  if (!rc && !g)
    rc = xb__err(err, XB_ENOMEM, "nominal pulse response");
  if (!rc)
    rc = xb_cells_reset(c, t->gmin, err);
  if (!rc) {
    g[n++] = xb_cells_g(c)[0];
    for (size_t k = 1; k <= kmax && !rc; k++) {
      rc = xb_cells_pulse(c, 0, el->vw_set, el->t_pulse, 1, err);
      double gk = xb_cells_g(c)[0];
      /* Without a pulse count, stop where the curve has flattened out. */
      if (D <= 0 && gk - g[n - 1] <= 1e-12 * (t->gmax - t->gmin))
        break;
      g[n++] = gk;
    }
  }
  xb_cells_free(c);
  xb_device_free(twin);
  if (rc) {
    free(g);
    return rc;
  }
  *g_out = g;
  *n_out = n;
  return XB_OK;
}

int xb__tile_levels(xb_tiled *t, xb_err *err)
{
  xb_device_bounds(t->dev, &t->gmin, &t->gmax);
  double D = xb_device_levels(t->dev);
  long L = t->p.levels;
  if (L == 0) {
    if (!(D >= 1))
      return xb__err_set(err, XB_EINVAL, NULL, 0, "levels", 1, 1048576,
                         "device %s has no pulse count: set levels",
                         xb_device_name(t->dev));
    L = lround(D) < 1048576 ? lround(D) : 1048576;
  }
  int kmax = t->p.mapping == 0 ? (int)L : (int)(L / 2);
  if (kmax < 1)
    return xb__err_set(err, XB_EINVAL, NULL, 0, "levels", 2, 1048576,
                       "%ld levels leave no weight level for the offset "
                       "mapping",
                       L);
  double *g;
  size_t n;
  int rc = nominal_curve(t, &g, &n, err);
  if (rc)
    return rc;
  unsigned *kp = malloc(((size_t)L + 1) * sizeof(unsigned));
  if (!kp) {
    free(g);
    return xb__err(err, XB_ENOMEM, "pulses per level");
  }
  double dG = (t->gmax - t->gmin) / (double)L;
  size_t k = 0;
  for (long m = 0; m <= L; m++) {
    double target = t->gmin + (double)m * dG;
    while (k + 1 < n && fabs(g[k + 1] - target) < fabs(g[k] - target))
      k++;
    kp[m] = (unsigned)k;
  }
  free(g);
  free(t->kpulse);
  t->kpulse = kp;
  t->L = (int)L;
  t->kmax = kmax;
  t->m0 = t->p.mapping == 0 ? 0 : (int)(L / 2);
  t->dG = dG;
  return XB_OK;
}

/* Level of physical cell (i, c) of tile k for the weights W. */
static int cell_level(const xb_tiled *t, const xb__tile *tl, const double *W,
                      size_t i, size_t c)
{
  size_t gi = tl->bi * (size_t)t->p.rows + i;
  size_t j = t->p.mapping == 0 ? c / 2 : c;
  size_t gj = tl->bj * t->K + j;
  if (t->p.mapping == 1 && c == (size_t)t->p.cols - 1)
    return t->m0; /* the reference column */
  if (gi >= t->R || j >= t->K || gj >= t->C)
    return t->m0; /* no weight here: hold 0 */
  double a = W[gi * t->C + gj] / t->w_lvl;
  long m = lround(t->p.mapping == 0 ? fabs(a) : a);
  if (m > t->kmax)
    m = t->kmax;
  if (m < -t->kmax)
    m = -t->kmax;
  if (t->p.mapping == 1)
    return t->m0 + (int)m;
  /* Pair: the magnitude on the side of the sign, Gmin on the other. */
  return (a > 0) == (c % 2 == 0) ? (int)m : 0;
}

static int program_tile(xb_tiled *t, xb__tile *tl, const double *W,
                        xb_err *err)
{
  const xb_elec_params *el = xb_device_elec(t->dev);
  size_t rows = (size_t)t->p.rows, cols = (size_t)t->p.cols;
  int rc = xb_cells_reset(tl->cells, t->gmin, err);
  for (size_t i = 0; i < rows && !rc; i++)
    for (size_t c = 0; c < cols && !rc; c++) {
      unsigned k = t->kpulse[cell_level(t, tl, W, i, c)];
      if (k)
        rc = xb_cells_pulse(tl->cells, i * cols + c, el->vw_set, el->t_pulse,
                            k, err);
    }
  return rc;
}

/* Transfer matrix of tile tl into A (cols x rows), or its kept array for
 * a sinh I-V with wires (then *arr is set and A is not touched). */
static int build_transfer(const xb_tiled *t, const xb__tile *tl, double *A,
                          xb_array **arr, xb_err *err)
{
  size_t rows = (size_t)t->p.rows, cols = (size_t)t->p.cols;
  const double *g = xb_cells_g(tl->cells);
  if (!t->p.wires && t->linear) {
    for (size_t i = 0; i < rows; i++)
      for (size_t c = 0; c < cols; c++)
        A[c * rows + i] = g[i * cols + c];
    return XB_OK;
  }
  if (!t->p.wires)
    return XB_OK; /* sinh I-V, ideal wires: summed from the cells */
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = t->p.rw;
  ap.r_drive = t->p.r_drive;
  ap.r_sense = t->p.r_sense;
  ap.tol = t->p.tol;
  xb_array *a = xb_array_create(rows, cols, &ap, err);
  if (!a)
    return err ? err->code : XB_ENOMEM;
  int rc = t->linear ? xb_array_set_g(a, g, err)
                     : xb_array_set_cells(a, tl->cells, err);
  if (!rc && !t->linear) {
    *arr = a;
    return XB_OK;
  }
  double *v = calloc(rows, sizeof(double)), *out = malloc(cols * sizeof(double));
  if (!rc && (!v || !out))
    rc = xb__err(err, XB_ENOMEM, "unit read");
  for (size_t i = 0; i < rows && !rc; i++) {
    v[i] = 1.0;
    rc = xb_array_read(a, XB_ROW, v, NULL, XB_LINE_DRIVE, 0.0, 0.0, out, err);
    v[i] = 0.0;
    for (size_t c = 0; c < cols && !rc; c++)
      A[c * rows + i] = out[c];
  }
  free(v);
  free(out);
  xb_array_free(a);
  return rc;
}

/* Pack block row r's difference transfer: rows x (n_r K). */
static double *pack_row(const xb_tiled *t, size_t r, double *const *A)
{
  size_t rows = (size_t)t->p.rows, K = t->K;
  size_t k0 = t->row_first[r], nr = t->row_first[r + 1] - k0;
  double *B = malloc((rows * nr * K > 0 ? rows * nr * K : 1) * sizeof(double));
  if (!B)
    return NULL;
  for (size_t s = 0; s < nr; s++)
    for (size_t i = 0; i < rows; i++)
      xb__tile_diff(t, A[k0 + s] + i, rows, B + i * nr * K + s * K);
  return B;
}

int xb__tile_program(xb_tiled *t, const double *W, int *wrote, xb_err *err)
{
  size_t rows = (size_t)t->p.rows;
  double wm = 0;
  for (size_t k = 0; k < t->ntiles; k++) {
    const xb__tile *tl = &t->tile[k];
    size_t i1 = (tl->bi + 1) * rows < t->R ? (tl->bi + 1) * rows : t->R;
    size_t w = xb__tile_width(t, k);
    for (size_t i = tl->bi * rows; i < i1; i++)
      for (size_t j = tl->bj * t->K; j < tl->bj * t->K + w; j++)
        if (fabs(W[i * t->C + j]) > wm)
          wm = fabs(W[i * t->C + j]);
  }
  t->w_max = wm > 0 ? wm : 1.0;
  t->w_lvl = t->w_max / t->kmax;

  size_t n = t->ntiles, per = (size_t)t->p.cols * rows;
  double **A = calloc(n ? n : 1, sizeof(double *));
  double **B = calloc(t->br, sizeof(double *));
  xb_array **arr = calloc(n ? n : 1, sizeof(xb_array *));
  xb_err *errs = calloc(n ? n : 1, sizeof(xb_err));
  int *rcs = calloc(n ? n : 1, sizeof(int));
  int rc = !A || !B || !arr || !errs || !rcs
               ? xb__err(err, XB_ENOMEM, "transfer matrices")
               : XB_OK;
  for (size_t k = 0; k < n && !rc && t->linear; k++)
    if (!(A[k] = malloc(per * sizeof(double))))
      rc = xb__err(err, XB_ENOMEM, "transfer matrix of tile %zu", k);
  if (!rc && wrote)
    *wrote = 1;
  if (!rc) {
    /* Tiles are independent (own cells, own array): any order, any
     * thread, the same result. The first failure in tile order is
     * reported. */
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t k = 0; k < n; k++) {
      rcs[k] = program_tile(t, &t->tile[k], W, &errs[k]);
      if (!rcs[k])
        rcs[k] = build_transfer(t, &t->tile[k], A[k], &arr[k], &errs[k]);
    }
    for (size_t k = 0; k < n && !rc; k++)
      if (rcs[k]) {
        rc = rcs[k];
        if (err)
          *err = errs[k];
        xb__err_prefix(err, NULL, "tile %zu (block %zu, %zu)", k,
                       t->tile[k].bi, t->tile[k].bj);
      }
  }
  for (size_t r = 0; r < t->br && !rc && t->linear; r++)
    if (!(B[r] = pack_row(t, r, A)))
      rc = xb__err(err, XB_ENOMEM, "block row transfer");
  if (!rc) {
    for (size_t k = 0; k < n; k++) {
      free(t->tile[k].A);
      t->tile[k].A = A[k];
      xb_array_free(t->tile[k].arr);
      t->tile[k].arr = arr[k];
      A[k] = NULL;
      arr[k] = NULL;
    }
    for (size_t r = 0; r < t->br; r++) {
      if (t->B)
        free(t->B[r]);
    }
    free(t->B);
    t->B = B;
    B = NULL;
  }
  for (size_t k = 0; A && k < n; k++) {
    free(A[k]);
    if (arr)
      xb_array_free(arr[k]);
  }
  for (size_t r = 0; B && r < t->br; r++)
    free(B[r]);
  free(A);
  free(B);
  free(arr);
  free(errs);
  free(rcs);
  return rc;
}

int xb__tile_phys_read(xb_tiled *t, size_t k, const double *v, double *cur,
                       xb_err *err)
{
  const xb__tile *tl = &t->tile[k];
  size_t rows = (size_t)t->p.rows, cols = (size_t)t->p.cols;
  if (t->linear) {
    for (size_t c = 0; c < cols; c++) {
      double s = 0;
      for (size_t i = 0; i < rows; i++)
        s += tl->A[c * rows + i] * v[i];
      cur[c] = s;
    }
    return XB_OK;
  }
  if (tl->arr)
    return xb_array_read(tl->arr, XB_ROW, v, NULL, XB_LINE_DRIVE, 0.0, 0.0, cur,
                         err);
  /* sinh I-V, ideal wires: every cell sees its row voltage. */
  for (size_t c = 0; c < cols; c++)
    cur[c] = 0;
  for (size_t i = 0; i < rows; i++)
    for (size_t c = 0; c < cols; c++) {
      double ic;
      int rc = xb_cells_iv(tl->cells, i * cols + c, v[i], &ic, NULL, err);
      if (rc)
        return rc;
      cur[c] += ic;
    }
  return XB_OK;
}
