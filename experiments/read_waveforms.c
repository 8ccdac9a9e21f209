/*
 * read_waveforms: spike waveforms of the two integrate-and-fire read
 * circuits (seed 000 section 2.4.1, Fig. 2.11-2.14).
 *
 * A constant input current I integrates on the sense node from the reset
 * voltage (500 mV) to the upper threshold (530 mV); t_delay later the
 * output rises (one spike) and the reset gate pulls the node back until it
 * falls below the lower threshold, t_delay after which the output falls
 * (xbar/read.h). The seed shows, for each circuit, the node voltage V_in
 * and the spikes at I = 5.75 uA (6 spikes) and 1 uA (1 spike), for
 * positive r (Fig. 2.11 single-ended adaptive, 4.5 ns window; Fig. 2.12
 * differential, 4 ns) and for negative r, where the circuit configured for
 * a falling input counts the node's falls below 500 mV (Fig. 2.13, 2.14;
 * "the same quantization error as its positive counterpart").
 *
 * Here: both circuits with their default parameters (the single-ended
 * one with its ATB), I = +1, +5.75, -1, -5.75 uA, the waveforms from
 * xb_read_wave on 4001 samples over each circuit's window (the model is
 * solved event to event in closed form; the samples are only for the
 * plot), the counts from xb_read_count and the spike times from
 * xb_read_events. The seed's anchors: 1 uA -> 1 spike and 5.75 uA -> 6
 * spikes for both circuits and both signs.
 *
 * Output: <out>/read_waveforms.csv and <out>/read_waveforms.png
 * (plots/read_waveforms.gp); the counts and spike times on stdout and a
 * final one-line JSON. Runs in milliseconds.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "read_waveforms"
#define NS 4001   /* samples per waveform */
#define NCUR 4
#define MAXSP 64  /* spike times kept per waveform */

static const double CUR[NCUR] = {1e-6, 5.75e-6, -1e-6, -5.75e-6};
static const int ANCHOR[NCUR] = {1, 6, 1, 6}; /* seed Fig. 2.11-2.14 */

typedef struct options {
  const char *out, *gp;
} options;

static void usage(FILE *f)
{
  fprintf(f, "usage: " PROG " [options]\n"
             "  --out DIR   output folder (default plots)\n"
             "  -h, --help  this text\n");
}

static int parse(int argc, char **argv, options *o)
{
  o->out = XB_SOURCE_DIR "/plots";
  o->gp = XB_SOURCE_DIR "/plots/read_waveforms.gp";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    if (!strcmp(a, "--out") && i + 1 < argc) {
      o->out = argv[++i];
      continue;
    }
    fprintf(stderr, PROG ": unexpected argument: %s\n", a);
    usage(stderr);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  options o;
  if (parse(argc, argv, &o))
    return 2;
  const xb_read_type *types[2] = {xb_read_se_adaptive, xb_read_diff};
  xb_read *r[2] = {NULL, NULL};
  double *t[2] = {NULL, NULL}, *v[2][NCUR] = {{NULL}}, *out[2][NCUR] = {{NULL}};
  int count[2][NCUR];
  double times[2][NCUR][MAXSP];
  size_t nev[2][NCUR];
  xbx_file *f = NULL;
  int rc = 1;
  xb_err err;

  for (int c = 0; c < 2; c++) {
    r[c] = xb_read_create(types[c], NULL, &err);
    if (!r[c]) {
      fprintf(stderr, PROG ": %s\n", err.msg);
      goto done;
    }
    const xb_read_params *p = xb_read_params_of(r[c]);
    t[c] = malloc(NS * sizeof(double));
    if (!t[c])
      goto oom;
    for (int k = 0; k < NS; k++)
      t[c][k] = p->window * k / (NS - 1);
    for (int q = 0; q < NCUR; q++) {
      v[c][q] = malloc(NS * sizeof(double));
      out[c][q] = malloc(NS * sizeof(double));
      if (!v[c][q] || !out[c][q])
        goto oom;
      if (xb_read_wave(r[c], CUR[q], t[c], NS, v[c][q], out[c][q], &err) ||
          xb_read_count(r[c], CUR[q], &count[c][q], &err) ||
          xb_read_events(r[c], CUR[q], p->window, times[c][q], MAXSP,
                         &nev[c][q], &err)) {
        fprintf(stderr, PROG ": %s at %g A: %s\n", types[c]->name, CUR[q],
                err.msg);
        goto done;
      }
    }
  }

  /* Summary. */
  int anchors_ok = 1;
  printf(PROG ": integrate-and-fire read waveforms (seed 000 Fig. "
              "2.11-2.14)\n");
  for (int c = 0; c < 2; c++) {
    const xb_read_params *p = xb_read_params_of(r[c]);
    double unit = p->c_int * (p->v_th - p->v_reset) / p->window;
    printf("\n  %s: C %.4g F, V_reset %.4g V, V_th %.4g V, V_tl %.4g V, "
           "t_delay %.3g s, R_reset %.4g Ohm, window %.3g s, ATB %.3g V\n",
           types[c]->name, p->c_int, p->v_reset, p->v_th, p->v_tl,
           p->t_delay, p->r_reset, p->window, p->atb_dv);
    printf("  %10s %7s %7s %12s  %s\n", "I (uA)", "spikes", "seed",
           "floor(IT/CdV)", "spike times (ns)");
    for (int q = 0; q < NCUR; q++) {
      int ok = count[c][q] == ANCHOR[q];
      anchors_ok &= ok;
      printf("  %+10.3f %7d %7d %12d  ", CUR[q] * 1e6, count[c][q],
             ANCHOR[q], (int)floor(fabs(CUR[q]) / unit));
      for (size_t k = 0; k < nev[c][q] && k < MAXSP; k++)
        printf("%s%.4f", k ? " " : "", times[c][q][k] * 1e9);
      printf("%s\n", ok ? "" : "   <- differs from the seed");
    }
  }

  /* CSV. */
  char csv[1024], png[1024];
  f = xbx_open_outputs(o.out, PROG, csv, png, sizeof csv);
  if (!f)
    goto done;
  fprintf(f->fp, "# " PROG ": node voltage (V) and output (0/1) of the "
                 "read circuits, %d samples over each window\n",
          NS);
  fprintf(f->fp, "t_se_ns,t_diff_ns");
  for (int c = 0; c < 2; c++)
    for (int q = 0; q < NCUR; q++)
      fprintf(f->fp, ",v_%s_%+.2fuA,out_%s_%+.2fuA", types[c]->name,
              CUR[q] * 1e6, types[c]->name, CUR[q] * 1e6);
  fprintf(f->fp, "\n");
  for (int k = 0; k < NS; k++) {
    fprintf(f->fp, "%.6f,%.6f", t[0][k] * 1e9, t[1][k] * 1e9);
    for (int c = 0; c < 2; c++)
      for (int q = 0; q < NCUR; q++)
        fprintf(f->fp, ",%.9f,%.0f", v[c][q][k], out[c][q][k]);
    fprintf(f->fp, "\n");
  }
  int fail = xbx_file_commit(f);
  f = NULL;
  if (fail)
    goto done;

  const xb_read_params *ps = xb_read_params_of(r[0]),
                       *pd = xb_read_params_of(r[1]);
  char vars[2048];
  snprintf(vars, sizeof vars,
           "csv='%s'; vr=%.17g; vth_se=%.17g; vth_atb=%.17g; vtl_se=%.17g; "
           "vth_d=%.17g; "
           "vtl_d=%.17g; T_se=%.17g; T_d=%.17g; "
           "n_se='%d %d %d %d'; n_d='%d %d %d %d'",
           csv, ps->v_reset, ps->v_th, xb_read_threshold(r[0], 5.75e-6),
           ps->v_tl,
           pd->v_th, pd->v_tl, ps->window * 1e9, pd->window * 1e9,
           count[0][0], count[0][1], count[0][2], count[0][3], count[1][0],
           count[1][1], count[1][2], count[1][3]);
  if (xbx_gnuplot(o.gp, vars, png))
    goto done;
  printf("\nwrote %s\nwrote %s\n", csv, png);

  printf("{\"experiment\":\"" PROG "\",\"currents_ua\":[1,5.75,-1,-5.75]");
  for (int c = 0; c < 2; c++)
    printf(",\"%s\":[%d,%d,%d,%d]", types[c]->name, count[c][0], count[c][1],
           count[c][2], count[c][3]);
  printf(",\"seed\":[1,6,1,6],\"anchors_ok\":%s}\n",
         anchors_ok ? "true" : "false");
  rc = 0;
  goto done;
oom:
  fprintf(stderr, PROG ": out of memory\n");
done:
  xbx_file_abort(f);
  for (int c = 0; c < 2; c++) {
    xb_read_free(r[c]);
    free(t[c]);
    for (int q = 0; q < NCUR; q++) {
      free(v[c][q]);
      free(out[c][q]);
    }
  }
  return rc;
}
