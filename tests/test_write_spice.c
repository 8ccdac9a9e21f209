/*
 * Pulse-overlap write: xbar (xb_write_parallel) against ngspice running
 * the same write on behavioral RRAM cells (xb_spice_write_run,
 * xbar/spice_rram.h).
 *
 * Both sides see the same 4 x 4 array: the same linear device (PARCA range,
 * 1 V, 1 ns pulses, step threshold at 0.75 V), the same wires (0.634 Ohm
 * per segment) and drivers (1 Ohm at the default ends), the same r pulses
 * and Z windows from the generators of xbar/write.h, the 4 repetitions
 * back to back. xbar cuts the write into DC slices at every edge; ngspice
 * integrates the state capacitors through PWL drivers with 10 ps edges.
 *
 * Acceptance: every final conductance agrees within 1% of the change dG
 * xbar programmed (the meaningful measure: 1% of G would hide a 30% error
 * in a small dG). Expected agreement, from the deck's construction: the
 * tanh step (1 mV) is odd about the threshold and the threshold lies
 * halfway between Vdd/2 and Vdd, so a ramping cell voltage crosses it at
 * the nominal edge time and the smoothing cancels; the remaining sources
 * are coincident row and column edges (t_edge / 3 = 3.3 ps early, only for
 * Z = 16 with a clamped last r pulse, against >= 24 ns of programming),
 * the trapezoidal integration of the rate across a ramp (ngspice puts a
 * time point on every PWL corner) and the bound clamp (a few 1e-3
 * pulses). So each cell is also held to t_edge / 2 = 5 ps of programming
 * time. Measured (printed by each case): 3.0 ps on the Z = 16 cells with a
 * clamped r pulse (at most 1e-4 of dG), 1e-13 of dG on every other cell.
 *
 * Also: cells with r = 0 or Z = 0 are unchanged in both (half-selected or
 * idle throughout: |V| <= Vdd/2); cells pushed into a bound stop there in
 * both; the deck refuses unsuitable devices and edges too long for the
 * waveform, and leaves the array's lines as they were. And the PARCA
 * presets the learning demo writes with (models/pcmo_parca.ini,
 * models/parca_write.ini) hold the documented values.
 *
 * ngspice takes about 1-2 s per case; the file runs in well under 20 s.
 */
#include <stdio.h>
#include <string.h>

#include <xbar/array.h>
#include <xbar/device.h>
#include <xbar/spice.h>
#include <xbar/spice_rram.h>
#include <xbar/write.h>

#include "xb_check.h"

enum { N = 4, M = 4 };

#define GMAX 8e-7
#define GMIN (GMAX / 6.84)
#define T_EDGE 10e-12 /* the deck's default edge */

static xb_device *linear_device(double levels)
{
  xb_linear_params lp;
  xb_param_defaults(&xb_linear_param_set, &lp);
  lp.gmin = GMIN;
  lp.gmax = GMAX;
  lp.levels = levels;
  xb_elec_params el;
  xb_param_defaults(&xb_elec_param_set, &el);
  el.vw_set = el.vw_reset = 1.0;
  el.t_pulse = 1e-9;
  el.response = 0;
  el.step_frac = 0.75;
  xb_err e;
  xb_device *d = xb_device_create(xb_device_linear, &lp, NULL, &el, NULL, &e);
  ck_assert_msg(d != NULL, "%s", e.msg);
  return d;
}

static xb_write_params write_params(void)
{
  xb_write_params p;
  xb_param_defaults(&xb_write_param_set, &p);
  return p;
}

static xb_spice *runner(void)
{
  xb_err e;
  xb_spice *s = xb_spice_create(&e);
  ck_assert_msg(s != NULL, "%s", e.msg);
  return s;
}

/* Run one write in ngspice and in xbar from initial states x0 (pulses) and
 * compare. Returns the largest |G_spice - G_xbar| / |dG_xbar| over the
 * cells xbar changed; asserts the tolerance and the unchanged cells. */
static double compare_write(double levels, const double *x0, const int *r,
                            const int *z, double tol)
{
  xb_device *d = linear_device(levels);
  xb_err e;
  xb_cells *c = xb_cells_create(d, N * M, 1, &e);
  ck_assert_msg(c != NULL, "%s", e.msg);
  for (size_t k = 0; k < N * M; k++)
    ck_assert_int_eq(
        xb_cells_set_g(c, k, GMIN + (GMAX - GMIN) * x0[k] / levels, &e),
        XB_OK);
  double g0[N * M], gs[N * M], xs[N * M];
  memcpy(g0, xb_cells_g(c), sizeof g0);
  xb_array *a = xb_array_create(N, M, NULL, &e);
  ck_assert_msg(a != NULL, "%s", e.msg);
  xb_write_params p = write_params();

  xb_spice *s = runner();
  ck_assert_msg(xb_spice_write_run(s, a, c, &p, r, z, NULL, xs, gs, &e) ==
                    XB_OK,
                "ngspice: %s", e.msg);
  xb_spice_free(s);
  /* ngspice did not touch the cells. */
  ck_assert(memcmp(g0, xb_cells_g(c), sizeof g0) == 0);

  xb_write_stats st;
  ck_assert_msg(xb_write_parallel(a, c, &p, r, z, &st, &e) == XB_OK, "%s",
                e.msg);
  const double *gx = xb_cells_g(c);
  double rate = (GMAX - GMIN) / levels / 1e-9; /* S/s at full voltage */
  double worst = 0, worst_dt = 0;
  int changed = 0;
  for (size_t k = 0; k < N * M; k++) {
    int i = (int)(k / M), j = (int)(k % M);
    double dgx = gx[k] - g0[k];
    /* Idle: r = 0, Z = 0, or no pulse of r inside Z's window (r = 2 puts
     * its pulses at odd multiples of t_clk, after a Z = 1 window). */
    if (xb_write_overlap(&p, r[i], z[j]) == 0) {
      ck_assert_msg(dgx == 0, "xbar moved idle cell (%d, %d) by %g S", i, j,
                    dgx);
      ck_assert_msg(fabs(gs[k] - g0[k]) <= 1e-9 * (GMAX - GMIN),
                    "ngspice moved idle cell (%d, %d) by %g S", i, j,
                    gs[k] - g0[k]);
      continue;
    }
    ck_assert_msg(dgx != 0, "xbar left cell (%d, %d) unchanged", i, j);
    ck_assert_msg((dgx < 0) == (r[i] > 0), "cell (%d, %d): sign of dG", i,
                  j);
    double rel = fabs(gs[k] - gx[k]) / fabs(dgx);
    /* The same difference as programming time (s). */
    double dt = fabs(gs[k] - gx[k]) / rate;
    ck_assert_msg(dt <= 0.5 * T_EDGE,
                  "cell (%d, %d) r %d z %d: %.3g s of programming time "
                  "apart (budget t_edge / 3 for coincident edges)",
                  i, j, r[i], z[j], dt);
    ck_assert_msg(rel <= tol,
                  "cell (%d, %d) r %d z %d: G xbar %.9g, ngspice %.9g, dG "
                  "%.4g S: error %.3g of dG > %g",
                  i, j, r[i], z[j], gx[k], gs[k], dgx, rel, tol);
    worst = fmax(worst, rel);
    worst_dt = fmax(worst_dt, dt);
    changed++;
  }
  ck_assert(changed > 0);
  fprintf(stderr,
          "write_spice: %d changed cells, max |G_ngspice - G_xbar| = %.3g of "
          "dG, %.3g s of programming time (xbar %d slices)\n",
          changed, worst, worst_dt, st.slices);
  xb_array_free(a);
  xb_cells_free(c);
  xb_device_free(d);
  return worst;
}

/* ---- acceptance ---------------------------------------------------------- */

START_TEST(test_cross_idle_lines)
{
  /* Large r (clamped last pulses), negative r, small r (edges that
   * coincide with window ends), r = 0; Z = 16 (windows that end with the
   * half), 9, 1 (a window shorter than the pulse gaps), 0. */
  int r[N] = {15, -7, 2, 0}, z[M] = {16, 9, 1, 0};
  double x0[N * M];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < M; j++)
      x0[i * M + j] = (r[i] > 0 ? 75.0 : 25.0) + 3.0 * j;
  compare_write(100, x0, r, z, 0.01);
}
END_TEST

START_TEST(test_cross_all_active)
{
  int r[N] = {-15, 5, -1, 11}, z[M] = {3, 16, 12, 7};
  double x0[N * M];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < M; j++)
      x0[i * M + j] = (r[i] > 0 ? 80.0 : 20.0) - 2.0 * j + i;
  compare_write(100, x0, r, z, 0.01);
}
END_TEST

START_TEST(test_cross_bounds)
{
  /* 50 levels; r = 15 / -15 with Z = 16 push 60 pulses: cells starting 5
   * pulses from the bound they move toward stop there in both. */
  int r[N] = {15, -15, 4, -3}, z[M] = {16, 8, 2, 5};
  double x0[N * M];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < M; j++)
      x0[i * M + j] = r[i] > 0 ? 5.0 : 45.0;
  compare_write(50, x0, r, z, 0.01);
}
END_TEST

/* ---- the deck alone ------------------------------------------------------ */

static int count_prefix(const char *text, const char *prefix)
{
  int count = 0;
  size_t n = strlen(prefix);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
    if (strncmp(p, prefix, n) == 0 && p[n] >= '0' && p[n] <= '9')
      count++;
  return count;
}

START_TEST(test_deck_layout)
{
  xb_device *d = linear_device(100);
  xb_cells *c = xb_cells_create(d, N * M, 1, NULL);
  xb_cells_reset(c, 0.5 * (GMIN + GMAX), NULL);
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.row_ends = 3; /* both ends: two sources per row */
  xb_array *a = xb_array_create(N, M, &ap, NULL);
  xb_array_float(a, XB_COL, 2, NULL); /* a line setting to be restored */
  xb_line before[M], after;
  for (int j = 0; j < M; j++)
    xb_array_get_line(a, XB_COL, (size_t)j, &before[j]);
  int r[N] = {15, -7, 2, 0}, z[M] = {16, 9, 1, 0};
  xb_write_params p = write_params();
  xb_err e;
  char *deck = xb_spice_write_netlist(a, c, &p, r, z, NULL, &e);
  ck_assert_msg(deck != NULL, "%s", e.msg);
  ck_assert_int_eq(count_prefix(deck, "cs"), N * M);
  ck_assert_int_eq(count_prefix(deck, "bs"), N * M);
  ck_assert_int_eq(count_prefix(deck, "bx"), N * M);
  ck_assert_int_eq(count_prefix(deck, "vrow"), 2 * N);
  ck_assert_int_eq(count_prefix(deck, "vcol"), M);
  ck_assert_int_eq(count_prefix(deck, "rx"), 0); /* no resistor cells */
  const char *ic = strstr(deck, ".ic v(xs0_0)=");
  ck_assert(ic != NULL);
  ck_assert_rel(strtod(ic + 13, NULL), 50.0, 1e-12);
  ck_assert(strstr(deck, ".tran ") != NULL);
  for (int j = 0; j < M; j++) {
    xb_array_get_line(a, XB_COL, (size_t)j, &after);
    ck_assert_int_eq(after.mode, before[j].mode);
    ck_assert(after.v == before[j].v && after.r == before[j].r);
  }
  free(deck);
  xb_array_free(a);
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_deck_errors)
{
  xb_err e;
  int r[N] = {15, -7, 2, 0}, z[M] = {16, 9, 1, 0};
  xb_write_params p = write_params();
  xb_array *a = xb_array_create(N, M, NULL, NULL);

  /* An exp device and a device with variation are refused. */
  xb_device *dx = xb_device_create(xb_device_exp, NULL, NULL, NULL, NULL, &e);
  xb_cells *cx = xb_cells_create(dx, N * M, 1, NULL);
  ck_assert(xb_spice_write_netlist(a, cx, &p, r, z, NULL, &e) == NULL);
  ck_assert_int_eq(e.code, XB_EINVAL);
  xb_cells_free(cx);
  xb_device_free(dx);
  xb_device *d = linear_device(100);
  xb_var_params vp;
  xb_param_defaults(&xb_var_param_set, &vp);
  vp.c2c = 0.01;
  xb_device *dv = xb_device_with_variation(d, &vp, &e);
  xb_cells *cv = xb_cells_create(dv, N * M, 1, NULL);
  ck_assert(xb_spice_write_netlist(a, cv, &p, r, z, NULL, &e) == NULL);
  ck_assert_int_eq(e.code, XB_EINVAL);
  ck_assert_int_eq(xb_spice_rram_check(dv, NULL), XB_EINVAL);
  ck_assert_int_eq(xb_spice_rram_check(d, NULL), XB_OK);
  xb_cells_free(cv);
  xb_device_free(dv);

  xb_cells *c = xb_cells_create(d, N * M, 1, NULL);
  xb_cells_reset(c, GMIN, NULL);
  /* r = 15 leaves 1.8 ns between pulses: a 2 ns edge does not fit. */
  xb_spice_write_opts o;
  xb_spice_write_opts_default(&o);
  o.t_edge = 2e-9;
  ck_assert(xb_spice_write_netlist(a, c, &p, r, z, &o, &e) == NULL);
  ck_assert_int_eq(e.code, XB_ERANGE);
  /* Values out of range, wrong cell count, NULL arguments. */
  int rbad[N] = {16, 0, 0, 0}, zbad[M] = {0, 17, 0, 0};
  ck_assert(xb_spice_write_netlist(a, c, &p, rbad, z, NULL, &e) == NULL);
  ck_assert_int_eq(e.code, XB_ERANGE);
  ck_assert(xb_spice_write_netlist(a, c, &p, r, zbad, NULL, &e) == NULL);
  ck_assert_int_eq(e.code, XB_ERANGE);
  xb_cells *c2 = xb_cells_create(d, N * M - 1, 1, NULL);
  ck_assert(xb_spice_write_netlist(a, c2, &p, r, z, NULL, &e) == NULL);
  ck_assert_int_eq(e.code, XB_EINVAL);
  ck_assert(xb_spice_write_netlist(NULL, c, &p, r, z, NULL, &e) == NULL);
  ck_assert_int_eq(xb_spice_write_run(NULL, a, c, &p, r, z, NULL, NULL, NULL,
                                      &e),
                   XB_EINVAL);
  xb_cells_free(c2);
  xb_cells_free(c);
  xb_device_free(d);
  xb_array_free(a);
}
END_TEST

/* ---- the PARCA presets these checks are about ---------------------------- */

START_TEST(test_parca_presets)
{
  /* models/parca_write.ini is the default timing with Vdd = 1 V;
   * models/pcmo_parca.ini the PCMO curve at 1 V / 1 ns, Ron 300 kOhm. */
  xb_err e;
  xb_write_params p = write_params();
  ck_assert_msg(xb_param_read(&xb_write_param_set, &p,
                              XB_MODELS "/parca_write.ini", NULL, &e) == XB_OK,
                "%s", e.msg);
  ck_assert(p.t_write == 84e-9 && p.clocks == 32 && p.zbits == 16 &&
            p.r_levels == 15 && p.t_rpulse == 1e-9 && p.reps == 4 &&
            p.vdd == 1.0);
  xb_device *d = xb_device_load(XB_MODELS "/pcmo_parca.ini", &e);
  ck_assert_msg(d != NULL, "%s", e.msg);
  ck_assert_str_eq(xb_device_name(d), "exp");
  const xb_elec_params *el = xb_device_elec(d);
  ck_assert(el->vw_set == 1.0 && el->vw_reset == 1.0 &&
            el->t_pulse == 1e-9 && el->response == 0);
  double gmin, gmax;
  xb_device_bounds(d, &gmin, &gmax);
  ck_assert_rel(1 / gmax, 3e5, 1e-9);
  ck_assert_rel(gmax / gmin, 6.84, 1e-9);
  /* Five cells read at 0.45 V span the read circuit's 1-8 uA. */
  ck_assert(5 * gmin * 0.45 > 1e-6 && 5 * gmax * 0.45 <= 8e-6);
  /* Vdd programs at full rate, Vdd/2 not at all. */
  ck_assert(xb_device_rate(d, p.vdd) == 1 && xb_device_rate(d, -p.vdd) == -1);
  ck_assert(xb_device_rate(d, 0.5 * p.vdd) == 0);
  /* The largest write spans more than the 50-pulse range. */
  ck_assert_rel(fabs(xb_write_overlap(&p, 15, 16)) / el->t_pulse, 60.0,
                1e-12);
  xb_device_free(d);
}
END_TEST

static Suite *write_spice_suite(void)
{
  Suite *s = suite_create("write_spice");
  TCase *tc = tcase_create("deck");
  tcase_add_test(tc, test_deck_layout);
  tcase_add_test(tc, test_deck_errors);
  tcase_add_test(tc, test_parca_presets);
  suite_add_tcase(s, tc);
  tc = tcase_create("cross");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_cross_idle_lines);
  tcase_add_test(tc, test_cross_all_active);
  tcase_add_test(tc, test_cross_bounds);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(write_spice_suite)
