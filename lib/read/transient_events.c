/*
 * The comparators of the transient read: the event loop that integrates
 * over the read window and runs every line's read circuit as a state
 * machine. A threshold crossing (a root of V_k - V_h while integrating, of
 * V_k - V_l while resetting) schedules the comparator's output toggle
 * t_delay later, reached with a stop time; a toggle closes or opens the
 * line's reset gate, which changes the equations, so the integrator is
 * restarted there. It reaches IDA or CVODE only through an
 * xb__tr_integ_type, so it holds no SUNDIALS call.
 */
#include <stdlib.h>

#include "transient_impl.h"

void xb__tr_thresholds(const xb__tr_line *ls, size_t nout, double v_reset,
                       const double *y, double *g)
{
  for (size_t k = 0; k < nout; k++) {
    const xb__tr_line *l = &ls[k];
    double u = v_reset + l->pol * (y[l->node] - v_reset);
    if (l->phase == XB__TR_INT)
      g[k] = u - l->vh;
    else if (l->phase == XB__TR_RESET)
      g[k] = u - l->vl;
    else
      g[k] = 1.0;
  }
}

/* Root directions from the phases: a rise while integrating, a fall while
 * resetting, none while a toggle is pending. */
static void directions(const xb__tr_integ_type *type, void *mem,
                       const xb__tr_line *ls, size_t nout, int *dir)
{
  for (size_t k = 0; k < nout; k++)
    dir[k] = ls[k].phase == XB__TR_INT ? 1
                                       : (ls[k].phase == XB__TR_RESET ? -1 : 0);
  type->directions(mem, dir);
}

/* Integrate over [0, window] with the comparator state machine: a root of
 * an integrating line schedules the rising output t_d later (a spike: the
 * gate closes), a root of a resetting line schedules the falling output
 * (the gate opens); *sw[k] is line k's gate conductance, 1 / r_reset when
 * closed. */
int xb__tr_event_loop(xb__tr_run *run, const xb__tr_integ_type *type,
                      void *mem, double **sw, xb_err *err)
{
  const xb_read_params *rp = run->rp;
  xb__tr_line *ls = run->ls;
  size_t nout = run->nout, cap = run->cap;
  double *times = run->times;
  double t_end = rp->window, t_delay = rp->t_delay;
  double g_reset = 1.0 / rp->r_reset;
  double t_latch = 20 * rp->r_reset * rp->c_int;
  int *dir = malloc(nout * sizeof(int)), *found = malloc(nout * sizeof(int));
  int rc = XB_OK, flag;
  double t = 0;
  if (!dir || !found) {
    rc = xb__err(err, XB_ENOMEM, "root flags");
    goto done;
  }
  directions(type, mem, ls, nout, dir);
  while (t < t_end) {
    double next = t_end;
    for (size_t k = 0; k < nout; k++)
      if ((ls[k].phase == XB__TR_PEND_ON || ls[k].phase == XB__TR_PEND_OFF) &&
          ls[k].toggle < next)
        next = ls[k].toggle;
    int found_root = 0, changed = 0;
    if (next > t) {
      flag = type->advance(mem, next, &t, found);
      if (flag < 0) {
        rc = xb__err(err, XB_ENOCONV,
                     "transient read: %s failed (flag %d) at t = %g s",
                     type->name, flag, t);
        goto done;
      }
      if (flag > 0) {
        for (size_t k = 0; k < nout; k++) {
          if (!found[k])
            continue;
          if (ls[k].phase == XB__TR_INT)
            ls[k].phase = XB__TR_PEND_ON;
          else if (ls[k].phase == XB__TR_RESET)
            ls[k].phase = XB__TR_PEND_OFF;
          else
            continue;
          ls[k].toggle = t + t_delay;
          found_root = 1;
        }
      }
    }
    for (size_t k = 0; k < nout; k++) { /* toggles that are due */
      xb__tr_line *l = &ls[k];
      if ((l->phase != XB__TR_PEND_ON && l->phase != XB__TR_PEND_OFF) ||
          l->toggle > t * (1 + 1e-12) + 1e-21)
        continue;
      if (l->phase == XB__TR_PEND_ON) {
        if (times && (size_t)l->count < cap)
          times[k * cap + (size_t)l->count] = l->toggle;
        l->count++;
        *sw[k] = g_reset;
        l->phase = XB__TR_RESET;
      } else {
        *sw[k] = 0.0;
        l->phase = XB__TR_INT;
      }
      run->nevents++;
      changed = 1;
    }
    if (changed && t < t_end) {
      run->nsteps += type->steps(mem); /* a restart zeroes the counter */
      if ((flag = type->restart(mem, t)) < 0) {
        rc = xb__err(err, XB_ENOCONV, "transient read: restart failed "
                     "(flag %d) at t = %g s", flag, t);
        goto done;
      }
    }
    /* A line that found its root waits for its toggle without a root
     * function; the root finder re-evaluates them all before going on. */
    if (changed || found_root)
      directions(type, mem, ls, nout, dir);
  }
  run->nsteps += type->steps(mem);
  /* A gate closed for t_latch (many reset time constants) without the node
   * reaching v_tl holds it above: the circuit has latched, as
   * xb_read_count reports for a constant current. */
  for (size_t k = 0; k < nout && !rc; k++)
    if (ls[k].phase == XB__TR_RESET && t_end - ls[k].toggle > t_latch) {
      double v = type->state(mem)[ls[k].node];
      rc = xb__err(err, XB_ERANGE,
                   "read circuit on output line %zu latches: its reset gate "
                   "has held the node at %g V (above v_tl) since %g s", k,
                   v, ls[k].toggle);
    }
done:
  free(dir);
  free(found);
  return rc;
}
