/*
 * Newton iteration for arrays of nonlinear cells (a device with a sinh
 * I-V, xbar/device.h). Each step linearises every cell at its present
 * voltage v into its companion model, conductance dI/dV in parallel with
 * the current source I(v) - dI/dV v, and solves that linear network with
 * the linear solver it is given; it stops when no line current moves by
 * more than newton_tol times the largest. Starts from the small-signal
 * solve (cells at their stored conductances, no sources).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array_impl.h"

/* Newton on the cell I-V: each step linearises every cell at its present
 * voltage (conductance dI/dV and a parallel current source) and solves. */
int xb__array_newton(xb_array *a, const xb__array_linsol *ls, xb_err *err)
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
  int rc = xb__array_solve_linear(a, ls, err); /* small-signal start */
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
    rc = xb__array_solve_linear(a, ls, err);
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
