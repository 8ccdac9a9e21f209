/*
 * calibrate_read: measure the behavioral read-circuit parameters
 * (xbar/read.h, xb_read_params) of the two transistor-level read circuits
 * through ngspice, and write them to models/read_se_65nm.ini and
 * models/read_diff_65nm.ini.
 *
 * Circuits (seed 000 sec. 2.3.2, Fig. 2.6-2.8): netlists/read_se_adaptive.cir
 * (single-ended adaptive Schmitt trigger with the ATB) and
 * netlists/read_diff.cir (differential Schmitt trigger against 500 mV), on
 * the project's PTM-based 65 nm BSIM4 card netlists/ptm65_xbar.lib, Vdd =
 * 1.0 V, reset and reference level 0.5 V. Every number below comes out of
 * the transistor sizing; nothing is typed in except the stimuli.
 *
 * Measurements, per circuit (all in ngspice, in this process):
 *   v_th, v_tl  the node is driven by a voltage ramp 500 -> 545 -> 500 mV
 *               at two slopes (1.125 and 4.5 mV/ns); the input voltage at
 *               the spike output's rising / falling edge, extrapolated
 *               linearly to zero slope (a static switching point, without
 *               the comparator's lag);
 *   r_reset     the reset gate held on (spk = 1 V, spkb = 0 V forced), the
 *               node swept 502..514 mV by a source: least-squares
 *               dV/dI of the node current into the gate (DC on-resistance);
 *   c_int       a constant current I charges the node from 500 mV: the
 *               chord capacitance I t / dV from 500 mV to v_th - 2 mV,
 *               averaged over the calibration currents. The same with the
 *               explicit column capacitor removed (ccol = 0) gives the
 *               circuit's own input capacitance (gate and Miller of the
 *               comparator, the reset gate, the ATB coupling capacitor);
 *   spike trains  a DC current source into the node (node released at
 *               500 mV at t = 0, .ic) at the calibration currents 0.75,
 *               1.75, ..., 8.75 uA (between the points of the acceptance
 *               sweep), over 1.5 read windows: spike times (rising edges of
 *               spk), the edge delays of the comparator (node crossing v_th
 *               -> spk rising; node crossing v_tl down -> spk falling);
 *   t_delay (and atb_dv, atb_i, atb_w for the single-ended circuit)
 *               the behavioral model has one delay for both edges and a
 *               threshold lowering that is a logistic of |I|; the circuit
 *               has a rise delay that depends on the input slope, a
 *               different fall delay and a threshold that the ATB pulls
 *               down as the current grows. These are measured as the values
 *               that reproduce the transistor spike times: least squares
 *               over every spike of every calibration train, with v_th,
 *               v_tl, c_int, r_reset fixed at the values above (xb_read_events
 *               of the library, Nelder-Mead, several starts). The rms
 *               spike-time error is reported; the effective upper threshold
 *               per current, v_reset + I (t_1 - t_delay) / c_int from the
 *               first spike, is printed against the fitted logistic.
 * The differential circuit's configuration for negative inputs
 * (read_diff_neg, inputs swapped) is characterised too (thresholds,
 * reported mirrored about 500 mV), not written: the behavioral model
 * mirrors the positive circuit.
 *
 * Output: <out>/read_se_65nm.ini and <out>/read_diff_65nm.ini ([circuit]
 * type, [read] with every value and a comment on how it was measured),
 * written under temporary names and renamed when complete; a table on
 * stdout and a final one-line JSON. About 40 ngspice runs of a few dozen
 * transistors: a few seconds.
 *
 * ngspice's BSIM4 loads its devices with OpenMP threads; on a busy machine
 * the threads' spinning makes a run of these small decks 10-100 times
 * slower, so the runner is told "set num_threads=1" first.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "calibrate_read"
#define NCAL 9       /* calibration currents */
#define MAXSPK 64    /* spikes kept per train */
#define VRST 0.5     /* reset / reference level of the netlists (V) */
#define VATB 0.38    /* ATB bias of the single-ended circuit (V) */

typedef struct circ {
  const char *name;   /* behavioral type name */
  const char *file;   /* netlist, relative to the netlists folder */
  const char *subckt; /* positive-input subcircuit */
  const char *neg;    /* negative-input subcircuit, NULL if none */
  const char *ports;  /* instance nodes */
  const char *ini;    /* output file name */
  const char *title;  /* first comment line of the .ini */
  double window;      /* read window (s) */
  int atb;            /* fit the ATB */
} circ;

static const circ circuits[2] = {
    {"se_adaptive", "read_se_adaptive.cir", "read_se_adaptive", NULL,
     "in spk spkb vdd vrst vatb", "read_se_65nm.ini",
     "Single-ended adaptive read circuit (Schmitt trigger + ATB)", 4.5e-9,
     1},
    {"diff", "read_diff.cir", "read_diff", "read_diff_neg",
     "in spk spkb vdd vrst", "read_diff_65nm.ini",
     "Differential read circuit (Schmitt trigger against 500 mV)", 4e-9, 0},
};

typedef struct options {
  const char *netlists, *out;
  int quiet;
  int mismatch; /* > 0: the Monte Carlo of the thresholds (see below) */
} options;

/* One transistor spike train at one current. */
typedef struct train {
  double I;             /* A */
  size_t n;             /* spikes in 1.5 windows */
  double t[MAXSPK];     /* spike times (s) */
  double c;             /* chord capacitance of the first ramp (F) */
  double rise, fall;    /* first spike's edge delays (s), NaN if absent */
  int n_window;         /* spikes within one window */
} train;

/* Everything measured for one circuit. */
typedef struct result {
  double vth, vtl, ramp[4]; /* static thresholds; raw ramp values */
  double r_reset, c_int, c_cmp;
  double t_delay, atb_dv, atb_i, atb_w, rms;
  double neg_vth, neg_vtl;  /* negative configuration, mirrored (V) */
  train tr[NCAL];
  int n_beh[NCAL];
  int runs;
} result;

/* ---- ngspice plumbing -------------------------------------------------- */

typedef struct ctx {
  xb_spice *sp;
  const options *o;
  const circ *c;
  int runs;
} ctx;

/* A complete deck around the circuit: models, netlist, supplies, the
 * instance (subckt `sub`, extra instance parameters `inst`), then `body`
 * (stimulus and analysis). Caller frees. */
static char *deck(const ctx *x, const char *sub, const char *inst,
                  const char *body)
{
  const char *fmt = "* " PROG " %s\n"
                    ".include %s/ptm65_xbar.lib\n"
                    ".include %s/%s\n"
                    "vdd vdd 0 dc 1.0\n"
                    "vrst vrst 0 dc %.17g\n"
                    "vatb vatb 0 dc %.17g\n"
                    "x1 %s %s %s\n"
                    "%s"
                    ".end\n";
  int n = snprintf(NULL, 0, fmt, sub, x->o->netlists, x->o->netlists,
                   x->c->file, VRST, VATB, x->c->ports, sub, inst, body);
  char *s = n > 0 ? malloc((size_t)n + 1) : NULL;
  if (s)
    snprintf(s, (size_t)n + 1, fmt, sub, x->o->netlists, x->o->netlists,
             x->c->file, VRST, VATB, x->c->ports, sub, inst, body);
  return s;
}

/* Vectors of one run, each of length n. */
typedef struct vecs {
  size_t n;
  double *v[4];
} vecs;

static void vecs_free(vecs *w)
{
  for (int k = 0; k < 4; k++)
    free(w->v[k]);
  memset(w, 0, sizeof *w);
}

/* Load and run `text`, then copy the `nv` vectors `names`. */
static int run(ctx *x, const char *text, const char *const *names, int nv,
               vecs *w)
{
  xb_err e;
  memset(w, 0, sizeof *w);
  if (!text) {
    fprintf(stderr, PROG ": out of memory\n");
    return -1;
  }
  x->runs++;
  if (xb_spice_load(x->sp, text, &e) || xb_spice_run(x->sp, &e)) {
    fprintf(stderr, PROG ": ngspice: %s\n", e.msg);
    return -1;
  }
  for (int k = 0; k < nv; k++) {
    size_t n;
    if (xb_spice_vec(x->sp, names[k], NULL, 0, &n, &e) ||
        (k && n != w->n) || !n || !(w->v[k] = malloc(n * sizeof(double))) ||
        xb_spice_vec(x->sp, names[k], w->v[k], n, &n, &e)) {
      fprintf(stderr, PROG ": vector %s: %s\n", names[k],
              e.msg[0] ? e.msg : "missing or inconsistent");
      vecs_free(w);
      return -1;
    }
    w->n = n;
  }
  return 0;
}

/* Times at which y crosses `level` (dir +1 rising, -1 falling) after t0,
 * linearly interpolated; returns how many (at most cap stored). */
static size_t crossings(const double *t, const double *y, size_t n,
                        double level, int dir, double t0, double *out,
                        size_t cap)
{
  size_t m = 0;
  for (size_t i = 1; i < n; i++) {
    double a = dir * (y[i - 1] - level), b = dir * (y[i] - level);
    if (a < 0 && b >= 0 && t[i] > t0) {
      if (m < cap)
        out[m] = t[i - 1] + (t[i] - t[i - 1]) * (0 - a) / (b - a);
      m++;
    }
  }
  return m;
}

/* ---- measurements ------------------------------------------------------ */

/* Switching points of subckt `sub` on a ramp lo -> hi -> lo of half period
 * T (rising: the input at the first rising edge of spk; falling: at the
 * first falling edge after the peak). */
static int ramp_points(ctx *x, const char *sub, double lo, double hi,
                       double T, double *up, double *down)
{
  char body[256];
  snprintf(body, sizeof body,
           "vin in 0 pwl(0 %.17g %.17g %.17g %.17g %.17g)\n"
           ".tran 20p %.17g 0 20p\n",
           lo, T, hi, 2 * T, lo, 2 * T);
  char *d = deck(x, sub, "", body);
  static const char *const names[] = {"time", "v(spk)"};
  vecs w;
  int rc = run(x, d, names, 2, &w);
  free(d);
  if (rc)
    return rc;
  double tu, td;
  size_t nu = crossings(w.v[0], w.v[1], w.n, 0.5, +1, 0, &tu, 1);
  size_t nd = crossings(w.v[0], w.v[1], w.n, 0.5, -1, T, &td, 1);
  vecs_free(&w);
  if (!nu || !nd || tu > T) {
    fprintf(stderr, PROG ": %s does not switch on a %g..%g V ramp\n", sub,
            lo, hi);
    return -1;
  }
  *up = lo + (hi - lo) * tu / T;
  *down = hi - (hi - lo) * (td - T) / T;
  return 0;
}

/* Static thresholds: ramps at two slopes, extrapolated to zero slope. A
 * negative-input circuit is ramped downward (lo > hi). */
static int thresholds(ctx *x, const char *sub, double lo, double hi,
                      double *vth, double *vtl, double raw[4])
{
  const double T1 = 40e-9, T2 = 10e-9;
  if (ramp_points(x, sub, lo, hi, T1, &raw[0], &raw[2]) ||
      ramp_points(x, sub, lo, hi, T2, &raw[1], &raw[3]))
    return -1;
  double k = (1 / T1) / (1 / T2 - 1 / T1); /* s1 / (s2 - s1) */
  *vth = raw[0] - k * (raw[1] - raw[0]);
  *vtl = raw[2] - k * (raw[3] - raw[2]);
  return 0;
}

/* DC on-resistance of the reset gate held on. */
static int reset_resistance(ctx *x, double *r)
{
  const char *body = "vin in 0 dc 0.51\n"
                     "vgn spk 0 dc 1.0\n"
                     "vgp spkb 0 dc 0\n"
                     ".dc vin 0.502 0.514 0.002\n";
  char *d = deck(x, x->c->subckt, "", body);
  static const char *const names[] = {"v(in)", "vin#branch"};
  vecs w;
  int rc = run(x, d, names, 2, &w);
  free(d);
  if (rc)
    return rc;
  /* Least-squares slope of the current into the node (-branch) vs V. */
  double sv = 0, si = 0, svv = 0, svi = 0, n = (double)w.n;
  for (size_t i = 0; i < w.n; i++) {
    double v = w.v[0][i], c = -w.v[1][i];
    sv += v;
    si += c;
    svv += v * v;
    svi += v * c;
  }
  vecs_free(&w);
  double g = (n * svi - sv * si) / (n * svv - sv * sv);
  if (!(g > 0)) {
    fprintf(stderr, PROG ": reset gate conductance %g S not positive\n", g);
    return -1;
  }
  *r = 1 / g;
  return 0;
}

/* Spike train at current I over `tend`, with the instance parameters
 * `inst`; measures the first spike's edge delays against vth / vtl and
 * the chord capacitance up to vth - 2 mV. */
static int spike_train(ctx *x, const char *inst, double I, double tend,
                       double vth, double vtl, train *tr)
{
  char body[256];
  snprintf(body, sizeof body,
           "iin 0 in dc %.17g\n"
           ".ic v(in)=%.17g\n"
           ".tran 5p %.17g\n",
           I, VRST, tend);
  char *d = deck(x, x->c->subckt, inst, body);
  static const char *const names[] = {"time", "v(in)", "v(spk)"};
  vecs w;
  int rc = run(x, d, names, 3, &w);
  free(d);
  if (rc)
    return rc;
  const double *t = w.v[0], *vin = w.v[1], *spk = w.v[2];
  memset(tr, 0, sizeof *tr);
  tr->I = I;
  tr->n = crossings(t, spk, w.n, 0.5, +1, 0, tr->t, MAXSPK);
  if (tr->n > MAXSPK)
    tr->n = MAXSPK;
  for (size_t k = 0; k < tr->n; k++)
    tr->n_window += tr->t[k] <= x->c->window;
  double tc;
  tr->c = crossings(t, vin, w.n, vth - 2e-3, +1, 0, &tc, 1)
              ? I * tc / (vth - 2e-3 - VRST)
              : NAN;
  tr->rise = tr->fall = NAN;
  if (tr->n) {
    double cross[MAXSPK], down[MAXSPK], fall[MAXSPK];
    size_t nc = crossings(t, vin, w.n, vth, +1, 0, cross, MAXSPK);
    if (nc && cross[0] < tr->t[0])
      tr->rise = tr->t[0] - cross[0];
    size_t nd = crossings(t, vin, w.n, vtl, -1, tr->t[0], down, 1);
    size_t nf = crossings(t, spk, w.n, 0.5, -1, tr->t[0], fall, 1);
    if (nd && nf && fall[0] > down[0])
      tr->fall = fall[0] - down[0];
  }
  vecs_free(&w);
  return 0;
}

/* ---- fit of the dynamic parameters ------------------------------------- */

typedef struct fit {
  const circ *c;
  xb_read_params base;
  const train *tr;
  int ntr;
  double tend;
} fit;

static const xb_read_type *type_of(const circ *c)
{
  return c->atb ? xb_read_se_adaptive : xb_read_diff;
}

/* Parameters from the search vector: x[0] t_delay (ps), and with ATB
 * x[1] atb_dv (mV), x[2] atb_i (uA), x[3] atb_w (uA), folded into their
 * admissible ranges. */
static xb_read_params params_of(const fit *f, const double *x)
{
  xb_read_params p = f->base;
  p.t_delay = fabs(x[0]) * 1e-12;
  if (f->c->atb) {
    double dvmax = p.v_th - p.v_tl - 1e-3;
    p.atb_dv = fmin(fabs(x[1]) * 1e-3, dvmax);
    p.atb_i = fabs(x[2]) * 1e-6;
    p.atb_w = fabs(x[3]) * 1e-6 + 1e-8;
  }
  return p;
}

/* Mean squared spike-time error (ps^2) of the model against the trains;
 * a spike present in one and not the other costs (200 ps)^2. */
static double cost(const fit *f, const double *x)
{
  xb_read_params p = params_of(f, x);
  xb_read *r = xb_read_create(type_of(f->c), &p, NULL);
  if (!r)
    return 1e12;
  double s = 0;
  long n = 0;
  for (int i = 0; i < f->ntr; i++) {
    double tb[MAXSPK];
    size_t nb;
    if (xb_read_events(r, f->tr[i].I, f->tend, tb, MAXSPK, &nb, NULL)) {
      s = 1e12;
      break;
    }
    if (nb > MAXSPK)
      nb = MAXSPK;
    size_t m = nb > f->tr[i].n ? nb : f->tr[i].n;
    for (size_t k = 0; k < m; k++, n++) {
      if (k < nb && k < f->tr[i].n) {
        double d = (tb[k] - f->tr[i].t[k]) * 1e12;
        s += d * d;
      } else {
        s += 200.0 * 200.0;
      }
    }
  }
  xb_read_free(r);
  return n ? s / (double)n : s;
}

/* Nelder-Mead on at most 4 variables. */
static double nelder_mead(const fit *f, double *x, const double *step, int d,
                          int iters)
{
  double p[5][4], v[5];
  for (int i = 0; i <= d; i++) {
    for (int j = 0; j < d; j++)
      p[i][j] = x[j] + (i == j + 1 ? step[j] : 0);
    v[i] = cost(f, p[i]);
  }
  for (int it = 0; it < iters; it++) {
    /* order: best first */
    for (int i = 1; i <= d; i++)
      for (int k = i; k > 0 && v[k] < v[k - 1]; k--) {
        double tv = v[k];
        v[k] = v[k - 1];
        v[k - 1] = tv;
        for (int j = 0; j < d; j++) {
          double tp = p[k][j];
          p[k][j] = p[k - 1][j];
          p[k - 1][j] = tp;
        }
      }
    if (v[d] - v[0] < 1e-6 * (1 + v[0]))
      break;
    double c[4] = {0}, xr[4], xe[4], xc[4];
    for (int i = 0; i < d; i++)
      for (int j = 0; j < d; j++)
        c[j] += p[i][j] / d;
    for (int j = 0; j < d; j++)
      xr[j] = 2 * c[j] - p[d][j];
    double fr = cost(f, xr);
    if (fr < v[0]) {
      for (int j = 0; j < d; j++)
        xe[j] = 3 * c[j] - 2 * p[d][j];
      double fe = cost(f, xe);
      memcpy(p[d], fe < fr ? xe : xr, sizeof xr);
      v[d] = fe < fr ? fe : fr;
    } else if (fr < v[d - 1]) {
      memcpy(p[d], xr, sizeof xr);
      v[d] = fr;
    } else {
      for (int j = 0; j < d; j++)
        xc[j] = 0.5 * (c[j] + p[d][j]);
      double fc = cost(f, xc);
      if (fc < v[d]) {
        memcpy(p[d], xc, sizeof xc);
        v[d] = fc;
      } else {
        for (int i = 1; i <= d; i++) {
          for (int j = 0; j < d; j++)
            p[i][j] = 0.5 * (p[0][j] + p[i][j]);
          v[i] = cost(f, p[i]);
        }
      }
    }
  }
  int b = 0;
  for (int i = 1; i <= d; i++)
    if (v[i] < v[b])
      b = i;
  memcpy(x, p[b], (size_t)d * sizeof(double));
  return v[b];
}

/* Fit t_delay (and the ATB) to the trains; fills res. */
static void fit_dynamic(const circ *c, result *res)
{
  fit f;
  f.c = c;
  f.tr = res->tr;
  f.ntr = NCAL;
  f.tend = 1.5 * c->window;
  type_of(c)->defaults(&f.base);
  f.base.c_int = res->c_int;
  f.base.v_reset = VRST;
  f.base.v_th = res->vth;
  f.base.v_tl = res->vtl;
  f.base.r_reset = res->r_reset;
  f.base.offset = 0;
  f.base.window = c->window;
  f.base.atb_dv = 0;
  double best[4] = {0}, bv = INFINITY;
  if (!c->atb) {
    /* one variable: a scan, then Nelder-Mead from the best point */
    for (double td = 0; td <= 600; td += 5) {
      double x[1] = {td}, v = cost(&f, x);
      if (v < bv) {
        bv = v;
        best[0] = td;
      }
    }
    double step[1] = {5};
    bv = nelder_mead(&f, best, step, 1, 200);
  } else {
    static const double starts[4][4] = {
        {120, 3, 5, 1}, {150, 6, 3, 1}, {100, 2, 6, 0.5}, {160, 8, 2, 2}};
    const double step[4] = {20, 2, 2, 0.5};
    for (int s = 0; s < 4; s++) {
      double x[4];
      memcpy(x, starts[s], sizeof x);
      double v = nelder_mead(&f, x, step, 4, 1500);
      v = nelder_mead(&f, x, step, 4, 1500); /* restart */
      if (v < bv) {
        bv = v;
        memcpy(best, x, sizeof best);
      }
    }
  }
  xb_read_params p = params_of(&f, best);
  res->t_delay = p.t_delay;
  res->atb_dv = c->atb ? p.atb_dv : 0;
  res->atb_i = p.atb_i;
  res->atb_w = p.atb_w;
  res->rms = sqrt(bv) * 1e-12;
  /* window counts of the fitted model */
  p.window = c->window;
  xb_read *r = xb_read_create(type_of(c), &p, NULL);
  for (int i = 0; i < NCAL; i++)
    if (!r || xb_read_count(r, res->tr[i].I, &res->n_beh[i], NULL))
      res->n_beh[i] = -1;
  xb_read_free(r);
}

/* ---- one circuit ------------------------------------------------------- */

static int calibrate(xb_spice *sp, const options *o, const circ *c,
                     result *res)
{
  ctx x = {sp, o, c, 0};
  memset(res, 0, sizeof *res);
  if (thresholds(&x, c->subckt, VRST, VRST + 0.045, &res->vth, &res->vtl,
                 res->ramp))
    return -1;
  if (reset_resistance(&x, &res->r_reset))
    return -1;
  double csum = 0;
  for (int i = 0; i < NCAL; i++) {
    double I = (0.75 + i) * 1e-6;
    if (spike_train(&x, "", I, 1.5 * c->window, res->vth, res->vtl,
                    &res->tr[i]))
      return -1;
    csum += res->tr[i].c;
  }
  res->c_int = csum / NCAL;
  if (!(res->c_int > 0)) {
    fprintf(stderr, PROG ": %s: the node never reaches v_th - 2 mV\n",
            c->name);
    return -1;
  }
  /* the circuit's own input capacitance: explicit capacitor removed */
  train t0;
  if (spike_train(&x, "ccol=0", 2e-6, 1e-9, res->vth, res->vtl, &t0))
    return -1;
  res->c_cmp = t0.c;
  res->neg_vth = res->neg_vtl = NAN;
  if (c->neg) {
    double vth, vtl, raw[4];
    if (thresholds(&x, c->neg, VRST, VRST - 0.045, &vth, &vtl, raw))
      return -1;
    res->neg_vth = 2 * VRST - vth; /* mirrored about 500 mV */
    res->neg_vtl = 2 * VRST - vtl;
  }
  fit_dynamic(c, res);
  res->runs = x.runs;
  return 0;
}

/* ---- output ------------------------------------------------------------ */

static int write_ini(const options *o, const circ *c, const result *r)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", o->out, c->ini);
  xbx_file *f = xbx_file_open(path);
  if (!f)
    return -1;
  FILE *fp = f->fp;
  double rmin = INFINITY, rmax = -INFINITY, fmin_ = INFINITY,
         fmax_ = -INFINITY;
  for (int i = 0; i < NCAL; i++) {
    if (isfinite(r->tr[i].rise)) {
      rmin = fmin(rmin, r->tr[i].rise);
      rmax = fmax(rmax, r->tr[i].rise);
    }
    if (isfinite(r->tr[i].fall)) {
      fmin_ = fmin(fmin_, r->tr[i].fall);
      fmax_ = fmax(fmax_, r->tr[i].fall);
    }
  }
  fprintf(fp,
          "; %s, calibrated at transistor level.\n"
          "; Written by experiments/calibrate_read from netlists/%s (subckt\n"
          "; %s) on netlists/ptm65_xbar.lib (PTM 65 nm BSIM4, Vdd 1.0 V),\n"
          "; simulated with ngspice: regenerate, do not edit by hand.\n"
          "; Behavioral model: xbar/read.h (closed-form integrate and fire).\n"
          "; Spike-time rms error of this model against the transistor\n"
          "; circuit over the calibration trains: %.1f ps.\n\n",
          c->title, c->file, c->subckt, r->rms * 1e12);
  fprintf(fp, "[circuit]\ntype = %s\n\n[read]\n", c->name);
  fprintf(fp,
          "c_int   = %.4e ; F   chord I t / dV of the node, 500 mV to v_th - "
          "2 mV,\n"
          "                    ;     mean over 0.75..8.75 uA; without the "
          "column capacitor\n"
          "                    ;     the circuit's own input is %.1f fF\n",
          r->c_int, r->c_cmp * 1e15);
  fprintf(fp, "v_reset = %.4f    ; V   reset level (vrst source)\n", VRST);
  fprintf(fp,
          "v_th    = %.5f   ; V   spike edge on ramps of 1.125 and 4.5 mV/ns "
          "(%.2f, %.2f mV),\n"
          "                    ;     extrapolated to zero slope\n",
          r->vth, r->ramp[0] * 1e3, r->ramp[1] * 1e3);
  fprintf(fp,
          "v_tl    = %.5f   ; V   falling edge on the same ramps (%.2f, "
          "%.2f mV)\n",
          r->vtl, r->ramp[2] * 1e3, r->ramp[3] * 1e3);
  fprintf(fp,
          "t_delay = %.4e ; s   spike-time fit over 9 currents; direct edge "
          "delays:\n"
          "                    ;     rise %.0f..%.0f ps (v_th -> spk), fall "
          "%.0f..%.0f ps\n",
          r->t_delay, rmin * 1e12, rmax * 1e12, fmin_ * 1e12, fmax_ * 1e12);
  fprintf(fp,
          "r_reset = %.1f     ; Ohm DC on-resistance of the reset gate, node "
          "502..514 mV\n",
          r->r_reset);
  fprintf(fp, "offset  = 0         ; V   nominal corner, no mismatch\n");
  fprintf(fp, "window  = %.2e   ; s   read window\n", c->window);
  if (c->atb) {
    fprintf(fp,
            "atb_dv  = %.4e ; V   ATB threshold lowering (logistic in |I|), "
            "fitted\n"
            "atb_i   = %.4e ; A   with t_delay to the spike trains\n"
            "atb_w   = %.4e ; A\n",
            r->atb_dv, r->atb_i, r->atb_w);
  } else {
    fprintf(fp, "atb_dv  = 0         ; V   no ATB\n");
  }
  return xbx_file_commit(f);
}

static void print_result(const circ *c, const result *r)
{
  printf("\n%s (%s, window %.1f ns)\n", c->name, c->file, c->window * 1e9);
  printf("  v_th %.2f mV  v_tl %.2f mV  (ramps: up %.2f / %.2f, down %.2f / "
         "%.2f mV)\n",
         r->vth * 1e3, r->vtl * 1e3, r->ramp[0] * 1e3, r->ramp[1] * 1e3,
         r->ramp[2] * 1e3, r->ramp[3] * 1e3);
  printf("  c_int %.1f fF (circuit input %.1f fF)  r_reset %.0f Ohm\n",
         r->c_int * 1e15, r->c_cmp * 1e15, r->r_reset);
  printf("  t_delay %.1f ps", r->t_delay * 1e12);
  if (c->atb)
    printf("  atb_dv %.2f mV  atb_i %.2f uA  atb_w %.2f uA", r->atb_dv * 1e3,
           r->atb_i * 1e6, r->atb_w * 1e6);
  printf("  spike-time rms %.1f ps\n", r->rms * 1e12);
  if (c->neg)
    printf("  negative-input configuration (mirrored): v_th %.2f mV  v_tl "
           "%.2f mV\n",
           r->neg_vth * 1e3, r->neg_vtl * 1e3);
  printf("  I(uA)  C(fF)  rise(ps) fall(ps)  t1(ps)  V_h,eff(mV) model(mV)  "
         "n_spice n_model\n");
  for (int i = 0; i < NCAL; i++) {
    const train *t = &r->tr[i];
    double veff = t->n ? VRST + t->I * (t->t[0] - r->t_delay) / r->c_int
                       : NAN;
    double vmod = r->vth;
    if (c->atb)
      vmod -= r->atb_dv / (1 + exp(-(t->I - r->atb_i) / r->atb_w));
    printf("  %5.2f  %5.1f  %7.0f  %7.0f  %6.0f  %10.2f  %9.2f  %7d %7d\n",
           t->I * 1e6, t->c * 1e15, t->rise * 1e12, t->fall * 1e12,
           t->n ? t->t[0] * 1e12 : NAN, veff * 1e3, vmod * 1e3,
           t->n_window, r->n_beh[i]);
  }
}

static void json_circ(const circ *c, const result *r, int last)
{
  printf("\"%s\":{\"v_th\":%.6g,\"v_tl\":%.6g,\"c_int\":%.6g,\"c_in\":%.6g,"
         "\"r_reset\":%.6g,\"t_delay\":%.6g,\"atb_dv\":%.6g,\"atb_i\":%.6g,"
         "\"atb_w\":%.6g,\"rms\":%.6g,\"runs\":%d",
         c->name, r->vth, r->vtl, r->c_int, r->c_cmp, r->r_reset, r->t_delay,
         r->atb_dv, r->atb_i, r->atb_w, r->rms, r->runs);
  if (c->neg)
    printf(",\"neg_v_th\":%.6g,\"neg_v_tl\":%.6g", r->neg_vth, r->neg_vtl);
  printf("}%s", last ? "" : ",");
}

/* ---- threshold spread under transistor variation (--mismatch K) ---------- */

/* Pelgrom coefficient of the threshold voltage mismatch, sigma(dVth) =
 * A_VT / sqrt(W L), and the die-to-die spread of each device type's Vth.
 * Assumptions, not measurements: A_VT ~ 3.5 mV um is typical of 65 nm bulk
 * CMOS (the values reported for 65 nm processes lie around 3 to 4 mV um);
 * 15 mV die to die, independently for NMOS and PMOS (a process corner a
 * few sigma out is some 50 mV). PTM publishes neither. */
#define A_VT 3.5e-9 /* V m */
#define SIGMA_GLOBAL 0.015

/* A copy of the circuit's netlist with `delvto` on every MOSFET: the shared
 * NMOS and PMOS shifts plus each device's own Pelgrom draw (sample k of
 * the seed). Returns 0, or -1 with a message. */
static int write_varied(const options *o, const circ *c, const char *dir,
                        uint64_t k)
{
  char in[1024], out[1024], line[1024];
  snprintf(in, sizeof in, "%s/%s", o->netlists, c->file);
  snprintf(out, sizeof out, "%s/%s", dir, c->file);
  FILE *f = fopen(in, "r"), *g = fopen(out, "w");
  if (!f || !g) {
    fprintf(stderr, PROG ": cannot copy %s to %s\n", in, out);
    if (f)
      fclose(f);
    if (g)
      fclose(g);
    return -1;
  }
  double gn = SIGMA_GLOBAL * xb_rng_normal(7, 0x9100 + k, 0);
  double gp = SIGMA_GLOBAL * xb_rng_normal(7, 0x9100 + k, 1);
  uint64_t dev = 2;
  while (fgets(line, sizeof line, f)) {
    double w = 0, l = 0;
    const char *pw = strstr(line, " w="), *pl = strstr(line, " l=");
    int mos = (line[0] == 'm' || line[0] == 'M') && pw && pl;
    if (mos) {
      w = strtod(pw + 3, NULL);
      l = strtod(pl + 3, NULL);
      char uw = *(pw + 3 + strspn(pw + 3, "0123456789.e-"));
      char ul = *(pl + 3 + strspn(pl + 3, "0123456789.e-"));
      w *= uw == 'u' ? 1e-6 : (uw == 'n' ? 1e-9 : 1);
      l *= ul == 'u' ? 1e-6 : (ul == 'n' ? 1e-9 : 1);
    }
    if (!mos || !(w > 0) || !(l > 0)) {
      fputs(line, g);
      continue;
    }
    size_t n = strcspn(line, "\r\n");
    line[n] = 0;
    int pmos = strstr(line, "pch65") != NULL;
    double loc = A_VT / sqrt(w * l) * xb_rng_normal(7, 0x9100 + k, dev++);
    /* delvto shifts |Vth|: positive raises an NMOS threshold and lowers a
     * PMOS one (more negative), so the PMOS global shift enters with the
     * sign that raises |Vth| too. */
    double d = (pmos ? -gp : gn) + (pmos ? -loc : loc);
    fprintf(g, "%s delvto=%.6g\n", line, d);
  }
  fclose(f);
  return fclose(g) ? -1 : 0;
}

/* K samples of each circuit's static thresholds under the variation
 * above; writes models/mc_fig220_<circuit>.ini, the Monte Carlo study of
 * seed Fig. 2.20 (xbar/mc.h), with the measured mean and sigma of v_th and
 * v_tl and the 1-pulse current of the calibrated circuit. */
static int mismatch(xb_spice *sp, const options *o)
{
  char dir[] = "/tmp/xbar_mismatch_XXXXXX";
  if (!mkdtemp(dir)) {
    perror(PROG ": mkdtemp");
    return -1;
  }
  char lib_in[1024], lib_out[1024];
  snprintf(lib_in, sizeof lib_in, "%s/ptm65_xbar.lib", o->netlists);
  snprintf(lib_out, sizeof lib_out, "%s/ptm65_xbar.lib", dir);
  if (symlink(lib_in, lib_out)) {
    perror(PROG ": symlink");
    return -1;
  }
  options ov = *o;
  ov.netlists = dir;
  const char *tag[2] = {"se", "diff"};
  int rc = 0;
  for (int ci = 0; ci < 2 && !rc; ci++) {
    const circ *c = &circuits[ci];
    ctx x = {sp, &ov, c, 0};
    int K = o->mismatch, ok = 0;
    double s1 = 0, s2 = 0, q1 = 0, q2 = 0, cr = 0;
    for (int k = 0; k < K && !rc; k++) {
      double vth, vtl, raw[4];
      rc = write_varied(o, c, dir, (uint64_t)(ci * 100000 + k));
      if (!rc && thresholds(&x, c->subckt, VRST - 0.04, VRST + 0.12, &vth,
                            &vtl, raw)) {
        /* A sample that does not switch on the ramp is a failed circuit:
         * counted, not averaged. */
        fprintf(stderr, PROG ": %s sample %d does not switch\n", c->name, k);
        continue;
      }
      if (rc)
        break;
      ok++;
      s1 += vth;
      s2 += vtl;
      q1 += vth * vth;
      q2 += vtl * vtl;
      cr += vth * vtl;
      fprintf(stderr, "\r  %s %3d / %d  v_th %.2f mV  v_tl %.2f mV ",
              c->name, k + 1, K, 1e3 * vth, 1e3 * vtl);
    }
    fprintf(stderr, "\n");
    if (rc || ok < 3) {
      rc = -1;
      break;
    }
    double m1 = s1 / ok, m2 = s2 / ok;
    double sd1 = sqrt(fmax(q1 / ok - m1 * m1, 0) * ok / (ok - 1));
    double sd2 = sqrt(fmax(q2 / ok - m2 * m2, 0) * ok / (ok - 1));
    double rho = (cr / ok - m1 * m2) / (sd1 * sd2) * ok / (ok - 1);
    double sdh = sqrt(fmax(sd1 * sd1 + sd2 * sd2 - 2 * rho * sd1 * sd2, 0));
    /* The 1-pulse current: the middle of the calibrated circuit's 1-count
     * interval. */
    char preset[1024];
    snprintf(preset, sizeof preset, "%s/models/%s", XB_SOURCE_DIR, c->ini);
    xb_err e;
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
      fprintf(stderr, PROG ": no 1-pulse current for %s\n", c->name);
      rc = -1;
      break;
    }
    double I1 = 0.5 * (lo + hi);
    printf("%-12s %d of %d samples switch: v_th %.2f mV sigma %.2f mV, v_tl "
           "%.2f mV sigma %.2f mV, correlation %.2f; 1 pulse at %.3g uA "
           "(%.3g..%.3g)\n",
           c->name, ok, K, 1e3 * m1, 1e3 * sd1, 1e3 * m2, 1e3 * sd2, rho,
           1e6 * I1, 1e6 * lo, 1e6 * hi);
    char path[1100], tmp[1200];
    snprintf(path, sizeof path, "%s/mc_fig220_%s.ini", o->out, tag[ci]);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
      rc = -1;
      break;
    }
    fprintf(f,
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
            "[study]\n"
            "samples  = 1000\n"
            "seed     = 1\n"
            "sampling = lhs\n"
            "output   = ../plots/mc_fig220_%s.csv\n"
            "model    = read\n"
            "preset   = %s\n"
            "current  = %.6g\n\n"
            "[param offset]\n"
            "dist  = normal\n"
            "mean  = %.6g\n"
            "sigma = %.6g\n",
            c->title, K, c->file, 1e3 * SIGMA_GLOBAL, A_VT * 1e9, K, ok, K,
            1e3 * m1, 1e3 * sd1, 1e3 * m2, 1e3 * sd2, rho, 1e3 * sdh, 1e6 * lo,
            1e6 * hi, tag[ci], c->ini, I1, m1 - vth0, sd1);
    if (fclose(f) || rename(tmp, path)) {
      rc = -1;
      break;
    }
    printf("wrote %s\n", path);
  }
  char p2[1100];
  snprintf(p2, sizeof p2, "%s/%s", dir, circuits[1].file);
  unlink(p2);
  snprintf(p2, sizeof p2, "%s/%s", dir, circuits[0].file);
  unlink(p2);
  unlink(lib_out);
  rmdir(dir);
  return rc;
}

/* ---- main -------------------------------------------------------------- */

static void usage(FILE *f)
{
  fprintf(f, "usage: " PROG " [options]\n"
             "  --netlists DIR  netlist folder (default netlists)\n"
             "  --out DIR       where the .ini files go (default models)\n"
             "  --mismatch K    instead: K samples of each circuit's thresholds\n"
             "                  under Vth variation -> mc_fig220_*.ini\n"
             "  -h, --help      this text\n");
}

static int parse(int argc, char **argv, options *o)
{
  o->netlists = XB_SOURCE_DIR "/netlists";
  o->out = XB_SOURCE_DIR "/models";
  o->mismatch = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    if (!strcmp(a, "--netlists") && v) {
      o->netlists = v;
      i++;
    } else if (!strcmp(a, "--out") && v) {
      o->out = v;
      i++;
    } else if (!strcmp(a, "--mismatch") && v && atoi(v) >= 3) {
      o->mismatch = atoi(v);
      i++;
    } else {
      fprintf(stderr, PROG ": unexpected or incomplete argument: %s\n", a);
      usage(stderr);
      return -1;
    }
  }
  if (strchr(o->netlists, ' ') || strchr(o->netlists, '\n')) {
    fprintf(stderr, PROG ": the netlist folder may not contain blanks\n");
    return -1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  options o;
  if (parse(argc, argv, &o))
    return 2;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  xb_err e;
  xb_spice *sp = xb_spice_create(&e);
  if (!sp) {
    fprintf(stderr, PROG ": %s\n", e.msg);
    return 1;
  }
  if (xb_spice_command(sp, "set num_threads=1", &e)) {
    fprintf(stderr, PROG ": %s\n", e.msg);
    xb_spice_free(sp);
    return 1;
  }
  if (o.mismatch) {
    int mrc = mismatch(sp, &o);
    xb_spice_free(sp);
    return mrc ? 1 : 0;
  }
  printf(PROG ": behavioral read parameters from the transistor netlists "
         "(ngspice, PTM 65 nm)\n");
  static result res[2];
  int rc = 0;
  for (int k = 0; k < 2 && !rc; k++) {
    rc = calibrate(sp, &o, &circuits[k], &res[k]);
    if (!rc) {
      print_result(&circuits[k], &res[k]);
      rc = write_ini(&o, &circuits[k], &res[k]);
    }
  }
  xb_spice_free(sp);
  if (rc)
    return 1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double sec = (double)(t1.tv_sec - t0.tv_sec) +
               1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  printf("\nwrote %s/%s and %s/%s (%.1f s)\n", o.out, circuits[0].ini, o.out,
         circuits[1].ini, sec);
  printf("{\"prog\":\"" PROG "\",");
  json_circ(&circuits[0], &res[0], 0);
  json_circ(&circuits[1], &res[1], 1);
  printf(",\"seconds\":%.3g}\n", sec);
  return 0;
}
