/*
 * read_array: integrate-and-fire read of a 100 x 100 array with sneak
 * paths (seed 000 section 2.4.2, Fig. 2.16; section 2.4.4, Fig. 2.19).
 *
 * A sparse D.z read (xbx_dz): about 20% of the rows, drawn at random, are
 * driven at V_read, every column is read at its far end by its own
 * integrate-and-fire circuit (differential by default, as Fig. 2.16), and
 * the inactive rows float or are held at V_bias = 500 mV. Per column, the
 * "fast" count xb_read_count(I_dc) of the DC current into the column held
 * at V_reset (what xb_read_dz sees) against the "transient" count of
 * xb_read_transient on the whole RC network: there the column rises from
 * V_reset to V_th in every spike, its cells' current sags and, with the
 * inactive rows at V_bias, it loses g (V_col - V_bias) into every inactive
 * cell, the sneak path the seed blames for a charge time up to 25% longer.
 * At V_reset = V_bias the DC currents of the two modes are the same.
 *
 * Cells, uniform random: "pcmo", the PCMO preset (6.4 .. 43 nS) at the
 * V_read that gives 4.5 uA a column, mid-range of the circuit (~9.5 V, far
 * above the write threshold: the circuit behaviour only); "mohm", 1 .. 10
 * MOhm at 1 V (~5.5 uA); "kohm", 10 .. 100 kOhm at 1 V, 100 times the
 * circuit's range, where the reset gate latches: DC only.
 *
 * Expected (defaults): the transient counts 0.25 (9.5 V) and 0.5 (1 V)
 * spikes a column fewer than the fast path with floating rows (the
 * column's own capacitance; at 1 V the 3% sag of the cell current); fixed
 * bias costs 0.8 more at 1 V, almost nothing at 9.5 V. Transient method
 * "reduced" (default; quasi-static network, CVODE, seconds) or "full" (IDA
 * + KLU on all 20,000 nodes, 11 to 20 minutes a read): they agree in 396
 * of the 400 column reads. Without xb_read_transient (XB_ESTATE) the
 * program goes on with the DC data.
 *
 * Outputs: read_array.csv (one line per case and column), read_array.png
 * (plots/read_array.gp); a summary and a JSON line on stdout.
 */
#include <math.h>

#include "exp_util.h"

#define NCASE 3
#define TARGET_I 4.5e-6 /* A, mean column current of the pcmo case */
#define MAXC 1000       /* columns at most */

static const xbx_prog prog = {
  "read_array",
  "integrate-and-fire read of an array with sneak paths: fast path "
  "against the transient",
  "A D.z read of random conductances, the inactive rows floating or at "
  "V_bias: per column, the count of the fast path (the DC current at "
  "V_reset) against the transient of the RC network, for PCMO cells (V_read "
  "for 4.5 uA a column), 1-10 MOhm and 10-100 kOhm cells at 1 V (seed 000 "
  "Fig. 2.16, 2.19).",
  "read_array.csv one line per readable case and column: V_read, DC "
  "currents, fast and transient counts (-1: not computed)\n"
  "read_array.png plots/read_array.gp\n"
  "stdout a summary and a final JSON line",
  "read_array --rows 24 --cols 24 --out /tmp/ra"};

/* One case: cell range, read voltage, and the per-column results of both
 * modes (0 floating, 1 fixed bias). */
typedef struct kase {
  const char *name, *desc;
  double gmin, gmax, vread;
  int readable;           /* currents inside the circuit's range */
  int transient;          /* 1 done, 0 not available, -1 failed */
  double i_dc[2][MAXC];   /* A, per column */
  int n_fast[2][MAXC], n_tr[2][MAXC];
  double tr_s[2];         /* s per transient read */
  int ndiff[2];           /* columns where transient != fast */
  double imin, imax;      /* DC current range (floating) */
} kase;

static double mean_i(const int *x, size_t n)
{
  double s = 0;
  for (size_t k = 0; k < n; k++)
    s += x[k];
  return s / (double)n;
}

/* The transient counts of both modes into k->n_tr (-1 where there are
 * none), k->transient set. */
static void run_transient(xb_read *r, xbx_dz *d, kase *k, double vbias,
                          const xb_transient_params *tp)
{
  xb_err err;
  k->transient = 1;
  for (int md = 0; md < 2 && k->transient == 1; md++) {
    xb_transient_stats st;
    int trc = xb_read_transient(r, d->a, XB_ROW, d->vin, d->act,
                                md ? XB_LINE_DRIVE : XB_LINE_FLOAT, vbias,
                                NULL, tp, k->n_tr[md], NULL, 0, &st, &err);
    if (trc) {
      printf("    transient: %s (%s)\n",
             trc == XB_ESTATE ? "not available" : "failed", err.msg);
      k->transient = trc == XB_ESTATE ? 0 : -1;
    } else
      k->tr_s[md] = st.seconds;
  }
  for (int md = 0; md < 2 && k->transient != 1; md++)
    for (size_t j = 0; j < d->m; j++)
      k->n_tr[md][j] = -1;
  printf("    %-10s %10s %10s %10s %12s %12s\n", "mode", "fast mean",
         "trans mean", "trans-fast", "|diff| cols", "transient s");
  for (int md = 0; md < 2; md++) {
    double dsum = 0;
    k->ndiff[md] = 0;
    for (size_t j = 0; j < d->m; j++) {
      k->ndiff[md] += k->n_tr[md][j] != k->n_fast[md][j];
      dsum += k->n_tr[md][j] - k->n_fast[md][j];
    }
    printf("    %-10s %10.3f ", md ? "fixed" : "floating",
           mean_i(k->n_fast[md], d->m));
    if (k->transient == 1)
      printf("%10.3f %+10.3f %12d %12.2f\n", mean_i(k->n_tr[md], d->m),
             dsum / (double)d->m, k->ndiff[md], k->tr_s[md]);
    else
      printf("%10s\n", "-");
  }
}

int main(int argc, char **argv)
{
  const char *model = XB_SOURCE_DIR "/models/pcmo_park2013.ini",
             *outdir = XB_SOURCE_DIR "/plots";
  int rows = 100, cols = 100, method = 0, se = 0;
  double active = 0.2, vbias = 0.5;
  unsigned long long seed = 1;
  XBX_PARSE(prog,
    XBX_STR("model", &model, "FILE", "PCMO device preset: [Gmin, Gmax]"),
    XBX_CHOICE("circuit", &se, "diff|se_adaptive", "read circuit"),
    XBX_CHOICE("method", &method, "reduced|full",
               "transient method: reduced (quasi-static network, CVODE) "
               "or full (IDA + KLU on every node)"),
    XBX_INT("rows", &rows, "", 2, 1000, "array rows"),
    XBX_INT("cols", &cols, "", 1, MAXC, "array columns"),
    XBX_DOUBLE("active", &active, "", 1e-6, 1, "fraction of rows driven"),
    XBX_DOUBLE("vbias", &vbias, "V", -10, 10,
               "bias of the inactive rows in fixed mode"),
    XBX_U64("seed", &seed, "seed of the conductances and active rows"),
    XBX_STR("out", &outdir, "DIR", "output folder"));
  const xb_read_type *rt = se ? xb_read_se_adaptive : xb_read_diff;
  const char *circuit = rt->name;
  size_t n = (size_t)rows, m = (size_t)cols;
  int rc = 1;
  xb_err err;
  xb_read *r = NULL;
  xbx_dz d = {0};
  xbx_out *out = NULL;
  static kase cs[NCASE] = {
      {.name = "pcmo", .desc = "PCMO preset cells, V_read for a 4.5 uA "
                               "mean column current"},
      {.name = "mohm", .desc = "1-10 MOhm cells at V_read = 1 V",
       .gmin = 1e-7, .gmax = 1e-6, .vread = 1.0},
      {.name = "kohm", .desc = "10-100 kOhm cells at V_read = 1 V",
       .gmin = 1e-5, .gmax = 1e-4, .vread = 1.0},
  };
  xb_elec_params el;
  if (xbx_preset_bounds(prog.name, model, &cs[0].gmin, &cs[0].gmax, &el) ||
      xbx_dz_create(&d, prog.name, n, m, active, seed, NULL))
    goto done;
  double vstep = el.step_frac * el.vw_set;
  if (!(r = xb_read_create(rt, NULL, &err))) {
    fprintf(stderr, "read_array: %s\n", err.msg);
    goto done;
  }
  const xb_read_params *rp = xb_read_params_of(r);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  tp.method = method;
  printf("read_array: %zu x %zu array, %zu active rows, %s read circuit "
         "(window %.3g ns, V_reset %.3g V), transient method %s\n",
         n, m, d.nact, circuit, rp->window * 1e9, rp->v_reset,
         method ? "full (IDA + KLU)" : "reduced (CVODE)");

  for (int c = 0; c < NCASE; c++) {
    kase *k = &cs[c];
    if (c == 0) { /* V_read for a TARGET_I mean column current */
      xbx_uniform_g(d.g, n * m, k->gmin, k->gmax, seed, 1);
      double gact = 0;
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; d.act[i] && j < m; j++)
          gact += d.g[i * m + j];
      k->vread = rp->v_reset + TARGET_I / (gact / (double)m);
    }
    if (xbx_dz_set(&d, prog.name, k->gmin, k->gmax, k->vread, seed))
      goto done;
    printf("\n  case %s: %s\n    cells %.3g .. %.3g S (%.4g .. %.4g "
           "MOhm), V_read %.4g V\n", k->name, k->desc, k->gmin, k->gmax,
           1e-6 / k->gmax, 1e-6 / k->gmin, k->vread);
    if (c == 0 && k->vread > vstep)
      printf("    note: V_read is above the preset's write threshold "
             "(%.3g V of Vw = %.3g V): a real read would program the "
             "cells; shown for the read circuit only\n", vstep, el.vw_set);
    k->readable = 1;
    for (int md = 0; md < 2; md++) {
      if (xbx_dz_read(&d, md ? XB_LINE_DRIVE : XB_LINE_FLOAT, vbias,
                      rp->v_reset, k->i_dc[md], &err)) {
        fprintf(stderr, "read_array: DC read: %s\n", err.msg);
        goto done;
      }
      for (size_t j = 0; j < m; j++) {
        int cnt = -1;
        if (xb_read_count(r, k->i_dc[md][j], &cnt, NULL))
          k->readable = 0; /* the circuit latches at this current */
        k->n_fast[md][j] = cnt;
        k->n_tr[md][j] = -1;
      }
    }
    double dmax = 0, sum = 0;
    k->imin = INFINITY;
    k->imax = -INFINITY;
    for (size_t j = 0; j < m; j++) {
      k->imin = fmin(k->imin, k->i_dc[0][j]);
      k->imax = fmax(k->imax, k->i_dc[0][j]);
      dmax = fmax(dmax, fabs(k->i_dc[1][j] - k->i_dc[0][j]));
      sum += k->i_dc[0][j];
    }
    printf("    DC column currents %.4g .. %.4g uA (mean %.4g uA); fixed "
           "bias vs floating at V_reset: max |dI| %.3g nA\n",
           k->imin * 1e6, k->imax * 1e6, sum / (double)m * 1e6, 1e9 * dmax);
    if (!k->readable || k->imin > 8e-6) {
      printf("    out of the read circuit's range (1 .. 8 uA): the "
             "smallest column current is %.0fx the top of it%s; DC only\n",
             k->imin / 8e-6,
             k->readable ? "" : ", and the reset gate cannot pull the node "
                                "below V_tl at such currents (the circuit "
                                "latches)");
      k->readable = 0;
      continue;
    }
    if (k->imax > 8e-6 || k->imin < 1e-6)
      printf("    note: some columns are outside 1 .. 8 uA\n");
    run_transient(r, &d, k, vbias, &tp);
  }
  if (!cs[0].readable || !cs[1].readable) {
    fprintf(stderr, "read_array: the pcmo and mohm cases must be readable "
                    "for the plot\n");
    goto done;
  }

  out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(out, "read_array.csv", "# read_array: %zu x %zu, "
                         "%zu active rows, %s circuit, inactive rows "
                         "floating or at %g V, seed %llu; counts -1 = not "
                         "computed\ncase,col,vread,i_float_ua,i_fixed_ua,"
                         "n_fast_float,n_fast_fixed,n_tr_float,n_tr_fixed\n",
                         n, m, d.nact, circuit, vbias, seed);
  if (!f)
    goto done;
  for (int c = 0; c < NCASE; c++)
    for (size_t j = 0; cs[c].readable && j < m; j++)
      fprintf(f, "%d,%zu,%.6g,%.6f,%.6f,%d,%d,%d,%d\n", c, j, cs[c].vread,
              cs[c].i_dc[0][j] * 1e6, cs[c].i_dc[1][j] * 1e6,
              cs[c].n_fast[0][j], cs[c].n_fast[1][j], cs[c].n_tr[0][j],
              cs[c].n_tr[1][j]);
  const char *meth = method ? "full" : "reduced";
  xbx_out_plot(out, "read_array",
               "ncols=%zu; vr_pcmo=%.4g; vr_mohm=%.4g; tr_pcmo=%d; "
               "tr_mohm=%d; plottitle='%zu x %zu array read, %zu active "
               "rows, %s circuit, transient %s'",
               m, cs[0].vread, cs[1].vread, cs[0].transient == 1,
               cs[1].transient == 1, n, m, d.nact, circuit, meth);
  /* Each case's figures as a JSON object, printed verbatim. */
  char js[NCASE][512];
  for (int c = 0; c < NCASE; c++) {
    kase *k = &cs[c];
    int len = snprintf(js[c], sizeof js[c],
                       "\"vread\":%.4g,\"i_min_ua\":%.4g,\"i_max_ua\":%.4g,"
                       "\"readable\":%s", k->vread, k->imin * 1e6,
                       k->imax * 1e6, k->readable ? "true" : "false");
    if (k->readable)
      len += snprintf(js[c] + len, sizeof js[c] - len, ",\"fast_mean\":%.4g",
                      mean_i(k->n_fast[0], m));
    if (k->readable && k->transient == 1)
      snprintf(js[c] + len, sizeof js[c] - len,
               ",\"transient_float_mean\":%.4g,\"transient_fixed_mean\":"
               "%.4g,\"cols_float_ne_fast\":%d,\"cols_fixed_ne_fast\":%d",
               mean_i(k->n_tr[0], m), mean_i(k->n_tr[1], m), k->ndiff[0],
               k->ndiff[1]);
    else if (k->readable)
      snprintf(js[c] + len, sizeof js[c] - len, ",\"transient\":\"%s\"",
               k->transient == 0 ? "not available" : "failed");
  }
  rc = xbx_out_end(out, 0,
                   "experiment=%s rows=%zu cols=%zu active_rows=%zu "
                   "circuit=%s method=%s seed=%llu pcmo={%s} mohm={%s} "
                   "kohm={%s}", prog.name, n, m, d.nact, circuit, meth,
                   seed, js[0], js[1], js[2]);
  out = NULL;

done:
  xbx_out_free(out);
  xbx_dz_free(&d);
  xb_read_free(r);
  return rc;
}
