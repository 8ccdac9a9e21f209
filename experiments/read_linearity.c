/*
 * read_linearity: spike count against input current of the integrate-and-
 * fire read circuits (seed 000 section 2.4.3, Fig. 2.18a; Fig. 2.7 for
 * the effect of the ATB).
 *
 * "The number of reset pulses linearly increases with incoming RRAM current
 * at ~1 uA granularity. Non-linearity exists at high G values, which is
 * due to the finite discharge time of the capacitance and the voltage
 * overshoot above threshold due to latency" (seed 000 section 2.4.3); the
 * single-ended circuit's ATB lowers its threshold at high current to
 * straighten the staircase.
 *
 * Circuits: the single-ended adaptive circuit with its ATB, the same
 * without ATB (atb_dv = 0), and the differential circuit, all with their
 * default parameters (xbar/read.h). For each, the count n(I) of
 * xb_read_count on a fine sweep 0 .. 8 uA (default step 5 nA), and the
 * ideal staircase of a comparator without delay or reset time,
 * floor(I T / (C dV)) with dV = V_th - V_reset (LSB = C dV / T).
 *
 * Deviation from linear, three measures:
 *   - max over the sweep of |n(I) - floor(I T / (C dV))| (spikes);
 *   - the transition currents I_k (smallest I with n >= k, by bisection to
 *     1 fA) against the ideal k LSB: (I_k - k LSB) / LSB;
 *   - INL and DNL of the transitions against their own least-squares line
 *     I_k = a k + b (in units of the fitted step a), the converter's
 *     nonlinearity once gain and offset are calibrated (the seed notes the
 *     read "could be calibrated" for the array).
 * Negative currents: the falling-input configuration mirrors the rising
 * one, so n(-I) = n(I); checked over the sweep.
 *
 * Output: <out>/read_linearity.csv (the sweep), <out>/read_linearity_steps.csv
 * (the transitions) and <out>/read_linearity.png (plots/read_linearity.gp);
 * a summary and a final one-line JSON on stdout. Runs in well under a
 * second.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "read_linearity"
#define NC 3
#define KMAX 64

typedef struct options {
  const char *out, *gp;
  double imax, step; /* A */
} options;

static void usage(FILE *f)
{
  fprintf(f, "usage: " PROG " [options]\n"
             "  --out DIR    output folder (default plots)\n"
             "  --imax UA    largest current, uA (default 8)\n"
             "  --step UA    sweep step, uA (default 0.005)\n"
             "  -h, --help   this text\n");
}

static int parse(int argc, char **argv, options *o)
{
  o->out = XB_SOURCE_DIR "/plots";
  o->gp = XB_SOURCE_DIR "/plots/read_linearity.gp";
  o->imax = 8e-6;
  o->step = 5e-9;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    double x;
    if (!strcmp(a, "--out") && v) {
      o->out = v;
    } else if (!strcmp(a, "--imax") && v && xbx_parse_double(v, 0.1, 50, &x)) {
      o->imax = x * 1e-6;
    } else if (!strcmp(a, "--step") && v &&
               xbx_parse_double(v, 1e-4, 1, &x)) {
      o->step = x * 1e-6;
    } else {
      fprintf(stderr, PROG ": bad or unknown argument: %s%s%s\n", a,
              v ? " " : "", v ? v : "");
      usage(stderr);
      return -1;
    }
    i++;
  }
  return 0;
}

typedef struct curve {
  const char *name, *label;
  xb_read *r;
  double lsb;              /* ideal C dV / T (A) */
  int kmax;                /* transitions found */
  double ik[KMAX + 1];     /* I_k, k = 1..kmax (A) */
  double a, b;             /* fit I_k = a k + b */
  double max_floor_dev;    /* max |n - floor(I/lsb)| (spikes) */
  double max_ideal_dev;    /* max |I_k - k lsb| / lsb */
  double max_inl, max_dnl; /* vs the fit, in units of a */
  int mirror_ok;
} curve;

/* Smallest current with n >= k, in (lo, hi], to 1e-15 A. */
static int transition(const xb_read *r, int k, double lo, double hi,
                      double *ik, xb_err *err)
{
  int n;
  while (hi - lo > 1e-15) {
    double mid = 0.5 * (lo + hi);
    int rc = xb_read_count(r, mid, &n, err);
    if (rc)
      return rc;
    if (n >= k)
      hi = mid;
    else
      lo = mid;
  }
  *ik = hi;
  return XB_OK;
}

int main(int argc, char **argv)
{
  options o;
  if (parse(argc, argv, &o))
    return 2;
  size_t np = (size_t)floor(o.imax / o.step + 0.5) + 1;
  curve cv[NC] = {
      {"se_adaptive", "single-ended adaptive (ATB)", NULL, 0, 0, {0}, 0, 0,
       0, 0, 0, 0, 1},
      {"se_no_atb", "single-ended, ATB off", NULL, 0, 0, {0}, 0, 0, 0, 0, 0,
       0, 1},
      {"diff", "differential", NULL, 0, 0, {0}, 0, 0, 0, 0, 0, 0, 1},
  };
  int *n = malloc(NC * np * sizeof(int));
  xbx_file *f = NULL;
  int rc = 1;
  xb_err err;
  if (!n) {
    fprintf(stderr, PROG ": out of memory\n");
    return 1;
  }
  xb_read_params p;
  xb_read_se_adaptive->defaults(&p);
  cv[0].r = xb_read_create(xb_read_se_adaptive, &p, &err);
  p.atb_dv = 0;
  cv[1].r = xb_read_create(xb_read_se_adaptive, &p, &err);
  cv[2].r = xb_read_create(xb_read_diff, NULL, &err);
  for (int c = 0; c < NC; c++)
    if (!cv[c].r) {
      fprintf(stderr, PROG ": %s\n", err.msg);
      goto done;
    }

  for (int c = 0; c < NC; c++) {
    curve *q = &cv[c];
    const xb_read_params *pp = xb_read_params_of(q->r);
    q->lsb = pp->c_int * (pp->v_th - pp->v_reset) / pp->window;
    for (size_t k = 0; k < np; k++) {
      double I = o.step * (double)k;
      int *nk = &n[c * np + k], nm;
      if (xb_read_count(q->r, I, nk, &err) ||
          xb_read_count(q->r, -I, &nm, &err)) {
        fprintf(stderr, PROG ": %s at %g A: %s\n", q->name, I, err.msg);
        goto done;
      }
      q->mirror_ok &= nm == *nk;
      double dev = fabs(*nk - floor(I / q->lsb));
      if (dev > q->max_floor_dev)
        q->max_floor_dev = dev;
    }
    /* Transitions up to the count at imax. */
    int top = n[c * np + np - 1];
    q->kmax = top < KMAX ? top : KMAX;
    double lo = 0;
    for (int k = 1; k <= q->kmax; k++) {
      if (transition(q->r, k, lo, o.imax, &q->ik[k], &err)) {
        fprintf(stderr, PROG ": %s: %s\n", q->name, err.msg);
        goto done;
      }
      lo = q->ik[k];
      double d = fabs(q->ik[k] - k * q->lsb) / q->lsb;
      if (d > q->max_ideal_dev)
        q->max_ideal_dev = d;
    }
    /* Least-squares line through (k, I_k). */
    double sk = 0, si = 0, skk = 0, ski = 0, m = q->kmax;
    for (int k = 1; k <= q->kmax; k++) {
      sk += k;
      si += q->ik[k];
      skk += (double)k * k;
      ski += k * q->ik[k];
    }
    if (q->kmax >= 2) {
      q->a = (m * ski - sk * si) / (m * skk - sk * sk);
      q->b = (si - q->a * sk) / m;
    } else {
      q->a = q->lsb;
      q->b = 0;
    }
    for (int k = 1; k <= q->kmax; k++) {
      double inl = (q->ik[k] - (q->a * k + q->b)) / q->a;
      if (fabs(inl) > q->max_inl)
        q->max_inl = fabs(inl);
      if (k < q->kmax) {
        double dnl = (q->ik[k + 1] - q->ik[k]) / q->a - 1;
        if (fabs(dnl) > q->max_dnl)
          q->max_dnl = fabs(dnl);
      }
    }
  }

  /* Summary. */
  printf(PROG ": spike count vs current, 0 .. %.3g uA in %.3g nA steps "
              "(seed 000 Fig. 2.18a)\n\n",
         o.imax * 1e6, o.step * 1e9);
  printf("  %-28s %8s %8s %8s %10s %10s %8s %8s %6s\n", "circuit",
         "LSB uA", "fit uA", "off uA", "|n-floor|", "|Ik-kLSB|", "INL",
         "DNL", "n(8)");
  for (int c = 0; c < NC; c++) {
    curve *q = &cv[c];
    printf("  %-28s %8.4f %8.4f %+8.4f %10.0f %10.3f %8.3f %8.3f %6d\n",
           q->label, q->lsb * 1e6, q->a * 1e6, q->b * 1e6, q->max_floor_dev,
           q->max_ideal_dev, q->max_inl, q->max_dnl, n[c * np + np - 1]);
  }
  printf("\n  LSB: ideal step C dV / T; fit: slope of the least-squares line "
         "through the transition currents I_k,\n  off: its offset; "
         "|n-floor|: max deviation from floor(I T / (C dV)) in spikes;\n"
         "  |Ik-kLSB|: max deviation of a transition from the ideal one, in "
         "LSB; INL, DNL: max vs the fitted line, in fitted steps.\n");
  printf("  transitions I_k (uA):\n");
  for (int c = 0; c < NC; c++) {
    printf("    %-26s", cv[c].label);
    for (int k = 1; k <= cv[c].kmax; k++)
      printf(" %.3f", cv[c].ik[k] * 1e6);
    printf("\n");
  }
  int mirror_ok = cv[0].mirror_ok && cv[1].mirror_ok && cv[2].mirror_ok;
  printf("  negative currents (falling-input circuit): n(-I) %s n(I) over "
         "the sweep\n",
         mirror_ok ? "==" : "!=");

  /* CSV files. */
  if (mkdir(o.out, 0777) && errno != EEXIST) {
    fprintf(stderr, PROG ": cannot create %s: %s\n", o.out, strerror(errno));
    goto done;
  }
  char csv[1024], csv2[1024], png[1024];
  if (snprintf(csv, sizeof csv, "%s/" PROG ".csv", o.out) >= (int)sizeof csv ||
      snprintf(csv2, sizeof csv2, "%s/" PROG "_steps.csv", o.out) >=
          (int)sizeof csv2 ||
      snprintf(png, sizeof png, "%s/" PROG ".png", o.out) >= (int)sizeof png) {
    fprintf(stderr, PROG ": output path too long\n");
    goto done;
  }
  f = xbx_file_open(csv);
  if (!f)
    goto done;
  fprintf(f->fp, "# " PROG ": spike counts; ideal = floor(I T / (C dV))\n"
                 "i_ua,n_se,n_se_noatb,n_diff,ideal_se,ideal_diff\n");
  for (size_t k = 0; k < np; k++) {
    double I = o.step * (double)k;
    fprintf(f->fp, "%.6f,%d,%d,%d,%.0f,%.0f\n", I * 1e6, n[k], n[np + k],
            n[2 * np + k], floor(I / cv[0].lsb), floor(I / cv[2].lsb));
  }
  int fail = xbx_file_commit(f);
  f = NULL;
  if (fail)
    goto done;
  f = xbx_file_open(csv2);
  if (!f)
    goto done;
  fprintf(f->fp, "# " PROG ": transition currents I_k (uA), deviation "
                 "from k LSB (LSB) and INL vs the fitted line (fitted "
                 "steps); empty where a circuit has no k-th transition\n"
                 "k,ik_se,ik_se_noatb,ik_diff,dev_se,dev_se_noatb,dev_diff,"
                 "inl_se,inl_se_noatb,inl_diff\n");
  int kall = cv[0].kmax;
  for (int c = 1; c < NC; c++)
    if (cv[c].kmax > kall)
      kall = cv[c].kmax;
  for (int k = 1; k <= kall; k++) {
    fprintf(f->fp, "%d", k);
    for (int c = 0; c < NC; c++)
      if (k <= cv[c].kmax)
        fprintf(f->fp, ",%.6f", cv[c].ik[k] * 1e6);
      else
        fprintf(f->fp, ",");
    for (int c = 0; c < NC; c++)
      if (k <= cv[c].kmax)
        fprintf(f->fp, ",%.6f", (cv[c].ik[k] - k * cv[c].lsb) / cv[c].lsb);
      else
        fprintf(f->fp, ",");
    for (int c = 0; c < NC; c++)
      if (k <= cv[c].kmax)
        fprintf(f->fp, ",%.6f",
                (cv[c].ik[k] - (cv[c].a * k + cv[c].b)) / cv[c].a);
      else
        fprintf(f->fp, ",");
    fprintf(f->fp, "\n");
  }
  fail = xbx_file_commit(f);
  f = NULL;
  if (fail)
    goto done;

  char vars[3072];
  snprintf(vars, sizeof vars,
           "csv='%s'; csv2='%s'; imax=%.17g; lsb_se=%.17g; lsb_d=%.17g",
           csv, csv2, o.imax * 1e6, cv[0].lsb * 1e6, cv[2].lsb * 1e6);
  if (xbx_gnuplot(o.gp, vars, png))
    goto done;
  printf("\nwrote %s\nwrote %s\nwrote %s\n", csv, csv2, png);

  printf("{\"experiment\":\"" PROG "\",\"imax_ua\":%.6g,\"step_ua\":%.6g",
         o.imax * 1e6, o.step * 1e6);
  for (int c = 0; c < NC; c++) {
    curve *q = &cv[c];
    printf(",\"%s\":{\"lsb_ua\":%.6g,\"fit_step_ua\":%.6g,\"fit_offset_ua\":"
           "%.6g,\"max_dev_floor_spikes\":%.0f,\"max_dev_ideal_lsb\":%.4g,"
           "\"max_inl\":%.4g,\"max_dnl\":%.4g,\"count_at_imax\":%d}",
           q->name, q->lsb * 1e6, q->a * 1e6, q->b * 1e6, q->max_floor_dev,
           q->max_ideal_dev, q->max_inl, q->max_dnl, n[c * np + np - 1]);
  }
  printf(",\"mirror_ok\":%s}\n", mirror_ok ? "true" : "false");
  rc = 0;

done:
  xbx_file_abort(f);
  for (int c = 0; c < NC; c++)
    xb_read_free(cv[c].r);
  free(n);
  return rc;
}
