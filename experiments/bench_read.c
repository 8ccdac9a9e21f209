/*
 * bench_read: the transient integrate-and-fire array read in xbar
 * (xb_read_transient, full network: IDA + KLU on all 2NM nodes) and in
 * ngspice (the behavioral deck of xb_spice_read_transient: the same RC
 * network, a delay line, a comparator and a hysteretic switch per column),
 * speed and agreement.
 *
 * The read per size n (an n x n array, seed 000 section 2.4.2 at a size
 * ngspice can take): the differential read circuit with its defaults
 * (4 ns window), the default wire and transient parasitics (Rw 0.634 Ohm,
 * cw 0.05 fF per node, cr 0.01 fF per cell), rows i % 5 == 1 (about 20%)
 * driven at 1 V, the others floating, every column read at its far end.
 * Column j's cells are u_ij * s_j with u_ij uniform in (0.5, 1.5) and s_j
 * set so the active cells carry a target current uniform in (1.2, 6.8) uA
 * at V_reset: one to eight spikes per column. Nothing is done to keep the
 * columns away from count boundaries: a column whose current sits within
 * the two simulators' timing difference of a boundary may count
 * differently, and spike_mismatch says how often that happens.
 *
 * Timings are wall-clock seconds of one call each (xbar: the whole
 * xb_read_transient; ngspice: writing, loading and running the deck and
 * reading its vectors); ratio = ngspice_s / xbar_s with xbar's all-node
 * method (IDA + KLU). Also reported: the reduced method (quasi-static
 * network, CVODE; xb_read_transient's default) with ratio_reduced, and the
 * largest spike-time difference between xbar (full) and ngspice.
 *
 * Prints one JSON line per size and a final summary line.
 * usage: bench_read [--sizes 16,32] [--seed S]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xbar/xbar.h>
#include <xbar/spice_read.h>

#include "exp_util.h"

#define PROG "bench_read"
#define CAP 16
#define MAXSIZES 8

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void json_num(const char *key, double v, int last)
{
  if (isfinite(v))
    printf("\"%s\": %.6g%s", key, v, last ? "" : ", ");
  else
    printf("\"%s\": null%s", key, last ? "" : ", ");
}

typedef struct result {
  size_t n;
  double xbar_s, reduced_s, ngspice_s, max_dt;
  int mismatch, reduced_mismatch, spikes;
} result;

static int run_size(xb_spice *sp, size_t n, unsigned long long seed,
                    result *res)
{
  int rc = -1;
  xb_err err;
  xb_read *r = xb_read_create(xb_read_diff, NULL, &err);
  xb_array *a = r ? xb_array_create(n, n, NULL, &err) : NULL;
  double *g = malloc(n * n * sizeof *g), *v = malloc(n * sizeof *v);
  unsigned char *act = malloc(n);
  int *sx = malloc(n * sizeof *sx), *sr = malloc(n * sizeof *sr),
      *sn = malloc(n * sizeof *sn);
  double *tx = malloc(n * CAP * sizeof *tx), *tn = malloc(n * CAP * sizeof *tn);
  if (!r || !a) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    goto done;
  }
  if (!g || !v || !act || !sx || !sr || !sn || !tx || !tn) {
    fprintf(stderr, PROG ": out of memory\n");
    goto done;
  }
  const double vr = xb_read_params_of(r)->v_reset, vread = 1.0;
  size_t nact = 0;
  for (size_t i = 0; i < n; i++) {
    v[i] = vread;
    act[i] = i % 5 == 1;
    nact += act[i];
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
  if (xb_array_set_g(a, g, &err)) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    goto done;
  }
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);

  tp.method = 1;
  double t0 = now();
  if (xb_read_transient(r, a, XB_ROW, v, act, XB_LINE_FLOAT, 0, NULL, &tp,
                        sx, tx, CAP, NULL, &err)) {
    fprintf(stderr, PROG ": xbar full transient at %zu x %zu: %s\n", n, n,
            err.msg);
    goto done;
  }
  res->xbar_s = now() - t0;
  tp.method = 0;
  t0 = now();
  if (xb_read_transient(r, a, XB_ROW, v, act, XB_LINE_FLOAT, 0, NULL, &tp,
                        sr, NULL, 0, NULL, &err)) {
    fprintf(stderr, PROG ": xbar reduced transient at %zu x %zu: %s\n", n, n,
            err.msg);
    goto done;
  }
  res->reduced_s = now() - t0;
  t0 = now();
  if (xb_spice_read_transient(sp, r, a, XB_ROW, v, act, XB_LINE_FLOAT, 0,
                              NULL, &tp, sn, tn, CAP, &err)) {
    fprintf(stderr, PROG ": ngspice at %zu x %zu: %s\n", n, n, err.msg);
    goto done;
  }
  res->ngspice_s = now() - t0;

  res->n = n;
  res->mismatch = res->reduced_mismatch = res->spikes = 0;
  res->max_dt = 0;
  for (size_t j = 0; j < n; j++) {
    res->mismatch += sx[j] != sn[j];
    res->reduced_mismatch += sr[j] != sx[j];
    res->spikes += sx[j];
    int m = sx[j] < sn[j] ? sx[j] : sn[j];
    for (int k = 0; k < m && k < CAP; k++) {
      double d = fabs(tx[j * CAP + k] - tn[j * CAP + k]);
      if (d > res->max_dt)
        res->max_dt = d;
    }
  }
  rc = 0;
done:
  xb_read_free(r);
  xb_array_free(a);
  free(g);
  free(v);
  free(act);
  free(sx);
  free(sr);
  free(sn);
  free(tx);
  free(tn);
  return rc;
}

int main(int argc, char **argv)
{
  size_t sizes[MAXSIZES] = {16, 32};
  int nsizes = 2;
  unsigned long long seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      printf("usage: " PROG " [--sizes 16,32] [--seed S]\n");
      return 0;
    }
    if (!strcmp(a, "--sizes") && v) {
      nsizes = 0;
      char buf[256];
      snprintf(buf, sizeof buf, "%s", v);
      for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int s;
        if (nsizes == MAXSIZES || !xbx_parse_int(tok, 1, 256, &s)) {
          fprintf(stderr, PROG ": bad --sizes '%s' (up to %d sizes in "
                          "1..256)\n", v, MAXSIZES);
          return 2;
        }
        sizes[nsizes++] = (size_t)s;
      }
      if (!nsizes) {
        fprintf(stderr, PROG ": empty --sizes\n");
        return 2;
      }
    } else if (!strcmp(a, "--seed") && v && xbx_parse_u64(v, &seed)) {
    } else {
      fprintf(stderr, PROG ": bad or unknown argument: %s\n", a);
      return 2;
    }
    i++;
  }
  xb_err err;
  xb_spice *sp = xb_spice_create(&err);
  if (!sp) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    return 1;
  }
  int worst = 0, total = 0, failed = 0;
  double min_ratio = INFINITY, max_dt = 0;
  for (int k = 0; k < nsizes; k++) {
    result r;
    if (run_size(sp, sizes[k], seed, &r)) {
      failed = 1;
      break;
    }
    printf("{\"n\": %zu, ", r.n);
    json_num("xbar_s", r.xbar_s, 0);
    json_num("ngspice_s", r.ngspice_s, 0);
    json_num("ratio", r.ngspice_s / r.xbar_s, 0);
    printf("\"spike_mismatch\": %d, \"spikes\": %d, ", r.mismatch, r.spikes);
    json_num("max_dt_ps", r.max_dt * 1e12, 0);
    json_num("xbar_reduced_s", r.reduced_s, 0);
    json_num("ratio_reduced", r.ngspice_s / r.reduced_s, 0);
    printf("\"reduced_mismatch\": %d}\n", r.reduced_mismatch);
    fflush(stdout);
    if (r.mismatch > worst)
      worst = r.mismatch;
    total += r.mismatch;
    if (r.ngspice_s / r.xbar_s < min_ratio)
      min_ratio = r.ngspice_s / r.xbar_s;
    if (r.max_dt > max_dt)
      max_dt = r.max_dt;
  }
  xb_spice_free(sp);
  if (failed)
    return 1;
  printf("{\"summary\": \"" PROG "\", \"sizes\": %d, ", nsizes);
  printf("\"spike_mismatch_total\": %d, \"spike_mismatch_max\": %d, ", total,
         worst);
  json_num("min_ratio", min_ratio, 0);
  json_num("max_dt_ps", max_dt * 1e12, 1);
  printf("}\n");
  return 0;
}
