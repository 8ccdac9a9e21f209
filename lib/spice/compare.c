/*
 * Differential check of the array solver against ngspice: solve the same
 * network in both and compare line currents.
 *
 * xb_spice_array_currents writes the array's netlist (resistor cells,
 * ".op"), has the runner load and run it, and sums the branch currents of
 * each line's source(s). The netlist puts each source's + terminal on the
 * array side, so ngspice's branch current (into the + terminal) is already
 * the current flowing from the line into its source: xbar's convention of
 * xb_array_line_i, with no sign change. Uses only the public runner and
 * netlist API, so it does not depend on ngspice's header.
 *
 * Workload: one ngspice .op per call, arrays up to about 32 x 32.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/spice.h>

#include "../core/core_impl.h"

int xb_spice_array_currents(xb_spice *s, const xb_array *a, double *i_row,
                            double *i_col, xb_err *err)
{
  if (!s || !a)
    return xb__err(err, XB_EINVAL, "NULL runner or array");
  xb_err local;
  xb_err *e = err ? err : &local;
  xb_err_clear(e);
  char *net = xb_spice_netlist_string(a, NULL, e);
  if (!net)
    return e->code ? e->code : XB_ENOMEM;
  int rc = xb_spice_load(s, net, e);
  free(net);
  if (!rc)
    rc = xb_spice_run(s, e);
  if (rc)
    return rc;
  size_t n = xb_array_rows(a), m = xb_array_cols(a);
  double *cur = calloc(n + m, sizeof(double));
  if (!cur)
    return xb__err(err, XB_ENOMEM, "line currents");
  for (size_t k = 0; k < n + m && !rc; k++) {
    int axis = k < n ? XB_ROW : XB_COL;
    size_t line = k < n ? k : k - n;
    xb_line l;
    xb_array_get_line(a, axis, line, &l);
    if (l.mode == XB_LINE_FLOAT)
      continue;
    for (int end = XB_END_NEAR; end <= XB_END_FAR && !rc; end++) {
      if (!(l.ends & end))
        continue;
      char name[64];
      double v = 0;
      size_t len = 0;
      xb_spice_branch_name(axis, line, end, name, sizeof name);
      rc = xb_spice_vec(s, name, &v, 1, &len, e);
      if (!rc && len != 1)
        rc = xb__err(e, XB_EDATA, "ngspice vector '%s' has %zu values", name,
                     len);
      cur[k] += v;
    }
  }
  if (!rc) {
    if (i_row)
      memcpy(i_row, cur, n * sizeof(double));
    if (i_col)
      memcpy(i_col, cur + n, m * sizeof(double));
  }
  free(cur);
  return rc;
}

double xb_spice_max_rel_err(const double *x, const double *ref, size_t n)
{
  if (n && (!x || !ref))
    return NAN;
  double e = 0;
  for (size_t k = 0; k < n; k++) {
    if (isnan(x[k]) || isnan(ref[k]))
      return NAN;
    double d = fabs(x[k] - ref[k]);
    if (ref[k] == 0)
      e = d == 0 ? e : INFINITY;
    else
      e = fmax(e, d / fabs(ref[k]));
  }
  return e;
}
