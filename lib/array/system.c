/*
 * The nodal system of the array (xbar/array.h): T_r R - G C = b_r,
 * -G R + T_c C = b_c, with T_r, T_c the row and column wire Laplacians
 * plus the source conductances at the line ends plus G. This file owns
 * what every linear solver of it shares: the connectivity check, the wire
 * and end conductances and the tridiagonal factors of T_r and T_c
 * (pivots d_j = diag_j - w_{j-1}^2 / d_{j-1}, kept until gl, the wires or
 * the line connections change), the column-layer solve T_c^-1, the
 * right-hand sides, and what follows from a solution: line currents and
 * the true residual of the full system.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "array_impl.h"

/* ---- connectivity -------------------------------------------------------- */

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

/* ---- tridiagonal layers -------------------------------------------------- */

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
      w[b] = xb__roww(a, i);
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
    const double *g = a->gl + i * ld, *wd = xb__colw(a, i);
    const double *wu = i ? xb__colw(a, i - 1) : a->zero;
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

int xb__array_factor(xb_array *a, xb_err *err)
{
  if (!a->factored) {
    int rc = check_grounded(a, err);
    if (rc)
      return rc;
    factor(a);
  }
  return XB_OK;
}

/* y = T_c^-1 y in place, all columns at once; columns [j0, j1). */
static void col_solve_range(const xb_array *a, double *y, size_t j0,
                            size_t j1)
{
  size_t n = a->n, ld = a->ld;
  for (size_t i = 1; i < n; i++) {
    const double *restrict w = xb__colw(a, i - 1);
    const double *restrict dp = a->fcd + (i - 1) * ld;
    const double *restrict yp = y + (i - 1) * ld;
    double *restrict yi = y + i * ld;
    for (size_t j = j0; j < j1; j++)
      yi[j] += w[j] * dp[j] * yp[j];
  }
  for (size_t i = n; i-- > 0;) {
    const double *restrict w = xb__colw(a, i), *restrict dd = a->fcd + i * ld;
    const double *restrict yn = i + 1 < n ? y + (i + 1) * ld : a->zero;
    double *restrict yi = y + i * ld;
    for (size_t j = j0; j < j1; j++)
      yi[j] = dd[j] * (yi[j] + w[j] * yn[j]);
  }
}

/* Column range of this thread: contiguous blocks of whole cache lines. */
void xb__array_thread_cols(const xb_array *a, size_t *j0, size_t *j1)
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

void xb__array_col_solve(const xb_array *a, double *y)
{
#pragma omp parallel if (XB__PAR)
  {
    size_t j0, j1;
    xb__array_thread_cols(a, &j0, &j1);
    col_solve_range(a, y, j0, j1);
  }
}

/* ---- right-hand sides and what follows from a solution ------------------- */

/* q = T_r p (for the residual check). */
static void row_apply(const xb_array *a, const double *p, double *q)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  const double *rgn = a->gend[XB_ROW][0], *rgf = a->gend[XB_ROW][1];
  for (size_t i = 0; i < n; i++) {
    const double *w = xb__roww(a, i), *g = a->gl + i * ld, *pi = p + i * ld;
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
void xb__array_rhs_col(const xb_array *a, double *bc)
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

void xb__array_rhs_row(const xb_array *a, double *br)
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
void xb__array_columns_from_rows(xb_array *a)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  xb__array_rhs_col(a, a->vc);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++)
      a->vc[i * ld + j] += a->gl[i * ld + j] * a->x[i * ld + j];
  xb__array_col_solve(a, a->vc);
}

/* Line currents of the present iterate from the cell currents
 * gl (R - C) + ieq; floating lines carry none. Returns max |I|. */
double xb__array_line_currents(xb_array *a)
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
    imax = xb__maxabs(imax, ir[i]);
  }
  for (size_t j = 0; j < m; j++) {
    if (a->col[j].mode == XB_LINE_FLOAT)
      ic[j] = 0;
    imax = xb__maxabs(imax, ic[j]);
  }
  return imax;
}

int xb_array_residual(xb_array *a, double *res, xb_err *err)
{
  int rc = xb__need_solved(a, err);
  if (rc)
    return rc;
  if (!res)
    return xb__err(err, XB_EINVAL, "NULL output");
  /* Full system residual: rows T_r R - G C - b_r, columns -G R + T_c C -
   * b_c; T_c C is formed column-wise the same way as T_r R. */
  size_t n = a->n, m = a->m, ld = a->ld;
  double num = 0, den = 0;
  row_apply(a, a->x, a->q);
  xb__array_rhs_row(a, a->b);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      size_t k = i * ld + j;
      double rr = a->q[k] - a->gl[k] * a->vc[k] - a->b[k];
      num += rr * rr;
      den += a->b[k] * a->b[k];
    }
  xb__array_rhs_col(a, a->b);
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
