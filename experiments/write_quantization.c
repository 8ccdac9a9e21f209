/*
 * write_quantization: quantization of the pulse-overlap write against the
 * ideal product r Z, for every (r, Z) pair (seed 000 section 2.4.3,
 * Fig. 2.18b: "the digital programming closely follows the theoretical
 * value, while producing the maximum error of 1 bit (out of 16 bits) when
 * both Z and r are small").
 *
 * One parallel write (xb_write_parallel) of a 31 x 17 array holds every
 * pair: row i carries r = i - 15, column j carries Z = j. On an ideal
 * linear device (PARCA's 1 V, 1 ns pulse, 1000 levels, from the middle
 * state) with 1 uOhm wires and drivers, the change of a cell is exactly
 * its programming time times the device's rate, so
 *   programmed r Z = -dG / (dG_1 / t_pulse) / c,  c = |ideal(1, 1)|
 * (xb_write_ideal, 0.25 ns; dG_1 = (Gmax - Gmin) / levels; the sign is
 * PARCA's dD = -eta r Z). The LSB "of 16" is 15 x 16 / 16 = 15 units of
 * r Z. Also: the overlap alone (xb_write_overlap), which must agree with
 * the array to rounding, and with one repetition instead of 4.
 *
 * Output: <out>/write_quantization.csv (one line per (r, Z)) and
 * <out>/write_quantization.png (plots/write_quantization.gp), a summary
 * and a final JSON line.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

#include "exp_util.h"

static const xbx_prog prog = {
  "write_quantization",
  "quantization of the pulse-overlap write against the ideal product r Z",
  "One parallel write of a (2 r_levels + 1) x (zbits + 1) array holds every "
  "(r, Z) pair: row i carries r = i - r_levels, column j carries Z = j. On "
  "an ideal linear device with 1 uOhm wires the change of each cell is its "
  "programming time (the overlap of its row's r pulses with its column's Z "
  "windows), compared with r Z in LSB of 16 (seed 000 Fig. 2.18b: at most 1 "
  "LSB, at small Z and r). Also the overlap alone and with one repetition.",
  "write_quantization.csv one line per (r, Z): ideal, programmed, errors\n"
  "write_quantization.png plots/write_quantization.gp\n"
  "stdout a summary and a final JSON line",
  "write_quantization --out /tmp/wq"};

/* Ideal linear device: PARCA range and pulse, many levels. */
static xb_device *ideal_device(double vw, xb_err *err)
{
  xb_linear_params lp;
  xb_param_defaults(&xb_linear_param_set, &lp);
  lp.gmin = 8e-7 / 6.84;
  lp.gmax = 8e-7;
  lp.levels = 1000;
  xb_elec_params el;
  xb_param_defaults(&xb_elec_param_set, &el);
  el.vw_set = el.vw_reset = vw;
  el.t_pulse = 1e-9;
  return xb_device_create(xb_device_linear, &lp, NULL, &el, NULL, err);
}

int main(int argc, char **argv)
{
  const char *write = XB_SOURCE_DIR "/models/parca_write.ini";
  const char *outdir = XB_SOURCE_DIR "/plots";
  XBX_PARSE(prog,
    XBX_STR("write", &write, "FILE", "write timing, section [write]"),
    XBX_STR("out", &outdir, "DIR", "output folder"));
  int rc = 1;
  xb_err err = {0}; /* code 0 unless a call failed */
  xb_device *dev = NULL;
  xb_cells *cells = NULL;
  xb_array *a = NULL;
  xbx_out *out = NULL;
  int *rv = NULL, *zv = NULL;
  double *g0 = NULL;
  xb_write_params p;
  if (xbx_write_timing(write, &p, &err))
    goto done;
  int L = p.r_levels, Zb = p.zbits;
  size_t n = (size_t)(2 * L + 1), m = (size_t)(Zb + 1), nm = n * m;
  rv = malloc((n + m) * sizeof *rv);
  zv = rv ? rv + n : NULL;
  if (!rv || !(g0 = malloc(nm * sizeof *g0))) {
    fprintf(stderr, "%s: out of memory\n", prog.name);
    goto done;
  }
  for (size_t i = 0; i < n; i++)
    rv[i] = (int)i - L;
  for (size_t j = 0; j < m; j++)
    zv[j] = (int)j;

  double vdd = p.vdd > 0 ? p.vdd : 1.0;
  if (!(dev = ideal_device(vdd, &err)) ||
      !(cells = xb_cells_create(dev, nm, 1, &err)))
    goto done;
  double gmin, gmax;
  xb_device_bounds(dev, &gmin, &gmax);
  xb_cells_reset(cells, 0.5 * (gmin + gmax), NULL);
  memcpy(g0, xb_cells_g(cells), nm * sizeof *g0);
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = ap.r_drive = 1e-6;
  a = xb_array_create(n, m, &ap, &err);
  xb_write_stats st;
  if (!a || xb_write_parallel(a, cells, &p, rv, zv, &st, &err))
    goto done;

  /* Units: c seconds of overlap per unit of r Z; S per second of overlap. */
  double c = fabs(xb_write_ideal(&p, 1, 1));
  double srate = (gmax - gmin) / 1000 / 1e-9;
  double lsb_units = (double)L * Zb / 16; /* 1 LSB of 16, in r Z units */
  xb_write_params p1 = p;
  p1.reps = 1;
  double c1 = fabs(xb_write_ideal(&p1, 1, 1));

  out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(out, "write_quantization.csv",
                         "# write_quantization: %s, ideal linear device, %zu "
                         "x %zu array; products in units of r Z (1 = %.6g s "
                         "of overlap), errors in LSB of 16 (%g units)\n"
                         "r,z,ideal,programmed,overlap,one_rep,err_lsb,"
                         "err_one_lsb,dg\n", write, n, m, c, lsb_units);
  if (!f)
    goto done;
  double max_arr = 0, max_ovl = 0, max_one = 0, max_dev = 0, sum2 = 0;
  double max_small = 0, max_large = 0;
  int r_at = 0, z_at = 0, r1_at = 0, z1_at = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      int r = rv[i], z = zv[j];
      double ideal = (double)r * z;
      double dg = xb_cells_g(cells)[i * m + j] - g0[i * m + j];
      double prog_rz = -dg / srate / c + 0.0;
      double ovl = -xb_write_overlap(&p, r, z) / c + 0.0;
      double one = -xb_write_overlap(&p1, r, z) / c1 + 0.0;
      double e = fabs(prog_rz - ideal) / lsb_units;
      if (e > max_arr) {
        max_arr = e;
        r_at = r;
        z_at = z;
      }
      max_ovl = fmax(max_ovl, fabs(ovl - ideal) / lsb_units);
      if (fabs(one - ideal) / lsb_units > max_one) {
        max_one = fabs(one - ideal) / lsb_units;
        r1_at = r;
        z1_at = z;
      }
      max_dev = fmax(max_dev, fabs(prog_rz - ovl));
      sum2 += e * e;
      /* "small": both |r| and Z in the lower quarter of their ranges */
      if (abs(r) <= L / 4 && z <= Zb / 4)
        max_small = fmax(max_small, e);
      else
        max_large = fmax(max_large, e);
      fprintf(f, "%d,%d,%d,%.9g,%.9g,%.9g,%.6g,%.6g,%.9e\n", r, z, r * z,
              prog_rz, ovl, one, (prog_rz - r * z) / lsb_units,
              (one - r * z) / lsb_units, dg);
    }
  double rms = sqrt(sum2 / (double)nm);

  printf("%s: pulse-overlap write of every (r, Z), seed 000 Fig. 2.18b\n"
         "  timing      %s: T %.4g ns, %d clocks, Z 0..%d, r -%d..%d, %.4g ns "
         "pulses, %d repetitions\n"
         "  array       %zu x %zu, ideal linear device, 1 uOhm wires: %d "
         "slices, %.3g s\n"
         "  unit        r Z = 1 <-> %.4g ns of overlap; 1 LSB of 16 = %g "
         "units\n", prog.name, write, 1e9 * p.t_write, p.clocks, Zb, L, L,
         1e9 * p.t_rpulse, p.reps, n, m, st.slices, st.seconds, 1e9 * c,
         lsb_units);
  printf("  error |programmed - r Z| in LSB of 16:\n"
         "     array write       max %.4f (r %d, Z %d), rms %.4f; max %.3g "
         "units of r Z = %.3f of the %d-level step\n"
         "        |r| <= %d and Z <= %d: max %.4f; elsewhere: max %.4f\n"
         "     overlap only      max %.4f (array vs overlap: %.3g units)\n"
         "     one repetition    max %.4f (r %d, Z %d): 16 levels instead of "
         "%d\n", max_arr, r_at, z_at, rms, max_arr * lsb_units,
         max_arr * lsb_units / ((double)L * Zb / (16 * p.reps)), 16 * p.reps,
         L / 4, Zb / 4, max_small, max_large, max_ovl, max_dev, max_one,
         r1_at, z1_at, 16 * p.reps);
  printf("  seed        max 1 LSB of 16, at small Z and r; here r = 1 fires "
         "at 2, 6, 10, 14 t_clk,\n              so Z = 1, 2 get nothing "
         "(-1, -2 units) and Z = 3 a full pulse (+1)\n");

  xbx_out_plot(out, "write_quantization",
               "rl=%d; zb=%d; lsb=%.17g; reps=%d; maxerr=%.17g; rat=%d; "
               "zat=%d; maxone=%.17g; plottitle='Pulse-overlap write "
               "quantization (seed 000 Fig. 2.18b): %d x %.3g ns, %d clocks, "
               "%.3g ns r pulses, %d repetitions; ideal linear device'",
               L, Zb, lsb_units, p.reps, max_arr, r_at, z_at, max_one, p.reps,
               1e9 * p.t_write, p.clocks, 1e9 * p.t_rpulse, p.reps);
  rc = xbx_out_end(out, 0,
                   "experiment=%s pairs=%zu reps=%d lsb_units=%g "
                   "max_err_lsb=%.6g max_err_units=%.6g max_err_r=%d "
                   "max_err_z=%d rms_err_lsb=%.6g max_err_small_lsb=%.6g "
                   "max_err_large_lsb=%.6g max_err_overlap_only_lsb=%.6g "
                   "array_vs_overlap_units=%.3g max_err_one_rep_lsb=%.6g "
                   "slices=%d seconds=%.4g",
                   prog.name, nm, p.reps, lsb_units, max_arr,
                   max_arr * lsb_units, r_at, z_at, rms, max_small,
                   max_large, max_ovl, max_dev, max_one, st.slices,
                   st.seconds);
  out = NULL;
done:
  xb_cells_free(cells);
  xb_device_free(dev);
  xb_array_free(a);
  xbx_out_free(out);
  free(rv);
  free(g0);
  if (rc && err.code)
    fprintf(stderr, "%s: %s\n", prog.name, err.msg);
  return rc;
}
