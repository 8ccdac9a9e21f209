/*
 * mc_fig220: Monte Carlo of the two read circuits under process variation
 * and mismatch (seed 000 section 2.4.5, Fig. 2.20): the histogram of the
 * pulse count at an input current where 1 pulse is correct, for the
 * single-ended adaptive and the differential Schmitt trigger.
 *
 * Method: the studies models/mc_fig220_se.ini and mc_fig220_diff.ini
 * (xbar/mc.h, model = read, Latin hypercube as the seed) hold the
 * calibrated behavioral circuit (models/read_*_65nm.ini), the 1-pulse
 * current and the threshold spread that calibrate_read --mismatch measured
 * in ngspice on the transistor netlists; each sample is one behavioral
 * read (experiments/mc_models.c).
 *
 * Outputs: mc_fig220_se.csv and mc_fig220_diff.csv (every sample),
 * mc_fig220.csv (the count histogram of both), mc_fig220.png, and a JSON
 * line with the fraction of correct (1-pulse) reads of each circuit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <xbar/xbar.h>

#include "exp_util.h"
#include "mc_models.h"

#define MAXC 16 /* the histogram's last bin: MAXC or more, or failed */

static const xbx_prog prog = {
  "mc_fig220",
  "pulse-count histogram of the two read circuits under variation (seed "
  "Fig. 2.20)",
  "Runs the Monte Carlo studies of the single-ended adaptive and the "
  "differential read circuit (the calibrated behavioral circuits with the "
  "threshold spread measured by calibrate_read --mismatch, Latin hypercube "
  "sampling) at the current where 1 pulse is correct, and counts how often "
  "each circuit gives 0, 1, 2, ... pulses.",
  "mc_fig220_se.csv every sample of the single-ended study\n"
  "mc_fig220_diff.csv every sample of the differential study\n"
  "mc_fig220.csv the pulse-count histogram of both\n"
  "mc_fig220.png plots/mc_fig220.gp",
  "mc_fig220 --samples 2000 --out /tmp/fig220"};

/* Run one study into <dir>/mc_fig220_<tag>.csv; the histogram of its
 * spike count (MAXC + 1 bins), its sample count and current. */
static int run_study(const char *study, const char *tag, const char *dir,
                     int samples, int threads, size_t *hist, size_t *n,
                     double *current)
{
  xb_err err;
  xbx_mc mc;
  char csv[1100];
  snprintf(csv, sizeof csv, "%s/mc_fig220_%s.csv", dir, tag);
  xbx_progress pr = {tag, xbx_now(), 0, 0, 0};
  double *v = NULL;
  int rc = xbx_mc_load(&mc, study, (size_t)samples, &err);
  if (!rc && mc.m.kind != 0) {
    snprintf(err.msg, sizeof err.msg, "not a read study");
    rc = -1;
  }
  if (!rc)
    rc = xbx_mc_to_csv(&mc, csv, threads, xbx_progress_fn, &pr, &err);
  if (!rc)
    rc = xb_mc_read_column(csv, "spikes", &v, n, &err);
  if (rc)
    fprintf(stderr, "%s: %s: %s\n", prog.name, study, err.msg);
  for (size_t k = 0; !rc && k < *n; k++)
    hist[isnan(v[k]) || v[k] > MAXC - 1 ? MAXC : (int)v[k]]++;
  *current = mc.m.current;
  free(v);
  xbx_mc_free(&mc);
  return rc;
}

int main(int argc, char **argv)
{
  int samples = 0, threads = 0;
  const char *outdir = XB_SOURCE_DIR "/plots";
  const char *se = XB_SOURCE_DIR "/models/mc_fig220_se.ini";
  const char *df = XB_SOURCE_DIR "/models/mc_fig220_diff.ini";
  XBX_PARSE(prog,
    XBX_INT("samples", &samples, "", 1, 100000000,
            "samples per study (not set: the studies' own)"),
    XBX_INT("threads", &threads, "", 1, 1024,
            "OpenMP threads (not set: OpenMP's default)"),
    XBX_STR("out", &outdir, "DIR", "output folder"),
    XBX_STR("se", &se, "FILE", "the single-ended study"),
    XBX_STR("diff", &df, "FILE", "the differential study"));
  double t0 = xbx_now(), i_se = 0, i_df = 0;
  size_t h_se[MAXC + 1] = {0}, h_df[MAXC + 1] = {0}, n_se = 0, n_df = 0;
  if (xbx_make_dir(outdir, prog.name) ||
      run_study(se, "se", outdir, samples, threads, h_se, &n_se, &i_se) ||
      run_study(df, "diff", outdir, samples, threads, h_df, &n_df, &i_df))
    return 1;
  xbx_out *out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(out, "mc_fig220.csv",
                         "# measured pulse count (1 is correct): single-ended "
                         "at %.4g uA, differential at %.4g uA; %zu / %zu "
                         "samples\ncount,single_ended,differential\n",
                         i_se * 1e6, i_df * 1e6, n_se, n_df);
  if (!f) {
    xbx_out_free(out);
    return 1;
  }
  printf("pulse count at the 1-pulse current (fraction of samples):\n"
         "  count   single-ended   differential\n");
  for (int c = 0; c <= MAXC; c++) {
    fprintf(f, "%d,%zu,%zu\n", c, h_se[c], h_df[c]);
    if (h_se[c] || h_df[c])
      printf("  %5d   %12.4f   %12.4f\n", c, (double)h_se[c] / n_se,
             (double)h_df[c] / n_df);
  }
  printf("wrote %s/mc_fig220_se.csv\nwrote %s/mc_fig220_diff.csv\n", outdir,
         outdir);
  xbx_out_plot(out, "mc_fig220", "n_se=%zu; n_df=%zu", n_se, n_df);
  return xbx_out_end(out, 1, "experiment=%s samples_se=%zu samples_diff=%zu "
                     "correct_se=%.4f correct_diff=%.4f seconds=%.3g",
                     prog.name, n_se, n_df,
                     n_se ? (double)h_se[1] / (double)n_se : NAN,
                     n_df ? (double)h_df[1] / (double)n_df : NAN,
                     xbx_now() - t0);
}
