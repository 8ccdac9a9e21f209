/*
 * Private definitions of the array module: the array struct and the
 * interface between its files. Not installed.
 *
 * Layers, lowest first (no file calls one above it):
 *   array.c     the object: creation, settings, line set-up, results;
 *   system.c    the nodal system: connectivity, wire and end conductances,
 *               the tridiagonal factors of T_r and T_c, the column solve,
 *               right-hand sides, line currents, the full residual;
 *   cg.c        the fast linear solver (PCG on the Schur complement),
 *   array_klu.c the KLU reference linear solver: both are
 *               xb__array_linsol descriptors over the system above;
 *   newton.c    Newton on a nonlinear cell I-V, over any linear solver;
 *   solve.c     xb_array_solve: picks the linear solver from p.solver and
 *               runs it directly or under Newton;
 *   bias.c      reads and write biasing, on the public calls only.
 */
#ifndef XBAR_ARRAY_IMPL_H
#define XBAR_ARRAY_IMPL_H

#include <xbar/array.h>

#include "../core/core_impl.h"
#include "array_view.h"

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
  xb_solve_stats stats;
};

/* Wire resistance (Ohm) of segment (i, j) of `axis` (see xb__array_rw). */
static inline double xb__rw(const xb_array *a, int axis, size_t i, size_t j)
{
  if (axis == XB_ROW)
    return a->rw_row ? a->rw_row[i * (a->m - 1) + j] : a->p.rw_row;
  return a->rw_col ? a->rw_col[i * a->m + j] : a->p.rw_col;
}

/* Wire conductance of segment k of row i / column j. */
static inline double xb__wr(const xb_array *a, size_t i, size_t j)
{
  return 1.0 / xb__rw(a, XB_ROW, i, j);
}
static inline double xb__wc(const xb_array *a, size_t i, size_t j)
{
  return 1.0 / xb__rw(a, XB_COL, i, j);
}

/* Wires of row i (entry m-1 is 0) and of the column segments below row i
 * (row n-1: all 0), as laid out by xb__array_factor. */
static inline const double *xb__roww(const xb_array *a, size_t i)
{
  return a->wr ? a->wr + i * a->ld : a->wr_uni;
}
static inline const double *xb__colw(const xb_array *a, size_t i)
{
  if (i + 1 >= a->n)
    return a->zero;
  return a->wc ? a->wc + i * a->ld : a->wc_uni;
}

static inline double xb__maxabs(double m, double v)
{
  v = v < 0 ? -v : v;
  return v > m ? v : m;
}

/* Large arrays split their row loops over OpenMP threads; every reduction
 * goes through per-row partial sums added in order, so results do not
 * depend on the thread count. */
#define XB__PAR (a->n * a->m >= 262144)

/* Line settings of mode `mode` at voltage v with the array's default ends
 * and resistances. */
static inline void xb__default_line(const xb_array *a, int axis, int mode,
                                    double v, xb_line *l)
{
  l->mode = mode;
  l->v = v;
  l->ends = axis == XB_ROW ? a->p.row_ends : a->p.col_ends;
  l->r = mode == XB_LINE_SENSE ? a->p.r_sense : a->p.r_drive;
}

/* XB_ESTATE unless the results of a solve are valid. */
static inline int xb__need_solved(const xb_array *a, xb_err *err)
{
  if (!a)
    return xb__err(err, XB_EINVAL, "NULL array");
  if (!a->solved)
    return xb__err(err, XB_ESTATE, "no solve since the last change");
  return XB_OK;
}

/* ---- the nodal system (system.c) ----------------------------------------- */

/* When the factors are stale: check that every group of lines reaches a
 * source (XB_ESINGULAR naming a line if not), then build the wire and end
 * conductances, the line sums and the factors of T_r and T_c for gl. */
int xb__array_factor(xb_array *a, xb_err *err);
/* Column range [j0, j1) of the calling OpenMP thread: whole cache lines. */
void xb__array_thread_cols(const xb_array *a, size_t *j0, size_t *j1);
/* y = T_c^-1 y in place, all columns at once. */
void xb__array_col_solve(const xb_array *a, double *y);
/* Right-hand sides of the row and the column layer: source terms at the
 * line ends and the Newton current sources. */
void xb__array_rhs_row(const xb_array *a, double *br);
void xb__array_rhs_col(const xb_array *a, double *bc);
/* Column voltages from the row voltages: vc = T_c^-1 (b_c + G x). */
void xb__array_columns_from_rows(xb_array *a);
/* Line currents of the present x, vc into iline; returns max |I|. */
double xb__array_line_currents(xb_array *a);

/* ---- linear solvers (cg.c, array_klu.c) ---------------------------------- */

/* A solver of the linear network (gl, ieq) on fresh factors
 * (xb__array_factor): fills x, vc, iline and stats.err_bound, adds its
 * iterations to stats.iterations. Selected by p.solver in solve.c. */
typedef struct xb__array_linsol {
  const char *name;
  int (*solve)(xb_array *a, xb_err *err);
} xb__array_linsol;

extern const xb__array_linsol xb__array_linsol_pcg; /* cg.c */
extern const xb__array_linsol xb__array_linsol_klu; /* array_klu.c */

/* One linear solve: factors brought up to date, then the solver. */
static inline int xb__array_solve_linear(xb_array *a,
                                         const xb__array_linsol *ls,
                                         xb_err *err)
{
  int rc = xb__array_factor(a, err);
  return rc ? rc : ls->solve(a, err);
}

/* ---- Newton (newton.c) --------------------------------------------------- */

/* Solve a network of nonlinear cells with linear solver ls: Newton on the
 * cell I-V; sets stats.newton. */
int xb__array_newton(xb_array *a, const xb__array_linsol *ls, xb_err *err);

#endif
