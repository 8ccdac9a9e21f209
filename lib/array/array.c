/*
 * The crosspoint array object (network in xbar/array.h): creation and
 * freeing, the parameter set, solver settings, cell conductances, wire
 * resistances and line boundary conditions, and the results of the last
 * solve. Every setting marks what it invalidates (the factors, the
 * results); the solve itself is solve.c, the system it solves system.c.
 * Also implements the read-only view of array_view.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array_impl.h"

#define XB_PARAM_T xb_array_params
XB_PARAM_SET_DEFINE(xb_array_param_set, "array", XB_ARRAY_PARAMS, NULL)
#undef XB_PARAM_T

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
    xb__default_line(a, XB_ROW, XB_LINE_DRIVE, 0.0, &a->row[i]);
  for (size_t j = 0; j < cols; j++)
    xb__default_line(a, XB_COL, XB_LINE_SENSE, 0.0, &a->col[j]);
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
  xb__default_line(a, axis, mode, v, &l);
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

/* ---- results ------------------------------------------------------------- */

static void unpad(const xb_array *a, const double *src, double *dst)
{
  for (size_t i = 0; i < a->n; i++)
    memcpy(dst + i * a->m, src + i * a->ld, a->m * sizeof(double));
}

int xb_array_node_v(const xb_array *a, double *v_row, double *v_col)
{
  int rc = xb__need_solved(a, NULL);
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
  int rc = xb__need_solved(a, NULL);
  if (rc || !v_cell)
    return rc ? rc : XB_EINVAL;
  for (size_t i = 0; i < a->n; i++)
    for (size_t j = 0; j < a->m; j++)
      v_cell[i * a->m + j] = a->x[i * a->ld + j] - a->vc[i * a->ld + j];
  return XB_OK;
}

int xb_array_cell_i(const xb_array *a, double *i_cell)
{
  int rc = xb__need_solved(a, NULL);
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
  int rc = xb__need_solved(a, NULL);
  if (rc || !i_line || (axis != XB_ROW && axis != XB_COL))
    return rc ? rc : XB_EINVAL;
  memcpy(i_line, a->iline[axis],
         (axis == XB_ROW ? a->n : a->m) * sizeof(double));
  return XB_OK;
}

int xb_array_stats(const xb_array *a, xb_solve_stats *s)
{
  int rc = xb__need_solved(a, NULL);
  if (!rc && s)
    *s = a->stats;
  return rc;
}

/* ---- read-only view (array_view.h) --------------------------------------- */

double xb__array_rw(const xb_array *a, int axis, size_t i, size_t j)
{
  return xb__rw(a, axis, i, j);
}

const xb_cells *xb__array_cells(const xb_array *a) { return a->cells; }

int xb__array_nonlinear(const xb_array *a)
{
  if (!a->cells)
    return 0;
  const xb_device *d = xb_cells_device(a->cells);
  return xb_device_type_of(d)->iv != NULL || xb_device_elec(d)->iv != 0;
}
