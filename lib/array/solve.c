/*
 * xb_array_solve: the one entry to a DC solve. It loads the conductances
 * (from the cell array when one is set), picks the linear solver from
 * p.solver in the table below (0 the fast PCG of cg.c, 1 the KLU reference
 * of array_klu.c) and runs it once for ohmic cells or under Newton
 * (newton.c) for a nonlinear I-V, timing the whole. A new linear solver is
 * one descriptor and one entry in that table; nothing below this file
 * knows which solver it runs under.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array_impl.h"

/* Linear solvers by p.solver (xb_param_check keeps it in range). */
static const xb__array_linsol *const solvers[] = {
    &xb__array_linsol_pcg, /* 0 */
    &xb__array_linsol_klu, /* 1 */
};

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
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

int xb_array_solve(xb_array *a, xb_err *err)
{
  if (!a)
    return xb__err(err, XB_EINVAL, "NULL array");
  double t0 = now();
  memset(&a->stats, 0, sizeof a->stats);
  a->solved = 0;
  load_g(a);
  const xb__array_linsol *ls = solvers[a->p.solver];
  int rc;
  if (xb__array_nonlinear(a)) {
    rc = xb__array_newton(a, ls, err);
  } else {
    if (a->ieq) {
      free(a->ieq);
      a->ieq = NULL;
    }
    rc = xb__array_solve_linear(a, ls, err);
  }
  a->stats.seconds = now() - t0;
  if (!rc)
    a->solved = 1;
  return rc;
}
