/*
 * Pulse-overlap parallel write (see xbar/write.h): the Z and r waveform
 * generators, their overlap, and the write of a whole array through its
 * resistive network.
 *
 * The array write cuts each half period of each repetition at every
 * waveform edge (Z window ends, r pulse starts and ends). Within a slice
 * every line holds one voltage, so one DC solve gives every cell's
 * voltage, and every cell receives one pulse of the slice's width at that
 * voltage. Slices in which every line rests at Vdd/2 are skipped (all cells
 * at 0 V). Workload: 100 x 100, about 15 x 2 edges per r level per half,
 * so a few hundred solves per write.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xbar/write.h>

#include "../core/core_impl.h"

static int check(const void *pp, xb_err *err)
{
  const xb_write_params *p = pp;
  if (2 * p->zbits > p->clocks)
    return xb__err_set(err, XB_ERANGE, NULL, 0, "zbits", 1, p->clocks / 2,
                       "[write] zbits = %d needs at least %d clocks (two "
                       "windows per write)",
                       p->zbits, 2 * p->zbits);
  double slot = 0.5 * p->t_write / p->r_levels;
  if (p->t_rpulse > slot)
    return xb__err_set(err, XB_ERANGE, NULL, 0, "t_rpulse", 0, slot,
                       "[write] t_rpulse = %g s does not fit %d pulses in a "
                       "half period (slot %g s)",
                       p->t_rpulse, p->r_levels, slot);
  return XB_OK;
}

#define XB_PARAM_T xb_write_params
XB_PARAM_SET_DEFINE(xb_write_param_set, "write", XB_WRITE_PARAMS, check)
#undef XB_PARAM_T

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int xb_write_z_window(const xb_write_params *p, int z, int h, double *t0,
                      double *t1, xb_err *err)
{
  if (!p || !t0 || !t1 || (h != 0 && h != 1))
    return xb__err(err, XB_EINVAL, "NULL argument or half not 0/1");
  if (z < 0 || z > p->zbits)
    return xb__err_set(err, XB_ERANGE, NULL, 0, "z", 0, p->zbits,
                       "z = %d outside 0..%d", z, p->zbits);
  double half = 0.5 * p->t_write, tclk = p->t_write / p->clocks;
  *t0 = h * half;
  *t1 = *t0 + z * tclk;
  return XB_OK;
}

int xb_write_r_pulses(const xb_write_params *p, int r, int q, double *start,
                      size_t cap, int *n, int *h, xb_err *err)
{
  if (!p || !n || !h || q < 0 || q >= p->reps)
    return xb__err(err, XB_EINVAL, "NULL argument or repetition outside "
                   "0..reps-1");
  int ar = abs(r);
  if (ar > p->r_levels)
    return xb__err_set(err, XB_ERANGE, NULL, 0, "r", -p->r_levels,
                       p->r_levels, "r = %d outside -%d..%d", r, p->r_levels,
                       p->r_levels);
  if ((size_t)ar > cap || (ar && !start))
    return xb__err(err, XB_EINVAL, "room for %zu pulse times, %d needed", cap,
                   ar);
  double half = 0.5 * p->t_write;
  *h = r < 0 ? 1 : 0;
  *n = ar;
  if (ar)
    for (int k = 0; k < ar; k++) {
      double slot = half / ar;
      /* Pulses fill [start, start + width) inside their slot. */
      double s = (k + (q + 0.5) / p->reps) * slot;
      if (s + p->t_rpulse > (k + 1) * slot)
        s = (k + 1) * slot - p->t_rpulse;
      start[k] = *h * half + s;
    }
  return XB_OK;
}

static double overlap1(double a0, double a1, double b0, double b1)
{
  double lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
  return hi > lo ? hi - lo : 0.0;
}

double xb_write_overlap(const xb_write_params *p, int r, int z)
{
  double total = 0, st[1024];
  for (int q = 0; q < p->reps; q++) {
    int n, h;
    double z0, z1;
    if (xb_write_r_pulses(p, r, q, st, 1024, &n, &h, NULL) ||
        xb_write_z_window(p, z, h, &z0, &z1, NULL))
      return NAN;
    for (int k = 0; k < n; k++)
      total += overlap1(st[k], st[k] + p->t_rpulse, z0, z1);
  }
  return r > 0 ? -total : total;
}

double xb_write_ideal(const xb_write_params *p, int r, int z)
{
  double half = 0.5 * p->t_write, tclk = p->t_write / p->clocks;
  double v = p->reps * abs(r) * p->t_rpulse * (z * tclk) / half;
  return r > 0 ? -v : v;
}

/* ---- the array write ------------------------------------------------------------ */

static int cmp_double(const void *x, const void *y)
{
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : (a > b ? 1 : 0);
}

int xb_write_parallel(xb_array *a, xb_cells *c, const xb_write_params *p,
                      const int *r, const int *z, xb_write_stats *stats,
                      xb_err *err)
{
  double t_wall = now();
  if (!a || !c || !p || !r || !z)
    return xb__err(err, XB_EINVAL, "NULL argument");
  int rc = xb_param_check(&xb_write_param_set, p, err);
  if (rc)
    return rc;
  size_t n = xb_array_rows(a), m = xb_array_cols(a);
  if (xb_cells_count(c) != n * m)
    return xb__err(err, XB_ESIZE, "%zu cells for a %zu x %zu array",
                   xb_cells_count(c), n, m);
  for (size_t i = 0; i < n; i++)
    if (abs(r[i]) > p->r_levels)
      return xb__err_set(err, XB_ERANGE, NULL, 0, "r", -p->r_levels,
                         p->r_levels, "r[%zu] = %d outside -%d..%d", i, r[i],
                         p->r_levels, p->r_levels);
  for (size_t j = 0; j < m; j++)
    if (z[j] < 0 || z[j] > p->zbits)
      return xb__err_set(err, XB_ERANGE, NULL, 0, "z", 0, p->zbits,
                         "z[%zu] = %d outside 0..%d", j, z[j], p->zbits);
  const xb_device *dev = xb_cells_device(c);
  double vdd = p->vdd > 0 ? p->vdd : xb_device_elec(dev)->vw_set;
  double half = 0.5 * p->t_write;
  int L = p->r_levels;

  /* Pulse starts of every r level, per repetition. */
  double *ps = malloc((size_t)(L + 1) * L * sizeof(double));
  double *edges = malloc((2 * (size_t)L * L + m + 2) * sizeof(double));
  double *vr = malloc(n * sizeof(double)), *vc = malloc(m * sizeof(double));
  double *vcell = malloc(n * m * sizeof(double));
  int slices = 0;
  double vfull = INFINITY, vhalf = 0;
  if (!ps || !edges || !vr || !vc || !vcell) {
    rc = xb__err(err, XB_ENOMEM, "write of %zu x %zu", n, m);
    goto done;
  }
  rc = xb_array_set_cells(a, c, err);
  for (int q = 0; !rc && q < p->reps; q++)
    for (int h = 0; !rc && h < 2; h++) {
      /* Edges of this half: Z window ends and every used r level's pulses
       * (levels present with the sign of this half). */
      size_t ne = 0;
      edges[ne++] = h * half;
      edges[ne++] = (h + 1) * half;
      unsigned char used[1025] = {0};
      for (size_t j = 0; j < m; j++) {
        double z0, z1;
        xb_write_z_window(p, z[j], h, &z0, &z1, NULL);
        edges[ne++] = z1;
      }
      for (size_t i = 0; i < n; i++)
        if (r[i] && (r[i] < 0) == h)
          used[abs(r[i])] = 1;
      for (int lv = 1; lv <= L; lv++) {
        int np, hh;
        if (!used[lv])
          continue;
        xb_write_r_pulses(p, h ? -lv : lv, q, ps + (size_t)lv * L, (size_t)L,
                          &np, &hh, NULL);
        for (int k = 0; k < np; k++) {
          edges[ne++] = ps[(size_t)lv * L + k];
          edges[ne++] = ps[(size_t)lv * L + k] + p->t_rpulse;
        }
      }
      qsort(edges, ne, sizeof(double), cmp_double);
      for (size_t e = 0; !rc && e + 1 < ne; e++) {
        double t0 = edges[e], t1 = edges[e + 1];
        if (!(t1 - t0 > 1e-18 * p->t_write) || t0 < h * half ||
            t1 > (h + 1) * half)
          continue;
        double tm = 0.5 * (t0 + t1);
        int any_row = 0, any_col = 0;
        for (size_t i = 0; i < n; i++) {
          vr[i] = 0.5 * vdd;
          if (r[i] && (r[i] < 0) == h) {
            int lv = abs(r[i]);
            const double *st = ps + (size_t)lv * L;
            for (int k = 0; k < lv; k++)
              if (tm >= st[k] && tm < st[k] + p->t_rpulse) {
                vr[i] = h ? vdd : 0.0;
                any_row = 1;
                break;
              }
          }
        }
        for (size_t j = 0; j < m; j++) {
          double z0, z1;
          xb_write_z_window(p, z[j], h, &z0, &z1, NULL);
          vc[j] = 0.5 * vdd;
          if (tm >= z0 && tm < z1) {
            vc[j] = h ? 0.0 : vdd;
            any_col = 1;
          }
        }
        if (!any_row && !any_col)
          continue; /* every cell at 0 V */
        rc = xb_array_bias_write(a, vr, vc, err);
        if (!rc)
          rc = xb_array_cell_v(a, vcell);
        if (rc)
          break;
        for (size_t i = 0; i < n; i++)
          for (size_t j = 0; j < m; j++) {
            int full = vr[i] != 0.5 * vdd && vc[j] != 0.5 * vdd;
            double av = fabs(vcell[i * m + j]);
            if (full)
              vfull = fmin(vfull, av);
            else
              vhalf = fmax(vhalf, av);
          }
        rc = xb_cells_pulse_all(c, vcell, t1 - t0, err);
        slices++;
      }
    }
done:
  free(ps);
  free(edges);
  free(vr);
  free(vc);
  free(vcell);
  if (stats) {
    stats->slices = slices;
    stats->seconds = now() - t_wall;
    stats->v_full_min = vfull;
    stats->v_half_max = vhalf;
  }
  return rc;
}
