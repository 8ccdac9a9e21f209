/*
 * Private definitions of the array module: the array struct, shared by the
 * fast solver (array.c) and the KLU reference (array_klu.c). Not installed.
 */
#ifndef XBAR_ARRAY_IMPL_H
#define XBAR_ARRAY_IMPL_H

#include <xbar/array.h>

#include "../core/core_impl.h"

/* Node layout of the solver work arrays: N rows of `ld` doubles (ld >= M,
 * padded so column sweeps do not alias in the cache). */
struct xb_array {
  size_t n, m, ld;
  xb_array_params p;
  double *g;             /* N*M conductances (S), user layout */
  const xb_cells *cells; /* optional source of g and of a nonlinear I-V */
  double *rw_row;        /* N*(M-1) or NULL: uniform p.rw_row */
  double *rw_col;        /* (N-1)*M or NULL: uniform p.rw_col */
  xb_line *row, *col;    /* boundary conditions */

  /* Linear system currently factored: per-cell conductance (padded) and
   * optional per-cell current sources (Newton companion model). */
  double *gl, *ieq;
  int factored;          /* tridiagonal factors match gl, wires and ends */
  double *frd, *fcd;     /* row / column factors: inverse pivots */
  double *gsum;          /* per line (rows, then columns): sum of gl */
  double *gend[2][2];    /* [axis][near, far] source conductance per line */
  /* Wire conductances by segment: row i segment j at wr[i*ld + j], column
   * segment between rows i and i+1 at wc[i*ld + j]; the entry past the
   * last segment is 0. Uniform wires use one shared row (wr_uni, wc_uni)
   * instead of the full arrays (NULL then). */
  double *wr, *wc, *wr_uni, *wc_uni, *zero;
  double *part;          /* per-row partial sums (deterministic reductions) */
  double *esum;          /* per line: error bound sums of the stopping test */

  void *pool;            /* one block holding gl .. t below */
  /* Work vectors and results (padded N*ld). */
  double *x, *vc, *b, *r, *z, *pv, *q, *t;
  double *iline[2];      /* line currents of the last solve */
  int solved;
  int klu_done;          /* x/vc came from the KLU path */
  xb_solve_stats stats;
};

/* Conductance of the source connection at each end of a line (0 if none). */
static inline void xb__line_ends(const xb_line *l, double *g_near,
                                 double *g_far)
{
  double g = l->mode == XB_LINE_FLOAT ? 0.0 : 1.0 / l->r;
  *g_near = (l->ends & XB_END_NEAR) ? g : 0.0;
  *g_far = (l->ends & XB_END_FAR) ? g : 0.0;
}

/* Wire conductance of segment k of row i / column j. */
static inline double xb__wr(const xb_array *a, size_t i, size_t j)
{
  return 1.0 / (a->rw_row ? a->rw_row[i * (a->m - 1) + j] : a->p.rw_row);
}
static inline double xb__wc(const xb_array *a, size_t i, size_t j)
{
  return 1.0 / (a->rw_col ? a->rw_col[i * a->m + j] : a->p.rw_col);
}

/* KLU reference: solve the linear network (a->gl, a->ieq) into a->x (row
 * voltages) and a->vc (column voltages), padded layout. */
int xb__array_solve_klu(xb_array *a, xb_err *err);

#endif
