/*
 * Transient integrate-and-fire read of an array (xb_read_transient in
 * xbar/read.h): the read itself. It checks the options, saves the array's
 * line settings, drives the inputs and holds every sensed line's far end
 * (its integration node) at V_reset for the DC start state y0 and the
 * currents I0 that set each comparator's threshold, then runs the chosen
 * method: full (transient_full.c, IDA on every node of the RC network) or
 * reduced (transient_reduced.c, CVODE on the quasi-static reduction), both
 * under the comparators of transient_events.c. The line settings are
 * restored on every return.
 *
 * Workload: the 16 x 16 and 32 x 32 cross-checks against ngspice and array
 * reads up to a few hundred lines; a read window holds a few spikes per
 * line, so a run has a few hundred toggles.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transient_impl.h"

#define XB_PARAM_T xb_transient_params
XB_PARAM_SET_DEFINE(xb_transient_param_set, "transient", XB_TRANSIENT_PARAMS,
                    NULL)
#undef XB_PARAM_T

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* ---- the read ------------------------------------------------------------ */

int xb_read_transient(const xb_read *r, xb_array *a, int in_axis,
                      const double *v_in, const unsigned char *active,
                      int unselected, double v_bias,
                      const signed char *polarity,
                      const xb_transient_params *tp, int *spikes,
                      double *times, size_t cap, xb_transient_stats *stats,
                      xb_err *err)
{
  double t_wall = now();
  if (!r || !a || !v_in || !spikes || (in_axis != XB_ROW && in_axis != XB_COL))
    return xb__err(err, XB_EINVAL, "NULL argument or bad axis");
  if (unselected != XB_LINE_FLOAT && unselected != XB_LINE_DRIVE)
    return xb__err(err, XB_EINVAL,
                   "unselected lines must float or be driven at a bias");
  xb_transient_params P;
  if (tp)
    P = *tp;
  else
    xb_param_defaults(&xb_transient_param_set, &P);
  int rc = xb_param_check(&xb_transient_param_set, &P, err);
  if (rc)
    return rc;
  if (xb__array_nonlinear(a))
    return xb__err(err, XB_EINVAL, "transient read supports ohmic cells only");
  const xb_read_params *rp = xb_read_params_of(r);
  int out_axis = 1 - in_axis;
  size_t n = xb_array_rows(a), m = xb_array_cols(a), nm = n * m;
  size_t nin = in_axis == XB_ROW ? n : m, nout = out_axis == XB_ROW ? n : m;
  xb_line *save_r = malloc(n * sizeof(xb_line));
  xb_line *save_c = malloc(m * sizeof(xb_line));
  double *y0 = malloc(2 * nm * sizeof(double));
  double *I0 = malloc(nout * sizeof(double));
  xb__tr_line *ls = calloc(nout, sizeof(xb__tr_line));
  xb__tr_run run = {rp, &P, ls, nout, times, cap, 0, 0};
  if (!save_r || !save_c || !y0 || !I0 || !ls) {
    rc = xb__err(err, XB_ENOMEM, "transient read");
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    xb_array_get_line(a, XB_ROW, i, &save_r[i]);
  for (size_t j = 0; j < m; j++)
    xb_array_get_line(a, XB_COL, j, &save_c[j]);

  /* Inputs as asked; each output line held at V_reset at its far end (the
   * integration node): the DC starting state and the currents I0. */
  for (size_t k = 0; k < nin && !rc; k++) {
    if (!active || active[k])
      rc = xb_array_drive(a, in_axis, k, v_in[k], err);
    else if (unselected == XB_LINE_DRIVE)
      rc = xb_array_drive(a, in_axis, k, v_bias, err);
    else
      rc = xb_array_float(a, in_axis, k, err);
  }
  for (size_t k = 0; k < nout && !rc; k++) {
    xb_line l = {XB_LINE_SENSE, rp->v_reset, XB_END_FAR, 1e-6};
    rc = xb_array_set_line(a, out_axis, k, &l, err);
  }
  if (!rc)
    rc = xb_array_solve(a, err);
  if (!rc)
    rc = xb_array_node_v(a, y0, y0 + nm);
  if (!rc)
    rc = xb_array_line_i(a, out_axis, I0);
  if (rc)
    goto done;
  for (size_t k = 0; k < nout; k++) {
    ls[k].pol = polarity && polarity[k] < 0 ? -1.0 : 1.0;
    ls[k].vh = xb_read_threshold(r, I0[k]) + rp->offset;
    ls[k].vl = rp->v_tl + rp->offset;
    ls[k].phase = XB__TR_INT;
  }
  if (P.method == 1) {
    /* The full network: output lines have no source of their own. */
    for (size_t k = 0; k < nout && !rc; k++)
      rc = xb_array_float(a, out_axis, k, err);
    if (!rc)
      rc = xb__tr_run_full(a, &run, y0, out_axis, err);
  } else {
    rc = xb__tr_run_reduced(a, &run, in_axis, I0, err);
  }
  for (size_t k = 0; !rc && k < nout; k++)
    spikes[k] = ls[k].count;

done:
  if (save_r && save_c) {
    for (size_t i = 0; i < n; i++)
      xb_array_set_line(a, XB_ROW, i, &save_r[i], NULL);
    for (size_t j = 0; j < m; j++)
      xb_array_set_line(a, XB_COL, j, &save_c[j], NULL);
  }
  free(save_r);
  free(save_c);
  free(y0);
  free(I0);
  free(ls);
  if (stats) {
    stats->steps = run.nsteps;
    stats->events = run.nevents;
    stats->seconds = now() - t_wall;
  }
  return rc;
}
