/*
 * write_timing: the timing diagram of the pulse-overlap write (seed 000
 * section 2.4.1, Fig. 2.15: "the overlap in time between Z and r pulses
 * modulates D"; section 2.3.3, Fig. 2.9, 2.10).
 *
 * Traces of one write period (repetition 0, 84 ns), all from the
 * generators of xbar/write.h (xb_write_z_window, xb_write_r_pulses):
 *   CLK     the 32 clock cycles of the period (t_clk = 2.625 ns);
 *   WE, PN  write enable and the phase (0: positive half, 1: negative);
 *   Z = z   shift-register output: high during the window of z clocks at
 *           the start of each half;
 *   r = r   pulse-generator output: |r| pulses of 1 ns spread over the
 *           half selected by the sign of r;
 *   cells   for cell A (r = 4, Z = 8) and cell B (r = -4, Z = 8): the
 *           row and column voltages of the V/2 scheme (rows 0 V per pulse
 *           in the positive half and Vdd in the negative half; columns Vdd
 *           in the positive window and 0 V in the negative one; Vdd/2
 *           otherwise), the cell voltage V_row - V_col with the step
 *           threshold +-0.75 Vdd, and the programming time accumulated so
 *           far with its sign (the change of D: A depresses in the
 *           positive half, B potentiates in the negative half).
 * A second panel overlays the r = 4 pulses of the 4 repetitions on the
 * positive half with a Z = 3 window: the repetitions place their pulses a
 * quarter slot apart, so together they sample the window 4 times finer
 * (64 levels instead of 16).
 *
 * The traces are sampled every 10 ps (edges are exact at that grid only
 * to 10 ps; the accumulated overlap is computed exactly from the pulse
 * and window times). Vdd: --vdd (default 1 V, PARCA).
 *
 * Output: <out>/write_timing.csv and <out>/write_timing.png
 * (plots/write_timing.gp), a summary and a final one-line JSON.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "write_timing"
#define DT 10e-12   /* s, sample step */
#define TPRE 4e-9   /* s, shown before the write */
#define TPOST 4e-9  /* s, shown after */

static const int ZS[3] = {16, 8, 3};
static const int RS[4] = {15, 4, -4, -1};
enum { CELL_R_A = 4, CELL_R_B = -4, CELL_Z = 8, REP_R = 4, REP_Z = 3 };

typedef struct options {
  const char *write, *out, *gp;
  double vdd;
} options;

static void usage(FILE *f)
{
  fprintf(f,
    "usage: " PROG " [options]\n"
    "  --write FILE   write timing [write] (default models/parca_write.ini)\n"
    "  --vdd V        write voltage when the file gives none (default 1)\n"
    "  --out DIR      output folder (default plots)\n"
    "  -h, --help     this text\n");
}

static int parse(int argc, char **argv, options *o)
{
  o->write = XB_SOURCE_DIR "/models/parca_write.ini";
  o->out = XB_SOURCE_DIR "/plots";
  o->gp = XB_SOURCE_DIR "/plots/write_timing.gp";
  o->vdd = 1.0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    if (strcmp(a, "--write") && strcmp(a, "--out") && strcmp(a, "--vdd")) {
      fprintf(stderr, PROG ": unknown argument: %s\n", a);
      usage(stderr);
      return -1;
    }
    if (!v) {
      fprintf(stderr, PROG ": %s needs a value\n", a);
      return -1;
    }
    i++;
    if (!strcmp(a, "--write"))
      o->write = v;
    else if (!strcmp(a, "--out"))
      o->out = v;
    else if (!xbx_parse_double(v, 1e-3, 100, &o->vdd)) {
      fprintf(stderr, PROG ": bad value for --vdd: '%s' (want volts in "
              "[1e-3, 100])\n", v);
      return -1;
    }
  }
  return 0;
}

/* Pulse starts of r in repetition q (at most 1024), their count and half. */
typedef struct train {
  double st[1024];
  int n, h;
} train;

static int get_train(const xb_write_params *p, int r, int q, train *t,
                     xb_err *err)
{
  return xb_write_r_pulses(p, r, q, t->st, 1024, &t->n, &t->h, err);
}

static int in_train(const xb_write_params *p, const train *t, double tt)
{
  for (int k = 0; k < t->n; k++)
    if (tt >= t->st[k] && tt < t->st[k] + p->t_rpulse)
      return 1;
  return 0;
}

/* Z output (1/0) at time tt of the write. */
static int z_out(const xb_write_params *p, int z, double tt)
{
  for (int h = 0; h < 2; h++) {
    double t0, t1;
    xb_write_z_window(p, z, h, &t0, &t1, NULL);
    if (tt >= t0 && tt < t1)
      return 1;
  }
  return 0;
}

/* Signed programming time of (r, z) in repetition q up to time tt
 * (negative: depression), exact. */
static double prog_until(const xb_write_params *p, const train *t, int r,
                         int z, double tt)
{
  double z0, z1, sum = 0;
  xb_write_z_window(p, z, t->h, &z0, &z1, NULL);
  for (int k = 0; k < t->n; k++) {
    double lo = fmax(t->st[k], z0), hi = fmin(fmin(t->st[k] + p->t_rpulse, z1), tt);
    if (hi > lo)
      sum += hi - lo;
  }
  return r > 0 ? -sum : sum;
}

/* Line voltages of the V/2 scheme at time tt (inside the write). */
static double v_row(const xb_write_params *p, const train *t, double vdd,
                    double tt)
{
  return in_train(p, t, tt) ? (t->h ? vdd : 0.0) : 0.5 * vdd;
}

static double v_col(const xb_write_params *p, int z, double vdd, double tt)
{
  if (!z_out(p, z, tt))
    return 0.5 * vdd;
  return tt < 0.5 * p->t_write ? vdd : 0.0;
}

int main(int argc, char **argv)
{
  options o;
  if (parse(argc, argv, &o))
    return 2;
  xb_err err;
  xb_write_params p;
  xb_param_defaults(&xb_write_param_set, &p);
  if (xb_param_read(&xb_write_param_set, &p, o.write, NULL, &err) ||
      xb_param_check(&xb_write_param_set, &p, &err)) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    return 1;
  }
  double vdd = p.vdd > 0 ? p.vdd : o.vdd;
  double T = p.t_write, tclk = T / p.clocks;
  for (int k = 0; k < 3; k++)
    if (ZS[k] > p.zbits) {
      fprintf(stderr, PROG ": the diagram needs zbits >= 16\n");
      return 1;
    }
  if (p.r_levels < 15) {
    fprintf(stderr, PROG ": the diagram needs r_levels >= 15\n");
    return 1;
  }
  train tr[4], ta, tb, trep[64];
  for (int k = 0; k < 4; k++)
    if (get_train(&p, RS[k], 0, &tr[k], &err)) {
      fprintf(stderr, PROG ": %s\n", err.msg);
      return 1;
    }
  int nrep = p.reps < 64 ? p.reps : 64;
  if (get_train(&p, CELL_R_A, 0, &ta, &err) ||
      get_train(&p, CELL_R_B, 0, &tb, &err)) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    return 1;
  }
  for (int q = 0; q < nrep; q++)
    if (get_train(&p, REP_R, q, &trep[q], &err)) {
      fprintf(stderr, PROG ": %s\n", err.msg);
      return 1;
    }

  /* Figures for the summary. */
  double pa = prog_until(&p, &ta, CELL_R_A, CELL_Z, T);
  double pb = prog_until(&p, &tb, CELL_R_B, CELL_Z, T);
  double pa_all = xb_write_overlap(&p, CELL_R_A, CELL_Z);
  double pb_all = xb_write_overlap(&p, CELL_R_B, CELL_Z);
  double ia = xb_write_ideal(&p, CELL_R_A, CELL_Z);
  double ib = xb_write_ideal(&p, CELL_R_B, CELL_Z);
  double prep[64], prep_sum = 0;
  for (int q = 0; q < nrep; q++) {
    prep[q] = prog_until(&p, &trep[q], REP_R, REP_Z, T);
    prep_sum += prep[q];
  }
  double irep = xb_write_ideal(&p, REP_R, REP_Z);
  double za0, za1;
  xb_write_z_window(&p, REP_Z, 0, &za0, &za1, NULL);

  printf(PROG ": timing diagram of the pulse-overlap write, seed 000 Fig. "
         "2.15\n");
  printf("  timing      %s: T %.4g ns (halves of %.4g ns), %d clocks of "
         "%.4g ns, %.4g ns r pulses, %d repetitions, Vdd %g V\n",
         o.write, 1e9 * T, 0.5e9 * T, p.clocks, 1e9 * tclk,
         1e9 * p.t_rpulse, p.reps, vdd);
  for (int k = 0; k < 4; k++) {
    printf("  r = %-3d     pulses at", RS[k]);
    for (int i = 0; i < tr[k].n; i++)
      printf(" %.4g", 1e9 * tr[k].st[i]);
    printf(" ns (half %d)\n", tr[k].h);
  }
  for (int k = 0; k < 3; k++) {
    double t0, t1;
    xb_write_z_window(&p, ZS[k], 0, &t0, &t1, NULL);
    printf("  Z = %-3d     windows [0, %.4g) and [%.4g, %.4g) ns\n", ZS[k],
           1e9 * t1, 0.5e9 * T, 1e9 * (0.5 * T + t1 - t0));
  }
  printf("  cell A      r %d, Z %d: %.4g ns programmed in this period "
         "(depression), %.4g ns over %d repetitions, ideal %.4g ns\n",
         CELL_R_A, CELL_Z, 1e9 * pa, 1e9 * pa_all, p.reps, 1e9 * ia);
  printf("  cell B      r %d, Z %d: %.4g ns (potentiation), %.4g ns over %d "
         "repetitions, ideal %.4g ns\n",
         CELL_R_B, CELL_Z, 1e9 * pb, 1e9 * pb_all, p.reps, 1e9 * ib);
  printf("  interleave  r %d, Z %d: per repetition", REP_R, REP_Z);
  for (int q = 0; q < nrep; q++)
    printf(" %.4g", -1e9 * prep[q]);
  printf(" ns; sum %.4g ns, ideal %.4g ns\n", -1e9 * prep_sum, -1e9 * irep);

  if (mkdir(o.out, 0777) && errno != EEXIST) {
    fprintf(stderr, PROG ": cannot create %s: %s\n", o.out, strerror(errno));
    return 1;
  }
  char csv[1024], png[1024];
  if (snprintf(csv, sizeof csv, "%s/" PROG ".csv", o.out) >= (int)sizeof csv ||
      snprintf(png, sizeof png, "%s/" PROG ".png", o.out) >= (int)sizeof png) {
    fprintf(stderr, PROG ": output path too long\n");
    return 1;
  }
  xbx_file *f = xbx_file_open(csv);
  if (!f)
    return 1;
  fprintf(f->fp,
          "# " PROG ": repetition 0 of %s, Vdd %g V, sampled every %g s; "
          "logic 0/1, voltages in V, programming time in ns (signed)\n",
          o.write, vdd, DT);
  fprintf(f->fp, "t_ns,clk,we,pn");
  for (int k = 0; k < 3; k++)
    fprintf(f->fp, ",z%d", ZS[k]);
  for (int k = 0; k < 4; k++)
    fprintf(f->fp, ",r%d", RS[k]);
  fprintf(f->fp, ",vrow_a,vcol,vcell_a,prog_a,vrow_b,vcell_b,prog_b");
  for (int q = 0; q < nrep; q++)
    fprintf(f->fp, ",rep%d", q);
  fprintf(f->fp, ",zrep\n");
  long ns = lround((T + TPRE + TPOST) / DT);
  for (long s = 0; s <= ns; s++) {
    double t = -TPRE + s * DT, tt = t + 0.5 * DT * 1e-6; /* inside a step */
    int on = t >= 0 && t < T;
    int clk = on && fmod(tt, tclk) < 0.5 * tclk;
    fprintf(f->fp, "%.5f,%d,%d,%d", 1e9 * t, clk, on, on && tt >= 0.5 * T);
    for (int k = 0; k < 3; k++)
      fprintf(f->fp, ",%d", on && z_out(&p, ZS[k], tt));
    for (int k = 0; k < 4; k++)
      fprintf(f->fp, ",%d", on && in_train(&p, &tr[k], tt));
    double vra = on ? v_row(&p, &ta, vdd, tt) : 0.5 * vdd;
    double vrb = on ? v_row(&p, &tb, vdd, tt) : 0.5 * vdd;
    double vc = on ? v_col(&p, CELL_Z, vdd, tt) : 0.5 * vdd;
    double ca = prog_until(&p, &ta, CELL_R_A, CELL_Z, fmin(fmax(t, 0), T));
    double cb = prog_until(&p, &tb, CELL_R_B, CELL_Z, fmin(fmax(t, 0), T));
    fprintf(f->fp, ",%.4f,%.4f,%.4f,%.6f,%.4f,%.4f,%.6f", vra, vc, vra - vc,
            1e9 * ca, vrb, vrb - vc, 1e9 * cb);
    for (int q = 0; q < nrep; q++)
      fprintf(f->fp, ",%d", on && in_train(&p, &trep[q], tt));
    fprintf(f->fp, ",%d\n", on && tt >= za0 && tt < za1);
  }
  if (xbx_file_commit(f))
    return 1;
  char vars[2048];
  snprintf(vars, sizeof vars,
           "csv='%s'; T=%.17g; vdd=%.17g; nrep=%d; za1=%.17g; "
           "pa=%.17g; pb=%.17g; prep=%.17g; irep=%.17g; ra=%d; rb=%d; "
           "zc=%d; rrep=%d; zrep=%d; plottitle='Pulse-overlap write timing "
           "(seed 000 Fig. 2.15): one %.4g ns period, %d clocks, %.3g ns r "
           "pulses, Vdd %g V'",
           csv, 1e9 * T, vdd, nrep, 1e9 * za1, 1e9 * pa, 1e9 * pb,
           -1e9 * prep_sum, -1e9 * irep, CELL_R_A, CELL_R_B, CELL_Z, REP_R,
           REP_Z, 1e9 * T, p.clocks, 1e9 * p.t_rpulse, vdd);
  if (xbx_gnuplot(o.gp, vars, png))
    return 1;
  printf("\nwrote %s\nwrote %s\n", csv, png);
  printf("{\"experiment\":\"" PROG "\",\"t_write\":%.6g,\"t_clk\":%.6g,"
         "\"reps\":%d,\"vdd\":%g,\"cell_a_r\":%d,\"cell_a_z\":%d,"
         "\"cell_a_period\":%.6g,\"cell_a_total\":%.6g,\"cell_a_ideal\":%.6g,"
         "\"cell_b_r\":%d,\"cell_b_z\":%d,\"cell_b_period\":%.6g,"
         "\"cell_b_total\":%.6g,\"cell_b_ideal\":%.6g,\"rep_r\":%d,"
         "\"rep_z\":%d,\"rep_total\":%.6g,\"rep_ideal\":%.6g}\n",
         T, tclk, p.reps, vdd, CELL_R_A, CELL_Z, pa, pa_all, ia, CELL_R_B,
         CELL_Z, pb, pb_all, ib, REP_R, REP_Z, prep_sum, irep);
  return 0;
}
