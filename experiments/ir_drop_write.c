/*
 * ir_drop_write: IR drop and sneak currents of a parallel V/2 write (seed
 * 000 section 2.4.4: 41.8 nA worst and 15.87 nA mean sneak current, 2 mV
 * IR drop with Rw = 633.8 mOhm per segment).
 *
 * One instant of PARCA's parallel write as a DC problem (Fig. 2.15, 2.17):
 * the selected rows (Z window open) at Vw, the selected columns (r pulse
 * high) at 0, every other line at Vw/2, through r_drive at the lines'
 * default ends, solved exactly (xb_array_bias_write). Lines drawn at
 * random (streams 2 and 3), conductances uniform in the preset's
 * [Gmin, Gmax] (stream 1). Per class (selected: Vw nominal, half-selected:
 * Vw/2, unselected: 0): the IR drop V_cell - V_nom, the current of the
 * cells not being programmed against the useful one, and the cells
 * disturbed or under-programmed (xb_device_rate). Expected (PCMO): the
 * half-selected current is g Vw/2, 6.4-43.5 nA, mean ~25 nA; the IR drop
 * ~0.23 mV at 100 x 100 (~2 mV at 300 x 300); nothing disturbed.
 *
 * Output: <out>/ir_drop_write.csv (one line per cell) and
 * <out>/ir_drop_write.png (plots/ir_drop_write.gp), a summary and a JSON
 * line.
 */
#include <math.h>
#include <stdlib.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define STREAM_G 1        /* rng stream of the conductances */
#define STREAM_SEL_ROW 2  /* rng stream of the selected rows */
#define STREAM_SEL_COL 3  /* rng stream of the selected columns */

static const xbx_prog prog = {
  "ir_drop_write",
  "IR drop and sneak currents of a parallel V/2 write",
  "One instant of PARCA's parallel write as a DC problem: selected rows at "
  "Vw, selected columns at 0, every other line at Vw/2, solved exactly with "
  "the wire resistance, on cells of random conductance. Reported: IR drop, "
  "sneak currents and disturbed cells (seed 000 section 2.4.4: 41.8 nA "
  "worst, 15.87 nA mean sneak, 2 mV IR drop).",
  "ir_drop_write.csv one line per cell, row-major: class, g, voltages, "
  "current\n"
  "ir_drop_write.png plots/ir_drop_write.gp\n"
  "stdout a summary and a final JSON line",
  "ir_drop_write --rows 40 --cols 40 --out /tmp/ir"};

enum cell_class { UNSEL = 0, HALF_ROW = 1, HALF_COL = 2, SEL = 3 };

/* The class of the cell on a row and a column, each selected or not. */
static int cell_class(int row_sel, int col_sel)
{
  return row_sel && col_sel ? SEL : row_sel ? HALF_ROW
                                 : col_sel ? HALF_COL : UNSEL;
}

/* Running figures of one set of cells. */
typedef struct acc {
  size_t n;
  double dv_max;  /* max |V_cell - V_nom| (V) */
  double i_max;   /* max |I| (A) */
  double i_sum;   /* sum |I| (A) */
  double v_min, v_max; /* range of |V_cell| (V) */
} acc;

#define ACC_INIT {0, 0, 0, 0, INFINITY, 0}

static void acc_add(acc *a, double dv, double v, double i)
{
  a->n++;
  a->dv_max = fmax(a->dv_max, fabs(dv));
  a->i_max = fmax(a->i_max, fabs(i));
  a->i_sum += fabs(i);
  a->v_min = fmin(a->v_min, fabs(v));
  a->v_max = fmax(a->v_max, fabs(v));
}

static double acc_mean(const acc *a) { return a->n ? a->i_sum / a->n : NAN; }

int main(int argc, char **argv)
{
  const char *model = XB_SOURCE_DIR "/models/pcmo_park2013.ini";
  const char *outdir = XB_SOURCE_DIR "/plots";
  int rows = 100, cols = 100;
  double frow = 0.2, fcol = 0.5; /* selected fractions */
  double vw_opt = -1, rw = 0.634, rdrive = -1;
  unsigned long long seed = 1;
  XBX_PARSE(prog,
    XBX_STR("model", &model, "FILE", "device preset: [Gmin, Gmax], vw_set"),
    XBX_STR("out", &outdir, "DIR", "output folder"),
    XBX_INT("rows", &rows, "", 1, 4096, "array rows"),
    XBX_INT("cols", &cols, "", 1, 4096, "array columns"),
    XBX_DOUBLE("sel-rows", &frow, "", 1e-9, 1,
               "fraction of rows selected (driven at Vw)"),
    XBX_DOUBLE("sel-cols", &fcol, "", 1e-9, 1,
               "fraction of columns selected (driven at 0)"),
    XBX_DOUBLE("vw", &vw_opt, "V", 1e-3, 100,
               "full write voltage (not set: the preset's vw_set)"),
    XBX_DOUBLE("rw", &rw, "Ohm", 1e-6, 1e9,
               "wire resistance per segment (seed 000 section 2.4.4)"),
    XBX_DOUBLE("rdrive", &rdrive, "Ohm", 1e-6, 1e12,
               "driver output resistance (not set: the array default)"),
    XBX_U64("seed", &seed, "seed of the conductances and the selection"));
  size_t n = (size_t)rows, m = (size_t)cols, nm = n * m;
  int rc = 1;
  xb_err err;
  xb_device *dev = NULL;
  xb_array *a = NULL;
  xbx_out *out = NULL;
  /* Per cell g, V and I; per line the driver voltage and the selection. */
  double *g = malloc((3 * nm + n + m) * sizeof *g);
  double *vc = g + nm, *ic = vc + nm, *vrow = ic + nm, *vcol = vrow + n;
  unsigned char *srow = malloc(n + m), *scol = srow + n;
  if (!g || !srow) {
    fprintf(stderr, "%s: out of memory\n", prog.name);
    goto done;
  }
  if (!(dev = xb_device_load(model, &err)))
    goto fail;
  const xb_elec_params *el = xb_device_elec(dev);
  double gmin, gmax;
  xb_device_bounds(dev, &gmin, &gmax);
  const char *devname = xbx_basename(model);
  double vw = vw_opt > 0 ? vw_opt : el->vw_set;

  xbx_uniform_g(g, nm, gmin, gmax, seed, STREAM_G);
  size_t nsr = xbx_pick_lines(srow, n, frow, seed, STREAM_SEL_ROW);
  size_t nsc = xbx_pick_lines(scol, m, fcol, seed, STREAM_SEL_COL);
  if (!nsr || !nsc) {
    fprintf(stderr, "%s: out of memory\n", prog.name);
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    vrow[i] = srow[i] ? vw : 0.5 * vw;
  for (size_t j = 0; j < m; j++)
    vcol[j] = scol[j] ? 0.0 : 0.5 * vw;

  xb_array_params p;
  xb_param_defaults(&xb_array_param_set, &p);
  p.rw_row = p.rw_col = rw;
  if (rdrive > 0)
    p.r_drive = rdrive;
  a = xb_array_create(n, m, &p, &err);
  if (!a || xb_array_set_g(a, g, &err) ||
      xb_array_bias_write(a, vrow, vcol, &err))
    goto fail;
  xb_solve_stats st;
  xb_array_stats(a, &st);
  xb_array_cell_v(a, vc);
  xb_array_cell_i(a, ic);
  const xb_array_params *ap = xb_array_params_of(a);

  /* Per-class figures. */
  acc cls[4] = {ACC_INIT, ACC_INIT, ACC_INIT, ACC_INIT}, all = ACC_INIT,
      half = ACC_INIT;
  double i_sel = 0, vmin_sel = INFINITY;
  size_t disturbed = 0, under = 0, imin_sel = 0, imax_dv = 0;
  double dvlo = 0, dvhi = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      size_t k = i * m + j;
      int c = cell_class(srow[i], scol[j]);
      double dv = vc[k] - (vrow[i] - vcol[j]);
      imax_dv = fabs(dv) > all.dv_max ? k : imax_dv;
      acc_add(&cls[c], dv, vc[k], ic[k]);
      acc_add(&all, dv, vc[k], ic[k]);
      if (c == HALF_ROW || c == HALF_COL)
        acc_add(&half, dv, vc[k], ic[k]);
      dvlo = fmin(dvlo, dv);
      dvhi = fmax(dvhi, dv);
      double rate = xb_device_rate(dev, vc[k]);
      if (c == SEL) {
        i_sel += ic[k];
        if (vc[k] < vmin_sel) {
          vmin_sel = vc[k];
          imin_sel = k;
        }
        under += fabs(rate) < 1.0;
      } else
        disturbed += rate != 0.0;
    }
  double i_half = half.i_sum;

  printf("%s: V/2 write of a %zu x %zu array, seed 000 sec. 2.4.4\n"
         "  device      %s: g uniform in [%.4g, %.4g] S, seed %llu\n"
         "  drive       Vw %.4g V (%s), r_drive %.4g Ohm, Rw %.4g / %.4g Ohm\n"
         "  selection   %zu of %zu rows at Vw, %zu of %zu columns at 0\n"
         "  cells       %zu selected, %zu + %zu half-selected (rows, columns), "
         "%zu unselected; %d CG iterations\n", prog.name, n, m, devname, gmin,
         gmax, seed, vw, vw_opt > 0 ? "--vw" : "preset vw_set", ap->r_drive,
         ap->rw_row, ap->rw_col, nsr, n, nsc, m, cls[SEL].n, cls[HALF_ROW].n,
         cls[HALF_COL].n, cls[UNSEL].n, st.iterations);
  printf("  IR drop     max %.4g mV at row %zu, col %zu; selected max %.4g mV, "
         "lowest %.6g V at row %zu, col %zu;\n"
         "              half-selected max %.4g mV; unselected max %.4g mV\n",
         1e3 * all.dv_max, imax_dv / m, imax_dv % m, 1e3 * cls[SEL].dv_max,
         vmin_sel, imin_sel / m, imin_sel % m, 1e3 * half.dv_max,
         1e3 * cls[UNSEL].dv_max);
  printf("  sneak       half-selected max %.4g nA, mean %.4g nA; unselected "
         "max %.4g nA\n              total %.4g uA in half-selected vs %.4g uA "
         "in selected cells\n", 1e9 * half.i_max, 1e9 * acc_mean(&half),
         1e9 * cls[UNSEL].i_max, 1e6 * i_half, 1e6 * i_sel);
  printf("  disturb     %zu non-selected cells with a non-zero rate, %zu "
         "selected below the full rate\n", disturbed, under);
  printf("  seed        41.8 nA worst, 15.87 nA mean, 2 mV; here Gmax Vw/2 = "
         "%.4g nA, uniform mean %.4g nA\n", 1e9 * gmax * 0.5 * vw,
         1e9 * 0.5 * (gmin + gmax) * 0.5 * vw);

  out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(
      out, "ir_drop_write.csv",
      "# ir_drop_write: %zu x %zu, %s, Vw %g V, r_drive %g Ohm, Rw %g Ohm, "
      "%zu rows and %zu columns selected, seed %llu\n"
      "# class: 0 unselected, 1 half-selected on a selected row, 2 "
      "half-selected on a selected column, 3 selected; V, A, S\n"
      "row,col,class,g,v_nom,v_cell,dv,i_cell\n",
      n, m, devname, vw, ap->r_drive, ap->rw_row, nsr, nsc, seed);
  if (!f)
    goto done;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      size_t k = i * m + j;
      double vn = vrow[i] - vcol[j];
      fprintf(f, "%zu,%zu,%d,%.9e,%.6g,%.12e,%.6e,%.9e\n", i, j,
              cell_class(srow[i], scol[j]), g[k], vn, vc[k], vc[k] - vn,
              ic[k]);
    }
  xbx_out_plot(out, "ir_drop_write",
               "nrows=%zu; ncols=%zu; nhalf=%zu; vw=%.17g; gmin=%.17g; "
               "gmax=%.17g; dvlo=%.17g; dvhi=%.17g; plottitle='V/2 write, "
               "%zu x %zu %s: %zu rows at Vw = %g V, %zu columns at 0, rest "
               "at Vw/2; Rw %g Ohm, r_drive %g Ohm'",
               n, m, half.n, vw, gmin, gmax, dvlo, dvhi, n, m, devname, nsr,
               vw, nsc, ap->rw_row, ap->r_drive);
  rc = xbx_out_end(out, 0,
                   "experiment=%s rows=%zu cols=%zu sel_rows=%zu "
                   "sel_cols=%zu seed=%llu vw=%.6g rw=%.6g r_drive=%.6g "
                   "gmin=%.6g gmax=%.6g max_ir_drop=%.6g "
                   "max_ir_drop_selected=%.6g min_v_selected=%.6g "
                   "max_ir_drop_half=%.6g max_sneak_half=%.6g "
                   "mean_sneak_half=%.6g max_i_unselected=%.6g "
                   "total_i_half=%.6g total_i_selected=%.6g "
                   "disturbed_cells=%zu underprogrammed_cells=%zu",
                   prog.name, n, m, nsr, nsc, seed, vw, ap->rw_row,
                   ap->r_drive, gmin, gmax, all.dv_max, cls[SEL].dv_max,
                   vmin_sel, half.dv_max, half.i_max, acc_mean(&half),
                   cls[UNSEL].i_max, i_half, i_sel, disturbed, under);
  out = NULL;
  goto done;
fail:
  fprintf(stderr, "%s: %s\n", prog.name, err.msg);
done:
  xbx_out_free(out);
  xb_array_free(a);
  xb_device_free(dev);
  free(g);
  free(srow);
  return rc;
}
