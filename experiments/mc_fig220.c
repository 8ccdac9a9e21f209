/*
 * mc_fig220: Monte Carlo of the two read circuits under process variation
 * and mismatch (seed 000 section 2.4.5, Fig. 2.20): the histogram of the
 * measured pulse count at an input current where 1 pulse is correct, for
 * the single-ended adaptive Schmitt trigger and the differential Schmitt
 * trigger.
 *
 * The studies are models/mc_fig220_se.ini and models/mc_fig220_diff.ini
 * (xbar/mc.h study files, model = read): each holds the calibrated
 * behavioral circuit (models/read_*_65nm.ini), the 1-pulse current, and
 * the distributions of the thresholds that experiments/calibrate_mismatch
 * measured through ngspice on the transistor netlists (Pelgrom mismatch of
 * every device plus a die-to-die Vth shift; see those files). Latin
 * hypercube sampling, as the seed.
 *
 * Output in --out (default plots/): mc_fig220_se.csv, mc_fig220_diff.csv
 * (every sample), mc_fig220.csv (count histogram of both), mc_fig220.png,
 * a progress line on stderr and a final JSON line with the fraction of
 * correct (1-pulse) reads of each circuit.
 *
 * usage: mc_fig220 [--samples N] [--threads T] [--out DIR] [--se STUDY]
 *                  [--diff STUDY]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xbar/xbar.h>

#include "exp_util.h"
#include "mc_models.h"

#define PROG "mc_fig220"
#define SRC XB_SOURCE_DIR
#define MAXC 16

typedef struct prog {
  const char *name;
  double t0, last;
} prog;

static int progress(void *user, size_t done, size_t total)
{
  prog *p = user;
  double t = xbx_now();
  if (t - p->last < 0.5 && done < total)
    return 0;
  p->last = t;
  double rate = (double)done / fmax(t - p->t0, 1e-9);
  fprintf(stderr, "\r  %-5s %8zu / %zu samples  %9.0f /s  ETA %5.0f s ",
          p->name, done, total, rate, (double)(total - done) / fmax(rate, 1));
  if (done == total)
    fprintf(stderr, "\n");
  return 0;
}

/* Run one study into csv; histogram of the spike count in hist (MAXC + 1:
 * the last bin counts failed or larger). */
static int run_study(const char *study, const char *name, const char *csv,
                     int samples, int threads, size_t *hist, size_t *n_out,
                     double *current)
{
  xb_err err;
  xb_mc_study *s = xb_mc_study_load(study, &err), *s2 = NULL;
  if (!s) {
    fprintf(stderr, PROG ": %s\n(run experiments/calibrate_mismatch to "
                    "write the study files)\n",
            err.msg);
    return -1;
  }
  const xb_mc_study *S = s;
  if (samples > 0) {
    size_t np = xb_mc_study_nparams(s);
    xb_mc_param pp[64];
    for (size_t k = 0; k < np && k < 64; k++)
      pp[k] = *xb_mc_study_param(s, k);
    const char *sv = xb_mc_study_get(s, "seed");
    S = s2 = xb_mc_study_create(pp, np, (size_t)samples,
                                sv ? strtoull(sv, NULL, 10) : 0, 1, &err);
    if (!s2) {
      fprintf(stderr, PROG ": %s\n", err.msg);
      xb_mc_study_free(s);
      return -1;
    }
  }
  xbx_model m;
  int rc = xbx_model_setup(&m, s, study, &err);
  char header[2048];
  xb_mc_out *o = NULL;
  if (!rc && m.kind != 0) {
    fprintf(stderr, PROG ": %s is not a read study\n", study);
    rc = -1;
  }
  if (!rc && xb_mc_header(S, xbx_model_outputs(&m), xbx_model_nout(&m), header,
                          sizeof header) < 0)
    rc = -1;
  if (!rc) {
    o = xb_mc_out_open(csv, header, xb_mc_study_samples(S), 0, NULL, &err);
    rc = o ? 0 : -1;
  }
  prog p = {name, xbx_now(), 0};
  if (!rc)
    rc = xb_mc_run(S, xbx_model_fn(&m), &m, xbx_model_nout(&m), o, 0, threads, progress, &p,
                   &err);
  if (xb_mc_out_close(o, rc ? NULL : &err) && !rc)
    rc = -1;
  double *v = NULL;
  size_t n = 0;
  if (!rc)
    rc = xb_mc_read_column(csv, "spikes", &v, &n, &err);
  if (rc) {
    fprintf(stderr, PROG ": %s: %s\n", study, err.msg);
  } else {
    memset(hist, 0, (MAXC + 1) * sizeof *hist);
    for (size_t k = 0; k < n; k++) {
      int c = isnan(v[k]) || v[k] > MAXC - 1 ? MAXC : (int)v[k];
      hist[c]++;
    }
    *n_out = n;
    *current = m.current;
  }
  free(v);
  xb_mc_study_free(s);
  xb_mc_study_free(s2);
  return rc;
}

int main(int argc, char **argv)
{
  const char *out = SRC "/plots", *se = SRC "/models/mc_fig220_se.ini",
             *df = SRC "/models/mc_fig220_diff.ini";
  int samples = 0, threads = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      printf("usage: " PROG " [--samples N] [--threads T] [--out DIR] "
             "[--se STUDY] [--diff STUDY]\n");
      return 0;
    }
    if (!v) {
      fprintf(stderr, PROG ": %s needs a value\n", a);
      return 2;
    }
    if (!strcmp(a, "--samples") && xbx_parse_int(v, 1, 100000000, &samples))
      ;
    else if (!strcmp(a, "--threads") && xbx_parse_int(v, 1, 1024, &threads))
      ;
    else if (!strcmp(a, "--out"))
      out = v;
    else if (!strcmp(a, "--se"))
      se = v;
    else if (!strcmp(a, "--diff"))
      df = v;
    else {
      fprintf(stderr, PROG ": bad or unknown argument: %s %s\n", a, v);
      return 2;
    }
    i++;
  }
  if (xbx_make_dir(out, PROG))
    return 1;
  char csv_se[1100], csv_df[1100], csv[1100], png[1100];
  snprintf(csv_se, sizeof csv_se, "%s/mc_fig220_se.csv", out);
  snprintf(csv_df, sizeof csv_df, "%s/mc_fig220_diff.csv", out);
  size_t h_se[MAXC + 1], h_df[MAXC + 1], n_se = 0, n_df = 0;
  double i_se = 0, i_df = 0, t0 = xbx_now();
  if (run_study(se, "se", csv_se, samples, threads, h_se, &n_se, &i_se) ||
      run_study(df, "diff", csv_df, samples, threads, h_df, &n_df, &i_df))
    return 1;
  xbx_file *f = xbx_open_outputs(out, PROG, csv, png, sizeof csv);
  if (!f)
    return 1;
  fprintf(f->fp, "# measured pulse count (1 is correct): single-ended at "
                 "%.4g uA, differential at %.4g uA; %zu / %zu samples\n",
          i_se * 1e6, i_df * 1e6, n_se, n_df);
  fprintf(f->fp, "count,single_ended,differential\n");
  for (int c = 0; c <= MAXC; c++)
    fprintf(f->fp, "%d,%zu,%zu\n", c, h_se[c], h_df[c]);
  if (xbx_file_commit(f))
    return 1;
  char vars[2600];
  snprintf(vars, sizeof vars, "csv='%s'; n_se=%zu; n_df=%zu", csv, n_se,
           n_df);
  if (xbx_gnuplot(SRC "/plots/mc_fig220.gp", vars, png))
    return 1;
  double ok_se = n_se ? (double)h_se[1] / (double)n_se : NAN;
  double ok_df = n_df ? (double)h_df[1] / (double)n_df : NAN;
  printf("pulse count at the 1-pulse current (fraction of samples):\n");
  printf("  count   single-ended   differential\n");
  for (int c = 0; c <= MAXC; c++)
    if (h_se[c] || h_df[c])
      printf("  %5d   %12.4f   %12.4f\n", c, (double)h_se[c] / n_se,
             (double)h_df[c] / n_df);
  printf("wrote %s, %s, %s, %s\n", csv_se, csv_df, csv, png);
  printf("{\"experiment\": \"" PROG "\", \"samples_se\": %zu, "
         "\"samples_diff\": %zu, \"correct_se\": %.4f, \"correct_diff\": "
         "%.4f, \"seconds\": %.3g}\n",
         n_se, n_df, ok_se, ok_df, xbx_now() - t0);
  return 0;
}
