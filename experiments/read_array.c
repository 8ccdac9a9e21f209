/*
 * read_array: integrate-and-fire read of a 100 x 100 array with sneak
 * paths (seed 000 section 2.4.2, Fig. 2.16; section 2.4.4, Fig. 2.19).
 *
 * A sparse D.z read: about 20% of the rows (the seed's "~20%", drawn at
 * random) are driven at V_read, every column is read at its far end by its
 * own integrate-and-fire circuit (differential by default, as Fig. 2.16),
 * and the inactive rows either float (tri-stated drivers) or are held at
 * V_bias = 500 mV. Per column:
 *   I_dc       the DC current into the column held at V_reset
 *              (xb_array_read, v_sense = V_reset): what the fast path sees;
 *   fast       xb_read_count(I_dc), the count of xb_read_dz;
 *   transient  the count of xb_read_transient on the whole RC network
 *              (every wire segment, cw at every node, cr across every cell,
 *              c_int at each column end): the column voltage rises from
 *              V_reset to V_th in every spike, so its cells' current sags
 *              and, with the inactive rows held at V_bias, the column also
 *              loses current into every inactive cell, g (V_col - V_bias),
 *              the sneak path the seed blames for a charge time up to 25%
 *              longer. Floating rows rise with the columns instead.
 * At V_reset = V_bias the two modes have the same DC currents, so the fast
 * path cannot tell them apart: only the transient shows the difference.
 *
 * Cells (uniform random conductances, stream 1 of xb_rng_uniform; active
 * rows from stream 2):
 *   pcmo   the PCMO preset (models/pcmo_park2013.ini), Gmin .. Gmax =
 *          6.4 .. 43 nS (157 .. 23 MOhm). 20 active cells of ~25 nS give
 *          0.5 uA per volt of drive: at a plausible read voltage (1 V) the
 *          columns carry about 0.25 uA, below one spike's worth (~0.8 uA in
 *          4 ns). V_read is therefore chosen so the mean column current is
 *          4.5 uA, mid-range of the circuit (about 9.5 V), which is far
 *          above the preset's write threshold (0.75 x 2 V): a real read at
 *          that voltage would program the cells. Shown for the circuit
 *          behaviour only.
 *   mohm   the "high conductance" case at a physical read voltage: cells
 *          uniform in 1 .. 10 MOhm, V_read = 1 V, about 5.5 uA per column.
 *   kohm   cells of 10 .. 100 kOhm (the usual "high conductance" RRAM
 *          range): at any V_read above V_th 20 active cells carry hundreds
 *          of uA, 100 times the circuit's range, and the 300 Ohm reset gate
 *          cannot pull such a current below V_tl (the circuit latches). Only
 *          the DC currents are computed and the case is reported as out of
 *          range.
 * The column-to-column spread of the current is small (each column sums 20
 * independent uniform cells: +-10%), so most columns land on 4 to 6
 * spikes.
 *
 * Expected (defaults, seed 1): the transient counts fewer spikes than the
 * fast path even with floating rows, 0.25 per column at 9.5 V and 0.5 at
 * 1 V: the column's own capacitance (100 x (cw + cr) = 6 fF, 5% of c_int)
 * and, at 1 V, the 3% sag of the cell current as the column rises 30 mV.
 * Holding the inactive rows at 500 mV costs a further 0.8 spike per column
 * at 1 V (every column loses a count, 29 of 100 lose two: the seed's
 * "stretched charge time"), but almost nothing at 9.5 V, where the
 * 30 mV column swing is small against the drive.
 *
 * Transient method: "reduced" (default; the network quasi-static, one
 * CVODE system of 100 integration nodes, a few seconds per read) or
 * "full" (IDA + KLU on all 20,000 nodes; 11 to 20 minutes per read on a
 * shared machine). With the defaults the two methods agree in 396 of the
 * 400 column reads; the 4 others (floating rows) differ by one spike, at
 * count boundaries.
 * If xb_read_transient is not available (XB_ESTATE), the program says
 * "transient: not available" and goes on with the DC and fast-path data.
 *
 * Output: <out>/read_array.csv (one line per case and column) and
 * <out>/read_array.png (plots/read_array.gp); a summary and a final
 * one-line JSON on stdout.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "read_array"
#define STREAM_G 1
#define STREAM_SEL 2
#define NCASE 3
#define TARGET_I 4.5e-6 /* A, mean column current of the pcmo case */

typedef struct options {
  const char *model, *out, *gp, *circuit;
  int rows, cols, method;
  double active, vbias;
  unsigned long long seed;
} options;

static void usage(FILE *f)
{
  fprintf(f,
    "usage: " PROG " [options]\n"
    "  --model FILE    PCMO device preset (default models/pcmo_park2013.ini)\n"
    "  --circuit NAME  diff (default) or se_adaptive\n"
    "  --method M      transient method: reduced (default) or full\n"
    "  --rows N        rows (default 100)\n"
    "  --cols N        columns (default 100)\n"
    "  --active F      fraction of rows driven (default 0.2)\n"
    "  --vbias V       bias of the inactive rows in fixed mode (default 0.5)\n"
    "  --seed S        random seed (default 1)\n"
    "  --out DIR       output folder (default plots)\n"
    "  -h, --help      this text\n");
}

static int parse(int argc, char **argv, options *o)
{
  o->model = XB_SOURCE_DIR "/models/pcmo_park2013.ini";
  o->out = XB_SOURCE_DIR "/plots";
  o->gp = XB_SOURCE_DIR "/plots/read_array.gp";
  o->circuit = "diff";
  o->rows = o->cols = 100;
  o->method = 0;
  o->active = 0.2;
  o->vbias = 0.5;
  o->seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    int ok = v != NULL;
    if (!ok)
      ;
    else if (!strcmp(a, "--model"))
      o->model = v;
    else if (!strcmp(a, "--out"))
      o->out = v;
    else if (!strcmp(a, "--circuit"))
      ok = xb_read_type_find(o->circuit = v) != NULL;
    else if (!strcmp(a, "--method")) {
      ok = !strcmp(v, "reduced") || !strcmp(v, "full");
      o->method = !strcmp(v, "full");
    } else if (!strcmp(a, "--rows"))
      ok = xbx_parse_int(v, 2, 1000, &o->rows);
    else if (!strcmp(a, "--cols"))
      ok = xbx_parse_int(v, 1, 1000, &o->cols);
    else if (!strcmp(a, "--active"))
      ok = xbx_parse_double(v, 1e-6, 1.0, &o->active);
    else if (!strcmp(a, "--vbias"))
      ok = xbx_parse_double(v, -10, 10, &o->vbias);
    else if (!strcmp(a, "--seed"))
      ok = xbx_parse_u64(v, &o->seed);
    else
      ok = 0;
    if (!ok) {
      fprintf(stderr, PROG ": bad or unknown argument: %s%s%s\n", a,
              v ? " " : "", v ? v : "");
      usage(stderr);
      return -1;
    }
    i++;
  }
  return 0;
}

/* One case: cell range, read voltage, and the per-column results of both
 * modes (0 floating, 1 fixed bias). */
typedef struct kase {
  const char *name, *desc;
  double gmin, gmax, vread;
  int readable;           /* currents inside the circuit's range */
  int transient;          /* 1 done, 0 not available, -1 failed */
  double *i_dc[2];
  int *n_fast[2], *n_tr[2];
  double tr_s[2];         /* s per transient read */
  double imin, imax;      /* DC current range (floating) */
} kase;

static double mean_d(const double *x, size_t n)
{
  double s = 0;
  for (size_t k = 0; k < n; k++)
    s += x[k];
  return s / (double)n;
}

static double mean_i(const int *x, size_t n)
{
  double s = 0;
  for (size_t k = 0; k < n; k++)
    s += x[k];
  return s / (double)n;
}

int main(int argc, char **argv)
{
  options o;
  if (parse(argc, argv, &o))
    return 2;
  size_t n = (size_t)o.rows, m = (size_t)o.cols, nm = n * m;
  int rc = 1;
  xb_err err;
  xb_read *r = NULL;
  xb_array *a = NULL;
  xbx_file *f = NULL;
  kase cs[NCASE] = {
      {"pcmo", "PCMO preset cells, V_read for a 4.5 uA mean column current",
       0, 0, 0, 0, 0, {0}, {0}, {0}, {0}, 0, 0},
      {"mohm", "1-10 MOhm cells at V_read = 1 V", 1e-7, 1e-6, 1.0, 0, 0, {0},
       {0}, {0}, {0}, 0, 0},
      {"kohm", "10-100 kOhm cells at V_read = 1 V", 1e-5, 1e-4, 1.0, 0, 0,
       {0}, {0}, {0}, {0}, 0, 0},
  };
  double *g = malloc(nm * sizeof *g), *vin = malloc(n * sizeof *vin);
  unsigned char *act = calloc(n, 1);
  int nomem = !g || !vin || !act;
  for (int c = 0; c < NCASE; c++)
    for (int md = 0; md < 2; md++) {
      cs[c].i_dc[md] = malloc(m * sizeof(double));
      cs[c].n_fast[md] = malloc(m * sizeof(int));
      cs[c].n_tr[md] = malloc(m * sizeof(int));
      nomem |= !cs[c].i_dc[md] || !cs[c].n_fast[md] || !cs[c].n_tr[md];
    }
  if (nomem) {
    fprintf(stderr, PROG ": out of memory\n");
    goto done;
  }

  xb_device *dev = xb_device_load(o.model, &err);
  if (!dev) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    goto done;
  }
  xb_device_bounds(dev, &cs[0].gmin, &cs[0].gmax);
  double vw = xb_device_elec(dev)->vw_set,
         vstep = xb_device_elec(dev)->step_frac * vw;
  xb_device_free(dev);

  r = xb_read_create(xb_read_type_find(o.circuit), NULL, &err);
  a = r ? xb_array_create(n, m, NULL, &err) : NULL;
  if (!r || !a) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    goto done;
  }
  const xb_read_params *rp = xb_read_params_of(r);

  /* Active rows: exactly round(f N), at least one (partial Fisher-Yates). */
  size_t nact = xbx_pick_lines(act, n, o.active, o.seed, STREAM_SEL);
  if (!nact) {
    fprintf(stderr, PROG ": out of memory\n");
    goto done;
  }

  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  tp.method = o.method;
  printf(PROG ": %zu x %zu array, %zu active rows, %s read circuit "
              "(window %.3g ns, V_reset %.3g V), transient method %s\n",
         n, m, nact, o.circuit, rp->window * 1e9, rp->v_reset,
         o.method ? "full (IDA + KLU)" : "reduced (CVODE)");

  for (int c = 0; c < NCASE; c++) {
    kase *k = &cs[c];
    for (size_t q = 0; q < nm; q++)
      g[q] = k->gmin + (k->gmax - k->gmin) *
                           xb_rng_uniform(o.seed, STREAM_G, q);
    if (c == 0) { /* V_read for a TARGET_I mean column current */
      double gact = 0;
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; act[i] && j < m; j++)
          gact += g[i * m + j];
      k->vread = rp->v_reset + TARGET_I / (gact / (double)m);
    }
    for (size_t i = 0; i < n; i++)
      vin[i] = k->vread;
    if (xb_array_set_g(a, g, &err)) {
      fprintf(stderr, PROG ": %s\n", err.msg);
      goto done;
    }
    printf("\n  case %s: %s\n    cells %.3g .. %.3g S (%.4g .. %.4g "
           "MOhm), V_read %.4g V\n",
           k->name, k->desc, k->gmin, k->gmax, 1e-6 / k->gmax,
           1e-6 / k->gmin, k->vread);
    if (c == 0 && k->vread > vstep)
      printf("    note: V_read is above the preset's write threshold "
             "(%.3g V of Vw = %.3g V): a real read would program the "
             "cells; shown for the read circuit only\n",
             vstep, vw);
    k->readable = 1;
    for (int md = 0; md < 2; md++) {
      int unsel = md ? XB_LINE_DRIVE : XB_LINE_FLOAT;
      if (xb_array_read(a, XB_ROW, vin, act, unsel, o.vbias, rp->v_reset,
                        k->i_dc[md], &err)) {
        fprintf(stderr, PROG ": DC read: %s\n", err.msg);
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
    k->imin = INFINITY;
    k->imax = -INFINITY;
    for (size_t j = 0; j < m; j++) {
      k->imin = fmin(k->imin, k->i_dc[0][j]);
      k->imax = fmax(k->imax, k->i_dc[0][j]);
    }
    double dmax = 0;
    for (size_t j = 0; j < m; j++)
      dmax = fmax(dmax, fabs(k->i_dc[1][j] - k->i_dc[0][j]));
    printf("    DC column currents %.4g .. %.4g uA (mean %.4g uA); fixed "
           "bias vs floating at V_reset: max |dI| %.3g nA\n",
           k->imin * 1e6, k->imax * 1e6, mean_d(k->i_dc[0], m) * 1e6,
           1e9 * dmax);
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
    /* Transient, both modes. */
    k->transient = 1;
    for (int md = 0; md < 2 && k->transient == 1; md++) {
      int unsel = md ? XB_LINE_DRIVE : XB_LINE_FLOAT;
      xb_transient_stats st;
      int trc = xb_read_transient(r, a, XB_ROW, vin, act, unsel, o.vbias,
                                  NULL, &tp, k->n_tr[md], NULL, 0, &st, &err);
      if (trc == XB_ESTATE) {
        printf("    transient: not available (%s)\n", err.msg);
        k->transient = 0;
      } else if (trc) {
        printf("    transient: failed (%s)\n", err.msg);
        k->transient = -1;
      } else {
        k->tr_s[md] = st.seconds;
      }
      if (k->transient != 1)
        for (size_t j = 0; j < m; j++)
          k->n_tr[md][j] = -1;
    }
    printf("    %-10s %10s %10s %10s %12s %12s\n", "mode", "fast mean",
           "trans mean", "trans-fast", "|diff| cols", "transient s");
    for (int md = 0; md < 2; md++) {
      int diff = 0;
      double dsum = 0;
      for (size_t j = 0; j < m; j++) {
        int d = k->n_tr[md][j] - k->n_fast[md][j];
        diff += d != 0;
        dsum += d;
      }
      if (k->transient == 1)
        printf("    %-10s %10.3f %10.3f %+10.3f %12d %12.2f\n",
               md ? "fixed" : "floating", mean_i(k->n_fast[md], m),
               mean_i(k->n_tr[md], m), dsum / (double)m, diff, k->tr_s[md]);
      else
        printf("    %-10s %10.3f %10s\n", md ? "fixed" : "floating",
               mean_i(k->n_fast[md], m), "-");
    }
  }

  /* CSV. */
  char csv[1024], png[1024];
  f = xbx_open_outputs(o.out, PROG, csv, png, sizeof csv);
  if (!f)
    goto done;
  fprintf(f->fp,
          "# " PROG ": %zu x %zu, %zu active rows, %s circuit, inactive rows "
          "floating or at %g V, seed %llu; counts -1 = not computed\n",
          n, m, nact, o.circuit, o.vbias, o.seed);
  fprintf(f->fp, "case,col,vread,i_float_ua,i_fixed_ua,n_fast_float,"
                 "n_fast_fixed,n_tr_float,n_tr_fixed\n");
  for (int c = 0; c < NCASE; c++) {
    if (!cs[c].readable)
      continue;
    for (size_t j = 0; j < m; j++)
      fprintf(f->fp, "%d,%zu,%.6g,%.6f,%.6f,%d,%d,%d,%d\n", c, j,
              cs[c].vread, cs[c].i_dc[0][j] * 1e6, cs[c].i_dc[1][j] * 1e6,
              cs[c].n_fast[0][j], cs[c].n_fast[1][j], cs[c].n_tr[0][j],
              cs[c].n_tr[1][j]);
  }
  int fail = xbx_file_commit(f);
  f = NULL;
  if (fail)
    goto done;
  char vars[2048];
  snprintf(vars, sizeof vars,
           "csv='%s'; ncols=%zu; vr_pcmo=%.4g; vr_mohm=%.4g; "
           "tr_pcmo=%d; tr_mohm=%d; plottitle='%zu x %zu array read, %zu "
           "active rows, %s circuit, transient %s'",
           csv, m, cs[0].vread, cs[1].vread, cs[0].transient == 1,
           cs[1].transient == 1, n, m, nact, o.circuit,
           o.method ? "full" : "reduced");
  if (!cs[0].readable || !cs[1].readable) {
    fprintf(stderr, PROG ": the pcmo and mohm cases must be readable for "
                    "the plot\n");
    goto done;
  }
  if (xbx_gnuplot(o.gp, vars, png))
    goto done;
  printf("\nwrote %s\nwrote %s\n", csv, png);

  printf("{\"experiment\":\"" PROG "\",\"rows\":%zu,\"cols\":%zu,"
         "\"active_rows\":%zu,\"circuit\":\"%s\",\"method\":\"%s\","
         "\"seed\":%llu",
         n, m, nact, o.circuit, o.method ? "full" : "reduced", o.seed);
  for (int c = 0; c < NCASE; c++) {
    kase *k = &cs[c];
    printf(",\"%s\":{\"vread\":%.4g,\"i_min_ua\":%.4g,\"i_max_ua\":%.4g,"
           "\"readable\":%s",
           k->name, k->vread, k->imin * 1e6, k->imax * 1e6,
           k->readable ? "true" : "false");
    if (k->readable) {
      printf(",\"fast_mean\":%.4g", mean_i(k->n_fast[0], m));
      if (k->transient == 1) {
        int d0 = 0, d1 = 0;
        for (size_t j = 0; j < m; j++) {
          d0 += k->n_tr[0][j] != k->n_fast[0][j];
          d1 += k->n_tr[1][j] != k->n_fast[1][j];
        }
        printf(",\"transient_float_mean\":%.4g,\"transient_fixed_mean\":"
               "%.4g,\"cols_float_ne_fast\":%d,\"cols_fixed_ne_fast\":%d",
               mean_i(k->n_tr[0], m), mean_i(k->n_tr[1], m), d0, d1);
      } else {
        printf(",\"transient\":\"%s\"",
               k->transient == 0 ? "not available" : "failed");
      }
    }
    printf("}");
  }
  printf("}\n");
  rc = 0;

done:
  xbx_file_abort(f);
  xb_array_free(a);
  xb_read_free(r);
  for (int c = 0; c < NCASE; c++)
    for (int md = 0; md < 2; md++) {
      free(cs[c].i_dc[md]);
      free(cs[c].n_fast[md]);
      free(cs[c].n_tr[md]);
    }
  free(g);
  free(vin);
  free(act);
  return rc;
}
