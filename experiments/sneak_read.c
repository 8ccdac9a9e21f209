/*
 * sneak_read: sneak paths in a sparse parallel read (D.Z) of a 100 x 100
 * array, with the inactive rows floating or held at a fixed bias. Reproduces
 * the comparison of seed 000 section 2.4.4 (Fig. 2.19): "the floating node
 * approach resulted in linear read current quantization (Fig. 2.18(a)),
 * while the fixed bias approach increased the charge accumulation time by up
 * to 25%".
 *
 * Setup (seed 000 sections 2.3.2, 2.4.2, 2.4.4). Cells have random PCMO
 * conductances g_ij, uniform in [Gmin, Gmax] of the device preset, drawn
 * from xb_rng_uniform(seed, stream 1, cell i*M+j). A fraction (default 20%,
 * the seed's "~20%") of the rows, drawn from stream 2, is active and driven
 * at V_read. Every column is a read node: its current integrates on the
 * column capacitance C from the reset voltage V0 = 500 mV to the threshold
 * V1 = 530 mV, where the integrate-and-fire circuit spikes and resets. The
 * inactive rows either
 *   float   (row driver tri-stated, XB_LINE_FLOAT): in DC each such row
 *           settles to the g-weighted mean of the column voltages, i.e. it
 *           follows the columns up and carries almost no current;
 *   fixed   (XB_LINE_DRIVE at V_bias = 500 mV): as the column rises above
 *           500 mV, every inactive cell of the column draws current
 *           g_ij (V_c - V_bias) out of it, against the signal.
 * The integration is taken as quasi-static: all columns sit at the same
 * voltage V_c and the network is solved in DC (exact nodal analysis with
 * the wire resistance Rw per segment, xb_array_read) at each V_c.
 *
 * Figures computed per column j, with G_a = sum over active rows of g_ij
 * and G_i = sum over inactive rows:
 *   ideal current   I_id(V_c) = G_a (V_read - V_c)       (no wires, no sneak)
 *   current error   (I_mode(V_c) - I_id(V_c)) / I_id(V_c) at V_c = V0 (the
 *                   error a read at the reset voltage sees) and at V1;
 *   charge time     t = C * integral_{V0}^{V1} dV / I(V), by 7-point
 *                   Gauss-Legendre over V_c, one array solve per node;
 *                   ideal: t_id = (C / G_a) ln((V_read - V0)/(V_read - V1));
 *                   fixed bias without wires, the check of the solve:
 *                   I = G_a (V_read - V) - G_i (V - V_bias), so
 *                   t = C / (G_a + G_i) ln(I(V0) / I(V1));
 *   stretch         t_mode / t_id - 1, and t_fixed / t_float - 1.
 * The stretch of the fixed-bias mode depends on the column only through
 * rho = G_i / G_a (about (1 - f)/f for an active fraction f), which the PNG
 * shows against that closed form. t scales with C; the stretch does not.
 * A column whose current reaches zero before V1 never fires: t = inf.
 *
 * Cells are ohmic (I = g V): the preset's read I-V is ohmic; a device with
 * a sinh I-V would be read with its conductances only (a note is printed).
 *
 * Expected (defaults): with fixed bias the charge time stretches by 11-20%
 * (mean 15%; rho ~ 4 at 20% active rows; seed: up to 25%); floating rows
 * stay within 1e-4 of the ideal column, the wire IR drop. 18 DC solves,
 * well under a second.
 *
 * Output: <out>/sneak_read.csv (one line per column) and
 * <out>/sneak_read.png (plots/sneak_read.gp), written under temporary names
 * and renamed when complete; a summary and a final one-line JSON on stdout.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define STREAM_G 1   /* rng stream of the cell conductances */
#define STREAM_SEL 2 /* rng stream of the active-row draw */
#define NGL 7        /* Gauss-Legendre nodes over the column voltage */

static const xbx_prog prog = {
  "sneak_read",
  "sneak paths in a sparse parallel read (D.Z), inactive rows floating or "
  "at a fixed bias",
  "A fraction of the rows of an array of random conductances (uniform in "
  "the preset's [Gmin, Gmax]) is driven at V_read; every column integrates "
  "its current on C from V_reset to V_th. The inactive rows float or sit at "
  "V_bias. Each mode is solved in DC with the wire resistance at the nodes "
  "of a 7-point Gauss-Legendre rule over the column voltage, giving the "
  "current error and the charge time against the ideal column (seed 000 "
  "section 2.4.4, Fig. 2.19: fixed bias up to 25% slower).",
  "sneak_read.csv one line per column: currents, errors, charge times\n"
  "sneak_read.png plots/sneak_read.gp\n"
  "stdout a summary and a final JSON line",
  "sneak_read --rows 40 --cols 40 --out /tmp/sneak"};

/* 7-point Gauss-Legendre on [-1, 1]. */
static const double gl_x[NGL] = {-0.9491079123427585, -0.7415311855993945,
                                 -0.4058451513773972, 0.0,
                                 0.4058451513773972,  0.7415311855993945,
                                 0.9491079123427585};
static const double gl_w[NGL] = {0.1294849661688697, 0.2797053914892766,
                                 0.3818300505051189, 0.4179591836734694,
                                 0.3818300505051189, 0.2797053914892766,
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

static int solve_mode(xb_array *a, const options *o, const double *vin,
                      const unsigned char *act, int unselected,
                      mode_result *r, double *seconds)
{
  size_t m = xb_array_cols(a);
  xb_err err;
  double h = 0.5 * (o->v1 - o->v0), mid = 0.5 * (o->v1 + o->v0);
  clock_t c0 = clock();
  int rc = xb_array_read(a, XB_ROW, vin, act, unselected, o->vbias, o->v0,
                         r->i_v0, &err);
  if (!rc)
    rc = xb_array_read(a, XB_ROW, vin, act, unselected, o->vbias, o->v1,
                       r->i_v1, &err);
  for (int k = 0; k < NGL && !rc; k++)
    rc = xb_array_read(a, XB_ROW, vin, act, unselected, o->vbias,
                       mid + h * gl_x[k], r->i_node + (size_t)k * m, &err);
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

/* Largest and mean of |x| over n values; non-finite values count as
 * infinite for the maximum and are left out of the mean. */
static void stats_abs(const double *x, size_t n, double *mx, double *mean)
{
  double m = 0, s = 0;
  size_t k = 0;
  for (size_t j = 0; j < n; j++) {
    double v = fabs(x[j]);
    if (!isfinite(v)) {
      m = INFINITY;
      continue;
    }
    if (v > m)
      m = v;
    s += v;
    k++;
  }
  *mx = m;
  *mean = k ? s / (double)k : NAN;
}

/* Signed maximum and mean. */
static void stats(const double *x, size_t n, double *mx, double *mean)
{
  double m = -INFINITY, s = 0;
  size_t k = 0;
  for (size_t j = 0; j < n; j++) {
    if (x[j] > m)
      m = x[j];
    if (isfinite(x[j])) {
      s += x[j];
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
  xbx_opt opts[] = {
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
    XBX_U64("seed", &o.seed, "seed of the conductances and active rows"),
    XBX_END};
  int rc = xbx_parse(&prog, opts, argc, argv);
  if (rc != XBX_RUN)
    return rc;
  if (!(o.v1 > o.v0))
    return xbx_usage_error(&prog, "--vth (%g V) must be above --vreset "
                           "(%g V)", o.v1, o.v0);
  if (!(o.vread > o.v1))
    return xbx_usage_error(&prog, "--vread (%g V) must be above the "
                           "threshold --vth (%g V), or the columns never "
                           "charge up to it", o.vread, o.v1);
  size_t n = (size_t)o.rows, m = (size_t)o.cols, nm = n * m;
  rc = 1;
  xb_err err;
  xb_array *a = NULL;
  xbx_out *out = NULL;
  /* Per column: G_active, G_inactive, the ideal currents at V0 and V1,
   * the ideal, linear, no-wire and Gauss-Legendre ideal charge times,
   * 8 figures (below), and the two modes' currents and times. */
  double *g = malloc(nm * sizeof *g), *vin = malloc(n * sizeof *vin);
  double *col = calloc((16 + 2 * (3 + NGL)) * m, sizeof *col);
  unsigned char *act = malloc(n);
  if (!g || !vin || !col || !act) {
    fprintf(stderr, "sneak_read: out of memory\n");
    goto done;
  }
  double *ga = col, *gi = col + m, *i_id0 = col + 2 * m,
         *i_id1 = col + 3 * m, *t_id = col + 4 * m, *t_lin = col + 5 * m,
         *t_nw = col + 6 * m, *t_glid = col + 7 * m, *work = col + 8 * m;
  mode_result fl, fx, *mr[2] = {&fl, &fx};
  for (int k = 0; k < 2; k++) {
    double *b = col + (16 + (size_t)k * (3 + NGL)) * m;
    *mr[k] = (mode_result){b, b + m, b + 2 * m, b + (2 + NGL) * m};
  }

  xb_device *dev = xb_device_load(o.model, &err);
  if (!dev) {
    fprintf(stderr, "sneak_read: %s\n", err.msg);
    goto done;
  }
  double gmin, gmax;
  xb_device_bounds(dev, &gmin, &gmax);
  const char *devname = xbx_basename(o.model);
  int sinh_iv = xb_device_elec(dev)->iv != 0;
  xb_device_free(dev);

  /* Conductances and the active rows (exactly round(f N), at least one). */
  xbx_uniform_g(g, nm, gmin, gmax, o.seed, STREAM_G);
  size_t nact = xbx_pick_lines(act, n, o.active, o.seed, STREAM_SEL);
  if (!nact) {
    fprintf(stderr, "sneak_read: out of memory\n");
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    vin[i] = o.vread;

  xb_array_params p;
  xb_param_defaults(&xb_array_param_set, &p);
  if (o.rw > 0)
    p.rw_row = p.rw_col = o.rw;
  a = xb_array_create(n, m, &p, &err);
  if (!a || xb_array_set_g(a, g, &err)) {
    fprintf(stderr, "sneak_read: %s\n", err.msg);
    goto done;
  }
  /* Ideal column: no wires, no sneak. */
  double h = 0.5 * (o.v1 - o.v0), mid = 0.5 * (o.v1 + o.v0);
  double lnid = log((o.vread - o.v0) / (o.vread - o.v1));
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++)
      (act[i] ? ga : gi)[j] += g[i * m + j];
  for (size_t j = 0; j < m; j++) {
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
  if (solve_mode(a, &o, vin, act, XB_LINE_FLOAT, &fl, &secs) ||
      solve_mode(a, &o, vin, act, XB_LINE_DRIVE, &fx, &secs))
    goto done;

  /* Per-column figures into work: err0 fl/fx, err1 fl/fx, stretch fl/fx,
   * fixed vs float, check columns. */
  double *e0fl = work, *e0fx = work + m, *e1fl = work + 2 * m,
         *e1fx = work + 3 * m, *sfl = work + 4 * m, *sfx = work + 5 * m,
         *sxf = work + 6 * m, *chk = work + 7 * m;
  double quad = 0, wire = 0;
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
  }
  double e0fl_mx, e0fl_mn, e0fx_mx, e0fx_mn, e1fl_mx, e1fl_mn, e1fx_mx,
      e1fx_mn, sfl_mx, sfl_mn, sfx_mx, sfx_mn, sxf_mx, sxf_mn, sfl_amx,
      sfl_amn;
  stats_abs(e0fl, m, &e0fl_mx, &e0fl_mn);
  stats_abs(e0fx, m, &e0fx_mx, &e0fx_mn);
  stats_abs(e1fl, m, &e1fl_mx, &e1fl_mn);
  stats_abs(e1fx, m, &e1fx_mx, &e1fx_mn);
  stats(sfl, m, &sfl_mx, &sfl_mn);
  stats_abs(sfl, m, &sfl_amx, &sfl_amn);
  stats(sfx, m, &sfx_mx, &sfx_mn);
  stats(sxf, m, &sxf_mx, &sxf_mn);
  double tid_mn, tid_mx, tfl_mn, tfl_mx, tfx_mn, tfx_mx, ga_mn, ga_mx, rho_mn,
      rho_mx;
  stats(t_id, m, &tid_mx, &tid_mn);
  stats(fl.t, m, &tfl_mx, &tfl_mn);
  stats(fx.t, m, &tfx_mx, &tfx_mn);
  stats(ga, m, &ga_mx, &ga_mn);
  for (size_t j = 0; j < m; j++)
    chk[j] = gi[j] / ga[j];
  stats(chk, m, &rho_mx, &rho_mn);
  size_t nfire = 0;
  for (size_t j = 0; j < m; j++)
    nfire += !isfinite(fx.t[j]);

  /* Summary. */
  const xb_array_params *ap = xb_array_params_of(a);
  printf("sneak_read: D.Z read of a %zu x %zu array, seed 000 sec. 2.4.4\n",
         n, m);
  printf("  device      %s, g uniform in [%.4g, %.4g] S (seed %llu)%s\n",
         devname, gmin, gmax, o.seed,
         sinh_iv ? "\n  note        the preset's sinh I-V is not used: "
                   "cells are read as ohmic conductances"
                 : "");
  printf("  wires       Rw %.4g / %.4g Ohm per row / column segment, "
         "r_drive %.3g Ohm, r_sense %.3g Ohm\n",
         ap->rw_row, ap->rw_col, ap->r_drive, ap->r_sense);
  printf("  drive       %zu of %zu rows active at %.4g V; inactive rows "
         "floating or fixed at %.4g V\n",
         nact, n, o.vread, o.vbias);
  printf("  columns     integrate %.4g -> %.4g V on %.4g F; G_active %.3g .. "
         "%.3g S, G_inactive/G_active %.3g .. %.3g\n",
         o.v0, o.v1, o.cap, ga_mn, ga_mx, rho_mn, rho_mx);
  printf("  solves      %d DC solves per mode, %.3f s in all\n", NGL + 2,
         secs);
  printf("  checks      GL-%d vs closed-form ideal charge time: %.1e; fixed "
         "bias solve vs no-wire closed form: max %.2e (the wire effect)\n",
         NGL, quad, wire);
  printf("\n  %-35s %12s %12s %12s\n", "", "ideal", "floating", "fixed bias");
  printf("  %-35s %12s %12.3e %12.3e\n", "|I - I_ideal| / I_ideal at V0, max",
         "-", e0fl_mx, e0fx_mx);
  printf("  %-35s %12s %12.3e %12.3e\n", "|I - I_ideal| / I_ideal at V0, mean",
         "-", e0fl_mn, e0fx_mn);
  printf("  %-35s %12s %12.3e %12.3e\n", "|I - I_ideal| / I_ideal at V1, max",
         "-", e1fl_mx, e1fx_mx);
  printf("  %-35s %12s %12.3e %12.3e\n", "|I - I_ideal| / I_ideal at V1, mean",
         "-", e1fl_mn, e1fx_mn);
  printf("  %-35s %12.4g %12.4g %12.4g\n", "charge time V0 -> V1, mean (ns)",
         tid_mn * 1e9, tfl_mn * 1e9, tfx_mn * 1e9);
  printf("  %-35s %12s %+11.3f%% %+11.3f%%\n", "stretch t / t_ideal - 1, max",
         "-", 100 * sfl_mx, 100 * sfx_mx);
  printf("  %-35s %12s %+11.3f%% %+11.3f%%\n", "stretch t / t_ideal - 1, mean",
         "-", 100 * sfl_mn, 100 * sfx_mn);
  printf("  fixed bias vs floating: charge time +%.2f %% max, +%.2f %% mean "
         "(seed: up to +25 %%)\n", 100 * sxf_mx, 100 * sxf_mn);
  printf("  even the ideal column charges %.2f %% slower than the constant-"
         "current C (V1 - V0) / I(V0),\n  as its cells' voltage falls from "
         "%.3g to %.3g V during the integration\n",
         100 * (t_id[0] / t_lin[0] - 1), o.vread - o.v0, o.vread - o.v1);
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
      n, m, devname, nact, o.vread, o.vbias, o.v0, o.v1, o.cap, ap->rw_row,
      o.seed);
  if (!f)
    goto done;
  for (size_t j = 0; j < m; j++)
    fprintf(f,
            "%zu,%.9e,%.9e,%.6f,%.9e,%.9e,%.9e,%.6e,%.6e,%.9e,%.9e,%.9e,"
            "%.6e,%.6e,%.9e,%.9e,%.9e,%.9e,%.9e,%.6e,%.6e,%.6e\n",
            j, ga[j], gi[j], gi[j] / ga[j], i_id0[j], fl.i_v0[j], fx.i_v0[j],
            e0fl[j], e0fx[j], i_id1[j], fl.i_v1[j], fx.i_v1[j], e1fl[j],
            e1fx[j], t_id[j], t_lin[j], fl.t[j], fx.t[j], t_nw[j], sfl[j],
            sfx[j], sxf[j]);
  xbx_out_plot(out, "sneak_read",
               "vread=%.17g; vbias=%.17g; v0=%.17g; v1=%.17g; nfinite=%zu; "
               "plottitle='Sneak paths in a D.Z read: %zu x %zu %s, %zu "
               "active rows at %g V, Rw %g Ohm'",
               o.vread, o.vbias, o.v0, o.v1, m - nfire, n, m, devname, nact,
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
                   prog.name, n, m, nact, o.seed, o.vread, ap->rw_row,
                   o.cap, sfx_mx, sfx_mn, sfl_mx, sfl_mn, sxf_mx,
                   sxf_mn, e0fx_mx, e0fx_mn, e0fl_mx, e0fl_mn, e1fx_mx,
                   e1fl_mx, tid_mn, tfl_mn, tfx_mn, nfire);
  out = NULL;

done:
  xbx_out_free(out);
  xb_array_free(a);
  free(g);
  free(vin);
  free(col);
  free(act);
  return rc;
}
