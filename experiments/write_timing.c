/*
 * write_timing: the timing diagram of the pulse-overlap write (seed 000
 * section 2.4.1, Fig. 2.15: "the overlap in time between Z and r pulses
 * modulates D"; section 2.3.3, Fig. 2.9, 2.10).
 *
 * One write period (repetition 0) sampled every 10 ps, every trace from
 * the generators of xbar/write.h: clock, write enable, phase; the Z
 * windows (z clocks at the start of each half) and the r pulse trains
 * (|r| pulses in the half of r's sign); for cell A (r 4, Z 8) and cell B
 * (r -4, Z 8) the V/2 row and column voltages (rows 0 during a pulse of
 * the positive half, Vdd of the negative; columns Vdd in the positive
 * window, 0 in the negative; Vdd/2 otherwise), the cell voltage and the
 * exact signed programming time so far (A depresses, B potentiates). A
 * second panel: the r = 4 pulses of every repetition against a Z = 3
 * window, a quarter slot apart, sampling it 4 times finer.
 *
 * Output: <out>/write_timing.csv (one line per sample) and
 * <out>/write_timing.png (plots/write_timing.gp), a summary and a JSON
 * line.
 */
#include <math.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define DT 10e-12   /* s, sample step */
#define TPRE 4e-9   /* s, shown before the write */
#define TPOST 4e-9  /* s, shown after */
#define MAXREP 64

static const int ZS[3] = {16, 8, 3};
static const int RS[4] = {15, 4, -4, -1};
enum { CELL_R_A = 4, CELL_R_B = -4, CELL_Z = 8, REP_R = 4, REP_Z = 3 };

static const xbx_prog prog = {
  "write_timing",
  "timing diagram of the pulse-overlap write",
  "Samples one write period every 10 ps: clock, enable, phase, Z windows, "
  "r pulses, the V/2 voltages and accumulated programming time of two "
  "cells, and the interleaved pulses of the repetitions (seed 000 Fig. "
  "2.15).",
  "write_timing.csv one line per 10 ps sample: logic traces, voltages (V), "
  "programming time (ns)\n"
  "write_timing.png plots/write_timing.gp\n"
  "stdout a summary and a final JSON line",
  "write_timing --vdd 1.2 --out /tmp/wt"};

/* Pulse starts of one r in one repetition, their count and half. */
typedef struct train {
  double st[1024];
  int n, h;
} train;

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

/* Signed programming time of (r, z) in one repetition up to time tt
 * (negative: depression), exact. */
static double prog_until(const xb_write_params *p, const train *t, int r,
                         int z, double tt)
{
  double z0, z1, sum = 0;
  xb_write_z_window(p, z, t->h, &z0, &z1, NULL);
  for (int k = 0; k < t->n; k++) {
    double lo = fmax(t->st[k], z0);
    double hi = fmin(fmin(t->st[k] + p->t_rpulse, z1), tt);
    sum += hi > lo ? hi - lo : 0;
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
  return !z_out(p, z, tt) ? 0.5 * vdd : tt < 0.5 * p->t_write ? vdd : 0.0;
}

int main(int argc, char **argv)
{
  const char *write = XB_SOURCE_DIR "/models/parca_write.ini";
  const char *outdir = XB_SOURCE_DIR "/plots";
  double vdd_opt = 1.0;
  XBX_PARSE(prog,
    XBX_STR("write", &write, "FILE", "write timing, section [write]"),
    XBX_DOUBLE("vdd", &vdd_opt, "V", 1e-3, 100,
               "write voltage when the file gives none"),
    XBX_STR("out", &outdir, "DIR", "output folder"));
  xb_err err;
  xb_write_params p;
  if (xbx_write_timing(write, &p, &err)) {
    fprintf(stderr, "%s: %s\n", prog.name, err.msg);
    return 1;
  }
  double vdd = p.vdd > 0 ? p.vdd : vdd_opt;
  double T = p.t_write, tclk = T / p.clocks;
  if (p.zbits < ZS[0] || p.r_levels < RS[0]) {
    fprintf(stderr, "%s: the diagram needs %s\n", prog.name,
            p.zbits < ZS[0] ? "zbits >= 16" : "r_levels >= 15");
    return 1;
  }
  /* The trains: the r of RS, cells A and B in repetition 0, then REP_R in
   * each repetition. */
  static train tr[6 + MAXREP];
  train *ta = &tr[4], *tb = &tr[5], *trep = &tr[6];
  int nrep = p.reps < MAXREP ? p.reps : MAXREP;
  for (int k = 0; k < 6 + nrep; k++) {
    int r = k < 4 ? RS[k] : k == 4 ? CELL_R_A : k == 5 ? CELL_R_B : REP_R;
    if (xb_write_r_pulses(&p, r, k < 6 ? 0 : k - 6, tr[k].st, 1024, &tr[k].n,
                          &tr[k].h, &err)) {
      fprintf(stderr, "%s: %s\n", prog.name, err.msg);
      return 1;
    }
  }

  double pa = prog_until(&p, ta, CELL_R_A, CELL_Z, T);
  double pb = prog_until(&p, tb, CELL_R_B, CELL_Z, T);
  double pa_all = xb_write_overlap(&p, CELL_R_A, CELL_Z);
  double pb_all = xb_write_overlap(&p, CELL_R_B, CELL_Z);
  double ia = xb_write_ideal(&p, CELL_R_A, CELL_Z);
  double ib = xb_write_ideal(&p, CELL_R_B, CELL_Z);
  double irep = xb_write_ideal(&p, REP_R, REP_Z), prep[MAXREP], prep_sum = 0;
  for (int q = 0; q < nrep; q++)
    prep_sum += prep[q] = prog_until(&p, &trep[q], REP_R, REP_Z, T);
  double za0, za1;
  xb_write_z_window(&p, REP_Z, 0, &za0, &za1, NULL);

  printf("%s: timing diagram of the pulse-overlap write, seed 000 Fig. "
         "2.15\n  timing      %s: T %.4g ns, %d clocks of %.4g ns, %.4g ns r "
         "pulses, %d repetitions, Vdd %g V\n", prog.name, write, 1e9 * T,
         p.clocks, 1e9 * tclk, 1e9 * p.t_rpulse, p.reps, vdd);
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
  printf("  cell A      r %d, Z %d: %.4g ns in this period (depression), "
         "%.4g ns in all, ideal %.4g ns\n  cell B      r %d, Z %d: %.4g ns "
         "(potentiation), %.4g ns in all, ideal %.4g ns\n", CELL_R_A, CELL_Z,
         1e9 * pa, 1e9 * pa_all, 1e9 * ia, CELL_R_B, CELL_Z, 1e9 * pb,
         1e9 * pb_all, 1e9 * ib);
  printf("  interleave  r %d, Z %d: per repetition", REP_R, REP_Z);
  for (int q = 0; q < nrep; q++)
    printf(" %.4g", -1e9 * prep[q]);
  printf(" ns; sum %.4g ns, ideal %.4g ns\n", -1e9 * prep_sum, -1e9 * irep);

  xbx_out *out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(out, "write_timing.csv", "# write_timing: "
                         "repetition 0 of %s, Vdd %g V, sampled every %g s; "
                         "logic 0/1, voltages in V, programming time in ns "
                         "(signed)\nt_ns,clk,we,pn", write, vdd, DT);
  if (!f) {
    xbx_out_free(out);
    return 1;
  }
  for (int k = 0; k < 3; k++)
    fprintf(f, ",z%d", ZS[k]);
  for (int k = 0; k < 4; k++)
    fprintf(f, ",r%d", RS[k]);
  fprintf(f, ",vrow_a,vcol,vcell_a,prog_a,vrow_b,vcell_b,prog_b");
  for (int q = 0; q < nrep; q++)
    fprintf(f, ",rep%d", q);
  fprintf(f, ",zrep\n");
  long ns = lround((T + TPRE + TPOST) / DT);
  for (long s = 0; s <= ns; s++) {
    double t = -TPRE + s * DT, tt = t + 0.5 * DT * 1e-6; /* inside a step */
    int on = t >= 0 && t < T;
    int clk = on && fmod(tt, tclk) < 0.5 * tclk;
    fprintf(f, "%.5f,%d,%d,%d", 1e9 * t, clk, on, on && tt >= 0.5 * T);
    for (int k = 0; k < 3; k++)
      fprintf(f, ",%d", on && z_out(&p, ZS[k], tt));
    for (int k = 0; k < 4; k++)
      fprintf(f, ",%d", on && in_train(&p, &tr[k], tt));
    double tc = fmin(fmax(t, 0), T);
    double vra = on ? v_row(&p, ta, vdd, tt) : 0.5 * vdd;
    double vrb = on ? v_row(&p, tb, vdd, tt) : 0.5 * vdd;
    double vc = on ? v_col(&p, CELL_Z, vdd, tt) : 0.5 * vdd;
    fprintf(f, ",%.4f,%.4f,%.4f,%.6f,%.4f,%.4f,%.6f", vra, vc, vra - vc,
            1e9 * prog_until(&p, ta, CELL_R_A, CELL_Z, tc), vrb, vrb - vc,
            1e9 * prog_until(&p, tb, CELL_R_B, CELL_Z, tc));
    for (int q = 0; q < nrep; q++)
      fprintf(f, ",%d", on && in_train(&p, &trep[q], tt));
    fprintf(f, ",%d\n", on && tt >= za0 && tt < za1);
  }
  xbx_out_plot(out, "write_timing",
               "T=%.17g; vdd=%.17g; nrep=%d; za1=%.17g; pa=%.17g; pb=%.17g; "
               "prep=%.17g; irep=%.17g; ra=%d; rb=%d; zc=%d; rrep=%d; "
               "zrep=%d; plottitle='Pulse-overlap write timing (seed 000 "
               "Fig. 2.15): one %.4g ns period, %d clocks, %.3g ns r pulses, "
               "Vdd %g V'",
               1e9 * T, vdd, nrep, 1e9 * za1, 1e9 * pa, 1e9 * pb,
               -1e9 * prep_sum, -1e9 * irep, CELL_R_A, CELL_R_B, CELL_Z,
               REP_R, REP_Z, 1e9 * T, p.clocks, 1e9 * p.t_rpulse, vdd);
  return xbx_out_end(out, 0,
                     "experiment=%s t_write=%.6g t_clk=%.6g reps=%d vdd=%g "
                     "cell_a_r=%d cell_a_z=%d cell_a_period=%.6g "
                     "cell_a_total=%.6g cell_a_ideal=%.6g cell_b_r=%d "
                     "cell_b_z=%d cell_b_period=%.6g cell_b_total=%.6g "
                     "cell_b_ideal=%.6g rep_r=%d rep_z=%d rep_total=%.6g "
                     "rep_ideal=%.6g",
                     prog.name, T, tclk, p.reps, vdd, CELL_R_A, CELL_Z, pa,
                     pa_all, ia, CELL_R_B, CELL_Z, pb, pb_all, ib, REP_R,
                     REP_Z, prep_sum, irep);
}
