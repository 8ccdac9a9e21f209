/*
 * sneak_read: sneak paths in a sparse parallel read (D.Z) of a 100 x 100
 * array, the inactive rows floating or held at a fixed bias (seed 000
 * section 2.4.4, Fig. 2.19: "the floating node approach resulted in linear
 * read current quantization, while the fixed bias approach increased the
 * charge accumulation time by up to 25%").
 *
 * Setup (xbx_dz): conductances g_ij uniform in the preset's [Gmin, Gmax];
 * a fraction (default the seed's ~20%) of the rows active at V_read; every
 * column integrates its current on C from V0 = 500 mV to V1 = 530 mV. The
 * inactive rows float (XB_LINE_FLOAT: each settles to the g-weighted mean
 * of the column voltages and carries almost no current) or are held at
 * V_bias = 500 mV (XB_LINE_DRIVE: as the column rises, every inactive cell
 * draws g_ij (V_c - V_bias) out of it, against the signal). The
 * integration is quasi-static: all columns at one voltage V_c, the network
 * solved in DC with the wire resistance Rw per segment (xb_array_read).
 *
 * Per column j, G_a and G_i the sums of g_ij over active and inactive rows:
 *   ideal current  I_id(V_c) = G_a (V_read - V_c)   (no wires, no sneak);
 *   current error  (I_mode - I_id) / I_id at V_c = V0 and at V1;
 *   charge time    t = C int_{V0}^{V1} dV / I(V), 7-point Gauss-Legendre
 *                  over V_c, one solve per node; ideal t_id = (C / G_a)
 *                  ln((V_read - V0) / (V_read - V1)); the check, fixed bias
 *                  without wires: t = C / (G_a + G_i) ln(I(V0) / I(V1));
 *   stretch        t_mode / t_id - 1, and t_fixed / t_float - 1.
 * The fixed-bias stretch depends on the column only through rho = G_i / G_a
 * (~ (1 - f) / f), which the PNG shows against that closed form. A column
 * whose current reaches zero before V1 never fires: t = inf. Cells are
 * ohmic; a preset with a sinh I-V is read by its conductances (a note).
 *
 * Expected (defaults): with fixed bias the charge time stretches by 11-20%
 * (mean 15%, rho ~ 4); floating rows stay within 1e-4 of the ideal column
 * (the wire IR drop). 18 DC solves, well under a second.
 *
 * Outputs: sneak_read.csv (one line per column), sneak_read.png
 * (plots/sneak_read.gp); a summary and a JSON line on stdout.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "exp_util.h"

#define NGL 7        /* Gauss-Legendre nodes over the column voltage */

static const xbx_prog prog = {
  "sneak_read",
  "sneak paths in a sparse parallel read (D.Z), inactive rows floating or "
  "at a fixed bias",
  "A fraction of the rows of an array of random conductances is driven at "
  "V_read, every column integrates on C from V_reset to V_th, the inactive "
  "rows float or sit at V_bias. DC solves at 7 Gauss-Legendre nodes over "
  "the column voltage give each mode's current error and charge time "
  "against the ideal column (seed 000 Fig. 2.19: fixed bias up to 25% "
  "slower).",
  "sneak_read.csv one line per column: currents, errors, charge times\n"
  "sneak_read.png plots/sneak_read.gp\n"
  "stdout a summary and a final JSON line",
  "sneak_read --rows 40 --cols 40 --out /tmp/sneak"};

/* 7-point Gauss-Legendre on [-1, 1]. */
static const double gl_x[NGL] = {
    -0.9491079123427585, -0.7415311855993945, -0.4058451513773972, 0.0,
    0.4058451513773972,  0.7415311855993945,  0.9491079123427585};
static const double gl_w[NGL] = {
    0.1294849661688697, 0.2797053914892766, 0.3818300505051189,
    0.4179591836734694, 0.3818300505051189, 0.2797053914892766,
    0.1294849661688697};

typedef struct options {
  const char *model, *out;
  int rows, cols;
  double active;          /* fraction of rows driven */
  double vread, vbias;    /* V */
  double v0, v1;          /* reset and threshold of the column node (V) */
  double cap;             /* column capacitance (F) */
  double rw;              /* wire resistance per segment (Ohm), < 0: default */
  unsigned long long seed;
} options;

/* Column currents of one read mode at the reset voltage, at the threshold
 * and at the Gauss-Legendre nodes; i_node[k * m + j]. */
typedef struct mode_result {
  double *i_v0, *i_v1, *i_node, *t;
} mode_result;

static int solve_mode(xbx_dz *d, const options *o, int unselected,
                      mode_result *r, double *seconds)
{
  size_t m = d->m;
  xb_err err;
  double h = 0.5 * (o->v1 - o->v0), mid = 0.5 * (o->v1 + o->v0);
  clock_t c0 = clock();
  int rc = xbx_dz_read(d, unselected, o->vbias, o->v0, r->i_v0, &err);
  if (!rc)
    rc = xbx_dz_read(d, unselected, o->vbias, o->v1, r->i_v1, &err);
  for (int k = 0; k < NGL && !rc; k++)
    rc = xbx_dz_read(d, unselected, o->vbias, mid + h * gl_x[k],
                     r->i_node + (size_t)k * m, &err);
  if (rc) {
    fprintf(stderr, "sneak_read: read (%s inactive rows) failed: %s\n",
            unselected == XB_LINE_FLOAT ? "floating" : "fixed", err.msg);
    return -1;
  }
  *seconds += (double)(clock() - c0) / CLOCKS_PER_SEC;
  /* t = C int dV / I(V); the current falls with V, so a column whose current
   * is not positive at the threshold never gets there. */
  for (size_t j = 0; j < m; j++) {
    double s = 0;
    int stuck = !(r->i_v1[j] > 0);
    for (int k = 0; k < NGL && !stuck; k++) {
      double i = r->i_node[(size_t)k * m + j];
      stuck = !(i > 0);
      s += gl_w[k] / i;
    }
    r->t[j] = stuck ? INFINITY : o->cap * h * s;
  }
  return 0;
}

/* Largest and mean of x (absval: of |x|) over n values. The mean leaves
 * out the non-finite values; the maximum counts them (of |x|: as
 * infinite). */
static void stats(const double *x, size_t n, int absval, double *mx,
                  double *mean)
{
  double m = absval ? 0 : -INFINITY, s = 0;
  size_t k = 0;
  for (size_t j = 0; j < n; j++) {
    double v = absval ? fabs(x[j]) : x[j];
    if (v > m || (absval && isnan(v)))
      m = isnan(v) ? INFINITY : v;
    if (isfinite(v)) {
      s += v;
      k++;
    }
  }
  *mx = m;
  *mean = k ? s / (double)k : NAN;
}

int main(int argc, char **argv)
{
  options o = {XB_SOURCE_DIR "/models/pcmo_park2013.ini",
               XB_SOURCE_DIR "/plots", 100, 100, 0.2, 1.0, 0.5, 0.5, 0.53,
               100e-15, -1, 1};
  XBX_PARSE(prog,
    XBX_STR("model", &o.model, "FILE", "device preset: [Gmin, Gmax]"),
    XBX_STR("out", &o.out, "DIR", "output folder"),
    XBX_INT("rows", &o.rows, "", 1, 4096, "array rows"),
    XBX_INT("cols", &o.cols, "", 1, 4096, "array columns"),
    XBX_DOUBLE("active", &o.active, "", 1e-9, 1, "fraction of rows driven"),
    XBX_DOUBLE("vread", &o.vread, "V", -100, 100,
               "read voltage of the active rows, above --vth"),
    XBX_DOUBLE("vbias", &o.vbias, "V", -100, 100,
               "fixed bias of the inactive rows"),
    XBX_DOUBLE("vreset", &o.v0, "V", -100, 100, "column reset voltage"),
    XBX_DOUBLE("vth", &o.v1, "V", -100, 100,
               "column threshold voltage, above --vreset"),
    XBX_DOUBLE("cap", &o.cap, "F", 1e-18, 1e-6,
               "column integration capacitance"),
    XBX_DOUBLE("rw", &o.rw, "Ohm", 1e-6, 1e9,
               "wire resistance per segment (not set: the array default, "
               "0.634 Ohm, seed 000 section 2.4.4)"),
    XBX_U64("seed", &o.seed, "seed of the conductances and active rows"));
  if (!(o.v1 > o.v0))
    return xbx_usage_error(&prog, "--vth (%g V) must be above --vreset "
                           "(%g V)", o.v1, o.v0);
  if (!(o.vread > o.v1))
    return xbx_usage_error(&prog, "--vread (%g V) must be above the "
                           "threshold --vth (%g V), or the columns never "
                           "charge up to it", o.vread, o.v1);
  size_t n = (size_t)o.rows, m = (size_t)o.cols;
  int rc = 1;
  xbx_dz d = {0};
  xbx_out *out = NULL;
  /* Per column: G_active, G_inactive, G_i / G_a, the ideal currents at V0
   * and V1, the ideal, linear, no-wire and Gauss-Legendre ideal charge
   * times, 8 figures (below), and the two modes' currents and times. */
  double *col = calloc((17 + 2 * (3 + NGL)) * m, sizeof *col);
  if (!col) {
    fprintf(stderr, "sneak_read: out of memory\n");
    return 1;
  }
  double *ga = col, *gi = col + m, *rho = col + 2 * m, *i_id0 = col + 3 * m,
         *i_id1 = col + 4 * m, *t_id = col + 5 * m, *t_lin = col + 6 * m,
         *t_nw = col + 7 * m, *t_glid = col + 8 * m, *work = col + 9 * m;
  mode_result fl, fx, *mr[2] = {&fl, &fx};
  for (int k = 0; k < 2; k++) {
    double *b = col + (17 + (size_t)k * (3 + NGL)) * m;
    *mr[k] = (mode_result){b, b + m, b + 2 * m, b + (2 + NGL) * m};
  }
  double gmin, gmax;
  xb_elec_params el;
  xb_array_params p;
  xb_param_defaults(&xb_array_param_set, &p);
  if (o.rw > 0)
    p.rw_row = p.rw_col = o.rw;
  if (xbx_preset_bounds(prog.name, o.model, &gmin, &gmax, &el) ||
      xbx_dz_create(&d, prog.name, n, m, o.active, o.seed, &p) ||
      xbx_dz_set(&d, prog.name, gmin, gmax, o.vread, o.seed))
    goto done;
  const char *devname = xbx_basename(o.model);

  /* Ideal column: no wires, no sneak. */
  double h = 0.5 * (o.v1 - o.v0), mid = 0.5 * (o.v1 + o.v0);
  double lnid = log((o.vread - o.v0) / (o.vread - o.v1));
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++)
      (d.act[i] ? ga : gi)[j] += d.g[i * m + j];
  for (size_t j = 0; j < m; j++) {
    rho[j] = gi[j] / ga[j];
    i_id0[j] = ga[j] * (o.vread - o.v0);
    i_id1[j] = ga[j] * (o.vread - o.v1);
    t_id[j] = o.cap / ga[j] * lnid;
    t_lin[j] = o.cap * (o.v1 - o.v0) / i_id0[j];
    double s = 0;
    for (int k = 0; k < NGL; k++)
      s += gl_w[k] / (ga[j] * (o.vread - (mid + h * gl_x[k])));
    t_glid[j] = o.cap * h * s;
    double ia = ga[j] * (o.vread - o.v0) - gi[j] * (o.v0 - o.vbias);
    double ib = ga[j] * (o.vread - o.v1) - gi[j] * (o.v1 - o.vbias);
    t_nw[j] = ia > 0 && ib > 0 ? o.cap / (ga[j] + gi[j]) * log(ia / ib)
                               : INFINITY;
  }

  double secs = 0;
  if (solve_mode(&d, &o, XB_LINE_FLOAT, &fl, &secs) ||
      solve_mode(&d, &o, XB_LINE_DRIVE, &fx, &secs))
    goto done;

  /* Per-column figures into work: err0 fl/fx, err1 fl/fx, stretch fl/fx,
   * fixed vs float, check against the no-wire closed form. */
  double *e0fl = work, *e0fx = work + m, *e1fl = work + 2 * m,
         *e1fx = work + 3 * m, *sfl = work + 4 * m, *sfx = work + 5 * m,
         *sxf = work + 6 * m, *chk = work + 7 * m;
  double quad = 0, wire = 0;
  size_t nfire = 0;
  for (size_t j = 0; j < m; j++) {
    e0fl[j] = (fl.i_v0[j] - i_id0[j]) / i_id0[j];
    e0fx[j] = (fx.i_v0[j] - i_id0[j]) / i_id0[j];
    e1fl[j] = (fl.i_v1[j] - i_id1[j]) / i_id1[j];
    e1fx[j] = (fx.i_v1[j] - i_id1[j]) / i_id1[j];
    sfl[j] = fl.t[j] / t_id[j] - 1;
    sfx[j] = fx.t[j] / t_id[j] - 1;
    sxf[j] = fx.t[j] / fl.t[j] - 1;
    chk[j] = isfinite(t_nw[j]) ? fx.t[j] / t_nw[j] - 1 : 0;
    quad = fmax(quad, fabs(t_glid[j] / t_id[j] - 1));
    wire = fmax(wire, fabs(chk[j]));
    nfire += !isfinite(fx.t[j]);
  }
  /* Maximum and mean of each: the errors of |x|, the rest signed. */
  enum { E0FL, E0FX, E1FL, E1FX, SFL, SFX, SXF, TID, TFL, TFX, GA, RHO, NST };
  const double *st_of[NST] = {e0fl, e0fx, e1fl, e1fx, sfl,  sfx,
                              sxf,  t_id, fl.t, fx.t, ga,   rho};
  double mx[NST], mn[NST];
  for (int q = 0; q < NST; q++)
    stats(st_of[q], m, q <= E1FX, &mx[q], &mn[q]);

  const xb_array_params *ap = xb_array_params_of(d.a);
  printf("sneak_read: D.Z read of a %zu x %zu array, seed 000 sec. 2.4.4\n"
         "  device      %s, g uniform in [%.4g, %.4g] S (seed %llu)%s\n"
         "  wires       Rw %.4g / %.4g Ohm per row / column segment, "
         "r_drive %.3g Ohm, r_sense %.3g Ohm\n"
         "  drive       %zu of %zu rows active at %.4g V; inactive rows "
         "floating or fixed at %.4g V\n"
         "  columns     integrate %.4g -> %.4g V on %.4g F; G_active %.3g .. "
         "%.3g S, G_inactive/G_active %.3g .. %.3g\n"
         "  solves      %d DC solves per mode, %.3f s in all\n"
         "  checks      GL-%d vs closed-form ideal charge time: %.1e; fixed "
         "bias solve vs no-wire closed form: max %.2e (the wire effect)\n",
         n, m, devname, gmin, gmax, o.seed,
         el.iv ? "\n  note        the preset's sinh I-V is not used: "
                 "cells are read as ohmic conductances" : "",
         ap->rw_row, ap->rw_col, ap->r_drive, ap->r_sense, d.nact, n,
         o.vread, o.vbias, o.v0, o.v1, o.cap, mn[GA], mx[GA], mn[RHO],
         mx[RHO], NGL + 2, secs, NGL, quad, wire);
  printf("\n  %-35s %12s %12s %12s\n", "", "ideal", "floating", "fixed bias");
  for (int q = 0; q < 4; q++) /* the current errors, max then mean */
    printf("  |I - I_ideal| / I_ideal at V%d, %-4s %12s %12.3e %12.3e\n",
           q / 2, q % 2 ? "mean" : "max", "-",
           (q % 2 ? mn : mx)[q / 2 ? E1FL : E0FL],
           (q % 2 ? mn : mx)[q / 2 ? E1FX : E0FX]);
  printf("  %-35s %12.4g %12.4g %12.4g\n", "charge time V0 -> V1, mean (ns)",
         mn[TID] * 1e9, mn[TFL] * 1e9, mn[TFX] * 1e9);
  for (int q = 0; q < 2; q++)
    printf("  stretch t / t_ideal - 1, %-10s %12s %+11.3f%% %+11.3f%%\n",
           q ? "mean" : "max", "-", 100 * (q ? mn : mx)[SFL],
           100 * (q ? mn : mx)[SFX]);
  printf("  fixed bias vs floating: charge time +%.2f %% max, +%.2f %% mean "
         "(seed: up to +25 %%)\n  even the ideal column charges %.2f %% "
         "slower than the constant-current C (V1 - V0) / I(V0),\n  as its "
         "cells' voltage falls from %.3g to %.3g V during the integration\n",
         100 * mx[SXF], 100 * mn[SXF], 100 * (t_id[0] / t_lin[0] - 1),
         o.vread - o.v0, o.vread - o.v1);
  if (nfire)
    printf("  %zu of %zu columns never reach the threshold with fixed bias "
           "(t = inf; the means above are over the others)\n", nfire, m);

  out = xbx_out_create(prog.name, o.out);
  FILE *f = xbx_out_open(
      out, "sneak_read.csv",
      "# sneak_read: %zu x %zu, %s, %zu active rows at %g V, inactive "
      "floating or at %g V, columns %g -> %g V on %g F, Rw %g Ohm, seed %llu\n"
      "# currents A, conductances S, times s; err = (I - I_ideal) / I_ideal; "
      "stretch = t / t_ideal - 1\n"
      "col,g_active,g_inactive,rho,i_ideal_v0,i_float_v0,i_fixed_v0,"
      "err_float_v0,err_fixed_v0,i_ideal_v1,i_float_v1,i_fixed_v1,"
      "err_float_v1,err_fixed_v1,t_ideal,t_linear,t_float,t_fixed,"
      "t_fixed_nowire,stretch_float,stretch_fixed,stretch_fixed_vs_float\n",
      n, m, devname, d.nact, o.vread, o.vbias, o.v0, o.v1, o.cap, ap->rw_row,
      o.seed);
  if (!f)
    goto done;
  for (size_t j = 0; j < m; j++)
    fprintf(f,
            "%zu,%.9e,%.9e,%.6f,%.9e,%.9e,%.9e,%.6e,%.6e,%.9e,%.9e,%.9e,"
            "%.6e,%.6e,%.9e,%.9e,%.9e,%.9e,%.9e,%.6e,%.6e,%.6e\n",
            j, ga[j], gi[j], rho[j], i_id0[j], fl.i_v0[j], fx.i_v0[j],
            e0fl[j], e0fx[j], i_id1[j], fl.i_v1[j], fx.i_v1[j], e1fl[j],
            e1fx[j], t_id[j], t_lin[j], fl.t[j], fx.t[j], t_nw[j], sfl[j],
            sfx[j], sxf[j]);
  xbx_out_plot(out, "sneak_read",
               "vread=%.17g; vbias=%.17g; v0=%.17g; v1=%.17g; nfinite=%zu; "
               "plottitle='Sneak paths in a D.Z read: %zu x %zu %s, %zu "
               "active rows at %g V, Rw %g Ohm'",
               o.vread, o.vbias, o.v0, o.v1, m - nfire, n, m, devname, d.nact,
               o.vread, ap->rw_row);
  rc = xbx_out_end(out, 0,
                   "experiment=%s rows=%zu cols=%zu active_rows=%zu "
                   "seed=%llu vread=%.6g rw=%.6g cap=%.6g "
                   "max_stretch_fixed=%.6g mean_stretch_fixed=%.6g "
                   "max_stretch_float=%.6g mean_stretch_float=%.6g "
                   "max_stretch_fixed_vs_float=%.6g "
                   "mean_stretch_fixed_vs_float=%.6g max_err_fixed=%.6g "
                   "mean_err_fixed=%.6g max_err_float=%.6g "
                   "mean_err_float=%.6g max_err_fixed_at_threshold=%.6g "
                   "max_err_float_at_threshold=%.6g mean_t_ideal=%.6g "
                   "mean_t_float=%.6g mean_t_fixed=%.6g "
                   "never_fire_fixed=%zu",
                   prog.name, n, m, d.nact, o.seed, o.vread, ap->rw_row,
                   o.cap, mx[SFX], mn[SFX], mx[SFL], mn[SFL], mx[SXF],
                   mn[SXF], mx[E0FX], mn[E0FX], mx[E0FL], mn[E0FL],
                   mx[E1FX], mx[E1FL], mn[TID], mn[TFL], mn[TFX], nfire);
  out = NULL;

done:
  free(col);
  xbx_out_free(out);
  xbx_dz_free(&d);
  return rc;
}
