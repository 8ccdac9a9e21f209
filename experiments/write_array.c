/*
 * write_array: one parallel pulse-overlap write of a 100 x 100 array
 * (seed 000 section 2.4.2, Fig. 2.17: "the write operation for the entire
 * array ... where the conductance of the corresponding RRAM device in the
 * array is shown to change through the course of the simulation").
 *
 * Setup, as in PARCA's dictionary update dD = -eta r Z^T: every row gets a
 * residual r_i drawn uniformly from -15..15, every column a code Z_j that
 * is non-zero with probability 0.2 (sparse coding; section 2.4.4: ~20% of
 * the lines active) and then uniform in 1..16. Cells start uniform in
 * [Gmin, Gmax]. Device: models/pcmo_parca.ini (PCMO curve, Eq. 2.1/2.2,
 * 1 V, 1 ns per pulse, c2c 0.5%); timing: models/parca_write.ini (84 ns,
 * 32 clocks, 15 r levels, 4 repetitions); wires: the array defaults
 * (0.634 Ohm per segment, 1 Ohm drivers). xb_write_parallel cuts the
 * write at every waveform edge and solves the array in each slice, so IR
 * drop, sneak currents and the device's threshold all act on each cell.
 * Random draws: streams 1 (conductances, by cell), 2 (r, by row), 3 (Z
 * activity, by column), 4 (Z value, by column) of --seed.
 *
 * Three writes of the same start:
 *   A  the preset device through the array (the figure);
 *   B  the same device without variation through the array;
 *   C  the device without variation, each cell given its overlap time
 *      (xb_write_overlap) as one pulse at the full voltage, no array.
 * B - C is what the array (IR drop, sneak paths, half-select disturb)
 * does to the write; A - B is the cycle-to-cycle noise. Also reported:
 * the slices, wall time, the lowest voltage of a fully selected cell and
 * the highest of any other, and dG against a linear device of the same
 * range (dG_lin = overlap / t_pulse (Gmax - Gmin) / levels), which shows
 * the PCMO nonlinearity: potentiation steps shrink toward Gmax,
 * depression steps toward Gmin.
 *
 * Output: <out>/write_array.csv (one line per cell) and
 * <out>/write_array.png (plots/write_array.gp: G before, G after, dG with
 * rows sorted by r and columns by Z, dG vs r Z), a summary and a final
 * one-line JSON.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "write_array"
#define STREAM_G 1
#define STREAM_R 2
#define STREAM_ZACT 3
#define STREAM_ZVAL 4

typedef struct options {
  const char *model, *write, *out, *gp;
  int rows, cols;
  double density;
  unsigned long long seed;
} options;

static void usage(FILE *f)
{
  fprintf(f,
    "usage: " PROG " [options]\n"
    "  --model FILE    device preset (default models/pcmo_parca.ini)\n"
    "  --write FILE    write timing [write] (default models/parca_write.ini)\n"
    "  --out DIR       output folder (default plots)\n"
    "  --rows N        array rows, one r each (default 100)\n"
    "  --cols N        array columns, one Z each (default 100)\n"
    "  --density F     fraction of non-zero Z, 0 <= F <= 1 (default 0.2)\n"
    "  --seed S        random seed (default 1)\n"
    "  -h, --help      this text\n");
}

static int parse(int argc, char **argv, options *o)
{
  o->model = XB_SOURCE_DIR "/models/pcmo_parca.ini";
  o->write = XB_SOURCE_DIR "/models/parca_write.ini";
  o->out = XB_SOURCE_DIR "/plots";
  o->gp = XB_SOURCE_DIR "/plots/write_array.gp";
  o->rows = o->cols = 100;
  o->density = 0.2;
  o->seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    static const char *known[] = {"--model", "--write", "--out", "--rows",
                                  "--cols", "--density", "--seed"};
    int found = 0;
    for (size_t k = 0; k < sizeof known / sizeof *known; k++)
      found |= !strcmp(a, known[k]);
    if (!found || !v) {
      fprintf(stderr, PROG ": %s: %s\n", a,
              found ? "needs a value" : "unknown argument");
      usage(stderr);
      return -1;
    }
    i++;
    int ok = 1;
    const char *want = "";
    if (!strcmp(a, "--model"))
      o->model = v;
    else if (!strcmp(a, "--write"))
      o->write = v;
    else if (!strcmp(a, "--out"))
      o->out = v;
    else if (!strcmp(a, "--rows"))
      ok = xbx_parse_int(v, 1, 2048, &o->rows), want = "an integer in [1, 2048]";
    else if (!strcmp(a, "--cols"))
      ok = xbx_parse_int(v, 1, 2048, &o->cols), want = "an integer in [1, 2048]";
    else if (!strcmp(a, "--density"))
      ok = xbx_parse_double(v, 0.0, 1.0, &o->density), want = "a fraction in [0, 1]";
    else /* --seed */
      ok = xbx_parse_u64(v, &o->seed), want = "an unsigned 64-bit integer";
    if (!ok) {
      fprintf(stderr, PROG ": bad value for %s: '%s' (want %s)\n", a, v,
              want);
      return -1;
    }
  }
  return 0;
}

/* Cells of device d at conductances g. NULL (message printed) on error. */
static xb_cells *cells_at(const xb_device *d, const double *g, size_t n,
                          unsigned long long seed)
{
  xb_err err;
  xb_cells *c = xb_cells_create(d, n, seed, &err);
  for (size_t k = 0; c && k < n; k++)
    if (xb_cells_set_g(c, k, g[k], &err)) {
      xb_cells_free(c);
      c = NULL;
    }
  if (!c)
    fprintf(stderr, PROG ": %s\n", err.msg);
  return c;
}

static void json_num(const char *key, double v, int last)
{
  if (isfinite(v))
    printf("\"%s\":%.6g%s", key, v, last ? "" : ",");
  else
    printf("\"%s\":null%s", key, last ? "" : ",");
}

int main(int argc, char **argv)
{
  options o;
  if (parse(argc, argv, &o))
    return 2;
  size_t n = (size_t)o.rows, m = (size_t)o.cols, nm = n * m;
  int rc = 1;
  xb_err err;
  xb_device *dev = NULL, *dev0 = NULL;
  xb_cells *ca = NULL, *cb = NULL, *cc = NULL;
  xb_array *a = NULL;
  xbx_file *f = NULL;
  int *r = malloc(n * sizeof *r), *z = malloc(m * sizeof *z);
  double *g0 = malloc(nm * sizeof *g0);
  if (!r || !z || !g0) {
    fprintf(stderr, PROG ": out of memory\n");
    goto done;
  }

  xb_write_params p;
  xb_param_defaults(&xb_write_param_set, &p);
  if (xb_param_read(&xb_write_param_set, &p, o.write, NULL, &err) ||
      xb_param_check(&xb_write_param_set, &p, &err) ||
      !(dev = xb_device_load(o.model, &err)) ||
      !(dev0 = xb_device_with_variation(dev, NULL, &err))) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    goto done;
  }
  const xb_elec_params *el = xb_device_elec(dev);
  double gmin, gmax, vdd = p.vdd > 0 ? p.vdd : el->vw_set;
  xb_device_bounds(dev, &gmin, &gmax);
  const xb_param_row *lv = xb_param_find(xb_device_type_of(dev)->params,
                                         "levels");
  double levels = lv ? xb_param_get(lv, xb_device_params(dev)) : NAN;
  const char *devname = strrchr(o.model, '/') ? strrchr(o.model, '/') + 1
                                              : o.model;

  /* Draws. */
  for (size_t k = 0; k < nm; k++)
    g0[k] = gmin + (gmax - gmin) * xb_rng_uniform(o.seed, STREAM_G, k);
  for (size_t i = 0; i < n; i++) {
    int v = (int)floor(xb_rng_uniform(o.seed, STREAM_R, i) *
                       (2 * p.r_levels + 1));
    r[i] = (v > 2 * p.r_levels ? 2 * p.r_levels : v) - p.r_levels;
  }
  size_t nz = 0;
  for (size_t j = 0; j < m; j++) {
    z[j] = 0;
    if (xb_rng_uniform(o.seed, STREAM_ZACT, j) < o.density) {
      int v = 1 + (int)floor(xb_rng_uniform(o.seed, STREAM_ZVAL, j) * p.zbits);
      z[j] = v > p.zbits ? p.zbits : v;
      nz++;
    }
  }

  /* A and B through the array; C without it. */
  if (!(ca = cells_at(dev, g0, nm, o.seed)) ||
      !(cb = cells_at(dev0, g0, nm, o.seed)) ||
      !(cc = cells_at(dev0, g0, nm, o.seed)))
    goto done;
  /* The start as the cells hold it (the state round trip of set_g may
   * move the last bits). */
  memcpy(g0, xb_cells_g(cb), nm * sizeof *g0);
  for (size_t k = 0; k < nm; k++)
    if (xb_cells_g(ca)[k] != g0[k] || xb_cells_g(cc)[k] != g0[k]) {
      fprintf(stderr, PROG ": cell %zu starts differently in the three "
              "writes\n", k);
      goto done;
    }
  a = xb_array_create(n, m, NULL, &err);
  xb_write_stats sa, sb;
  if (!a || xb_write_parallel(a, ca, &p, r, z, &sa, &err) ||
      xb_write_parallel(a, cb, &p, r, z, &sb, &err)) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    goto done;
  }
  for (size_t k = 0; k < nm; k++) {
    double ov = xb_write_overlap(&p, r[k / m], z[k % m]);
    if (ov != 0 &&
        xb_cells_pulse(cc, k, ov > 0 ? vdd : -vdd, fabs(ov), 1, &err)) {
      fprintf(stderr, PROG ": %s\n", err.msg);
      goto done;
    }
  }
  const xb_array_params *ap = xb_array_params_of(a);

  /* Figures. */
  const double *ga = xb_cells_g(ca), *gb = xb_cells_g(cb),
               *gc = xb_cells_g(cc);
  double range = gmax - gmin, arr_max = 0, c2c_max = 0, c2c_sum2 = 0;
  double dg_max = 0, lin_ratio_p = 0, lin_ratio_d = 0;
  size_t programmed = 0, idle_moved = 0, np_ = 0, nd_ = 0, at_bound = 0;
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
    at_bound += gb[k] == gmin || gb[k] == gmax;
    double lin = step * ov;
    if (gb[k] != gmin && gb[k] != gmax) {
      if (ov > 0) {
        lin_ratio_p += db / lin;
        np_++;
      } else {
        lin_ratio_d += db / lin;
        nd_++;
      }
    }
  }
  double c2c_rms = programmed ? sqrt(c2c_sum2 / programmed) : 0;
  lin_ratio_p = np_ ? lin_ratio_p / np_ : NAN;
  lin_ratio_d = nd_ ? lin_ratio_d / nd_ : NAN;

  printf(PROG ": parallel pulse-overlap write of a %zu x %zu array, seed "
         "000 Fig. 2.17\n", n, m);
  printf("  device      %s: G in [%.4g, %.4g] uS, %g levels, Vw %g V, "
         "t_pulse %g s, c2c %g\n",
         devname, 1e6 * gmin, 1e6 * gmax, levels, el->vw_set, el->t_pulse,
         xb_device_variation(dev)->c2c);
  printf("  write       %s: %d x %.4g ns, Vdd %g V; Rw %g Ohm, r_drive %g "
         "Ohm\n", o.write, p.reps, 1e9 * p.t_write, vdd, ap->rw_row,
         ap->r_drive);
  printf("  inputs      r uniform in -%d..%d; Z non-zero in %zu of %zu "
         "columns (density %g), uniform in 1..%d; seed %llu\n",
         p.r_levels, p.r_levels, nz, m, o.density, p.zbits, o.seed);
  printf("  run         %d slices (%.1f per ns of write), %.3f s wall "
         "(%.3g ms per slice)\n",
         sa.slices, sa.slices / (1e9 * p.reps * p.t_write), sa.seconds,
         1e3 * sa.seconds / (sa.slices ? sa.slices : 1));
  printf("  voltages    lowest |V| of a fully selected cell %.6f V (%.3g mV "
         "IR drop); highest of any other %.6f V\n",
         sa.v_full_min, 1e3 * (vdd - sa.v_full_min), sa.v_half_max);
  printf("  cells       %zu programmed (non-zero overlap), %zu of them "
         "ending at a bound; %zu idle cells moved\n",
         programmed, at_bound, idle_moved);
  printf("  array       max |G_array - G_direct| = %.3g of the range "
         "(noise-free device)\n", arr_max);
  printf("  c2c         |A - B| max %.3g, rms %.3g of the range\n", c2c_max,
         c2c_rms);
  printf("  nonlinear   mean dG / dG_linear: potentiation %.3f, depression "
         "%.3f (linear device: 1)\n", lin_ratio_p, lin_ratio_d);
  printf("  largest |dG| %.4g uS (%.3g of the range)\n", 1e6 * dg_max,
         dg_max / range);

  char csv[1024], png[1024];
  f = xbx_open_outputs(o.out, PROG, csv, png, sizeof csv);
  if (!f)
    goto done;
  fprintf(f->fp,
          "# " PROG ": %zu x %zu, %s, %s, seed %llu; S and s; dg = after - "
          "before of write A (preset), dg_nonoise of B (no variation), "
          "dg_direct of C (no array), dg_linear of a linear device\n",
          n, m, devname, o.write, o.seed);
  fprintf(f->fp, "row,col,r,z,rz,g0,g1,dg,dg_nonoise,dg_direct,overlap,"
                 "dg_linear,row_rank,col_rank\n");
  for (size_t k = 0; k < nm; k++) {
    size_t i = k / m, j = k % m;
    /* Ranks for the sorted view: rows by r (largest first), columns by Z
     * (largest first), ties in index order. */
    size_t ri = 0, cj = 0;
    for (size_t q = 0; q < n; q++)
      ri += r[q] > r[i] || (r[q] == r[i] && q < i);
    for (size_t q = 0; q < m; q++)
      cj += z[q] > z[j] || (z[q] == z[j] && q < j);
    double ov = xb_write_overlap(&p, r[i], z[j]);
    fprintf(f->fp,
            "%zu,%zu,%d,%d,%d,%.9e,%.9e,%.6e,%.6e,%.6e,%.6e,%.6e,%zu,%zu\n",
            i, j, r[i], z[j], r[i] * z[j], g0[k], ga[k], ga[k] - g0[k],
            gb[k] - g0[k], gc[k] - g0[k], ov, step * ov, ri, cj);
  }
  int fail = xbx_file_commit(f);
  f = NULL;
  if (fail)
    goto done;
  char vars[2048];
  snprintf(vars, sizeof vars,
           "csv='%s'; nrows=%zu; ncols=%zu; gmin=%.17g; gmax=%.17g; "
           "dgmax=%.17g; rl=%d; zb=%d; nz=%zu; plottitle='Parallel write of a %zu x %zu array "
           "(seed 000 Fig. 2.17): %s, %d x %.3g ns at %g V, r in -%d..%d, "
           "%zu of %zu Z non-zero; %d slices, %.2f s'",
           csv, n, m, gmin, gmax, dg_max, p.r_levels, p.zbits, nz, n, m,
           devname,
           p.reps,
           1e9 * p.t_write, vdd, p.r_levels, p.r_levels, nz, m, sa.slices,
           sa.seconds);
  if (xbx_gnuplot(o.gp, vars, png))
    goto done;
  printf("\nwrote %s\nwrote %s\n", csv, png);

  printf("{\"experiment\":\"" PROG "\",\"rows\":%zu,\"cols\":%zu,"
         "\"seed\":%llu,\"nonzero_z\":%zu,\"programmed\":%zu,"
         "\"at_bound\":%zu,\"idle_moved\":%zu,\"slices\":%d,",
         n, m, o.seed, nz, programmed, at_bound, idle_moved, sa.slices);
  json_num("seconds", sa.seconds, 0);
  json_num("v_full_min", sa.v_full_min, 0);
  json_num("v_half_max", sa.v_half_max, 0);
  json_num("array_vs_direct_max", arr_max, 0);
  json_num("c2c_max", c2c_max, 0);
  json_num("c2c_rms", c2c_rms, 0);
  json_num("dg_over_linear_ltp", lin_ratio_p, 0);
  json_num("dg_over_linear_ltd", lin_ratio_d, 0);
  json_num("dg_max", dg_max, 1);
  printf("}\n");
  rc = 0;
done:
  xbx_file_abort(f);
  xb_array_free(a);
  xb_cells_free(ca);
  xb_cells_free(cb);
  xb_cells_free(cc);
  xb_device_free(dev0);
  xb_device_free(dev);
  free(r);
  free(z);
  free(g0);
  return rc;
}
