/*
 * ir_drop_write: IR drop and sneak currents of a parallel V/2 write in a
 * 100 x 100 array with the seed's wire resistance. Reproduces the write
 * figures of seed 000 section 2.4.4: "the amount of current sneaking into
 * other nodes during the write operation is 41.8 nA in the worst case and
 * averages at 15.87 nA" and "the voltage drop across the entire array due
 * to the wires is 2 mV" with Rw = 633.8 mOhm per segment (200 nm M6-M7
 * wires in 65 nm).
 *
 * Bias (V/2 scheme, SPEC section 2; seed 000 section 2.3.3, Fig. 2.15,
 * 2.17). The PARCA write is fully parallel: the Z driver opens a window on
 * a row while the r drivers pulse the columns, and a cell is programmed
 * where both overlap. One instant of that write is a DC problem:
 *   selected rows     (Z window open)     driven at Vw,
 *   selected columns  (r pulse high)      driven at 0,
 *   every other line                      driven at Vw/2,
 * all through the driver resistance r_drive at the lines' default ends
 * (rows at column 0, columns at row N-1), solved exactly with the wire
 * resistance Rw per segment (xb_array_bias_write). Defaults: 20% of rows
 * selected (the sparsity of Z in the seed, section 2.4.4) and 50% of the
 * columns (about half of the residual r has the sign of the current write
 * period); both fractions are options, the lines are drawn at random
 * (stream 2 for rows, 3 for columns). Cell conductances are uniform in
 * [Gmin, Gmax] of the device preset (stream 1, cell i*M+j); Vw is the
 * preset's vw_set (PCMO: 2 V).
 *
 * Cell classes and nominal voltages V_nom = V_row - V_col of the drivers:
 *   selected       row and column selected          Vw
 *   half-selected  exactly one of them selected     Vw/2
 *   unselected     neither                          0
 * Reported:
 *   IR drop     dV = V_cell - V_nom for every cell (xb_array_cell_v), the
 *               largest |dV| over the array and per class, and the lowest
 *               voltage a selected cell gets;
 *   sneak       the current through cells that are not being programmed
 *               (xb_array_cell_i): mainly the half-selected cells, which
 *               carry g Vw/2 by design of the scheme; unselected cells
 *               carry only what the IR drop puts across them. The sum over
 *               half-selected cells is compared with the useful current
 *               through the selected cells;
 *   disturb     cells whose voltage gives a non-zero programming rate
 *               (xb_device_rate) although they are not selected, and
 *               selected cells that get less than the full rate.
 *
 * Expected (defaults, PCMO at 23-157 MOhm): the half-selected current is
 * g Vw/2, 6.4-43.5 nA, mean ~25 nA for uniform g (seed: 41.8 nA worst, 15.87
 * nA mean; its mean reflects its own conductance distribution); the IR drop
 * is ~0.23 mV, since the high-resistance cells keep the line currents at a
 * few uA (it grows to ~2 mV, the seed's figure, at 300 x 300). No cell is
 * disturbed. One DC solve, well under a second.
 *
 * Output: <out>/ir_drop_write.csv (one line per cell, row-major) and
 * <out>/ir_drop_write.png (plots/ir_drop_write.gp), written under temporary
 * names and renamed when complete; a summary and a final one-line JSON.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "ir_drop_write"
#define STREAM_G 1        /* rng stream of the conductances */
#define STREAM_SEL_ROW 2  /* rng stream of the selected rows */
#define STREAM_SEL_COL 3  /* rng stream of the selected columns */

enum cell_class { UNSEL = 0, HALF_ROW = 1, HALF_COL = 2, SEL = 3 };

typedef struct options {
  const char *model, *out, *gp;
  int rows, cols;
  double frow, fcol; /* selected fractions */
  double vw;         /* write voltage (V); <= 0: the preset's vw_set */
  double rw;         /* wire resistance per segment (Ohm); < 0: default */
  double rdrive;     /* driver resistance (Ohm); < 0: default */
  unsigned long long seed;
} options;

static void usage(FILE *f)
{
  fprintf(f,
    "usage: " PROG " [options]\n"
    "  --model FILE     device preset (default models/pcmo_park2013.ini)\n"
    "  --out DIR        output folder (default plots)\n"
    "  --rows N         array rows (default 100)\n"
    "  --cols N         array columns (default 100)\n"
    "  --sel-rows F     fraction of rows selected (driven at Vw), 0 < F <= 1\n"
    "                   (default 0.2)\n"
    "  --sel-cols F     fraction of columns selected (driven at 0), 0 < F <= 1\n"
    "                   (default 0.5)\n"
    "  --vw V           full write voltage (default: the preset's vw_set)\n"
    "  --rw OHM         wire resistance per segment (default 0.634, seed 000\n"
    "                   section 2.4.4)\n"
    "  --rdrive OHM     driver output resistance (default: array default)\n"
    "  --seed S         random seed of conductances and selection (default 1)\n"
    "  -h, --help       this text\n");
}

static int parse(int argc, char **argv, options *o)
{
  o->model = XB_SOURCE_DIR "/models/pcmo_park2013.ini";
  o->out = XB_SOURCE_DIR "/plots";
  o->gp = XB_SOURCE_DIR "/plots/ir_drop_write.gp";
  o->rows = o->cols = 100;
  o->frow = 0.2;
  o->fcol = 0.5;
  o->vw = -1;
  o->rw = 0.634;
  o->rdrive = -1;
  o->seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    if (strncmp(a, "--", 2) || !strcmp(a, "--")) {
      fprintf(stderr, PROG ": unexpected argument: %s\n", a);
      usage(stderr);
      return -1;
    }
    if (!v) {
      fprintf(stderr, PROG ": %s needs a value\n", a);
      return -1;
    }
    i++;
    int ok;
    const char *want = "";
    if (!strcmp(a, "--model")) {
      o->model = v;
      ok = 1;
    } else if (!strcmp(a, "--out")) {
      o->out = v;
      ok = 1;
    } else if (!strcmp(a, "--rows"))
      ok = xbx_parse_int(v, 1, 4096, &o->rows), want = "an integer in [1, 4096]";
    else if (!strcmp(a, "--cols"))
      ok = xbx_parse_int(v, 1, 4096, &o->cols), want = "an integer in [1, 4096]";
    else if (!strcmp(a, "--sel-rows"))
      ok = xbx_parse_double(v, 1e-9, 1.0, &o->frow), want = "a fraction in (0, 1]";
    else if (!strcmp(a, "--sel-cols"))
      ok = xbx_parse_double(v, 1e-9, 1.0, &o->fcol), want = "a fraction in (0, 1]";
    else if (!strcmp(a, "--vw"))
      ok = xbx_parse_double(v, 1e-3, 100.0, &o->vw), want = "volts in [1e-3, 100]";
    else if (!strcmp(a, "--rw"))
      ok = xbx_parse_double(v, 1e-6, 1e9, &o->rw), want = "ohms in [1e-6, 1e9]";
    else if (!strcmp(a, "--rdrive"))
      ok = xbx_parse_double(v, 1e-6, 1e12, &o->rdrive), want = "ohms in [1e-6, 1e12]";
    else if (!strcmp(a, "--seed"))
      ok = xbx_parse_u64(v, &o->seed), want = "an unsigned 64-bit integer";
    else {
      fprintf(stderr, PROG ": unknown option %s\n", a);
      usage(stderr);
      return -1;
    }
    if (!ok) {
      fprintf(stderr, PROG ": bad value for %s: '%s' (want %s)\n", a, v,
              want);
      return -1;
    }
  }
  return 0;
}

/* Mark exactly round(f n) (at least one) of n lines, drawn without
 * replacement from (seed, stream); returns the count. */
static size_t draw_lines(unsigned char *sel, size_t *perm, size_t n, double f,
                         unsigned long long seed, uint64_t stream)
{
  size_t k = (size_t)floor(f * (double)n + 0.5);
  if (k < 1)
    k = 1;
  xb_rng r;
  xb_rng_init(&r, seed, stream);
  for (size_t q = 0; q < n; q++) {
    perm[q] = q;
    sel[q] = 0;
  }
  for (size_t q = 0; q < k; q++) { /* partial Fisher-Yates */
    size_t p = q + (size_t)(xb_rng_next_uniform(&r) * (double)(n - q));
    if (p >= n)
      p = n - 1;
    size_t t = perm[q];
    perm[q] = perm[p];
    perm[p] = t;
    sel[perm[q]] = 1;
  }
  return k;
}

/* Running figures of one set of cells. */
typedef struct acc {
  size_t n;
  double dv_max;  /* max |V_cell - V_nom| (V) */
  double i_max;   /* max |I| (A) */
  double i_sum;   /* sum |I| (A) */
  double v_min, v_max; /* range of |V_cell| (V) */
} acc;

static void acc_init(acc *a)
{
  a->n = 0;
  a->dv_max = a->i_max = a->i_sum = 0;
  a->v_min = INFINITY;
  a->v_max = 0;
}

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
  size_t nmax = n > m ? n : m;
  int rc = 1;
  xb_err err;
  xb_device *dev = NULL;
  xb_array *a = NULL;
  xbx_file *f = NULL;
  double *g = malloc(nm * sizeof *g), *vc = malloc(nm * sizeof *vc),
         *ic = malloc(nm * sizeof *ic);
  double *vrow = malloc(n * sizeof *vrow), *vcol = malloc(m * sizeof *vcol);
  unsigned char *srow = malloc(n), *scol = malloc(m);
  size_t *perm = malloc(nmax * sizeof *perm);
  if (!g || !vc || !ic || !vrow || !vcol || !srow || !scol || !perm) {
    fprintf(stderr, PROG ": out of memory\n");
    goto done;
  }

  dev = xb_device_load(o.model, &err);
  if (!dev) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    goto done;
  }
  const xb_elec_params *el = xb_device_elec(dev);
  double gmin, gmax;
  xb_device_bounds(dev, &gmin, &gmax);
  const char *devname = strrchr(o.model, '/') ? strrchr(o.model, '/') + 1
                                              : o.model;
  double vw = o.vw > 0 ? o.vw : el->vw_set;

  for (size_t k = 0; k < nm; k++)
    g[k] = gmin + (gmax - gmin) * xb_rng_uniform(o.seed, STREAM_G, k);
  size_t nsr = draw_lines(srow, perm, n, o.frow, o.seed, STREAM_SEL_ROW);
  size_t nsc = draw_lines(scol, perm, m, o.fcol, o.seed, STREAM_SEL_COL);
  for (size_t i = 0; i < n; i++)
    vrow[i] = srow[i] ? vw : 0.5 * vw;
  for (size_t j = 0; j < m; j++)
    vcol[j] = scol[j] ? 0.0 : 0.5 * vw;

  xb_array_params p;
  xb_param_defaults(&xb_array_param_set, &p);
  p.rw_row = p.rw_col = o.rw;
  if (o.rdrive > 0)
    p.r_drive = o.rdrive;
  a = xb_array_create(n, m, &p, &err);
  if (!a || xb_array_set_g(a, g, &err) ||
      xb_array_bias_write(a, vrow, vcol, &err)) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    goto done;
  }
  xb_solve_stats st;
  xb_array_stats(a, &st);
  xb_array_cell_v(a, vc);
  xb_array_cell_i(a, ic);
  const xb_array_params *ap = xb_array_params_of(a);

  /* Per-class figures. */
  acc cls[4], all;
  for (int k = 0; k < 4; k++)
    acc_init(&cls[k]);
  acc_init(&all);
  double i_sel = 0, i_half = 0, vmin_sel = INFINITY;
  size_t disturbed = 0, under = 0, imin_sel = 0, imax_dv = 0;
  double dvmax = -1, dvlo = 0, dvhi = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      size_t k = i * m + j;
      int c = srow[i] && scol[j] ? SEL : srow[i] ? HALF_ROW
                                   : scol[j] ? HALF_COL : UNSEL;
      double dv = vc[k] - (vrow[i] - vcol[j]);
      acc_add(&cls[c], dv, vc[k], ic[k]);
      acc_add(&all, dv, vc[k], ic[k]);
      dvlo = fmin(dvlo, dv);
      dvhi = fmax(dvhi, dv);
      if (fabs(dv) > dvmax) {
        dvmax = fabs(dv);
        imax_dv = k;
      }
      double rate = xb_device_rate(dev, vc[k]);
      if (c == SEL) {
        i_sel += ic[k];
        if (vc[k] < vmin_sel) {
          vmin_sel = vc[k];
          imin_sel = k;
        }
        under += fabs(rate) < 1.0;
      } else {
        disturbed += rate != 0.0;
        if (c != UNSEL)
          i_half += fabs(ic[k]);
      }
    }
  acc half = cls[HALF_ROW];
  half.n += cls[HALF_COL].n;
  half.dv_max = fmax(half.dv_max, cls[HALF_COL].dv_max);
  half.i_max = fmax(half.i_max, cls[HALF_COL].i_max);
  half.i_sum += cls[HALF_COL].i_sum;
  half.v_min = fmin(half.v_min, cls[HALF_COL].v_min);
  half.v_max = fmax(half.v_max, cls[HALF_COL].v_max);

  /* Summary. */
  printf("ir_drop_write: V/2 write of a %zu x %zu array, seed 000 sec. "
         "2.4.4\n", n, m);
  printf("  device      %s: g uniform in [%.4g, %.4g] S (%.3g .. %.3g MOhm),"
         " seed %llu\n", devname, gmin, gmax, 1e-6 / gmax, 1e-6 / gmin,
         o.seed);
  printf("  drive       Vw %.4g V (%s), Vw/2 %.4g V; r_drive %.4g Ohm; rows "
         "driven at column 0, columns at row %zu\n",
         vw, o.vw > 0 ? "--vw" : "preset vw_set", 0.5 * vw, ap->r_drive,
         n - 1);
  printf("  wires       Rw %.4g / %.4g Ohm per row / column segment\n",
         ap->rw_row, ap->rw_col);
  printf("  selection   %zu of %zu rows at Vw, %zu of %zu columns at 0 V, "
         "the rest at Vw/2\n", nsr, n, nsc, m);
  printf("  cells       %zu selected, %zu half-selected (%zu on selected rows, "
         "%zu on selected columns), %zu unselected\n",
         cls[SEL].n, half.n, cls[HALF_ROW].n, cls[HALF_COL].n, cls[UNSEL].n);
  printf("  solve       %d CG iterations, %.3g ms, error bound %.2g on the "
         "line currents\n\n", st.iterations, 1e3 * st.seconds, st.err_bound);
  printf("  IR drop |V_cell - V_nom|: max %.4g mV over the array (cell row %zu,"
         " col %zu)\n", 1e3 * all.dv_max, imax_dv / m, imax_dv % m);
  printf("     selected      max %.4g mV; lowest write voltage %.6g V "
         "(%.4g mV below Vw) at row %zu, col %zu\n",
         1e3 * cls[SEL].dv_max, vmin_sel, 1e3 * (vw - vmin_sel),
         imin_sel / m, imin_sel % m);
  if (half.n)
    printf("     half-selected max %.4g mV; |V| in [%.6g, %.6g] V\n",
           1e3 * half.dv_max, half.v_min, half.v_max);
  else
    printf("     half-selected none\n");
  printf("     unselected    max %.4g mV\n", 1e3 * cls[UNSEL].dv_max);
  printf("  sneak current (through cells not being programmed)\n");
  if (half.n)
    printf("     half-selected max %.4g nA, mean %.4g nA (= g Vw/2 up to the "
           "IR drop)\n", 1e9 * half.i_max, 1e9 * acc_mean(&half));
  else
    printf("     half-selected none (every line is selected)\n");
  printf("     unselected    max %.4g nA, mean %.4g nA\n",
         1e9 * cls[UNSEL].i_max, 1e9 * acc_mean(&cls[UNSEL]));
  printf("     total         %.4g uA through half-selected cells vs %.4g uA "
         "through the selected cells (%.3g x)\n",
         1e6 * i_half, 1e6 * i_sel, i_sel > 0 ? i_half / i_sel : NAN);
  printf("  disturb     %zu non-selected cells with a non-zero programming "
         "rate; %zu selected cells below the full rate\n", disturbed, under);
  printf("  seed        41.8 nA worst, 15.87 nA mean sneak; 2 mV IR drop. "
         "Here the half-selected\n"
         "              current is g Vw/2, so its worst case is Gmax Vw/2 = "
         "%.4g nA and its mean\n"
         "              follows the conductance distribution (uniform: "
         "(Gmin+Gmax)/2 Vw/2 = %.4g nA).\n"
         "              The IR drop scales with the line currents, which the "
         "%.3g-%.3g MOhm cells\n"
         "              keep at a few uA per line.\n",
         1e9 * gmax * 0.5 * vw, 1e9 * 0.5 * (gmin + gmax) * 0.5 * vw,
         1e-6 / gmax, 1e-6 / gmin);

  /* CSV: one line per cell. */
  if (mkdir(o.out, 0777) && errno != EEXIST) {
    fprintf(stderr, PROG ": cannot create %s: %s\n", o.out, strerror(errno));
    goto done;
  }
  char csv[1024], png[1024];
  if (snprintf(csv, sizeof csv, "%s/ir_drop_write.csv", o.out) >=
          (int)sizeof csv ||
      snprintf(png, sizeof png, "%s/ir_drop_write.png", o.out) >=
          (int)sizeof png) {
    fprintf(stderr, PROG ": output path too long\n");
    goto done;
  }
  f = xbx_file_open(csv);
  if (!f)
    goto done;
  fprintf(f->fp,
          "# ir_drop_write: %zu x %zu, %s, Vw %g V, r_drive %g Ohm, Rw %g "
          "Ohm, %zu rows and %zu columns selected, seed %llu\n"
          "# class: 0 unselected, 1 half-selected on a selected row, 2 "
          "half-selected on a selected column, 3 selected; V, A, S\n",
          n, m, devname, vw, ap->r_drive, ap->rw_row, nsr, nsc, o.seed);
  fprintf(f->fp, "row,col,class,g,v_nom,v_cell,dv,i_cell\n");
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      size_t k = i * m + j;
      int c = srow[i] && scol[j] ? SEL : srow[i] ? HALF_ROW
                                   : scol[j] ? HALF_COL : UNSEL;
      double vn = vrow[i] - vcol[j];
      fprintf(f->fp, "%zu,%zu,%d,%.9e,%.6g,%.12e,%.6e,%.9e\n", i, j, c, g[k],
              vn, vc[k], vc[k] - vn, ic[k]);
    }
  int fail = xbx_file_commit(f);
  f = NULL;
  if (fail)
    goto done;

  char vars[2048];
  snprintf(vars, sizeof vars,
           "csv='%s'; nrows=%zu; ncols=%zu; nhalf=%zu; vw=%.17g; gmin=%.17g; "
           "gmax=%.17g; dvlo=%.17g; dvhi=%.17g; plottitle='V/2 write, %zu x %zu %s: "
           "%zu rows at Vw = %g V, %zu columns at 0, rest at Vw/2; Rw %g Ohm, "
           "r_drive %g Ohm'",
           csv, n, m, half.n, vw, gmin, gmax, dvlo, dvhi, n, m, devname, nsr, vw, nsc,
           ap->rw_row, ap->r_drive);
  if (xbx_gnuplot(o.gp, vars, png))
    goto done;
  printf("\nwrote %s\nwrote %s\n", csv, png);

  printf("{\"experiment\":\"ir_drop_write\",\"rows\":%zu,\"cols\":%zu,"
         "\"sel_rows\":%zu,\"sel_cols\":%zu,\"seed\":%llu,",
         n, m, nsr, nsc, o.seed);
  json_num("vw", vw, 0);
  json_num("rw", ap->rw_row, 0);
  json_num("r_drive", ap->r_drive, 0);
  json_num("gmin", gmin, 0);
  json_num("gmax", gmax, 0);
  json_num("max_ir_drop", all.dv_max, 0);
  json_num("max_ir_drop_selected", cls[SEL].dv_max, 0);
  json_num("min_v_selected", vmin_sel, 0);
  json_num("max_ir_drop_half", half.dv_max, 0);
  json_num("max_sneak_half", half.i_max, 0);
  json_num("mean_sneak_half", acc_mean(&half), 0);
  json_num("max_i_unselected", cls[UNSEL].i_max, 0);
  json_num("total_i_half", i_half, 0);
  json_num("total_i_selected", i_sel, 0);
  printf("\"disturbed_cells\":%zu,\"underprogrammed_cells\":%zu}\n",
         disturbed, under);
  rc = 0;

done:
  xbx_file_abort(f);
  xb_array_free(a);
  xb_device_free(dev);
  free(g);
  free(vc);
  free(ic);
  free(vrow);
  free(vcol);
  free(srow);
  free(scol);
  free(perm);
  return rc;
}
