/*
 * Matrices of the transient read. The full RC network as two matrices on
 * one sparse pattern: G, the conductances of the DC network (wires, cells,
 * the source connections at the line ends, from the array's own settings),
 * and M, the capacitances (cw from every node to ground, cr across every
 * cell), in compressed-column form over all 2NM nodes, with the source
 * vector b; the full method integrates M y' + G y = b with them. And a
 * dense Cholesky factorisation for the small SPD matrices of both methods
 * (the Woodbury capacitance matrix of the closed reset gates, the reduced
 * method's C_eff). No SUNDIALS here.
 */
#include <math.h>
#include <stdlib.h>

#include "transient_impl.h"

/* Conductance (S) of wire segment (i, j) of `axis`. */
static double wire_g(const xb_array *a, int axis, size_t i, size_t j)
{
  return 1.0 / xb__array_rw(a, axis, i, j);
}

/* Pattern and values of G and M (CSC, symmetric, rows sorted). Line ends
 * with a source contribute to G and b; floating lines nothing. */
int xb__tr_net_assemble(xb__tr_net *T, const xb_array *a, double cw,
                        double cr)
{
  size_t n = xb_array_rows(a), m = xb_array_cols(a), nm = n * m;
  const double *gc = xb_array_g(a);
  T->N = (xb__tr_index)(2 * nm);
  size_t cap = 8 * nm;
  T->colptr = malloc((2 * nm + 1) * sizeof(xb__tr_index));
  T->rowval = malloc(cap * sizeof(xb__tr_index));
  T->diag = malloc(2 * nm * sizeof(xb__tr_index));
  T->gx = malloc(cap * sizeof(double));
  T->mx = malloc(cap * sizeof(double));
  T->b = calloc(2 * nm, sizeof(double));
  T->sw = calloc(2 * nm, sizeof(double));
  if (!T->colptr || !T->rowval || !T->diag || !T->gx || !T->mx || !T->b ||
      !T->sw)
    return XB_ENOMEM;
  xb__tr_index p = 0;
#define PUT(row, gval, mval)                                                  \
  do {                                                                        \
    T->rowval[p] = (xb__tr_index)(row);                                       \
    T->gx[p] = (gval);                                                        \
    T->mx[p] = (mval);                                                        \
    p++;                                                                      \
  } while (0)
  for (size_t i = 0; i < n; i++) {
    xb_line l;
    double gn, gf;
    xb_array_get_line(a, XB_ROW, i, &l);
    xb__line_ends(&l, &gn, &gf);
    for (size_t j = 0; j < m; j++) {
      size_t k = i * m + j;
      double g = gc[k];
      double wl = j > 0 ? wire_g(a, XB_ROW, i, j - 1) : 0;
      double wr = j + 1 < m ? wire_g(a, XB_ROW, i, j) : 0;
      double ge = (j == 0 ? gn : 0) + (j + 1 == m ? gf : 0);
      T->colptr[k] = p;
      if (j > 0)
        PUT(k - 1, -wl, 0.0);
      T->diag[k] = p;
      PUT(k, wl + wr + g + ge, cw + cr);
      if (j + 1 < m)
        PUT(k + 1, -wr, 0.0);
      PUT(nm + k, -g, -cr);
      T->b[k] = ge * l.v;
    }
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      xb_line l;
      double gn, gf;
      xb_array_get_line(a, XB_COL, j, &l);
      xb__line_ends(&l, &gn, &gf);
      size_t k = nm + i * m + j;
      double g = gc[i * m + j];
      double wu = i > 0 ? wire_g(a, XB_COL, i - 1, j) : 0;
      double wd = i + 1 < n ? wire_g(a, XB_COL, i, j) : 0;
      double ge = (i == 0 ? gn : 0) + (i + 1 == n ? gf : 0);
      T->colptr[k] = p;
      PUT(k - nm, -g, -cr);
      if (i > 0)
        PUT(k - m, -wu, 0.0);
      T->diag[k] = p;
      PUT(k, wu + wd + g + ge, cw + cr);
      if (i + 1 < n)
        PUT(k + m, -wd, 0.0);
      T->b[k] = ge * l.v;
    }
#undef PUT
  T->colptr[2 * nm] = p;
  T->nnz = p;
  return XB_OK;
}

void xb__tr_net_free(xb__tr_net *T)
{
  free(T->colptr);
  free(T->rowval);
  free(T->diag);
  free(T->gx);
  free(T->mx);
  free(T->b);
  free(T->sw);
}

/* ---- dense Cholesky ------------------------------------------------------ */

int xb__tr_chol(double *A, size_t k)
{
  for (size_t j = 0; j < k; j++) {
    double d = A[j * k + j];
    for (size_t p = 0; p < j; p++)
      d -= A[j * k + p] * A[j * k + p];
    if (!(d > 0))
      return -1;
    d = sqrt(d);
    A[j * k + j] = d;
    for (size_t i = j + 1; i < k; i++) {
      double v = A[i * k + j];
      for (size_t p = 0; p < j; p++)
        v -= A[i * k + p] * A[j * k + p];
      A[i * k + j] = v / d;
    }
  }
  return 0;
}

void xb__tr_chol_solve(const double *L, size_t k, double *x)
{
  for (size_t i = 0; i < k; i++) {
    double v = x[i];
    for (size_t p = 0; p < i; p++)
      v -= L[i * k + p] * x[p];
    x[i] = v / L[i * k + i];
  }
  for (size_t i = k; i-- > 0;) {
    double v = x[i];
    for (size_t p = i + 1; p < k; p++)
      v -= L[p * k + i] * x[p];
    x[i] = v / L[i * k + i];
  }
}
