/*
 * read_linearity: spike count against input current of the integrate-and-
 * fire read circuits (seed 000 section 2.4.3, Fig. 2.18a; Fig. 2.7 for the
 * ATB): "the number of reset pulses linearly increases with incoming RRAM
 * current at ~1 uA granularity. Non-linearity exists at high G values"
 * (finite discharge time, overshoot from latency); the single-ended ATB
 * lowers the threshold at high current to straighten the staircase.
 *
 * Method: the single-ended adaptive circuit with and without its ATB
 * (atb_dv = 0) and the differential one, defaults of xbar/read.h. Each
 * count n(I) of xb_read_count on a sweep 0 .. 8 uA (step 5 nA) is set
 * against the ideal staircase floor(I T / (C dV)), dV = V_th - V_reset,
 * LSB = C dV / T: the largest |n - floor| (spikes); the transition
 * currents I_k (smallest I with n >= k, bisection to 1 fA) against k LSB;
 * the INL and DNL of the I_k against their least-squares line a k + b, in
 * fitted steps a (what is left after gain and offset calibration). The
 * falling-input circuit must mirror the rising one: n(-I) = n(I).
 *
 * Outputs: read_linearity.csv (the sweep), read_linearity_steps.csv (the
 * transitions), read_linearity.png (plots/read_linearity.gp); a summary
 * and a JSON line on stdout. Well under a second.
 */
#include <math.h>
#include <stdlib.h>

#include "exp_util.h"

#define NC 3
#define KMAX 64

static const xbx_prog prog = {
  "read_linearity",
  "spike count against input current of the integrate-and-fire read "
  "circuits",
  "The spike count of three read circuits (single-ended adaptive with and "
  "without its ATB, differential) on a current sweep against the ideal "
  "staircase floor(I T / (C dV)): largest deviation, transitions I_k "
  "against k LSB, their INL and DNL (seed 000 Fig. 2.18a, 2.7).",
  "read_linearity.csv per current: the counts of each circuit and the "
  "ideal staircases\n"
  "read_linearity_steps.csv per transition k: I_k, its deviation from k "
  "LSB and its INL, per circuit\n"
  "read_linearity.png plots/read_linearity.gp\n"
  "stdout a summary and a final JSON line",
  "read_linearity --step 0.05 --out /tmp/lin"};

/* One circuit's staircase and its deviations from linear. */
typedef struct curve {
  const char *name, *label;
  xb_read *r;
  double lsb, ik[KMAX + 1]; /* ideal C dV / T; I_k, k = 1..kmax (A) */
  int kmax, mirror_ok;      /* transitions found; n(-I) == n(I) */
  double a, b;              /* fit I_k = a k + b (A) */
  double max_floor_dev;     /* max |n - floor(I/lsb)| (spikes) */
  double max_ideal_dev;     /* max |I_k - k lsb| / lsb */
  double max_inl, max_dnl;  /* vs the fit, in units of a */
} curve;

/* Smallest current with n >= k, in (lo, hi], to 1e-15 A. */
static int transition(const xb_read *r, int k, double lo, double hi,
                      double *ik, xb_err *err)
{
  int n, rc = XB_OK;
  while (!rc && hi - lo > 1e-15) {
    double mid = 0.5 * (lo + hi);
    if (!(rc = xb_read_count(r, mid, &n, err)))
      *(n >= k ? &hi : &lo) = mid;
  }
  *ik = hi;
  return rc;
}

/* Column `what` of read_linearity_steps.csv for transition k: I_k (uA),
 * its deviation from k LSB (LSB), its INL (fitted steps); empty if the
 * circuit has no k-th transition. */
static void step_value(FILE *f, const curve *q, int k, int what)
{
  double d[3] = {q->ik[k] * 1e6, (q->ik[k] - k * q->lsb) / q->lsb,
                 (q->ik[k] - (q->a * k + q->b)) / q->a};
  if (k <= q->kmax)
    fprintf(f, ",%.6f", d[what]);
  else
    fprintf(f, ",");
}

int main(int argc, char **argv)
{
  const char *outdir = XB_SOURCE_DIR "/plots";
  double imax_ua = 8, step_ua = 0.005;
  XBX_PARSE(prog,
    XBX_STR("out", &outdir, "DIR", "output folder"),
    XBX_DOUBLE("imax", &imax_ua, "uA", 0.1, 50, "largest current"),
    XBX_DOUBLE("step", &step_ua, "uA", 1e-4, 1, "sweep step"));
  int rc = 1;
  double imax = imax_ua * 1e-6, step = step_ua * 1e-6; /* A */
  size_t np = (size_t)floor(imax / step + 0.5) + 1;
  curve cv[NC] = {
      {.name = "se_adaptive", .label = "single-ended adaptive (ATB)",
       .mirror_ok = 1},
      {.name = "se_no_atb", .label = "single-ended, ATB off", .mirror_ok = 1},
      {.name = "diff", .label = "differential", .mirror_ok = 1},
  };
  int *n = malloc(NC * np * sizeof(int));
  xbx_out *out = NULL;
  xb_err err;
  if (!n) {
    fprintf(stderr, "read_linearity: out of memory\n");
    return 1;
  }
  xb_read_params p;
  xb_read_se_adaptive->defaults(&p);
  cv[0].r = xb_read_create(xb_read_se_adaptive, &p, &err);
  p.atb_dv = 0;
  cv[1].r = cv[0].r ? xb_read_create(xb_read_se_adaptive, &p, &err) : NULL;
  cv[2].r = cv[1].r ? xb_read_create(xb_read_diff, NULL, &err) : NULL;
  if (!cv[2].r) {
    fprintf(stderr, "read_linearity: %s\n", err.msg);
    goto done;
  }

  for (int c = 0; c < NC; c++) {
    curve *q = &cv[c];
    const xb_read_params *pp = xb_read_params_of(q->r);
    q->lsb = pp->c_int * (pp->v_th - pp->v_reset) / pp->window;
    for (size_t k = 0; k < np; k++) {
      double I = step * (double)k;
      int *nk = &n[c * np + k], nm;
      if (xb_read_count(q->r, I, nk, &err) ||
          xb_read_count(q->r, -I, &nm, &err)) {
        fprintf(stderr, "read_linearity: %s at %g A: %s\n", q->name, I,
                err.msg);
        goto done;
      }
      q->mirror_ok &= nm == *nk;
      q->max_floor_dev = fmax(q->max_floor_dev, fabs(*nk - floor(I / q->lsb)));
    }
    /* Transitions up to the count at imax. */
    int top = n[c * np + np - 1];
    q->kmax = top < KMAX ? top : KMAX;
    double lo = 0;
    for (int k = 1; k <= q->kmax; k++) {
      if (transition(q->r, k, lo, imax, &q->ik[k], &err)) {
        fprintf(stderr, "read_linearity: %s: %s\n", q->name, err.msg);
        goto done;
      }
      lo = q->ik[k];
      q->max_ideal_dev =
          fmax(q->max_ideal_dev, fabs(q->ik[k] - k * q->lsb) / q->lsb);
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
      q->max_inl = fmax(q->max_inl, fabs((q->ik[k] - (q->a * k + q->b)) /
                                         q->a));
      if (k < q->kmax)
        q->max_dnl = fmax(q->max_dnl,
                          fabs((q->ik[k + 1] - q->ik[k]) / q->a - 1));
    }
  }

  printf("read_linearity: spike count vs current, 0 .. %.3g uA in %.3g nA "
         "steps (seed 000 Fig. 2.18a)\n\n  %-28s %8s %8s %8s %10s %10s %8s "
         "%8s %6s\n", imax * 1e6, step * 1e9, "circuit", "LSB uA", "fit uA",
         "off uA", "|n-floor|", "|Ik-kLSB|", "INL", "DNL", "n(8)");
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
         "LSB; INL, DNL: max vs the fitted line, in fitted steps.\n"
         "  transitions I_k (uA):\n");
  int kall = 0;
  for (int c = 0; c < NC; c++) {
    printf("    %-26s", cv[c].label);
    for (int k = 1; k <= cv[c].kmax; k++)
      printf(" %.3f", cv[c].ik[k] * 1e6);
    printf("\n");
    kall = cv[c].kmax > kall ? cv[c].kmax : kall;
  }
  int mirror_ok = cv[0].mirror_ok && cv[1].mirror_ok && cv[2].mirror_ok;
  printf("  negative currents (falling-input circuit): n(-I) %s n(I) over "
         "the sweep\n", mirror_ok ? "==" : "!=");

  out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(out, "read_linearity.csv",
                         "# read_linearity: spike counts; ideal = "
                         "floor(I T / (C dV))\n"
                         "i_ua,n_se,n_se_noatb,n_diff,ideal_se,ideal_diff\n");
  if (!f)
    goto done;
  for (size_t k = 0; k < np; k++) {
    double I = step * (double)k;
    fprintf(f, "%.6f,%d,%d,%d,%.0f,%.0f\n", I * 1e6, n[k], n[np + k],
            n[2 * np + k], floor(I / cv[0].lsb), floor(I / cv[2].lsb));
  }
  f = xbx_out_open(out, "read_linearity_steps.csv",
                   "# read_linearity: transition currents I_k (uA), "
                   "deviation from k LSB (LSB) and INL vs the fitted line "
                   "(fitted steps); empty where a circuit has no k-th "
                   "transition\n"
                   "k,ik_se,ik_se_noatb,ik_diff,dev_se,dev_se_noatb,dev_diff,"
                   "inl_se,inl_se_noatb,inl_diff\n");
  if (!f)
    goto done;
  for (int k = 1; k <= kall; k++) {
    fprintf(f, "%d", k);
    for (int what = 0; what < 3; what++)
      for (int c = 0; c < NC; c++)
        step_value(f, &cv[c], k, what);
    fprintf(f, "\n");
  }
  xbx_out_plot(out, "read_linearity",
               "csv2='%s/read_linearity_steps.csv'; imax=%.17g; "
               "lsb_se=%.17g; lsb_d=%.17g",
               outdir, imax * 1e6, cv[0].lsb * 1e6, cv[2].lsb * 1e6);
  /* Each circuit's figures as a JSON object, printed verbatim. */
  char js[NC][400];
  for (int c = 0; c < NC; c++) {
    curve *q = &cv[c];
    snprintf(js[c], sizeof js[c],
             "\"lsb_ua\":%.6g,\"fit_step_ua\":%.6g,\"fit_offset_ua\":%.6g,"
             "\"max_dev_floor_spikes\":%.0f,\"max_dev_ideal_lsb\":%.4g,"
             "\"max_inl\":%.4g,\"max_dnl\":%.4g,\"count_at_imax\":%d",
             q->lsb * 1e6, q->a * 1e6, q->b * 1e6, q->max_floor_dev,
             q->max_ideal_dev, q->max_inl, q->max_dnl, n[c * np + np - 1]);
  }
  rc = xbx_out_end(out, 0,
                   "experiment=%s imax_ua=%.6g step_ua=%.6g se_adaptive={%s} "
                   "se_no_atb={%s} diff={%s} mirror_ok=%.5s",
                   prog.name, imax * 1e6, step * 1e6, js[0], js[1], js[2],
                   mirror_ok ? "true" : "false");
  out = NULL;

done:
  xbx_out_free(out);
  for (int c = 0; c < NC; c++)
    xb_read_free(cv[c].r);
  free(n);
  return rc;
}
