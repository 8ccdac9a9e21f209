/*
 * write_array: one parallel pulse-overlap write of a 100 x 100 array
 * (seed 000 section 2.4.2, Fig. 2.17: the conductance of every device of
 * the array changes through the course of one write).
 *
 * As in PARCA's update dD = -eta r Z^T, row i gets a residual r_i uniform
 * in -15..15 and column j a code Z_j, non-zero with probability --density
 * (~20% active, section 2.4.4), then uniform in 1..16; cells start uniform
 * in [Gmin, Gmax] (streams 1 to 4 of --seed: g, r, Z activity, Z value).
 * xb_write_parallel cuts the write at every waveform edge and solves the
 * array in each slice, so IR drop, sneak paths and the device's threshold
 * act on each cell. The same start is written three times: A the preset
 * device (models/pcmo_parca.ini) through the array, B that device without
 * variation through the array, C the same given each cell's overlap time
 * (xb_write_overlap) as one full-voltage pulse. B - C is what the array
 * does, A - B the cycle-to-cycle noise; dG against a linear device of the
 * same range (overlap / t_pulse (Gmax - Gmin) / levels) shows the PCMO
 * nonlinearity.
 *
 * Output: <out>/write_array.csv (one line per cell) and
 * <out>/write_array.png (plots/write_array.gp), a summary and a JSON line.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define STREAM_G 1
#define STREAM_R 2
#define STREAM_ZACT 3
#define STREAM_ZVAL 4

static const xbx_prog prog = {
  "write_array",
  "one parallel pulse-overlap write of a whole array",
  "Writes random residuals r (one a row) and sparse codes Z (one a column) "
  "into cells of random conductance in one parallel pulse-overlap write, "
  "solved slice by slice through the wires (seed 000 Fig. 2.17); again "
  "without device variation, and again without the array.",
  "write_array.csv one line per cell: r, Z, G before and after, dG of the "
  "three writes and of a linear device, sort ranks\n"
  "write_array.png plots/write_array.gp\n"
  "stdout a summary and a final JSON line",
  "write_array --rows 40 --cols 40 --density 0.5 --out /tmp/wa"};

/* Cells of device d at conductances g (NULL on error). */
static xb_cells *cells_at(const xb_device *d, const double *g, size_t n,
                          uint64_t seed, xb_err *err)
{
  xb_cells *c = xb_cells_create(d, n, seed, err);
  for (size_t k = 0; c && k < n; k++)
    if (xb_cells_set_g(c, k, g[k], err)) {
      xb_cells_free(c);
      c = NULL;
    }
  return c;
}

int main(int argc, char **argv)
{
  const char *model = XB_SOURCE_DIR "/models/pcmo_parca.ini";
  const char *write = XB_SOURCE_DIR "/models/parca_write.ini";
  const char *outdir = XB_SOURCE_DIR "/plots";
  int rows = 100, cols = 100;
  double density = 0.2;
  unsigned long long seed = 1;
  XBX_PARSE(prog,
    XBX_STR("model", &model, "FILE", "device preset"),
    XBX_STR("write", &write, "FILE", "write timing, section [write]"),
    XBX_STR("out", &outdir, "DIR", "output folder"),
    XBX_INT("rows", &rows, "", 1, 2048, "array rows, one r each"),
    XBX_INT("cols", &cols, "", 1, 2048, "array columns, one Z each"),
    XBX_DOUBLE("density", &density, "", 0, 1, "fraction of non-zero Z"),
    XBX_U64("seed", &seed, "seed of the conductances, r and Z"));
  int rc = 1;
  size_t n = (size_t)rows, m = (size_t)cols, nm = n * m;
  xb_err err = {0}; /* code 0 unless a call failed */
  xb_device *dev = NULL, *dev0 = NULL;
  xb_cells *ca = NULL, *cb = NULL, *cc = NULL;
  xb_array *a = NULL;
  xbx_out *out = NULL;
  int *r = malloc(n * sizeof *r), *z = malloc(m * sizeof *z);
  double *g0 = malloc(nm * sizeof *g0);
  xb_write_params p;
  if (!r || !z || !g0) {
    fprintf(stderr, "%s: out of memory\n", prog.name);
    goto done;
  }
  if (xbx_write_timing(write, &p, &err) ||
      !(dev = xb_device_load(model, &err)) ||
      !(dev0 = xb_device_with_variation(dev, NULL, &err)))
    goto done;
  const xb_elec_params *el = xb_device_elec(dev);
  double gmin, gmax, vdd = p.vdd > 0 ? p.vdd : el->vw_set;
  xb_device_bounds(dev, &gmin, &gmax);
  const xb_param_row *lv = xb_param_find(xb_device_type_of(dev)->params,
                                         "levels");
  double levels = lv ? xb_param_get(lv, xb_device_params(dev)) : NAN;
  const char *devname = xbx_basename(model);

  /* Draws. */
  xbx_uniform_g(g0, nm, gmin, gmax, seed, STREAM_G);
  int L = p.r_levels;
  for (size_t i = 0; i < n; i++) {
    int v = (int)floor(xb_rng_uniform(seed, STREAM_R, i) * (2 * L + 1));
    r[i] = (v > 2 * L ? 2 * L : v) - L;
  }
  size_t nz = 0;
  for (size_t j = 0; j < m; j++) {
    z[j] = 0;
    if (xb_rng_uniform(seed, STREAM_ZACT, j) < density) {
      int v = 1 + (int)floor(xb_rng_uniform(seed, STREAM_ZVAL, j) * p.zbits);
      z[j] = v > p.zbits ? p.zbits : v;
      nz++;
    }
  }

  /* A and B through the array; C without it. */
  if (!(ca = cells_at(dev, g0, nm, seed, &err)) ||
      !(cb = cells_at(dev0, g0, nm, seed, &err)) ||
      !(cc = cells_at(dev0, g0, nm, seed, &err)))
    goto done;
  /* The start as the cells hold it (the state round trip of set_g may
   * move the last bits). */
  memcpy(g0, xb_cells_g(cb), nm * sizeof *g0);
  for (size_t k = 0; k < nm; k++)
    if (xb_cells_g(ca)[k] != g0[k] || xb_cells_g(cc)[k] != g0[k]) {
      fprintf(stderr, "%s: cell %zu starts differently in the three "
              "writes\n", prog.name, k);
      goto done;
    }
  xb_write_stats sa, sb;
  if (!(a = xb_array_create(n, m, NULL, &err)) ||
      xb_write_parallel(a, ca, &p, r, z, &sa, &err) ||
      xb_write_parallel(a, cb, &p, r, z, &sb, &err))
    goto done;
  for (size_t k = 0; k < nm; k++) {
    double ov = xb_write_overlap(&p, r[k / m], z[k % m]);
    if (ov != 0 &&
        xb_cells_pulse(cc, k, ov > 0 ? vdd : -vdd, fabs(ov), 1, &err))
      goto done;
  }
  const xb_array_params *ap = xb_array_params_of(a);

  /* Figures. */
  const double *ga = xb_cells_g(ca), *gb = xb_cells_g(cb),
               *gc = xb_cells_g(cc);
  double range = gmax - gmin, arr_max = 0, c2c_max = 0, c2c_sum2 = 0;
  double dg_max = 0, lin_p = 0, lin_d = 0;
  size_t programmed = 0, idle_moved = 0, np = 0, nd = 0, at_bound = 0;
  double step = range / levels / el->t_pulse; /* S/s, linear device */
  for (size_t k = 0; k < nm; k++) {
    double ov = xb_write_overlap(&p, r[k / m], z[k % m]);
    double da = ga[k] - g0[k], db = gb[k] - g0[k];
    arr_max = fmax(arr_max, fabs(gb[k] - gc[k]) / range);
    dg_max = fmax(dg_max, fabs(da));
    if (ov == 0) {
      idle_moved += db != 0;
      continue;
    }
    programmed++;
    c2c_max = fmax(c2c_max, fabs(ga[k] - gb[k]) / range);
    c2c_sum2 += (ga[k] - gb[k]) * (ga[k] - gb[k]) / (range * range);
    int bound = gb[k] == gmin || gb[k] == gmax;
    at_bound += bound;
    if (!bound && ov > 0) {
      lin_p += db / (step * ov);
      np++;
    } else if (!bound) {
      lin_d += db / (step * ov);
      nd++;
    }
  }
  double c2c_rms = programmed ? sqrt(c2c_sum2 / programmed) : 0;
  lin_p = np ? lin_p / np : NAN;
  lin_d = nd ? lin_d / nd : NAN;

  printf("%s: parallel pulse-overlap write of a %zu x %zu array, seed 000 "
         "Fig. 2.17\n"
         "  device      %s: G in [%.4g, %.4g] uS, %g levels, Vw %g V, t_pulse "
         "%g s, c2c %g\n"
         "  write       %s: %d x %.4g ns, Vdd %g V; Rw %g Ohm, r_drive %g Ohm\n"
         "  inputs      r uniform in -%d..%d; Z non-zero in %zu of %zu columns "
         "(density %g), uniform in 1..%d; seed %llu\n", prog.name, n, m,
         devname, 1e6 * gmin, 1e6 * gmax, levels, el->vw_set, el->t_pulse,
         xb_device_variation(dev)->c2c, write, p.reps, 1e9 * p.t_write, vdd,
         ap->rw_row, ap->r_drive, L, L, nz, m, density, p.zbits, seed);
  printf("  run         %d slices, %.3f s; lowest |V| of a fully selected "
         "cell %.6f V, highest of any other %.6f V\n"
         "  cells       %zu programmed, %zu of them ending at a bound; %zu "
         "idle cells moved\n"
         "  array       max |G_array - G_direct| = %.3g of the range "
         "(noise-free device)\n"
         "  c2c         |A - B| max %.3g, rms %.3g of the range\n"
         "  nonlinear   mean dG / dG_linear: potentiation %.3f, depression "
         "%.3f (linear device: 1)\n"
         "  largest |dG| %.4g uS (%.3g of the range)\n", sa.slices,
         sa.seconds, sa.v_full_min, sa.v_half_max, programmed, at_bound,
         idle_moved, arr_max, c2c_max, c2c_rms, lin_p, lin_d, 1e6 * dg_max,
         dg_max / range);

  out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(out, "write_array.csv", "# write_array: %zu x %zu, "
                         "%s, %s, seed %llu; S and s; dg = after - before of "
                         "write A (preset), dg_nonoise of B (no variation), "
                         "dg_direct of C (no array), dg_linear of a linear "
                         "device\nrow,col,r,z,rz,g0,g1,dg,dg_nonoise,"
                         "dg_direct,overlap,dg_linear,row_rank,col_rank\n",
                         n, m, devname, write, seed);
  if (!f)
    goto done;
  for (size_t k = 0; k < nm; k++) {
    size_t i = k / m, j = k % m, ri = 0, cj = 0;
    /* Ranks for the sorted view: rows by r, columns by Z (largest first,
     * ties in index order). */
    for (size_t q = 0; q < n; q++)
      ri += r[q] > r[i] || (r[q] == r[i] && q < i);
    for (size_t q = 0; q < m; q++)
      cj += z[q] > z[j] || (z[q] == z[j] && q < j);
    double ov = xb_write_overlap(&p, r[i], z[j]);
    fprintf(f, "%zu,%zu,%d,%d,%d,%.9e,%.9e,%.6e,%.6e,%.6e,%.6e,%.6e,%zu,%zu\n",
            i, j, r[i], z[j], r[i] * z[j], g0[k], ga[k], ga[k] - g0[k],
            gb[k] - g0[k], gc[k] - g0[k], ov, step * ov, ri, cj);
  }
  xbx_out_plot(out, "write_array",
               "nrows=%zu; ncols=%zu; gmin=%.17g; gmax=%.17g; dgmax=%.17g; "
               "rl=%d; zb=%d; nz=%zu; plottitle='Parallel write of a %zu x "
               "%zu array (seed 000 Fig. 2.17): %s, %d x %.3g ns at %g V, r "
               "in -%d..%d, %zu of %zu Z non-zero; %d slices, %.2f s'",
               n, m, gmin, gmax, dg_max, L, p.zbits, nz, n, m, devname,
               p.reps, 1e9 * p.t_write, vdd, L, L, nz, m, sa.slices,
               sa.seconds);
  rc = xbx_out_end(out, 0,
                   "experiment=%s rows=%zu cols=%zu seed=%llu nonzero_z=%zu "
                   "programmed=%zu at_bound=%zu idle_moved=%zu slices=%d "
                   "seconds=%.6g v_full_min=%.6g v_half_max=%.6g "
                   "array_vs_direct_max=%.6g c2c_max=%.6g c2c_rms=%.6g "
                   "dg_over_linear_ltp=%.6g dg_over_linear_ltd=%.6g "
                   "dg_max=%.6g",
                   prog.name, n, m, seed, nz, programmed, at_bound,
                   idle_moved, sa.slices, sa.seconds, sa.v_full_min,
                   sa.v_half_max, arr_max, c2c_max, c2c_rms, lin_p, lin_d,
                   dg_max);
  out = NULL;
done:
  if (rc && err.code)
    fprintf(stderr, "%s: %s\n", prog.name, err.msg);
  free(r);
  free(z);
  free(g0);
  xb_cells_free(ca);
  xb_cells_free(cb);
  xb_cells_free(cc);
  xb_device_free(dev0);
  xb_device_free(dev);
  xb_array_free(a);
  xbx_out_free(out);
  return rc;
}
