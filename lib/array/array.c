/*
 * Crosspoint array DC solve (see xbar/array.h for the network).
 *
 * Fast solver. With T_r = A_r + G and T_c = A_c + G (A_* the wire
 * Laplacians plus source conductances at the line ends, G the diagonal of
 * cell conductances), the nodal system is
 *
 *     T_r R - G C = b_r,      -G R + T_c C = b_c.
 *
 * C is eliminated exactly, C = T_c^-1 (b_c + G R), leaving the row layer
 *
 *     S R = b_r + G T_c^-1 b_c,     S = T_r - G T_c^-1 G,
 *
 * which is symmetric positive definite when every node reaches a source.
 * S is never formed: S p costs one batch of tridiagonal column solves
 * (swept row by row, so the inner loop runs along contiguous memory across
 * all columns at once) and one row-wise tridiagonal product. Conjugate
 * gradients on S use the row tridiagonal solves T_r^-1 as preconditioner;
 * since 0 < S <= T_r, the preconditioned spectrum lies in (0, 1] and is
 * close to 1 whenever the cells are much weaker than the wires.
 *
 * Stopping test. Let z = T_r^-1 r be the preconditioned residual and lam
 * the smallest Ritz value of the preconditioned operator (from the CG
 * coefficients, Lanczos). The row-voltage error is estimated by
 * E = ||z||_inf / lam; the column-voltage error is at most E too (T_c^-1 G
 * has row sums <= 1), so the current of line L, a sum of cell currents,
 * is off by at most 2 G_L E with G_L the line's total cell conductance. The
 * solve stops when 2 G_L E <= tol/2 * max(|I_L|, 1e-3 max|I|) for every
 * connected line L. (Stopping on ||r|| / ||b|| fails here: ||b|| is carried
 * by the driver and wire conductances, about 1e5 times the cell currents.)
 *
 * Workload: 4096 x 4096 within memory (17 double arrays of N*M), the
 * learning loops' hundreds of reads on unchanged conductances (the
 * tridiagonal factors are kept), and 8 x 8 for SPICE cross-checks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "array_impl.h"

#define XB_PARAM_T xb_array_params
XB_PARAM_SET_DEFINE(xb_array_param_set, "array", XB_ARRAY_PARAMS, NULL)
#undef XB_PARAM_T

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Row stride: a multiple of 8 doubles that is not a multiple of 512 bytes
 * times a power of two, so the rows of a column sweep spread over cache
 * sets. */
static size_t padded(size_t m)
{
  size_t ld = (m + 7) & ~(size_t)7;
  if (ld >= 64 && (ld & (ld - 1)) == 0)
    ld += 8;
  else if (ld % 256 == 0)
    ld += 8;
  return ld;
}

/* ---- creation and settings ----------------------------------------------- */

void xb_array_free(xb_array *a)
{
  if (!a)
    return;
  free(a->g);
  free(a->rw_row);
  free(a->rw_col);
  free(a->row);
  free(a->col);
  free(a->pool); /* gl, frd, fcd, x, vc, b, r, z, pv, q, t */
  double **bufs[] = {&a->ieq,  &a->iline[0], &a->iline[1], &a->gsum,
                     &a->wr,   &a->wc,       &a->wr_uni,   &a->wc_uni,
                     &a->zero, &a->part,     &a->esum,     &a->gend[0][0],
                     &a->gend[0][1], &a->gend[1][0], &a->gend[1][1]};
  for (size_t k = 0; k < sizeof bufs / sizeof bufs[0]; k++)
    free(*bufs[k]);
  free(a);
}

static void default_line(const xb_array *a, int axis, int mode, double v,
                         xb_line *l)
{
  l->mode = mode;
  l->v = v;
  l->ends = axis == XB_ROW ? a->p.row_ends : a->p.col_ends;
  l->r = mode == XB_LINE_SENSE ? a->p.r_sense : a->p.r_drive;
}

xb_array *xb_array_create(size_t rows, size_t cols, const xb_array_params *p,
                          xb_err *err)
{
  if (rows < 1 || cols < 1 || rows > ((size_t)1 << 28) / cols) {
    xb__err(err, XB_ESIZE, "array %zu x %zu outside 1 <= N*M <= 2^28", rows,
            cols);
    return NULL;
  }
  xb_array_params par;
  if (p)
    par = *p;
  else
    xb_param_defaults(&xb_array_param_set, &par);
  if (xb_param_check(&xb_array_param_set, &par, err))
    return NULL;
  xb_array *a = calloc(1, sizeof *a);
  if (!a) {
    xb__err(err, XB_ENOMEM, "array");
    return NULL;
  }
  a->n = rows;
  a->m = cols;
  a->ld = padded(cols);
  a->p = par;
  size_t nm = rows * cols, np = rows * a->ld;
  a->g = calloc(nm, sizeof(double));
  a->row = calloc(rows, sizeof(xb_line));
  a->col = calloc(cols, sizeof(xb_line));
  a->iline[0] = calloc(rows, sizeof(double));
  a->iline[1] = calloc(cols, sizeof(double));
  a->gsum = calloc(rows + cols, sizeof(double));
  a->part = calloc(2 * rows, sizeof(double));
  a->esum = calloc(rows + cols, sizeof(double));
  a->gend[0][0] = calloc(rows, sizeof(double));
  a->gend[0][1] = calloc(rows, sizeof(double));
  a->gend[1][0] = calloc(cols, sizeof(double));
  a->gend[1][1] = calloc(cols, sizeof(double));
  a->wr_uni = calloc(a->ld, sizeof(double));
  a->wc_uni = calloc(a->ld, sizeof(double));
  a->zero = calloc(a->ld, sizeof(double));
  int ok = a->g && a->row && a->col && a->iline[0] && a->iline[1] &&
           a->gsum && a->part && a->esum && a->gend[0][0] && a->gend[0][1] &&
           a->gend[1][0] && a->gend[1][1] && a->wr_uni && a->wc_uni &&
           a->zero;
  /* The eleven solver arrays share one block. Each starts 576 bytes
   * further into a 4 KiB page than the one before, so element k of all of
   * them never lands in the same cache set (separate mallocs would all be
   * page-aligned plus the same header, and the kernels, which stream
   * through several arrays at once, would thrash). */
  double **bufs[] = {&a->gl, &a->frd, &a->fcd, &a->x, &a->vc, &a->b,
                     &a->r,  &a->z,   &a->pv,  &a->q, &a->t};
  size_t nbuf = sizeof bufs / sizeof bufs[0];
  size_t stride = ((np + 511) & ~(size_t)511) + 72; /* doubles */
  if (ok && posix_memalign(&a->pool, 64, nbuf * stride * sizeof(double)))
    a->pool = NULL;
  ok = ok && a->pool;
  if (!ok) {
    xb__err(err, XB_ENOMEM, "array %zu x %zu needs about %.3g GB", rows, cols,
            (double)np * 8 * 13 / 1e9);
    xb_array_free(a);
    return NULL;
  }
  for (size_t k = 0; k < nbuf; k++)
    *bufs[k] = (double *)a->pool + k * stride;
  /* Touch the block now, so the first solve does not pay for page
   * faults. */
  memset(a->pool, 0, nbuf * stride * sizeof(double));
  for (size_t i = 0; i < rows; i++)
    default_line(a, XB_ROW, XB_LINE_DRIVE, 0.0, &a->row[i]);
  for (size_t j = 0; j < cols; j++)
    default_line(a, XB_COL, XB_LINE_SENSE, 0.0, &a->col[j]);
  return a;
}

size_t xb_array_rows(const xb_array *a) { return a->n; }
size_t xb_array_cols(const xb_array *a) { return a->m; }
const xb_array_params *xb_array_params_of(const xb_array *a) { return &a->p; }
const double *xb_array_g(const xb_array *a) { return a->g; }

int xb_array_set_solver(xb_array *a, const xb_array_params *p, xb_err *err)
{
  if (!a || !p)
    return xb__err(err, XB_EINVAL, "NULL array or parameters");
  int rc = xb_param_check(&xb_array_param_set, p, err);
  if (rc)
    return rc;
  a->p.solver = p->solver;
  a->p.tol = p->tol;
  a->p.maxit = p->maxit;
  a->p.newton_tol = p->newton_tol;
  a->p.newton_maxit = p->newton_maxit;
  a->solved = 0;
  return XB_OK;
}

int xb_array_set_g(xb_array *a, const double *g, xb_err *err)
{
  if (!a || !g)
    return xb__err(err, XB_EINVAL, "NULL array or conductances");
  size_t nm = a->n * a->m;
  for (size_t k = 0; k < nm; k++)
    if (!(g[k] >= 0) || !isfinite(g[k]))
      return xb__err_set(err, XB_EINVAL, NULL, 0, "g", 0, INFINITY,
                         "cell (%zu, %zu): conductance %g S must be finite "
                         "and >= 0",
                         k / a->m, k % a->m, g[k]);
  memcpy(a->g, g, nm * sizeof(double));
  a->cells = NULL;
  a->factored = 0;
  a->solved = 0;
  return XB_OK;
}

int xb_array_set_cells(xb_array *a, const xb_cells *c, xb_err *err)
{
  if (!a || !c)
    return xb__err(err, XB_EINVAL, "NULL array or cells");
  if (xb_cells_count(c) != a->n * a->m)
    return xb__err(err, XB_ESIZE, "%zu cells for a %zu x %zu array",
                   xb_cells_count(c), a->n, a->m);
  int rc = xb_array_set_g(a, xb_cells_g(c), err);
  if (!rc)
    a->cells = c;
  return rc;
}

int xb_array_set_rw(xb_array *a, int axis, const double *rw, xb_err *err)
{
  if (!a || (axis != XB_ROW && axis != XB_COL))
    return xb__err(err, XB_EINVAL, "NULL array or bad axis");
  double **dst = axis == XB_ROW ? &a->rw_row : &a->rw_col;
  double **wfull = axis == XB_ROW ? &a->wr : &a->wc;
  size_t n = axis == XB_ROW ? a->n * (a->m - 1) : (a->n - 1) * a->m;
  if (!rw) {
    free(*dst);
    *dst = NULL;
    free(*wfull);
    *wfull = NULL;
  } else {
    for (size_t k = 0; k < n; k++)
      if (!(rw[k] > 0) || !isfinite(rw[k]))
        return xb__err_set(err, XB_EINVAL, NULL, 0, "rw", 0, INFINITY,
                           "%s wire segment %zu: %g Ohm must be finite and "
                           "> 0",
                           axis == XB_ROW ? "row" : "column", k, rw[k]);
    if (n) {
      double *copy = malloc(n * sizeof(double));
      double *full = *wfull ? *wfull : calloc(a->n * a->ld, sizeof(double));
      if (!copy || !full) {
        free(copy);
        if (full != *wfull)
          free(full);
        return xb__err(err, XB_ENOMEM, "wire resistances");
      }
      memcpy(copy, rw, n * sizeof(double));
      free(*dst);
      *dst = copy;
      *wfull = full;
    }
  }
  a->factored = 0;
  a->solved = 0;
  return XB_OK;
}

static int check_line(const xb_array *a, int axis, size_t k, xb_err *err)
{
  if (!a || (axis != XB_ROW && axis != XB_COL))
    return xb__err(err, XB_EINVAL, "NULL array or bad axis");
  if (k >= (axis == XB_ROW ? a->n : a->m))
    return xb__err(err, XB_EINVAL, "%s %zu out of range",
                   axis == XB_ROW ? "row" : "column", k);
  return XB_OK;
}

int xb_array_set_line(xb_array *a, int axis, size_t k, const xb_line *l,
                      xb_err *err)
{
  int rc = check_line(a, axis, k, err);
  if (rc)
    return rc;
  if (!l || l->mode < XB_LINE_FLOAT || l->mode > XB_LINE_SENSE)
    return xb__err(err, XB_EINVAL, "line mode must be float, drive or sense");
  if (l->mode != XB_LINE_FLOAT) {
    if (!isfinite(l->v))
      return xb__err_set(err, XB_EINVAL, NULL, 0, "v", NAN, NAN,
                         "line voltage %g V is not finite", l->v);
    if (!(l->r > 0) || !isfinite(l->r))
      return xb__err_set(err, XB_EINVAL, NULL, 0, "r", 0, INFINITY,
                         "line resistance %g Ohm must be finite and > 0",
                         l->r);
    if (l->ends < 1 || l->ends > 3)
      return xb__err(err, XB_EINVAL, "line ends must be 1, 2 or 3");
  }
  xb_line *dst = axis == XB_ROW ? &a->row[k] : &a->col[k];
  double n0, f0, n1, f1;
  xb__line_ends(dst, &n0, &f0);
  xb__line_ends(l, &n1, &f1);
  if (n0 != n1 || f0 != f1)
    a->factored = 0;
  *dst = *l;
  a->solved = 0;
  return XB_OK;
}

int xb_array_get_line(const xb_array *a, int axis, size_t k, xb_line *l)
{
  int rc = check_line(a, axis, k, NULL);
  if (!rc)
    *l = axis == XB_ROW ? a->row[k] : a->col[k];
  return rc;
}

static int set_default(xb_array *a, int axis, size_t k, int mode, double v,
                       xb_err *err)
{
  int rc = check_line(a, axis, k, err);
  if (rc)
    return rc;
  xb_line l;
  default_line(a, axis, mode, v, &l);
  return xb_array_set_line(a, axis, k, &l, err);
}

int xb_array_drive(xb_array *a, int axis, size_t k, double v, xb_err *err)
{
  return set_default(a, axis, k, XB_LINE_DRIVE, v, err);
}

int xb_array_sense(xb_array *a, int axis, size_t k, double v, xb_err *err)
{
  return set_default(a, axis, k, XB_LINE_SENSE, v, err);
}

int xb_array_float(xb_array *a, int axis, size_t k, xb_err *err)
{
  return set_default(a, axis, k, XB_LINE_FLOAT, 0.0, err);
}

/* ---- connectivity ---------------------------------------------------------- */

static size_t uf_find(size_t *parent, size_t x)
{
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/* Every group of lines joined by non-zero cells must reach a source. */
static int check_grounded(const xb_array *a, xb_err *err)
{
  size_t n = a->n, m = a->m;
  size_t *parent = malloc((n + m) * sizeof(size_t));
  unsigned char *src = calloc(n + m, 1);
  if (!parent || !src) {
    free(parent);
    free(src);
    return xb__err(err, XB_ENOMEM, "connectivity check");
  }
  for (size_t k = 0; k < n + m; k++)
    parent[k] = k;
  /* Fast path: with no open cell every line joins one component. */
  int all_closed = 1;
  for (size_t i = 0; i < n && all_closed; i++)
    for (size_t j = 0; j < m; j++)
      if (!(a->gl[i * a->ld + j] > 0)) {
        all_closed = 0;
        break;
      }
  for (size_t k = 1; all_closed && k < n + m; k++)
    parent[k] = 0;
  for (size_t i = 0; i < n && !all_closed; i++)
    for (size_t j = 0; j < m; j++)
      if (a->gl[i * a->ld + j] > 0) {
        size_t ri = uf_find(parent, i), cj = uf_find(parent, n + j);
        if (ri != cj)
          parent[ri] = cj;
      }
  for (size_t i = 0; i < n; i++)
    if (a->row[i].mode != XB_LINE_FLOAT)
      src[uf_find(parent, i)] = 1;
  for (size_t j = 0; j < m; j++)
    if (a->col[j].mode != XB_LINE_FLOAT)
      src[uf_find(parent, n + j)] = 1;
  int rc = XB_OK;
  for (size_t k = 0; k < n + m && !rc; k++)
    if (!src[uf_find(parent, k)])
      rc = xb__err(err, XB_ESINGULAR,
                   "%s %zu has no path to any driven or sensed line "
                   "(floating, and its cells are open or lead only to "
                   "floating lines)",
                   k < n ? "row" : "column", k < n ? k : k - n);
  free(parent);
  free(src);
  return rc;
}

/* ---- tridiagonal layers ------------------------------------------------------ */

/* Wires of row i (entry m-1 is 0) and of the column segments below row i
 * (row n-1: all 0). */
static inline const double *roww(const xb_array *a, size_t i)
{
  return a->wr ? a->wr + i * a->ld : a->wr_uni;
}
static inline const double *colw(const xb_array *a, size_t i)
{
  if (i + 1 >= a->n)
    return a->zero;
  return a->wc ? a->wc + i * a->ld : a->wc_uni;
}

/* Large arrays split their row loops over OpenMP threads; every reduction
 * goes through per-row partial sums added in order, so results do not
 * depend on the thread count. */
#define XB__PAR (a->n * a->m >= 262144)

/* Build the wire conductances, source conductances, line sums and the
 * factors of T_r (rows) and T_c (columns) for the conductances in gl. */
static void factor(xb_array *a)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  for (size_t j = 0; j < ld; j++) {
    a->wr_uni[j] = j + 1 < m ? 1.0 / a->p.rw_row : 0.0;
    a->wc_uni[j] = j < m ? 1.0 / a->p.rw_col : 0.0;
    a->zero[j] = 0.0;
  }
  if (a->wr)
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < m; j++)
        a->wr[i * ld + j] = j + 1 < m ? xb__wr(a, i, j) : 0.0;
  if (a->wc)
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < m; j++)
        a->wc[i * ld + j] = i + 1 < n ? xb__wc(a, i, j) : 0.0;
  for (size_t i = 0; i < n; i++)
    xb__line_ends(&a->row[i], &a->gend[XB_ROW][0][i], &a->gend[XB_ROW][1][i]);
  for (size_t j = 0; j < m; j++)
    xb__line_ends(&a->col[j], &a->gend[XB_COL][0][j], &a->gend[XB_COL][1][j]);
  memset(a->gsum, 0, (n + m) * sizeof(double));
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      a->gsum[i] += a->gl[i * ld + j];
      a->gsum[n + j] += a->gl[i * ld + j];
    }
  /* Rows: pivots d_j = diag_j - w_{j-1}^2 / d_{j-1}; store 1/d. Each row
   * is a chain of dependent divisions, so four rows go side by side. */
  const double *rgn = a->gend[XB_ROW][0], *rgf = a->gend[XB_ROW][1];
  size_t nblk = (n + 3) / 4;
#pragma omp parallel for schedule(static) if (XB__PAR)
  for (size_t k = 0; k < nblk; k++) {
    size_t i0 = 4 * k, nb = n - i0 < 4 ? n - i0 : 4;
    const double *w[4], *g[4];
    double *dd[4], wl[4] = {0, 0, 0, 0}, idp[4] = {0, 0, 0, 0};
    for (size_t b = 0; b < 4; b++) {
      size_t i = i0 + (b < nb ? b : 0); /* pad a short block with row i0 */
      w[b] = roww(a, i);
      g[b] = a->gl + i * ld;
      dd[b] = b < nb ? a->frd + i * ld : NULL;
    }
    for (size_t j = 0; j < m; j++)
      for (size_t b = 0; b < 4; b++) {
        double diag = wl[b] + w[b][j] + g[b][j];
        if (j == 0)
          diag += rgn[i0 + (b < nb ? b : 0)];
        if (j + 1 == m)
          diag += rgf[i0 + (b < nb ? b : 0)];
        idp[b] = 1.0 / (diag - wl[b] * wl[b] * idp[b]);
        if (dd[b])
          dd[b][j] = idp[b];
        wl[b] = w[b][j];
      }
  }
  /* Columns, swept row by row across all columns. */
  const double *cgn = a->gend[XB_COL][0], *cgf = a->gend[XB_COL][1];
  for (size_t i = 0; i < n; i++) {
    const double *g = a->gl + i * ld, *wd = colw(a, i);
    const double *wu = i ? colw(a, i - 1) : a->zero;
    const double *dp = i ? a->fcd + (i - 1) * ld : a->zero;
    double *dd = a->fcd + i * ld;
    for (size_t j = 0; j < m; j++) {
      double diag = wu[j] + wd[j] + g[j];
      if (i == 0)
        diag += cgn[j];
      if (i + 1 == n)
        diag += cgf[j];
      dd[j] = 1.0 / (diag - wu[j] * wu[j] * dp[j]);
    }
  }
  a->factored = 1;
}

/* y = T_c^-1 y in place, all columns at once; columns [j0, j1). */
static void col_solve_range(const xb_array *a, double *y, size_t j0,
                            size_t j1)
{
  size_t n = a->n, ld = a->ld;
  for (size_t i = 1; i < n; i++) {
    const double *restrict w = colw(a, i - 1);
    const double *restrict dp = a->fcd + (i - 1) * ld;
    const double *restrict yp = y + (i - 1) * ld;
    double *restrict yi = y + i * ld;
    for (size_t j = j0; j < j1; j++)
      yi[j] += w[j] * dp[j] * yp[j];
  }
  for (size_t i = n; i-- > 0;) {
    const double *restrict w = colw(a, i), *restrict dd = a->fcd + i * ld;
    const double *restrict yn = i + 1 < n ? y + (i + 1) * ld : a->zero;
    double *restrict yi = y + i * ld;
    for (size_t j = j0; j < j1; j++)
      yi[j] = dd[j] * (yi[j] + w[j] * yn[j]);
  }
}

/* Column range of this thread: contiguous blocks of whole cache lines. */
static void thread_cols(const xb_array *a, size_t *j0, size_t *j1)
{
#ifdef _OPENMP
  size_t nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
#else
  size_t nt = 1, t = 0;
#endif
  size_t blocks = (a->m + 7) / 8;
  *j0 = blocks * t / nt * 8;
  *j1 = blocks * (t + 1) / nt * 8;
  if (*j1 > a->m)
    *j1 = a->m;
  if (*j0 > a->m)
    *j0 = a->m;
}

static void col_solve(const xb_array *a, double *y)
{
#pragma omp parallel if (XB__PAR)
  {
    size_t j0, j1;
    thread_cols(a, &j0, &j1);
    col_solve_range(a, y, j0, j1);
  }
}

/* t = T_c^-1 G p with p updated first to z + beta p (the CG direction
 * update, fused into the forward sweep). */
static void col_solve_dir(xb_array *a, double beta)
{
  size_t n = a->n, ld = a->ld;
#pragma omp parallel if (XB__PAR)
  {
    size_t j0, j1;
    thread_cols(a, &j0, &j1);
    for (size_t i = 0; i < n; i++) {
      const double *restrict w = i ? colw(a, i - 1) : a->zero;
      const double *restrict dp = i ? a->fcd + (i - 1) * ld : a->zero;
      const double *restrict tp = i ? a->t + (i - 1) * ld : a->zero;
      const double *restrict z = a->z + i * ld, *restrict g = a->gl + i * ld;
      double *restrict p = a->pv + i * ld, *restrict t = a->t + i * ld;
      for (size_t j = j0; j < j1; j++) {
        double pj = z[j] + beta * p[j];
        p[j] = pj;
        t[j] = g[j] * pj + w[j] * dp[j] * tp[j];
      }
    }
    for (size_t i = n; i-- > 0;) {
      const double *restrict w = colw(a, i), *restrict dd = a->fcd + i * ld;
      const double *restrict tn = i + 1 < n ? a->t + (i + 1) * ld : a->zero;
      double *restrict t = a->t + i * ld;
      for (size_t j = j0; j < j1; j++)
        t[j] = dd[j] * (t[j] + w[j] * tn[j]);
    }
  }
}

/* q = T_r p - G t = S p (after col_solve_dir); returns p.q. */
static double schur_rows(xb_array *a)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  const double *rgn = a->gend[XB_ROW][0], *rgf = a->gend[XB_ROW][1];
#pragma omp parallel for schedule(static) if (XB__PAR)
  for (size_t i = 0; i < n; i++) {
    const double *restrict w = roww(a, i), *restrict g = a->gl + i * ld;
    const double *restrict p = a->pv + i * ld, *restrict t = a->t + i * ld;
    double *restrict q = a->q + i * ld, s = 0;
    if (m == 1) {
      q[0] = g[0] * (p[0] - t[0]) + (rgn[i] + rgf[i]) * p[0];
    } else {
      q[0] = g[0] * (p[0] - t[0]) + w[0] * (p[0] - p[1]) + rgn[i] * p[0];
      for (size_t j = 1; j + 1 < m; j++)
        q[j] = g[j] * (p[j] - t[j]) + w[j - 1] * (p[j] - p[j - 1]) +
               w[j] * (p[j] - p[j + 1]);
      q[m - 1] = g[m - 1] * (p[m - 1] - t[m - 1]) +
                 w[m - 2] * (p[m - 1] - p[m - 2]) + rgf[i] * p[m - 1];
    }
    for (size_t j = 0; j < m; j++)
      s += p[j] * q[j];
    a->part[i] = s;
  }
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += a->part[i];
  return s;
}

/* The row tridiagonal solve is a chain of dependent multiply-adds along
 * each row; four rows are solved side by side (in scalar registers) so
 * their chains overlap. */
enum { RB = 4 };

static inline double maxabs(double m, double v)
{
  v = v < 0 ? -v : v;
  return v > m ? v : m;
}

/* Rows i0 .. i0+nb-1 (nb <= 4): x += alpha p, r -= alpha q, then
 * z = T_r^-1 r; partial sums r.z and max|z| per row into part. */
static void row_block(xb_array *a, size_t i0, size_t nb, double alpha)
{
  size_t m = a->m, ld = a->ld, n = a->n;
  if (alpha != 0)
    for (size_t i = i0; i < i0 + nb; i++) {
      const double *restrict p = a->pv + i * ld, *restrict q = a->q + i * ld;
      double *restrict x = a->x + i * ld, *restrict r = a->r + i * ld;
      for (size_t j = 0; j < m; j++) {
        x[j] += alpha * p[j];
        r[j] -= alpha * q[j];
      }
    }
  if (nb == RB) {
    const double *w0 = roww(a, i0), *w1 = roww(a, i0 + 1);
    const double *w2 = roww(a, i0 + 2), *w3 = roww(a, i0 + 3);
    const double *d0 = a->frd + i0 * ld, *d1 = d0 + ld, *d2 = d1 + ld,
                 *d3 = d2 + ld;
    const double *r0 = a->r + i0 * ld, *r1 = r0 + ld, *r2 = r1 + ld,
                 *r3 = r2 + ld;
    double *z0 = a->z + i0 * ld, *z1 = z0 + ld, *z2 = z1 + ld, *z3 = z2 + ld;
    double y0 = 0, y1 = 0, y2 = 0, y3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    for (size_t j = 0; j < m; j++) {
      y0 = r0[j] + c0 * y0;
      y1 = r1[j] + c1 * y1;
      y2 = r2[j] + c2 * y2;
      y3 = r3[j] + c3 * y3;
      z0[j] = y0;
      z1[j] = y1;
      z2[j] = y2;
      z3[j] = y3;
      c0 = w0[j] * d0[j];
      c1 = w1[j] * d1[j];
      c2 = w2[j] * d2[j];
      c3 = w3[j] * d3[j];
    }
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    double m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    for (size_t j = m; j-- > 0;) {
      s0 = d0[j] * (z0[j] + w0[j] * s0);
      s1 = d1[j] * (z1[j] + w1[j] * s1);
      s2 = d2[j] * (z2[j] + w2[j] * s2);
      s3 = d3[j] * (z3[j] + w3[j] * s3);
      z0[j] = s0;
      z1[j] = s1;
      z2[j] = s2;
      z3[j] = s3;
      q0 += r0[j] * s0;
      q1 += r1[j] * s1;
      q2 += r2[j] * s2;
      q3 += r3[j] * s3;
      m0 = maxabs(m0, s0);
      m1 = maxabs(m1, s1);
      m2 = maxabs(m2, s2);
      m3 = maxabs(m3, s3);
    }
    double rz[4] = {q0, q1, q2, q3}, mx[4] = {m0, m1, m2, m3};
    for (size_t b = 0; b < RB; b++) {
      a->part[i0 + b] = rz[b];
      a->part[n + i0 + b] = mx[b];
    }
    return;
  }
  for (size_t i = i0; i < i0 + nb; i++) {
    const double *w = roww(a, i), *dd = a->frd + i * ld, *r = a->r + i * ld;
    double *z = a->z + i * ld, y = 0, c = 0, s = 0, rz = 0, mx = 0;
    for (size_t j = 0; j < m; j++) {
      y = r[j] + c * y;
      z[j] = y;
      c = w[j] * dd[j];
    }
    for (size_t j = m; j-- > 0;) {
      s = dd[j] * (z[j] + w[j] * s);
      z[j] = s;
      rz += r[j] * s;
      mx = maxabs(mx, s);
    }
    a->part[i] = rz;
    a->part[n + i] = mx;
  }
}

/* x += alpha p, r -= alpha q, z = T_r^-1 r (row tridiagonal solves);
 * returns r.z and sets *zmax = ||z||_inf. */
static double row_step(xb_array *a, double alpha, double *zmax)
{
  size_t n = a->n, nblk = (n + RB - 1) / RB;
#pragma omp parallel for schedule(static) if (XB__PAR)
  for (size_t k = 0; k < nblk; k++) {
    size_t i0 = k * RB, nb = n - i0 < RB ? n - i0 : RB;
    row_block(a, i0, nb, alpha);
  }
  double rz = 0, mx = 0;
  for (size_t i = 0; i < n; i++) {
    rz += a->part[i];
    mx = maxabs(mx, a->part[n + i]);
  }
  *zmax = mx;
  return rz;
}

/* q = T_r p (for the residual check). */
static void row_apply(const xb_array *a, const double *p, double *q)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  const double *rgn = a->gend[XB_ROW][0], *rgf = a->gend[XB_ROW][1];
  for (size_t i = 0; i < n; i++) {
    const double *w = roww(a, i), *g = a->gl + i * ld, *pi = p + i * ld;
    double *qi = q + i * ld;
    for (size_t j = 0; j < m; j++) {
      double s = g[j] * pi[j];
      if (j > 0)
        s += w[j - 1] * (pi[j] - pi[j - 1]);
      if (j + 1 < m)
        s += w[j] * (pi[j] - pi[j + 1]);
      qi[j] = s;
    }
    qi[0] += rgn[i] * pi[0];
    qi[m - 1] += rgf[i] * pi[m - 1];
  }
}

/* Column-layer right-hand side: source terms at the column ends plus the
 * Newton current sources. */
static void rhs_col(const xb_array *a, double *bc)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++)
      bc[i * ld + j] = a->ieq ? a->ieq[i * ld + j] : 0.0;
  for (size_t j = 0; j < m; j++) {
    bc[j] += a->gend[XB_COL][0][j] * a->col[j].v;
    bc[(n - 1) * ld + j] += a->gend[XB_COL][1][j] * a->col[j].v;
  }
}

static void rhs_row(const xb_array *a, double *br)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < m; j++)
      br[i * ld + j] = a->ieq ? -a->ieq[i * ld + j] : 0.0;
    br[i * ld] += a->gend[XB_ROW][0][i] * a->row[i].v;
    br[i * ld + m - 1] += a->gend[XB_ROW][1][i] * a->row[i].v;
  }
}

/* Column voltages from row voltages: vc = T_c^-1 (b_c + G x). */
static void columns_from_rows(xb_array *a)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  rhs_col(a, a->vc);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++)
      a->vc[i * ld + j] += a->gl[i * ld + j] * a->x[i * ld + j];
  col_solve(a, a->vc);
}

/* Line currents of the present iterate from the cell currents
 * gl (R - C) + ieq; floating lines carry none. Returns max |I|. */
static double line_currents(xb_array *a)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  double *restrict ir = a->iline[0], *restrict ic = a->iline[1];
  memset(ic, 0, m * sizeof(double));
  for (size_t i = 0; i < n; i++) {
    const double *restrict g = a->gl + i * ld, *restrict x = a->x + i * ld;
    const double *restrict vc = a->vc + i * ld;
    const double *restrict q = a->ieq ? a->ieq + i * ld : a->zero;
    double s0 = 0, s1 = 0; /* two chains; fixed order, so deterministic */
    size_t j = 0;
    for (; j + 1 < m; j += 2) {
      double c0 = g[j] * (x[j] - vc[j]) + q[j];
      double c1 = g[j + 1] * (x[j + 1] - vc[j + 1]) + q[j + 1];
      ic[j] += c0;
      ic[j + 1] += c1;
      s0 += c0;
      s1 += c1;
    }
    for (; j < m; j++) {
      double c0 = g[j] * (x[j] - vc[j]) + q[j];
      ic[j] += c0;
      s0 += c0;
    }
    ir[i] = -(s0 + s1);
  }
  double imax = 0;
  for (size_t i = 0; i < n; i++) {
    if (a->row[i].mode == XB_LINE_FLOAT)
      ir[i] = 0;
    imax = maxabs(imax, ir[i]);
  }
  for (size_t j = 0; j < m; j++) {
    if (a->col[j].mode == XB_LINE_FLOAT)
      ic[j] = 0;
    imax = maxabs(imax, ic[j]);
  }
  return imax;
}

/* Error test of the stopping rule. The row-voltage error is estimated as
 * |e_R| = |z| / lam elementwise (z the preconditioned residual, lam the
 * smallest Ritz value); the column layer follows as e_C = T_c^-1 G e_R, so
 * the current of line L is off by at most sum over its cells of
 * g |e_R - e_C|. Returns the largest ratio of that bound to
 * tol/2 max(|I_L|, 1e-3 max|I|) over connected lines (<= 1: converged).
 * Needs the currents of the present iterate; uses a->t as scratch. */
static double error_ratio(xb_array *a, double lam, double tol, double imax)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++)
      a->t[i * ld + j] = a->gl[i * ld + j] * a->z[i * ld + j];
  col_solve(a, a->t);
  double *restrict er = a->esum, *restrict ec = a->esum + n;
  memset(ec, 0, m * sizeof(double));
  for (size_t i = 0; i < n; i++) {
    const double *restrict g = a->gl + i * ld, *restrict z = a->z + i * ld;
    const double *restrict t = a->t + i * ld;
    double s0 = 0, s1 = 0;
    size_t j = 0;
    for (; j + 1 < m; j += 2) {
      double d0 = g[j] * fabs(z[j] - t[j]);
      double d1 = g[j + 1] * fabs(z[j + 1] - t[j + 1]);
      ec[j] += d0;
      ec[j + 1] += d1;
      s0 += d0;
      s1 += d1;
    }
    for (; j < m; j++) {
      double d0 = g[j] * fabs(z[j] - t[j]);
      ec[j] += d0;
      s0 += d0;
    }
    er[i] = s0 + s1;
  }
  double worst = 0, floor = 1e-3 * imax;
  for (size_t k = 0; k < n + m; k++) {
    const xb_line *l = k < n ? &a->row[k] : &a->col[k - n];
    double I = k < n ? a->iline[0][k] : a->iline[1][k - n];
    if (l->mode == XB_LINE_FLOAT)
      continue;
    double allowed = 0.5 * tol * fmax(fabs(I), floor);
    double bound = a->esum[k] / lam;
    if (bound > 0) {
      double ratio = allowed > 0 ? bound / allowed : INFINITY;
      worst = ratio > worst ? ratio : worst;
    }
  }
  return worst;
}

/* Smallest eigenvalue of the Lanczos tridiagonal (diag d, off e), k >= 1,
 * by Sturm-sequence bisection on [0, 2]. */
static double ritz_min(const double *d, const double *e, int k)
{
  double lo = 0, hi = 2;
  for (int it = 0; it < 50; it++) {
    double x = 0.5 * (lo + hi), q = d[0] - x;
    int neg = q < 0;
    for (int j = 1; j < k; j++) {
      if (q == 0)
        q = 1e-300;
      q = d[j] - x - e[j] * e[j] / q;
      neg += q < 0;
    }
    if (neg >= 1)
      hi = x;
    else
      lo = x;
  }
  return fmax(lo, 1e-12);
}

/* Solve the linear network (gl, ieq) with PCG on the Schur complement. */
static int solve_pcg(xb_array *a, xb_err *err)
{
  size_t n = a->n, m = a->m, ld = a->ld, np = n * ld;
  double tol = a->p.tol;
  /* b = b_r + G T_c^-1 b_c */
  rhs_col(a, a->t);
  col_solve(a, a->t);
  rhs_row(a, a->b);
  double bmax = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      a->b[i * ld + j] += a->gl[i * ld + j] * a->t[i * ld + j];
      bmax = fmax(bmax, fabs(a->b[i * ld + j]));
    }
  memset(a->x, 0, np * sizeof(double));
  memset(a->pv, 0, np * sizeof(double));
  memcpy(a->r, a->b, np * sizeof(double));
  if (bmax == 0) { /* no sources: the zero solution is exact */
    columns_from_rows(a);
    line_currents(a);
    a->stats.err_bound = 0;
    return XB_OK;
  }
  double zmax;
  double rz = row_step(a, 0.0, &zmax), beta = 0.0;
  int maxit = a->p.maxit;
  double *ld_d = malloc(2 * (size_t)(maxit + 1) * sizeof(double));
  if (!ld_d)
    return xb__err(err, XB_ENOMEM, "solver work");
  double *ld_e = ld_d + maxit + 1;
  double alpha_prev = 0, beta_prev = 0, threshold = 0, ratio = INFINITY;
  int it, done = 0, fresh = 0;
  for (it = 0; it < maxit && !done; it++) {
    col_solve_dir(a, beta); /* p = z + beta p; t = T_c^-1 G p */
    double pq = schur_rows(a);
    if (!(pq > 0)) {
      free(ld_d);
      return xb__err(err, XB_ESINGULAR,
                     "network matrix not positive definite (p.Sp = %g)", pq);
    }
    double alpha = rz / pq;
    double rz_new = row_step(a, alpha, &zmax);
    beta = rz_new / rz;
    /* Lanczos tridiagonal of the preconditioned operator. */
    ld_d[it] = 1.0 / alpha + (it ? beta_prev / alpha_prev : 0.0);
    ld_e[it] = it ? sqrt(beta_prev) / alpha_prev : 0.0;
    double lam = ritz_min(ld_d, ld_e, it + 1);
    double est = zmax / lam;
    fresh = 0;
    /* First guess of the test point: the voltage error allowed is about
     * tol times the voltages themselves, and the first z is about as large
     * as the voltages. */
    if (it == 0)
      threshold = 0.5 * tol * est;
    if (est <= threshold) {
      /* Full test on the present iterate; if it fails, predict from the
       * cheap estimate zmax/lam when to test again. */
      columns_from_rows(a);
      ratio = error_ratio(a, lam, tol, line_currents(a));
      fresh = 1;
      if (ratio <= 1)
        done = 1;
      else
        threshold = est / ratio;
    }
    if (rz_new == 0)
      done = 1;
    rz = rz_new;
    alpha_prev = alpha;
    beta_prev = beta;
  }
  free(ld_d);
  if (!fresh) {
    columns_from_rows(a);
    line_currents(a);
  }
  a->stats.iterations += it;
  a->stats.err_bound = 0.5 * tol * ratio;
  if (!done)
    return xb__err(err, XB_ENOCONV,
                   "array solve: no convergence in %d iterations (error "
                   "estimate %.3g x tolerance)",
                   it, 0.5 * ratio);
  return XB_OK;
}

static int solve_linear(xb_array *a, xb_err *err)
{
  if (!a->factored) {
    int rc = check_grounded(a, err);
    if (rc)
      return rc;
    factor(a);
  }
  if (a->p.solver == 1) {
    int rc = xb__array_solve_klu(a, err);
    if (!rc)
      line_currents(a);
    return rc;
  }
  return solve_pcg(a, err);
}

/* Load the conductances into the padded solver layout. */
static void load_g(xb_array *a)
{
  if (a->cells)
    memcpy(a->g, xb_cells_g(a->cells), a->n * a->m * sizeof(double));
  for (size_t i = 0; i < a->n; i++) {
    double *dst = a->gl + i * a->ld;
    const double *src = a->g + i * a->m;
    if (memcmp(dst, src, a->m * sizeof(double)) != 0) {
      memcpy(dst, src, a->m * sizeof(double));
      a->factored = 0;
    }
  }
}

static int nonlinear(const xb_array *a)
{
  if (!a->cells)
    return 0;
  const xb_device *d = xb_cells_device(a->cells);
  return xb_device_type_of(d)->iv != NULL || xb_device_elec(d)->iv != 0;
}

/* Newton on the cell I-V: each step linearises every cell at its present
 * voltage (conductance dI/dV and a parallel current source) and solves. */
static int solve_newton(xb_array *a, xb_err *err)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  if (!a->ieq) {
    a->ieq = calloc(n * ld, sizeof(double));
    if (!a->ieq)
      return xb__err(err, XB_ENOMEM, "Newton work");
  }
  double *prev = malloc((n + m) * sizeof(double));
  if (!prev)
    return xb__err(err, XB_ENOMEM, "Newton work");
  memset(a->ieq, 0, n * ld * sizeof(double));
  int rc = solve_linear(a, err); /* small-signal start */
  int k;
  for (k = 0; !rc && k < a->p.newton_maxit; k++) {
    memcpy(prev, a->iline[0], n * sizeof(double));
    memcpy(prev + n, a->iline[1], m * sizeof(double));
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < m; j++) {
        size_t c = i * ld + j;
        double v = a->x[c] - a->vc[c], I, dI;
        xb_cells_iv(a->cells, i * m + j, v, &I, &dI, NULL);
        a->gl[c] = dI;
        a->ieq[c] = I - dI * v;
      }
    a->factored = 0;
    rc = solve_linear(a, err);
    if (rc)
      break;
    double dmax = 0, imax = 0;
    for (size_t l = 0; l < n + m; l++) {
      double I = l < n ? a->iline[0][l] : a->iline[1][l - n];
      dmax = fmax(dmax, fabs(I - prev[l]));
      imax = fmax(imax, fabs(I));
    }
    if (dmax <= a->p.newton_tol * imax)
      break;
  }
  a->stats.newton = k + 1;
  if (!rc && k == a->p.newton_maxit)
    rc = xb__err(err, XB_ENOCONV, "Newton: no convergence in %d steps", k);
  free(prev);
  /* The factors now belong to the linearised conductances. */
  a->factored = 0;
  return rc;
}

int xb_array_solve(xb_array *a, xb_err *err)
{
  if (!a)
    return xb__err(err, XB_EINVAL, "NULL array");
  double t0 = now();
  memset(&a->stats, 0, sizeof a->stats);
  a->solved = 0;
  a->klu_done = 0;
  load_g(a);
  int rc;
  if (nonlinear(a)) {
    rc = solve_newton(a, err);
  } else {
    if (a->ieq) {
      free(a->ieq);
      a->ieq = NULL;
    }
    rc = solve_linear(a, err);
  }
  a->stats.seconds = now() - t0;
  if (!rc)
    a->solved = 1;
  return rc;
}

/* ---- results ----------------------------------------------------------------- */

static int need_solved(const xb_array *a, xb_err *err)
{
  if (!a)
    return xb__err(err, XB_EINVAL, "NULL array");
  if (!a->solved)
    return xb__err(err, XB_ESTATE, "no solve since the last change");
  return XB_OK;
}

static void unpad(const xb_array *a, const double *src, double *dst)
{
  for (size_t i = 0; i < a->n; i++)
    memcpy(dst + i * a->m, src + i * a->ld, a->m * sizeof(double));
}

int xb_array_node_v(const xb_array *a, double *v_row, double *v_col)
{
  int rc = need_solved(a, NULL);
  if (rc)
    return rc;
  if (v_row)
    unpad(a, a->x, v_row);
  if (v_col)
    unpad(a, a->vc, v_col);
  return XB_OK;
}

int xb_array_cell_v(const xb_array *a, double *v_cell)
{
  int rc = need_solved(a, NULL);
  if (rc || !v_cell)
    return rc ? rc : XB_EINVAL;
  for (size_t i = 0; i < a->n; i++)
    for (size_t j = 0; j < a->m; j++)
      v_cell[i * a->m + j] = a->x[i * a->ld + j] - a->vc[i * a->ld + j];
  return XB_OK;
}

int xb_array_cell_i(const xb_array *a, double *i_cell)
{
  int rc = need_solved(a, NULL);
  if (rc || !i_cell)
    return rc ? rc : XB_EINVAL;
  for (size_t i = 0; i < a->n; i++)
    for (size_t j = 0; j < a->m; j++) {
      size_t k = i * a->ld + j;
      i_cell[i * a->m + j] = a->gl[k] * (a->x[k] - a->vc[k]) +
                             (a->ieq ? a->ieq[k] : 0.0);
    }
  return XB_OK;
}

int xb_array_line_i(const xb_array *a, int axis, double *i_line)
{
  int rc = need_solved(a, NULL);
  if (rc || !i_line || (axis != XB_ROW && axis != XB_COL))
    return rc ? rc : XB_EINVAL;
  memcpy(i_line, a->iline[axis],
         (axis == XB_ROW ? a->n : a->m) * sizeof(double));
  return XB_OK;
}

int xb_array_stats(const xb_array *a, xb_solve_stats *s)
{
  int rc = need_solved(a, NULL);
  if (!rc && s)
    *s = a->stats;
  return rc;
}

int xb_array_residual(xb_array *a, double *res, xb_err *err)
{
  int rc = need_solved(a, err);
  if (rc)
    return rc;
  if (!res)
    return xb__err(err, XB_EINVAL, "NULL output");
  /* Full system residual: rows T_r R - G C - b_r, columns -G R + T_c C -
   * b_c; T_c C is formed column-wise the same way as T_r R. */
  size_t n = a->n, m = a->m, ld = a->ld;
  double num = 0, den = 0;
  row_apply(a, a->x, a->q);
  rhs_row(a, a->b);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      size_t k = i * ld + j;
      double rr = a->q[k] - a->gl[k] * a->vc[k] - a->b[k];
      num += rr * rr;
      den += a->b[k] * a->b[k];
    }
  rhs_col(a, a->b);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      size_t k = i * ld + j;
      double gn = a->gend[XB_COL][0][j], gf = a->gend[XB_COL][1][j];
      double c = a->vc[k], s = a->gl[k] * c;
      if (i > 0)
        s += xb__wc(a, i - 1, j) * (c - a->vc[k - ld]);
      if (i + 1 < n)
        s += xb__wc(a, i, j) * (c - a->vc[k + ld]);
      if (i == 0)
        s += gn * c;
      if (i + 1 == n)
        s += gf * c;
      double rr = s - a->gl[k] * a->x[k] - a->b[k];
      num += rr * rr;
      den += a->b[k] * a->b[k];
    }
  *res = den > 0 ? sqrt(num / den) : sqrt(num);
  return XB_OK;
}

/* ---- reads and write biasing --------------------------------------------------- */

/* Apply the given boundary conditions to every line and solve; on failure
 * the previous ones are restored, so a failed read or write bias leaves the
 * array as it was. */
static int with_lines_restored(xb_array *a, xb_line *rows, xb_line *cols,
                               xb_err *err)
{
  xb_line *old_r = malloc(a->n * sizeof(xb_line));
  xb_line *old_c = malloc(a->m * sizeof(xb_line));
  if (!old_r || !old_c) {
    free(old_r);
    free(old_c);
    return xb__err(err, XB_ENOMEM, "line settings");
  }
  memcpy(old_r, a->row, a->n * sizeof(xb_line));
  memcpy(old_c, a->col, a->m * sizeof(xb_line));
  int rc = XB_OK;
  for (size_t i = 0; i < a->n && !rc; i++)
    rc = xb_array_set_line(a, XB_ROW, i, &rows[i], err);
  for (size_t j = 0; j < a->m && !rc; j++)
    rc = xb_array_set_line(a, XB_COL, j, &cols[j], err);
  if (!rc)
    rc = xb_array_solve(a, err);
  if (rc) {
    for (size_t i = 0; i < a->n; i++)
      xb_array_set_line(a, XB_ROW, i, &old_r[i], NULL);
    for (size_t j = 0; j < a->m; j++)
      xb_array_set_line(a, XB_COL, j, &old_c[j], NULL);
  }
  free(old_r);
  free(old_c);
  return rc;
}

int xb_array_read(xb_array *a, int in_axis, const double *v_in,
                  const unsigned char *active, int unselected, double v_bias,
                  double v_sense, double *out, xb_err *err)
{
  if (!a || !v_in || !out || (in_axis != XB_ROW && in_axis != XB_COL))
    return xb__err(err, XB_EINVAL, "NULL argument or bad axis");
  if (unselected != XB_LINE_FLOAT && unselected != XB_LINE_DRIVE)
    return xb__err(err, XB_EINVAL,
                   "unselected lines must float or be driven at a bias");
  int out_axis = 1 - in_axis;
  xb_line *rows = malloc(a->n * sizeof(xb_line));
  xb_line *cols = malloc(a->m * sizeof(xb_line));
  if (!rows || !cols) {
    free(rows);
    free(cols);
    return xb__err(err, XB_ENOMEM, "line settings");
  }
  xb_line *in = in_axis == XB_ROW ? rows : cols;
  xb_line *outl = in_axis == XB_ROW ? cols : rows;
  size_t nin = in_axis == XB_ROW ? a->n : a->m;
  size_t nout = in_axis == XB_ROW ? a->m : a->n;
  for (size_t k = 0; k < nin; k++) {
    if (!active || active[k])
      default_line(a, in_axis, XB_LINE_DRIVE, v_in[k], &in[k]);
    else if (unselected == XB_LINE_DRIVE)
      default_line(a, in_axis, XB_LINE_DRIVE, v_bias, &in[k]);
    else
      default_line(a, in_axis, XB_LINE_FLOAT, 0.0, &in[k]);
  }
  for (size_t k = 0; k < nout; k++)
    default_line(a, out_axis, XB_LINE_SENSE, v_sense, &outl[k]);
  int rc = with_lines_restored(a, rows, cols, err);
  if (!rc)
    rc = xb_array_line_i(a, out_axis, out);
  free(rows);
  free(cols);
  return rc;
}

int xb_array_bias_write(xb_array *a, const double *v_row, const double *v_col,
                        xb_err *err)
{
  if (!a || !v_row || !v_col)
    return xb__err(err, XB_EINVAL, "NULL argument");
  xb_line *rows = malloc(a->n * sizeof(xb_line));
  xb_line *cols = malloc(a->m * sizeof(xb_line));
  int rc = XB_OK;
  if (!rows || !cols)
    rc = xb__err(err, XB_ENOMEM, "line settings");
  for (size_t i = 0; !rc && i < a->n; i++)
    default_line(a, XB_ROW, XB_LINE_DRIVE, v_row[i], &rows[i]);
  for (size_t j = 0; !rc && j < a->m; j++)
    default_line(a, XB_COL, XB_LINE_DRIVE, v_col[j], &cols[j]);
  if (!rc)
    rc = with_lines_restored(a, rows, cols, err);
  free(rows);
  free(cols);
  return rc;
}
