/*
 * bench_read: the transient integrate-and-fire array read in xbar
 * (xb_read_transient, full network: IDA + KLU on all 2NM nodes) and in
 * ngspice (the behavioral deck of xb_spice_read_transient: the same RC
 * network, a delay line, a comparator and a hysteretic switch per column),
 * speed and agreement.
 *
 * Per size n, an n x n array (seed 000 section 2.4.2 at a size ngspice can
 * take): the differential circuit with its defaults (4 ns window), the
 * default wire and transient parasitics, rows i % 5 == 1 (~20%) driven at
 * 1 V, the others floating. Column j's cells are u_ij s_j, u_ij uniform in
 * (0.5, 1.5), s_j set for a current uniform in (1.2, 6.8) uA at V_reset:
 * one to eight spikes. Nothing keeps a column away from a count boundary,
 * where the two simulators' timing difference may change its count
 * (spike_mismatch).
 *
 * Times: wall clock of one call each (xbar: xb_read_transient; ngspice:
 * writing, loading and running the deck, reading its vectors); ratio =
 * ngspice_s / xbar_s (all-node method); ratio_reduced the same against
 * the reduced method (quasi-static network, CVODE, the default); max_dt_ps
 * the largest spike-time difference, xbar (full) against ngspice.
 *
 * Outputs: one JSON line per size and a summary line on stdout.
 */
#include <math.h>
#include <stdlib.h>

#include <xbar/spice_read.h>

#include "exp_util.h"

#define CAP 16 /* spike times kept per column */

static const xbx_prog prog = {
  "bench_read",
  "transient array read: xbar (IDA + KLU, and reduced) against ngspice",
  "Per size n, an n x n array read by the differential circuit (one row in "
  "five at 1 V, 1.2 .. 6.8 uA a column) with xb_read_transient, full and "
  "reduced, and with ngspice's behavioral deck: times and spike counts.",
  "stdout one JSON line per size (times, ratios, spike mismatches, the "
  "largest spike-time difference) and a summary line",
  "bench_read --sizes 8,16"};

typedef struct result {
  size_t n;
  double xbar_s, reduced_s, ngspice_s, max_dt; /* s */
  int mismatch, reduced_mismatch, spikes;
} result;

static int run_size(xb_spice *sp, size_t n, unsigned long long seed,
                    result *res)
{
  int rc = -1;
  xb_err err;
  const char *what = "setup";
  xb_read *r = xb_read_create(xb_read_diff, NULL, &err);
  xb_array *a = r ? xb_array_create(n, n, NULL, &err) : NULL;
  /* g, v, spike times of xbar (full) and ngspice; counts full, reduced,
   * ngspice; the active rows. */
  double *g = malloc((n * n + n + 2 * n * CAP) * sizeof *g);
  int *sx = malloc(3 * n * sizeof *sx);
  unsigned char *act = malloc(n);
  if (!r || !a || !g || !sx || !act) {
    fprintf(stderr, "bench_read: %s\n", r && a ? "out of memory" : err.msg);
    goto done;
  }
  double *v = g + n * n, *tx = v + n, *tn = tx + n * CAP;
  int *sr = sx + n, *sn = sr + n;
  const double vr = xb_read_params_of(r)->v_reset, vread = 1.0;
  for (size_t i = 0; i < n; i++) {
    v[i] = vread;
    act[i] = i % 5 == 1;
  }
  for (size_t j = 0; j < n; j++) {
    double target = 1.2e-6 + 5.6e-6 * xb_rng_uniform(seed, 1, j), s = 0;
    for (size_t i = 0; i < n; i++) {
      double u = 0.5 + xb_rng_uniform(seed, 2, i * n + j);
      g[i * n + j] = u;
      if (act[i])
        s += u * (vread - vr);
    }
    for (size_t i = 0; i < n; i++)
      g[i * n + j] *= target / s;
  }
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  if (xb_array_set_g(a, g, &err))
    goto done;
  tp.method = 1;
  double t0 = xbx_now();
  what = "xbar full transient";
  if (xb_read_transient(r, a, XB_ROW, v, act, XB_LINE_FLOAT, 0, NULL, &tp,
                        sx, tx, CAP, NULL, &err))
    goto done;
  res->xbar_s = xbx_now() - t0;
  tp.method = 0;
  t0 = xbx_now();
  what = "xbar reduced transient";
  if (xb_read_transient(r, a, XB_ROW, v, act, XB_LINE_FLOAT, 0, NULL, &tp,
                        sr, NULL, 0, NULL, &err))
    goto done;
  res->reduced_s = xbx_now() - t0;
  t0 = xbx_now();
  what = "ngspice";
  if (xb_spice_read_transient(sp, r, a, XB_ROW, v, act, XB_LINE_FLOAT, 0,
                              NULL, &tp, sn, tn, CAP, &err))
    goto done;
  res->ngspice_s = xbx_now() - t0;

  res->n = n;
  res->mismatch = res->reduced_mismatch = res->spikes = 0;
  res->max_dt = 0;
  for (size_t j = 0; j < n; j++) {
    res->mismatch += sx[j] != sn[j];
    res->reduced_mismatch += sr[j] != sx[j];
    res->spikes += sx[j];
    int m = sx[j] < sn[j] ? sx[j] : sn[j];
    for (int k = 0; k < m && k < CAP; k++)
      res->max_dt = fmax(res->max_dt, fabs(tx[j * CAP + k] - tn[j * CAP + k]));
  }
  rc = 0;
done:
  if (rc && r && a && g && sx && act)
    fprintf(stderr, "bench_read: %s at %zu x %zu: %s\n", what, n, n,
            err.msg);
  xb_read_free(r);
  xb_array_free(a);
  free(g);
  free(sx);
  free(act);
  return rc;
}

int main(int argc, char **argv)
{
  xbx_ints sizes = {2, {16, 32}};
  unsigned long long seed = 1;
  XBX_PARSE(prog,
    XBX_INTS("sizes", &sizes, "", 1, 256, "array sizes n (n x n)"),
    XBX_U64("seed", &seed, "seed of the conductances"));
  xb_err err;
  xb_spice *sp = xb_spice_create(&err);
  if (!sp) {
    fprintf(stderr, "bench_read: %s\n", err.msg);
    return 1;
  }
  int worst = 0, total = 0;
  double min_ratio = INFINITY, max_dt = 0;
  for (int k = 0; k < sizes.n; k++) {
    result r;
    if (run_size(sp, (size_t)sizes.v[k], seed, &r)) {
      xb_spice_free(sp);
      return 1;
    }
    xbx_json_print(1, "n=%zu xbar_s=%.6g ngspice_s=%.6g ratio=%.6g "
                   "spike_mismatch=%d spikes=%d max_dt_ps=%.6g "
                   "xbar_reduced_s=%.6g ratio_reduced=%.6g "
                   "reduced_mismatch=%d",
                   r.n, r.xbar_s, r.ngspice_s, r.ngspice_s / r.xbar_s,
                   r.mismatch, r.spikes, r.max_dt * 1e12, r.reduced_s,
                   r.ngspice_s / r.reduced_s, r.reduced_mismatch);
    fflush(stdout);
    worst = r.mismatch > worst ? r.mismatch : worst;
    total += r.mismatch;
    min_ratio = fmin(min_ratio, r.ngspice_s / r.xbar_s);
    max_dt = fmax(max_dt, r.max_dt);
  }
  xb_spice_free(sp);
  return xbx_json_print(1, "summary=%s sizes=%d spike_mismatch_total=%d "
                        "spike_mismatch_max=%d min_ratio=%.6g max_dt_ps=%.6g",
                        prog.name, sizes.n, total, worst, min_ratio,
                        max_dt * 1e12) ? 1 : 0;
}
