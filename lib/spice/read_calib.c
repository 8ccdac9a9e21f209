/*
 * Calibration of a transistor-level read circuit in ngspice against the
 * behavioral integrate-and-fire model (xbar/spice_calib.h: what is
 * measured and how). Decks are built around the circuit's subcircuit
 * (device card, netlist, supplies, one instance, a stimulus and an
 * analysis), run through the xb_spice runner, and their vectors reduced
 * to switching points, a DC conductance, chord capacitances and spike
 * times; the dynamic parameters are then fitted by Nelder-Mead on the
 * spike times of xb_read_events. The mismatch study re-measures the
 * static thresholds on copies of the netlist with a delvto per MOSFET.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xbar/rng.h>
#include <xbar/spice_calib.h>

#include "../core/core_impl.h"

#define NCAL XB_READ_CALIB_NCUR
#define MAXSPK XB_READ_CALIB_MAXSPK

typedef xb_read_calib_train train;

typedef struct ctx {
  xb_spice *sp;
  const char *dir;
  const xb_read_calib_circuit *c;
  int runs;
  xb_err *err;
} ctx;

/* 0 if `dir` holds the device card and c's netlist, else XB_EIO. */
static int check_dir(const char *dir, const xb_read_calib_circuit *c,
                     xb_err *err)
{
  if (!dir || !c || !c->type || !c->file || !c->subckt || !c->ports ||
      strpbrk(dir, " \t\r\n"))
    return xb__err(err, XB_EINVAL, "read calibration: NULL circuit field "
                                   "or a netlist folder with blanks");
  const char *name[2] = {"ptm65_xbar.lib", c->file};
  for (int k = 0; k < 2; k++) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name[k]);
    FILE *f = fopen(path, "r");
    if (!f)
      return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN,
                         "cannot read the netlist");
    fclose(f);
  }
  return XB_OK;
}

/* A complete deck around the circuit: models, netlist, supplies, the
 * instance (subckt `sub`, extra instance parameters `inst`), then `body`
 * (stimulus and analysis). Caller frees; NULL if out of memory. */
static char *deck(const ctx *x, const char *sub, const char *inst,
                  const char *body)
{
  const char *fmt = "* xb_spice_read_calibrate %s\n"
                    ".include %s/ptm65_xbar.lib\n"
                    ".include %s/%s\n"
                    "vdd vdd 0 dc 1.0\n"
                    "vrst vrst 0 dc %.17g\n"
                    "vatb vatb 0 dc %.17g\n"
                    "x1 %s %s %s\n"
                    "%s"
                    ".end\n";
  int n = snprintf(NULL, 0, fmt, sub, x->dir, x->dir, x->c->file,
                   x->c->v_reset, x->c->v_atb, x->c->ports, sub, inst, body);
  char *s = n > 0 ? malloc((size_t)n + 1) : NULL;
  if (s)
    snprintf(s, (size_t)n + 1, fmt, sub, x->dir, x->dir, x->c->file,
             x->c->v_reset, x->c->v_atb, x->c->ports, sub, inst, body);
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

/* Run the deck of (sub, inst, body), then copy the `nv` vectors `names`. */
static int run(ctx *x, const char *sub, const char *inst, const char *body,
               const char *const *names, int nv, vecs *w)
{
  memset(w, 0, sizeof *w);
  char *text = deck(x, sub, inst, body);
  if (!text)
    return xb__err(x->err, XB_ENOMEM, "read calibration deck");
  x->runs++;
  int rc = xb_spice_load(x->sp, text, x->err);
  free(text);
  if (!rc)
    rc = xb_spice_run(x->sp, x->err);
  for (int k = 0; !rc && k < nv; k++) {
    size_t n;
    rc = xb_spice_vec(x->sp, names[k], NULL, 0, &n, x->err);
    if (!rc && (!n || (k && n != w->n)))
      rc = xb__err(x->err, XB_EDATA, "vector %s: empty or inconsistent",
                   names[k]);
    if (!rc && !(w->v[k] = malloc(n * sizeof(double))))
      rc = xb__err(x->err, XB_ENOMEM, "vector %s", names[k]);
    if (!rc)
      rc = xb_spice_vec(x->sp, names[k], w->v[k], n, &n, x->err);
    w->n = n;
  }
  if (rc)
    vecs_free(w);
  return rc;
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
  static const char *const names[] = {"time", "v(spk)"};
  vecs w;
  int rc = run(x, sub, "", body, names, 2, &w);
  if (rc)
    return rc;
  double tu, td;
  size_t nu = crossings(w.v[0], w.v[1], w.n, 0.5, +1, 0, &tu, 1);
  size_t nd = crossings(w.v[0], w.v[1], w.n, 0.5, -1, T, &td, 1);
  vecs_free(&w);
  if (!nu || !nd || tu > T)
    return xb__err(x->err, XB_EDATA, "%s does not switch on a %g..%g V ramp",
                   sub, lo, hi);
  *up = lo + (hi - lo) * tu / T;
  *down = hi - (hi - lo) * (td - T) / T;
  return XB_OK;
}

/* Static thresholds: ramps at two slopes, extrapolated to zero slope. */
static int thresholds(ctx *x, const char *sub, double lo, double hi,
                      double *vth, double *vtl, double raw[4])
{
  const double T1 = 40e-9, T2 = 10e-9;
  int rc = ramp_points(x, sub, lo, hi, T1, &raw[0], &raw[2]);
  if (!rc)
    rc = ramp_points(x, sub, lo, hi, T2, &raw[1], &raw[3]);
  if (rc)
    return rc;
  double k = (1 / T1) / (1 / T2 - 1 / T1); /* s1 / (s2 - s1) */
  *vth = raw[0] - k * (raw[1] - raw[0]);
  *vtl = raw[2] - k * (raw[3] - raw[2]);
  return XB_OK;
}

/* DC on-resistance of the reset gate held on. */
static int reset_resistance(ctx *x, double *r)
{
  const char *body = "vin in 0 dc 0.51\n"
                     "vgn spk 0 dc 1.0\n"
                     "vgp spkb 0 dc 0\n"
                     ".dc vin 0.502 0.514 0.002\n";
  static const char *const names[] = {"v(in)", "vin#branch"};
  vecs w;
  int rc = run(x, x->c->subckt, "", body, names, 2, &w);
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
  if (!(g > 0))
    return xb__err(x->err, XB_EDATA,
                   "reset gate conductance %g S not positive", g);
  *r = 1 / g;
  return XB_OK;
}

/* Spike train at current I over `tend`, with the instance parameters
 * `inst`; measures the first spike's edge delays against vth / vtl and
 * the chord capacitance up to vth - 2 mV. */
static int spike_train(ctx *x, const char *inst, double I, double tend,
                       double vth, double vtl, train *tr)
{
  const double vrst = x->c->v_reset;
  char body[256];
  snprintf(body, sizeof body,
           "iin 0 in dc %.17g\n"
           ".ic v(in)=%.17g\n"
           ".tran 5p %.17g\n",
           I, vrst, tend);
  static const char *const names[] = {"time", "v(in)", "v(spk)"};
  vecs w;
  int rc = run(x, x->c->subckt, inst, body, names, 3, &w);
  if (rc)
    return rc;
  const double *t = w.v[0], *vin = w.v[1], *spk = w.v[2];
  memset(tr, 0, sizeof *tr);
  tr->current = I;
  tr->n = crossings(t, spk, w.n, 0.5, +1, 0, tr->t, MAXSPK);
  if (tr->n > MAXSPK)
    tr->n = MAXSPK;
  for (size_t k = 0; k < tr->n; k++)
    tr->n_window += tr->t[k] <= x->c->window;
  double tc;
  tr->c = crossings(t, vin, w.n, vth - 2e-3, +1, 0, &tc, 1)
              ? I * tc / (vth - 2e-3 - vrst)
              : NAN;
  tr->rise = tr->fall = NAN;
  if (tr->n) {
    double cross[MAXSPK], down[1] = {0}, fall[1] = {0};
    size_t nc = crossings(t, vin, w.n, vth, +1, 0, cross, MAXSPK);
    if (nc && cross[0] < tr->t[0])
      tr->rise = tr->t[0] - cross[0];
    size_t nd = crossings(t, vin, w.n, vtl, -1, tr->t[0], down, 1);
    size_t nf = crossings(t, spk, w.n, 0.5, -1, tr->t[0], fall, 1);
    if (nd && nf && fall[0] > down[0])
      tr->fall = fall[0] - down[0];
  }
  vecs_free(&w);
  return XB_OK;
}

/* ---- fit of the dynamic parameters ------------------------------------- */

typedef struct fit {
  const xb_read_type *type;
  xb_read_params base;
  const train *tr;
  double tend;
} fit;

/* Parameters from the search vector: x[0] t_delay (ps), and with ATB
 * x[1] atb_dv (mV), x[2] atb_i (uA), x[3] atb_w (uA), folded into their
 * admissible ranges. */
static xb_read_params params_of(const fit *f, const double *x)
{
  xb_read_params p = f->base;
  p.t_delay = fabs(x[0]) * 1e-12;
  if (f->type->has_atb) {
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
  xb_read *r = xb_read_create(f->type, &p, NULL);
  if (!r)
    return 1e12;
  double s = 0;
  long n = 0;
  for (int i = 0; i < NCAL; i++) {
    double tb[MAXSPK];
    size_t nb;
    if (xb_read_events(r, f->tr[i].current, f->tend, tb, MAXSPK, &nb,
                       NULL)) {
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

/* Nelder-Mead on at most 4 variables; x the start and the result. */
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
    for (int i = 1; i <= d; i++) /* order: best first */
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

/* Fit t_delay (and the ATB) of *p (the static values set) to the trains;
 * the model's window counts into the trains, the rms into *rms. */
static void fit_dynamic(const xb_read_calib_circuit *c, xb_read_params *p,
                        train *tr, double *rms)
{
  fit f = {c->type, *p, tr, 1.5 * c->window};
  double best[4] = {0}, bv = INFINITY;
  if (!c->type->has_atb) {
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
  *p = params_of(&f, best);
  *rms = sqrt(bv) * 1e-12;
  xb_read *r = xb_read_create(c->type, p, NULL);
  for (int i = 0; i < NCAL; i++)
    if (!r || xb_read_count(r, tr[i].current, &tr[i].n_model, NULL))
      tr[i].n_model = -1;
  xb_read_free(r);
}

/* ---- the API ----------------------------------------------------------- */

int xb_spice_read_thresholds(xb_spice *sp, const char *netlist_dir,
                             const xb_read_calib_circuit *c,
                             const char *subckt, double lo, double hi,
                             double *v_th, double *v_tl, double ramp[4],
                             int *runs, xb_err *err)
{
  int rc = check_dir(netlist_dir, c, err);
  if (rc)
    return rc;
  if (!sp || !subckt || !v_th || !v_tl)
    return xb__err(err, XB_EINVAL, "read thresholds: NULL argument");
  ctx x = {sp, netlist_dir, c, 0, err};
  double raw[4], th, tl;
  rc = thresholds(&x, subckt, lo, hi, &th, &tl, raw);
  if (runs)
    *runs += x.runs;
  if (rc)
    return rc;
  *v_th = th;
  *v_tl = tl;
  if (ramp)
    memcpy(ramp, raw, sizeof raw);
  return XB_OK;
}

int xb_spice_read_calibrate(xb_spice *sp, const char *netlist_dir,
                            const xb_read_calib_circuit *c,
                            xb_read_params *out, xb_read_calib_report *rep,
                            xb_err *err)
{
  int rc = check_dir(netlist_dir, c, err);
  if (rc)
    return rc;
  if (!sp || !out)
    return xb__err(err, XB_EINVAL, "read calibration: NULL argument");
  xb_read_calib_report *r = calloc(1, sizeof *r);
  if (!r)
    return xb__err(err, XB_ENOMEM, "read calibration report");
  ctx x = {sp, netlist_dir, c, 0, err};
  const double vrst = c->v_reset;
  xb_read_params p;
  c->type->defaults(&p);
  p.v_reset = vrst;
  p.offset = 0;
  p.window = c->window;
  p.atb_dv = 0;
  rc = thresholds(&x, c->subckt, vrst, vrst + 0.045, &p.v_th, &p.v_tl,
                  r->ramp);
  if (!rc)
    rc = reset_resistance(&x, &p.r_reset);
  double csum = 0;
  for (int i = 0; !rc && i < NCAL; i++) {
    rc = spike_train(&x, "", (0.75 + i) * 1e-6, 1.5 * c->window, p.v_th,
                     p.v_tl, &r->train[i]);
    csum += r->train[i].c;
  }
  p.c_int = csum / NCAL;
  if (!rc && !(p.c_int > 0))
    rc = xb__err(err, XB_EDATA, "%s: the node never reaches v_th - 2 mV",
                 c->subckt);
  train t0; /* the circuit's own input capacitance: no column capacitor */
  if (!rc)
    rc = spike_train(&x, "ccol=0", 2e-6, 1e-9, p.v_th, p.v_tl, &t0);
  r->c_in = t0.c;
  r->neg_v_th = r->neg_v_tl = NAN;
  if (!rc && c->neg) {
    double vth, vtl, raw[4];
    rc = thresholds(&x, c->neg, vrst, vrst - 0.045, &vth, &vtl, raw);
    r->neg_v_th = 2 * vrst - vth; /* mirrored about v_reset */
    r->neg_v_tl = 2 * vrst - vtl;
  }
  if (!rc) {
    fit_dynamic(c, &p, r->train, &r->rms);
    r->runs = x.runs;
    *out = p;
    if (rep)
      *rep = *r;
  }
  free(r);
  return rc;
}

/* ---- threshold spread under transistor variation ------------------------ */

/* A copy of netlist `in` as `out` with `delvto` on every MOSFET: the
 * shared NMOS and PMOS shifts plus each device's own Pelgrom draw. */
static int write_varied(const char *in, const char *out,
                        const xb_read_mismatch_opts *o, uint64_t stream,
                        xb_err *err)
{
  char line[1024];
  FILE *f = fopen(in, "r"), *g = fopen(out, "w");
  if (!f || !g) {
    if (f)
      fclose(f);
    if (g)
      fclose(g);
    return xb__err_set(err, XB_EIO, f ? out : in, 0, NULL, NAN, NAN,
                       "cannot copy the netlist");
  }
  double gn = o->sigma_global * xb_rng_normal(o->seed, stream, 0);
  double gp = o->sigma_global * xb_rng_normal(o->seed, stream, 1);
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
    line[strcspn(line, "\r\n")] = 0;
    int pmos = strstr(line, "pch65") != NULL;
    double loc = o->a_vt / sqrt(w * l) * xb_rng_normal(o->seed, stream, dev++);
    /* delvto shifts |Vth|: positive raises an NMOS threshold and lowers a
     * PMOS one, so the PMOS shifts enter with the sign that raises |Vth|. */
    double d = (pmos ? -gp : gn) + (pmos ? -loc : loc);
    fprintf(g, "%s delvto=%.6g\n", line, d);
  }
  fclose(f);
  if (fclose(g))
    return xb__err_set(err, XB_EIO, out, 0, NULL, NAN, NAN,
                       "cannot write the netlist");
  return XB_OK;
}

int xb_spice_read_mismatch(xb_spice *sp, const char *netlist_dir,
                           const xb_read_calib_circuit *c,
                           const xb_read_mismatch_opts *o,
                           xb_read_mismatch *out, xb_err *err)
{
  int rc = check_dir(netlist_dir, c, err);
  if (rc)
    return rc;
  if (!sp || !o || !out || o->samples < 3)
    return xb__err(err, XB_EINVAL, "read mismatch: NULL argument or fewer "
                                   "than 3 samples");
  char dir[] = "/tmp/xbar_mismatch_XXXXXX", in[1100], nl[1100], lib[1100],
       lib_in[1100];
  if (!mkdtemp(dir))
    return xb__err(err, XB_EIO, "read mismatch: cannot create %s", dir);
  snprintf(in, sizeof in, "%s/%s", netlist_dir, c->file);
  snprintf(nl, sizeof nl, "%s/%s", dir, c->file);
  snprintf(lib_in, sizeof lib_in, "%s/ptm65_xbar.lib", netlist_dir);
  snprintf(lib, sizeof lib, "%s/ptm65_xbar.lib", dir);
  if (symlink(lib_in, lib)) {
    rmdir(dir);
    return xb__err(err, XB_EIO, "read mismatch: cannot link %s", lib);
  }
  ctx x = {sp, dir, c, 0, NULL};
  int ok = 0;
  double s1 = 0, s2 = 0, q1 = 0, q2 = 0, cr = 0;
  for (int k = 0; k < o->samples && !rc; k++) {
    double vth, vtl, raw[4];
    rc = write_varied(in, nl, o, o->stream + (uint64_t)k, err);
    if (rc || thresholds(&x, c->subckt, o->lo, o->hi, &vth, &vtl, raw))
      continue; /* a sample that does not switch: counted, not averaged */
    ok++;
    s1 += vth;
    s2 += vtl;
    q1 += vth * vth;
    q2 += vtl * vtl;
    cr += vth * vtl;
  }
  unlink(nl);
  unlink(lib);
  rmdir(dir);
  if (!rc && ok < 3)
    rc = xb__err(err, XB_EDATA, "read mismatch: %d of %d samples switch",
                 ok, o->samples);
  if (rc)
    return rc;
  double m1 = s1 / ok, m2 = s2 / ok;
  double sd1 = sqrt(fmax(q1 / ok - m1 * m1, 0) * ok / (ok - 1));
  double sd2 = sqrt(fmax(q2 / ok - m2 * m2, 0) * ok / (ok - 1));
  double rho = (cr / ok - m1 * m2) / (sd1 * sd2) * ok / (ok - 1);
  *out = (xb_read_mismatch){
      o->samples, ok, m1, sd1, m2, sd2, rho,
      sqrt(fmax(sd1 * sd1 + sd2 * sd2 - 2 * rho * sd1 * sd2, 0))};
  return XB_OK;
}
