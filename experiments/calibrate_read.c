/*
 * calibrate_read: the behavioral read-circuit parameters (xbar/read.h) of
 * the two transistor-level read circuits, measured in ngspice, written to
 * models/read_se_65nm.ini and models/read_diff_65nm.ini.
 *
 * Circuits (seed 000 sec. 2.3.2, Fig. 2.6-2.8): netlists/read_se_adaptive.cir
 * (single-ended adaptive Schmitt trigger with the ATB) and
 * netlists/read_diff.cir (differential Schmitt trigger against 500 mV), on
 * the PTM-based 65 nm BSIM4 card netlists/ptm65_xbar.lib, Vdd = 1.0 V,
 * reset and reference level 0.5 V. Every number comes out of the
 * transistor sizing; nothing is typed in except the stimuli.
 *
 * Method: xb_spice_read_calibrate (xbar/spice_calib.h): v_th and v_tl from
 * ramps at two slopes extrapolated to zero slope, r_reset from a DC sweep
 * of the reset gate held on, c_int the chord capacitance of constant-current
 * charging, t_delay (and the ATB of the single-ended circuit) the
 * least-squares fit of the behavioral spike times to the transistor ones at
 * 0.75, 1.75, ..., 8.75 uA. The negative-input configuration of the
 * differential circuit is characterised too (its thresholds mirrored about
 * 500 mV), not written: the behavioral model mirrors the positive circuit.
 * With --mismatch K, instead: K samples of each circuit's thresholds under
 * a die-to-die and a Pelgrom Vth variation (xb_spice_read_mismatch), written
 * as the Monte Carlo studies mc_fig220_se.ini and mc_fig220_diff.ini of
 * seed Fig. 2.20 (experiments/mc_fig220).
 *
 * Outputs: <out>/read_se_65nm.ini and read_diff_65nm.ini ([circuit] type,
 * [read] every value with how it was measured), a table per circuit on
 * stdout and a final JSON line. About 30 ngspice runs: a few seconds.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define VRST 0.5 /* reset / reference level of the netlists (V) */
#define NCAL XB_READ_CALIB_NCUR

/* Pelgrom coefficient of the threshold mismatch, sigma(dVth) = A_VT /
 * sqrt(W L), and the die-to-die spread of each device type's Vth.
 * Assumptions, not measurements: A_VT ~ 3.5 mV um is typical of 65 nm bulk
 * CMOS (reported values lie around 3 to 4 mV um); 15 mV die to die,
 * independently for NMOS and PMOS. PTM publishes neither. */
#define A_VT 3.5e-9 /* V m */
#define SIGMA_GLOBAL 0.015

typedef struct circ {
  xb_read_calib_circuit c;
  const char *name, *ini, *tag, *title;
} circ;

/* The types are set in main (extern pointers, not constants). */
static circ circuits[2] = {
    {{NULL, "read_se_adaptive.cir", "read_se_adaptive", NULL,
      "in spk spkb vdd vrst vatb", 4.5e-9, VRST, 0.38},
     "se_adaptive", "read_se_65nm.ini", "se",
     "Single-ended adaptive read circuit (Schmitt trigger + ATB)"},
    {{NULL, "read_diff.cir", "read_diff", "read_diff_neg",
      "in spk spkb vdd vrst", 4e-9, VRST, 0.38},
     "diff", "read_diff_65nm.ini", "diff",
     "Differential read circuit (Schmitt trigger against 500 mV)"},
};

static const xbx_prog prog = {
  "calibrate_read",
  "behavioral read parameters from the transistor netlists (ngspice, PTM "
  "65 nm)",
  "Measures in ngspice, for the single-ended adaptive and the differential "
  "read circuit, the static thresholds (ramps at two slopes, extrapolated "
  "to zero slope), the reset-gate resistance, the integration capacitance "
  "and the spike trains at 0.75..8.75 uA, then fits the comparator delay "
  "(and the ATB) of the behavioral model to the transistor spike times "
  "(xb_spice_read_calibrate). With --mismatch K it instead measures the "
  "threshold spread of K varied netlists per circuit and writes the Monte "
  "Carlo studies of seed Fig. 2.20.",
  "read_se_65nm.ini the single-ended adaptive circuit ([circuit], [read])\n"
  "read_diff_65nm.ini the differential circuit\n"
  "mc_fig220_se.ini with --mismatch: the single-ended study\n"
  "mc_fig220_diff.ini with --mismatch: the differential study",
  "calibrate_read --out /tmp/models"};

/* The .ini of one calibrated circuit. */
static int write_ini(xbx_out *out, const circ *c, const xb_read_params *p,
                     const xb_read_calib_report *r)
{
  double rmin = INFINITY, rmax = -INFINITY, fmn = INFINITY, fmx = -INFINITY;
  for (int i = 0; i < NCAL; i++) {
    if (isfinite(r->train[i].rise)) {
      rmin = fmin(rmin, r->train[i].rise);
      rmax = fmax(rmax, r->train[i].rise);
    }
    if (isfinite(r->train[i].fall)) {
      fmn = fmin(fmn, r->train[i].fall);
      fmx = fmax(fmx, r->train[i].fall);
    }
  }
  FILE *fp = xbx_out_open(
      out, c->ini,
      "; %s, calibrated at transistor level.\n"
      "; Written by experiments/calibrate_read from netlists/%s (subckt\n"
      "; %s) on netlists/ptm65_xbar.lib (PTM 65 nm BSIM4, Vdd 1.0 V),\n"
      "; simulated with ngspice: regenerate, do not edit by hand.\n"
      "; Behavioral model: xbar/read.h (closed-form integrate and fire).\n"
      "; Spike-time rms error of this model against the transistor\n"
      "; circuit over the calibration trains: %.1f ps.\n\n"
      "[circuit]\ntype = %s\n\n[read]\n",
      c->title, c->c.file, c->c.subckt, r->rms * 1e12, c->name);
  if (!fp)
    return -1;
  fprintf(fp,
          "c_int   = %.4e ; F   chord I t / dV of the node, 500 mV to v_th - "
          "2 mV,\n"
          "                    ;     mean over 0.75..8.75 uA; without the "
          "column capacitor\n"
          "                    ;     the circuit's own input is %.1f fF\n"
          "v_reset = %.4f    ; V   reset level (vrst source)\n"
          "v_th    = %.5f   ; V   spike edge on ramps of 1.125 and 4.5 mV/ns "
          "(%.2f, %.2f mV),\n"
          "                    ;     extrapolated to zero slope\n"
          "v_tl    = %.5f   ; V   falling edge on the same ramps (%.2f, "
          "%.2f mV)\n"
          "t_delay = %.4e ; s   spike-time fit over 9 currents; direct edge "
          "delays:\n"
          "                    ;     rise %.0f..%.0f ps (v_th -> spk), fall "
          "%.0f..%.0f ps\n"
          "r_reset = %.1f     ; Ohm DC on-resistance of the reset gate, node "
          "502..514 mV\n"
          "offset  = 0         ; V   nominal corner, no mismatch\n"
          "window  = %.2e   ; s   read window\n",
          p->c_int, r->c_in * 1e15, VRST, p->v_th, r->ramp[0] * 1e3,
          r->ramp[1] * 1e3, p->v_tl, r->ramp[2] * 1e3, r->ramp[3] * 1e3,
          p->t_delay, rmin * 1e12, rmax * 1e12, fmn * 1e12, fmx * 1e12,
          p->r_reset, c->c.window);
  if (c->c.type->has_atb)
    fprintf(fp,
            "atb_dv  = %.4e ; V   ATB threshold lowering (logistic in |I|), "
            "fitted\n"
            "atb_i   = %.4e ; A   with t_delay to the spike trains\n"
            "atb_w   = %.4e ; A\n",
            p->atb_dv, p->atb_i, p->atb_w);
  else
    fprintf(fp, "atb_dv  = 0         ; V   no ATB\n");
  return 0;
}

static void print_result(const circ *c, const xb_read_params *p,
                         const xb_read_calib_report *r)
{
  printf("\n%s (%s, window %.1f ns)\n", c->name, c->c.file,
         c->c.window * 1e9);
  printf("  v_th %.2f mV  v_tl %.2f mV  (ramps: up %.2f / %.2f, down %.2f / "
         "%.2f mV)\n",
         p->v_th * 1e3, p->v_tl * 1e3, r->ramp[0] * 1e3, r->ramp[1] * 1e3,
         r->ramp[2] * 1e3, r->ramp[3] * 1e3);
  printf("  c_int %.1f fF (circuit input %.1f fF)  r_reset %.0f Ohm\n",
         p->c_int * 1e15, r->c_in * 1e15, p->r_reset);
  printf("  t_delay %.1f ps", p->t_delay * 1e12);
  if (c->c.type->has_atb)
    printf("  atb_dv %.2f mV  atb_i %.2f uA  atb_w %.2f uA", p->atb_dv * 1e3,
           p->atb_i * 1e6, p->atb_w * 1e6);
  printf("  spike-time rms %.1f ps\n", r->rms * 1e12);
  if (c->c.neg)
    printf("  negative-input configuration (mirrored): v_th %.2f mV  v_tl "
           "%.2f mV\n",
           r->neg_v_th * 1e3, r->neg_v_tl * 1e3);
  printf("  I(uA)  C(fF)  rise(ps) fall(ps)  t1(ps)  V_h,eff(mV) model(mV)  "
         "n_spice n_model\n");
  for (int i = 0; i < NCAL; i++) {
    const xb_read_calib_train *t = &r->train[i];
    double veff = t->n ? VRST + t->current * (t->t[0] - p->t_delay) / p->c_int
                       : NAN;
    double vmod = p->v_th;
    if (c->c.type->has_atb)
      vmod -= p->atb_dv / (1 + exp(-(t->current - p->atb_i) / p->atb_w));
    printf("  %5.2f  %5.1f  %7.0f  %7.0f  %6.0f  %10.2f  %9.2f  %7d %7d\n",
           t->current * 1e6, t->c * 1e15, t->rise * 1e12, t->fall * 1e12,
           t->n ? t->t[0] * 1e12 : NAN, veff * 1e3, vmod * 1e3, t->n_window,
           t->n_model);
  }
}

/* The JSON object of one circuit, without its braces. */
static void json_circ(char *s, size_t n, const circ *c,
                      const xb_read_params *p, const xb_read_calib_report *r)
{
  int k = snprintf(s, n,
                   "\"v_th\":%.6g,\"v_tl\":%.6g,\"c_int\":%.6g,\"c_in\":%.6g,"
                   "\"r_reset\":%.6g,\"t_delay\":%.6g,\"atb_dv\":%.6g,"
                   "\"atb_i\":%.6g,\"atb_w\":%.6g,\"rms\":%.6g,\"runs\":%d",
                   p->v_th, p->v_tl, p->c_int, r->c_in, p->r_reset,
                   p->t_delay, p->atb_dv, p->atb_i, p->atb_w, r->rms,
                   r->runs);
  if (c->c.neg && k > 0 && (size_t)k < n)
    snprintf(s + k, n - (size_t)k, ",\"neg_v_th\":%.6g,\"neg_v_tl\":%.6g",
             r->neg_v_th, r->neg_v_tl);
}

/* --mismatch K: the threshold spread of each circuit, written as the
 * study mc_fig220_<tag>.ini around the calibrated preset, its input
 * current in the middle of the preset's 1-pulse interval. */
static int mismatch(xb_spice *sp, const char *netlists, int K, xbx_out *out)
{
  for (int ci = 0; ci < 2; ci++) {
    const circ *c = &circuits[ci];
    xb_read_mismatch_opts mo = {K,    A_VT,        SIGMA_GLOBAL,
                                7,    0x9100 + (uint64_t)ci * 100000,
                                VRST - 0.04, VRST + 0.12};
    xb_read_mismatch m;
    xb_err e;
    char preset[1024];
    snprintf(preset, sizeof preset, "%s/models/%s", XB_SOURCE_DIR, c->ini);
    if (xb_spice_read_mismatch(sp, netlists, &c->c, &mo, &m, &e)) {
      fprintf(stderr, "%s: %s: %s\n", prog.name, c->name, e.msg);
      return -1;
    }
    xb_read *r = xb_read_load(preset, &e);
    double lo = 0, hi = 0, vth0 = r ? xb_read_params_of(r)->v_th : NAN;
    for (double I = 0.05e-6; r && I < 5e-6 && !hi; I += 0.005e-6) {
      int n;
      if (xb_read_count(r, I, &n, &e))
        break;
      if (n == 1 && !lo)
        lo = I;
      if (n >= 2)
        hi = I;
    }
    xb_read_free(r);
    if (!lo || !hi) {
      fprintf(stderr, "%s: no 1-pulse current for %s\n", prog.name, c->name);
      return -1;
    }
    double I1 = 0.5 * (lo + hi);
    printf("%-12s %d of %d samples switch: v_th %.2f mV sigma %.2f mV, v_tl "
           "%.2f mV sigma %.2f mV, correlation %.2f; 1 pulse at %.3g uA "
           "(%.3g..%.3g)\n",
           c->name, m.ok, K, 1e3 * m.v_th, 1e3 * m.v_th_sigma, 1e3 * m.v_tl,
           1e3 * m.v_tl_sigma, m.rho, 1e6 * I1, 1e6 * lo, 1e6 * hi);
    char file[64];
    snprintf(file, sizeof file, "mc_fig220_%s.ini", c->tag);
    if (!xbx_out_open(
            out, file,
            "; Seed 000 Fig. 2.20: Monte Carlo of the %s under\n"
            "; process variation and mismatch (xbar/mc.h study; run with\n"
            ";   build/experiments/mc_fig220   or   mc_run THIS_FILE).\n"
            ";\n"
            "; Written by experiments/calibrate_read --mismatch %d: the\n"
            "; transistor netlist netlists/%s, every MOSFET given delvto =\n"
            "; its type's die-to-die shift (sigma %.0f mV) + its own\n"
            "; Pelgrom mismatch A_VT / sqrt(W L) (A_VT %.1f mV um; both\n"
            "; assumptions: see calibrate_read.c), %d samples, v_th and v_tl\n"
            "; measured in ngspice as calibrate_read measures them (slow\n"
            "; ramps, extrapolated to zero slope). %d of %d samples switched.\n"
            "; Measured: v_th %.2f mV sigma %.2f mV, v_tl %.2f mV sigma\n"
            "; %.2f mV, correlation %.3f: the thresholds move together (the\n"
            "; hysteresis v_th - v_tl varies by %.2f mV only), so the study\n"
            "; varies the comparator offset, which shifts both: its mean is\n"
            "; the measured mean of v_th less the preset's, its sigma that of\n"
            "; v_th. The behavioral circuit is the calibrated preset; the\n"
            "; input current sits in the middle of its 1-pulse interval\n"
            "; (%.4g .. %.4g uA), so 1 pulse is correct.\n\n"
            "[study]\nsamples  = 1000\nseed     = 1\nsampling = lhs\n"
            "output   = ../plots/mc_fig220_%s.csv\nmodel    = read\n"
            "preset   = %s\ncurrent  = %.6g\n\n"
            "[param offset]\ndist  = normal\nmean  = %.6g\nsigma = %.6g\n",
            c->title, K, c->c.file, 1e3 * SIGMA_GLOBAL, A_VT * 1e9, K, m.ok,
            K, 1e3 * m.v_th, 1e3 * m.v_th_sigma, 1e3 * m.v_tl,
            1e3 * m.v_tl_sigma, m.rho, 1e3 * m.hyst_sigma, 1e6 * lo, 1e6 * hi,
            c->tag, c->ini, I1, m.v_th - vth0, m.v_th_sigma))
      return -1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  const char *netlists = XB_SOURCE_DIR "/netlists";
  const char *outdir = XB_SOURCE_DIR "/models";
  int K = 0;
  XBX_PARSE(prog,
    XBX_STR("netlists", &netlists, "DIR",
            "folder of the netlists and ptm65_xbar.lib (no blanks)"),
    XBX_STR("out", &outdir, "DIR", "where the .ini files go"),
    XBX_INT("mismatch", &K, "", 3, 1000000,
            "instead: N samples of each circuit's thresholds under Vth "
            "variation, written as mc_fig220_*.ini"));
  if (strpbrk(netlists, " \n"))
    return xbx_usage_error(&prog, "--netlists %s: the folder may not "
                                  "contain blanks", netlists);
  circuits[0].c.type = xb_read_se_adaptive;
  circuits[1].c.type = xb_read_diff;
  double t0 = xbx_now();
  xb_err e;
  xb_spice *sp = xb_spice_create(&e);
  xbx_out *out = NULL;
  int rc = 1;
  if (!sp || xb_spice_command(sp, "set num_threads=1", &e)) {
    fprintf(stderr, "%s: %s\n", prog.name, e.msg);
    goto done;
  }
  out = xbx_out_create(prog.name, outdir);
  if (!out)
    goto done;
  if (K) {
    if (!mismatch(sp, netlists, K, out)) {
      rc = xbx_out_end(out, 0, NULL);
      out = NULL;
    }
    goto done;
  }
  printf("%s: %s\n", prog.name, prog.purpose);
  char js[2][1024];
  for (int k = 0; k < 2; k++) {
    xb_read_params p;
    xb_read_calib_report r;
    if (xb_spice_read_calibrate(sp, netlists, &circuits[k].c, &p, &r, &e)) {
      fprintf(stderr, "%s: %s: %s\n", prog.name, circuits[k].name, e.msg);
      goto done;
    }
    print_result(&circuits[k], &p, &r);
    if (write_ini(out, &circuits[k], &p, &r))
      goto done;
    json_circ(js[k], sizeof js[k], &circuits[k], &p, &r);
  }
  rc = xbx_out_end(out, 0, "prog=%s se_adaptive={%s} diff={%s} seconds=%.3g",
                   prog.name, js[0], js[1], xbx_now() - t0);
  out = NULL;
done:
  xbx_out_free(out);
  xb_spice_free(sp);
  return rc;
}
