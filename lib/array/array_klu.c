/*
 * Reference linear solver of the crossbar network (p.solver = 1): assemble
 * the full 2NM x 2NM nodal matrix (row nodes first, then column nodes,
 * both row-major) in compressed-column form and solve it with SuiteSparse
 * KLU, default ordering. It shares nothing with the fast solver but the
 * network description (gl, ieq, wires, line ends) and the line currents of
 * system.c, so agreement between the two is a real check. It is the
 * xb__array_linsol_klu descriptor, chosen in solve.c; nothing else in the
 * array module names it. The array's only KLU file (the transient read's
 * full method has its own).
 */
#include <klu.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array_impl.h"

static int solve_klu(xb_array *a, xb_err *err)
{
  size_t n = a->n, m = a->m, ld = a->ld, nm = n * m, N = 2 * nm;
  size_t nnz = 8 * nm; /* at most 4 entries per node */
  if (N > INT_MAX / 8)
    return xb__err(err, XB_ESIZE, "KLU reference limited to 2^27 nodes");
  int *Ap = malloc((N + 1) * sizeof(int));
  int *Ai = malloc(nnz * sizeof(int));
  double *Ax = malloc(nnz * sizeof(double));
  double *b = calloc(N, sizeof(double));
  klu_symbolic *sym = NULL;
  klu_numeric *num = NULL;
  klu_common common;
  klu_defaults(&common);
  int rc = XB_OK;
  if (!Ap || !Ai || !Ax || !b) {
    rc = xb__err(err, XB_ENOMEM, "KLU matrix of %zu nodes", N);
    goto done;
  }
  int p = 0;
#define PUT(row, val)                                                         \
  do {                                                                        \
    Ai[p] = (int)(row);                                                       \
    Ax[p] = (val);                                                            \
    p++;                                                                      \
  } while (0)
  /* Row nodes R(i,j) = i*m + j. */
  for (size_t i = 0; i < n; i++) {
    double gn, gf;
    xb__line_ends(&a->row[i], &gn, &gf);
    for (size_t j = 0; j < m; j++) {
      size_t k = i * m + j;
      double g = a->gl[i * ld + j];
      double wl = j > 0 ? xb__wr(a, i, j - 1) : 0;
      double wr = j + 1 < m ? xb__wr(a, i, j) : 0;
      double diag = wl + wr + g + (j == 0 ? gn : 0) + (j + 1 == m ? gf : 0);
      Ap[k] = p;
      if (j > 0)
        PUT(k - 1, -wl);
      PUT(k, diag);
      if (j + 1 < m)
        PUT(k + 1, -wr);
      PUT(nm + k, -g);
      b[k] = (j == 0 ? gn : 0) * a->row[i].v +
             (j + 1 == m ? gf : 0) * a->row[i].v -
             (a->ieq ? a->ieq[i * ld + j] : 0);
    }
  }
  /* Column nodes C(i,j) = nm + i*m + j. */
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      double gn, gf;
      xb__line_ends(&a->col[j], &gn, &gf);
      size_t k = nm + i * m + j;
      double g = a->gl[i * ld + j];
      double wu = i > 0 ? xb__wc(a, i - 1, j) : 0;
      double wd = i + 1 < n ? xb__wc(a, i, j) : 0;
      double diag = wu + wd + g + (i == 0 ? gn : 0) + (i + 1 == n ? gf : 0);
      Ap[k] = p;
      PUT(k - nm, -g);
      if (i > 0)
        PUT(k - m, -wu);
      PUT(k, diag);
      if (i + 1 < n)
        PUT(k + m, -wd);
      b[k] = (i == 0 ? gn : 0) * a->col[j].v +
             (i + 1 == n ? gf : 0) * a->col[j].v +
             (a->ieq ? a->ieq[i * ld + j] : 0);
    }
  Ap[N] = p;
#undef PUT
  sym = klu_analyze((int)N, Ap, Ai, &common);
  num = sym ? klu_factor(Ap, Ai, Ax, sym, &common) : NULL;
  if (!sym || !num || !klu_solve(sym, num, (int)N, 1, b, &common)) {
    rc = xb__err(err,
                 common.status == KLU_OUT_OF_MEMORY ? XB_ENOMEM
                                                    : XB_ESINGULAR,
                 "KLU failed (status %d)", common.status);
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      a->x[i * ld + j] = b[i * m + j];
      a->vc[i * ld + j] = b[nm + i * m + j];
    }
  a->stats.err_bound = 0;
  xb__array_line_currents(a);
done:
  if (num)
    klu_free_numeric(&num, &common);
  if (sym)
    klu_free_symbolic(&sym, &common);
  free(Ap);
  free(Ai);
  free(Ax);
  free(b);
  return rc;
}

const xb__array_linsol xb__array_linsol_klu = {
    .name = "KLU reference (full nodal matrix)",
    .solve = solve_klu,
};
