/*
 * SPICE layer: the netlist writer, the ngspice runner, and the
 * differential check of the array solver against ngspice.
 *
 *   - Netlist layout: element counts and exact numbers of a small deck.
 *   - 1 x 1 array in ngspice against Ohm's law in closed form.
 *   - Acceptance: 8 x 8 and 16 x 16 arrays with random cells in two ranges
 *     (PCMO 6.4e-9..4.3e-8 S and 1e-5..1e-4 S), non-uniform row and column
 *     wires, unselected rows floating and driven at a bias, sources at one
 *     or both ends, fast and KLU solvers: every line current from xbar
 *     agrees with ngspice to 1e-6 relative (measured: about 1e-11 for
 *     columns; 1e-8 for the PCMO row currents, limited by ngspice's
 *     pivoting on 1 S wires against 1e-8 S cells).
 *   - A custom cell type (each cell as two series resistors through a
 *     midpoint node) gives the same currents: the cell hook is complete.
 *   - Sinh cells as B-sources against xbar's Newton path.
 *   - Errors: syntax error, floating node, floating array, unknown vector,
 *     missing .end, refused commands, "quit" (no process exit), NULL
 *     arguments; a failed comparison leaves the outputs unchanged.
 * Each test forks (Check's default), which isolates ngspice's global state;
 * ngspice decks here are small, the whole file runs in well under a second.
 */
#include <stdio.h>
#include <string.h>

#include <xbar/array.h>
#include <xbar/rng.h>
#include <xbar/spice.h>

#include "xb_check.h"

static xb_spice *runner(void)
{
  xb_err e;
  xb_spice *s = xb_spice_create(&e);
  ck_assert_msg(s != NULL, "%s", e.msg);
  return s;
}

static xb_array_params params(int solver, int row_ends, int col_ends)
{
  xb_array_params p;
  xb_param_defaults(&xb_array_param_set, &p);
  p.solver = solver;
  p.row_ends = row_ends;
  p.col_ends = col_ends;
  return p;
}

/* Lines of `text` that start with `prefix` followed by a digit. */
static int count_elements(const char *text, const char *prefix)
{
  int count = 0;
  size_t n = strlen(prefix);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
    if (strncmp(p, prefix, n) == 0 && p[n] >= '0' && p[n] <= '9')
      count++;
  return count;
}

/* Value (last field) of the element line starting with "name ". */
static double element_value(const char *text, const char *name)
{
  char key[64];
  snprintf(key, sizeof key, "\n%s ", name);
  const char *p = strstr(text, key);
  ck_assert_msg(p != NULL, "no element %s", name);
  const char *eol = strchr(p + 1, '\n');
  const char *sp = eol;
  while (sp > p && sp[-1] != ' ')
    sp--;
  return strtod(sp, NULL);
}

/* ---- netlist writer ------------------------------------------------------ */

START_TEST(test_netlist_layout)
{
  enum { N = 2, M = 3 };
  xb_array_params p = params(0, 3, 2);
  xb_array *a = xb_array_create(N, M, &p, NULL);
  double g[N * M] = {1e-5, 0.0, 3e-5, 4e-5, 5e-5, 6e-5};
  double rwr[N * (M - 1)] = {0.1, 0.2, 0.3, 0.4};
  double rwc[(N - 1) * M] = {1.0 / 3, 0.6, 0.7};
  ck_assert_int_eq(xb_array_set_g(a, g, NULL), XB_OK);
  ck_assert_int_eq(xb_array_set_rw(a, XB_ROW, rwr, NULL), XB_OK);
  ck_assert_int_eq(xb_array_set_rw(a, XB_COL, rwc, NULL), XB_OK);
  xb_line l = {XB_LINE_DRIVE, 0.3, XB_END_BOTH, 17.0};
  ck_assert_int_eq(xb_array_set_line(a, XB_ROW, 0, &l, NULL), XB_OK);
  ck_assert_int_eq(xb_array_float(a, XB_ROW, 1, NULL), XB_OK);
  xb_err e;
  char *net = xb_spice_netlist_string(a, NULL, &e);
  ck_assert_msg(net != NULL, "%s", e.msg);
  ck_assert_int_eq(count_elements(net, "rr"), N * (M - 1));
  ck_assert_int_eq(count_elements(net, "rc"), (N - 1) * M);
  ck_assert_int_eq(count_elements(net, "rx"), N * M - 1); /* g = 0 left out */
  ck_assert_ptr_null(strstr(net, "\nrx0_1 "));
  ck_assert_int_eq(count_elements(net, "rsrow"), 2); /* row 0, both ends */
  ck_assert_int_eq(count_elements(net, "vrow"), 2);  /* row 1 floats */
  ck_assert_int_eq(count_elements(net, "rscol"), M); /* far ends */
  ck_assert_int_eq(count_elements(net, "vcol"), M);
  ck_assert_ptr_nonnull(strstr(net, "\nrsrow0f r0_2 sr0f 17\n"));
  ck_assert_ptr_nonnull(
      strstr(net, "\nvrow0n sr0n 0 dc 0.29999999999999999\n"));
  ck_assert_ptr_nonnull(strstr(net, "\nrscol2f c1_2 sc2f 1\n"));
  /* Every number reads back as the same double. */
  ck_assert(element_value(net, "rr1_1") == 0.4);
  ck_assert(element_value(net, "rc0_0") == 1.0 / 3);
  ck_assert(element_value(net, "rx1_2") == 1.0 / 6e-5);
  size_t len = strlen(net);
  ck_assert_str_eq(net + len - 10, "\n.op\n.end\n");
  free(net);

  /* Options: title and analysis card. */
  xb_spice_netlist_opts o;
  xb_spice_netlist_opts_default(&o);
  o.title = "my deck";
  o.analysis = ".options reltol=1e-6\n.op";
  net = xb_spice_netlist_string(a, &o, NULL);
  ck_assert_ptr_nonnull(net);
  ck_assert(strncmp(net, "my deck\n", 8) == 0);
  ck_assert_ptr_nonnull(strstr(net, "\n.options reltol=1e-6\n.op\n.end\n"));
  free(net);
  o.title = "two\nlines";
  ck_assert_ptr_null(xb_spice_netlist_string(a, &o, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  ck_assert_int_eq(xb_spice_netlist(NULL, NULL, stdout, &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_netlist(a, NULL, NULL, &e), XB_EINVAL);
  xb_array_free(a);
}
END_TEST

START_TEST(test_branch_name)
{
  char buf[32];
  ck_assert_int_eq(xb_spice_branch_name(XB_COL, 12, XB_END_FAR, buf,
                                        sizeof buf),
                   XB_OK);
  ck_assert_str_eq(buf, "vcol12f#branch");
  ck_assert_int_eq(xb_spice_branch_name(XB_ROW, 3, XB_END_NEAR, buf,
                                        sizeof buf),
                   XB_OK);
  ck_assert_str_eq(buf, "vrow3n#branch");
  ck_assert_int_eq(xb_spice_branch_name(XB_ROW, 3, XB_END_NEAR, buf, 5),
                   XB_ESIZE);
  ck_assert_str_eq(buf, "vrow");
  ck_assert_int_eq(xb_spice_branch_name(XB_ROW, 3, XB_END_BOTH, buf,
                                        sizeof buf),
                   XB_EINVAL);
  ck_assert_int_eq(xb_spice_branch_name(7, 3, XB_END_NEAR, buf, sizeof buf),
                   XB_EINVAL);
}
END_TEST

START_TEST(test_max_rel_err)
{
  double x[3] = {1.0, 2.0 + 2e-6, 0.0}, r[3] = {1.0, 2.0, 0.0};
  ck_assert(fabs(xb_spice_max_rel_err(x, r, 3) - 1e-6) < 1e-15);
  ck_assert(xb_spice_max_rel_err(x, r, 0) == 0);
  x[2] = 1e-30;
  ck_assert(isinf(xb_spice_max_rel_err(x, r, 3)));
  x[2] = NAN;
  ck_assert(isnan(xb_spice_max_rel_err(x, r, 3)));
  ck_assert(isnan(xb_spice_max_rel_err(NULL, r, 3)));
}
END_TEST

/* ---- ngspice against closed forms and against xbar ----------------------- */

START_TEST(test_1x1_ohm)
{
  const double rd = 100.0, rs = 50.0, g = 1e-5, V = 0.7;
  xb_array_params p = params(0, 1, 2);
  p.r_drive = rd;
  p.r_sense = rs;
  xb_array *a = xb_array_create(1, 1, &p, NULL);
  xb_array_set_g(a, &g, NULL);
  xb_array_drive(a, XB_ROW, 0, V, NULL);
  xb_spice *s = runner();
  double ir, ic;
  xb_err e;
  ck_assert_msg(xb_spice_array_currents(s, a, &ir, &ic, &e) == XB_OK, "%s",
                e.msg);
  double I = V / (rd + 1.0 / g + rs);
  ck_assert_rel(ic, I, 1e-12);
  ck_assert_rel(ir, -I, 1e-12);
  /* The node voltage behind the driver, read as a vector. */
  double v[2];
  size_t len = 0;
  ck_assert_int_eq(xb_spice_vec(s, "V(R0_0)", v, 2, &len, &e), XB_OK);
  ck_assert_uint_eq(len, 1);
  ck_assert_rel(v[0], V - I * rd, 1e-12);
  ck_assert_ptr_nonnull(strstr(xb_spice_output(s), "stdout Circuit: xbar"));
  xb_spice_free(s);
  xb_array_free(a);
}
END_TEST

/* One random read of an n x n array, compared line by line with ngspice.
 * range 0: PCMO 6.4e-9..4.3e-8 S, 1: 1e-5..1e-4 S; unselected rows float
 * or sit at 0.5 V; about 35 % of the rows are selected at 0.1..0.3 V;
 * wires 0.317..0.951 Ohm per segment, each its own. */
static void cross_check(xb_spice *s, size_t n, int range, int unselected,
                        int solver, int row_ends, int col_ends,
                        uint64_t seed)
{
  enum { NMAX = 16 };
  ck_assert_uint_le(n, NMAX);
  xb_array_params p = params(solver, row_ends, col_ends);
  xb_err e;
  xb_array *a = xb_array_create(n, n, &p, &e);
  ck_assert_msg(a != NULL, "%s", e.msg);
  double g[NMAX * NMAX], rwr[NMAX * NMAX], rwc[NMAX * NMAX], v[NMAX];
  unsigned char active[NMAX];
  double lo = range ? 1e-5 : 6.4e-9, hi = range ? 1e-4 : 4.3e-8;
  for (size_t k = 0; k < n * n; k++)
    g[k] = lo + (hi - lo) * xb_rng_uniform(seed, 1, k);
  for (size_t k = 0; k < n * (n - 1); k++) {
    rwr[k] = 0.634 * (0.5 + xb_rng_uniform(seed, 2, k));
    rwc[k] = 0.634 * (0.5 + xb_rng_uniform(seed, 3, k));
  }
  int nact = 0;
  for (size_t i = 0; i < n; i++) {
    v[i] = 0.1 + 0.2 * xb_rng_uniform(seed, 4, i);
    active[i] = xb_rng_uniform(seed, 5, i) < 0.35;
    nact += active[i];
  }
  if (!nact)
    active[0] = 1;
  ck_assert_int_eq(xb_array_set_g(a, g, NULL), XB_OK);
  ck_assert_int_eq(xb_array_set_rw(a, XB_ROW, rwr, NULL), XB_OK);
  ck_assert_int_eq(xb_array_set_rw(a, XB_COL, rwc, NULL), XB_OK);
  double ic[NMAX], ir[NMAX], sc[NMAX], sr[NMAX];
  ck_assert_msg(xb_array_read(a, XB_ROW, v, active, unselected, 0.5, 0.0, ic,
                              &e) == XB_OK,
                "%s", e.msg);
  xb_array_line_i(a, XB_ROW, ir);
  ck_assert_msg(xb_spice_array_currents(s, a, sr, sc, &e) == XB_OK, "%s\n%s",
                e.msg, xb_spice_output(s));
  double ec = xb_spice_max_rel_err(ic, sc, n);
  double er = xb_spice_max_rel_err(ir, sr, n);
  ck_assert_msg(ec <= 1e-6,
                "%zux%zu range %d unselected %d solver %d ends %d/%d: "
                "column currents off by %.3g",
                n, n, range, unselected, solver, row_ends, col_ends, ec);
  ck_assert_msg(er <= 1e-6,
                "%zux%zu range %d unselected %d solver %d ends %d/%d: "
                "row currents off by %.3g",
                n, n, range, unselected, solver, row_ends, col_ends, er);
  /* Floating rows carry no current in either. */
  for (size_t i = 0; i < n; i++)
    if (!active[i] && unselected == XB_LINE_FLOAT)
      ck_assert(ir[i] == 0 && sr[i] == 0);
  /* The positive drive gives positive read currents. */
  for (size_t j = 0; j < n; j++)
    ck_assert(sc[j] > 0);
  xb_array_free(a);
}

static void cross_check_size(size_t n)
{
  xb_spice *s = runner();
  uint64_t seed = 100 * n;
  for (int range = 0; range < 2; range++)
    for (int mode = 0; mode < 2; mode++)
      for (int ends = 0; ends < 2; ends++)
        for (int solver = 0; solver < 2; solver++)
          cross_check(s, n, range, mode ? XB_LINE_DRIVE : XB_LINE_FLOAT,
                      solver, ends ? 3 : 1, ends ? 3 : 2, seed++);
  xb_spice_free(s);
}

START_TEST(test_cross_8x8) { cross_check_size(8); }
END_TEST

START_TEST(test_cross_16x16) { cross_check_size(16); }
END_TEST

/* Open cells (g = 0) are left out of the netlist: same open circuit. */
START_TEST(test_cross_open_cells)
{
  enum { N = 8 };
  xb_array_params p = params(0, 1, 2);
  xb_array *a = xb_array_create(N, N, &p, NULL);
  double g[N * N], v[N], ic[N], sc[N];
  for (size_t k = 0; k < N * N; k++)
    g[k] = xb_rng_uniform(9, 1, k) < 0.2
               ? 0.0
               : 1e-5 + 9e-5 * xb_rng_uniform(9, 2, k);
  for (size_t i = 0; i < N; i++)
    v[i] = 0.2;
  xb_array_set_g(a, g, NULL);
  xb_err e;
  ck_assert_int_eq(xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0, ic,
                                 &e),
                   XB_OK);
  xb_spice *s = runner();
  ck_assert_msg(xb_spice_array_currents(s, a, NULL, sc, &e) == XB_OK, "%s",
                e.msg);
  ck_assert_double_le(xb_spice_max_rel_err(ic, sc, N), 1e-6);
  xb_spice_free(s);
  xb_array_free(a);
}
END_TEST

/* A cell type of our own: each cell as two resistors 1/(2g) in series
 * through a midpoint node, with a .param preamble. Same currents. */
static int halves_preamble(FILE *f, const xb_array *a, void *ctx,
                           xb_err *err)
{
  fprintf(f, ".param split=2\n");
  return XB_OK;
}

static int halves_cell(FILE *f, const xb_array *a, size_t i, size_t j,
                       const char *rn, const char *cn, double g, void *ctx,
                       xb_err *err)
{
  int *calls = ctx;
  (*calls)++;
  if (g > 0) {
    fprintf(f, "rxa%zu_%zu %s m%zu_%zu %.17g\n", i, j, rn, i, j, 0.5 / g);
    fprintf(f, "rxb%zu_%zu m%zu_%zu %s {%.17g/split}\n", i, j, i, j, cn,
            1.0 / g);
  }
  return XB_OK;
}

static const xb_spice_cell_type halves = {"halves", halves_preamble,
                                          halves_cell};

START_TEST(test_cell_type_hook)
{
  enum { N = 8 };
  xb_array_params p = params(1, 1, 2);
  xb_array *a = xb_array_create(N, N, &p, NULL);
  double g[N * N], v[N], ic[N], sc[N];
  for (size_t k = 0; k < N * N; k++)
    g[k] = 1e-5 + 9e-5 * xb_rng_uniform(11, 1, k);
  for (size_t i = 0; i < N; i++)
    v[i] = 0.1 + 0.2 * xb_rng_uniform(11, 2, i);
  xb_array_set_g(a, g, NULL);
  xb_err e;
  ck_assert_int_eq(xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0, ic,
                                 &e),
                   XB_OK);
  int calls = 0;
  xb_spice_netlist_opts o;
  xb_spice_netlist_opts_default(&o);
  o.cell = &halves;
  o.cell_ctx = &calls;
  char *net = xb_spice_netlist_string(a, &o, &e);
  ck_assert_msg(net != NULL, "%s", e.msg);
  ck_assert_int_eq(calls, N * N);
  ck_assert_int_eq(count_elements(net, "rx"), 0);
  ck_assert_int_eq(count_elements(net, "rxa"), N * N);
  xb_spice *s = runner();
  ck_assert_msg(xb_spice_load(s, net, &e) == XB_OK, "%s", e.msg);
  free(net);
  ck_assert_msg(xb_spice_run(s, &e) == XB_OK, "%s", e.msg);
  for (size_t j = 0; j < N; j++) {
    char name[32];
    xb_spice_branch_name(XB_COL, j, XB_END_FAR, name, sizeof name);
    ck_assert_int_eq(xb_spice_vec(s, name, &sc[j], 1, NULL, &e), XB_OK);
  }
  ck_assert_double_le(xb_spice_max_rel_err(ic, sc, N), 1e-6);
  xb_spice_free(s);
  xb_array_free(a);
}
END_TEST

/* Sinh cells I = g v0 sinh(V / v0) as B-sources against xbar's Newton
 * iteration; the resistor cell type refuses them. */
typedef struct sinh_ctx {
  double v0; /* V */
} sinh_ctx;

static int sinh_cell(FILE *f, const xb_array *a, size_t i, size_t j,
                     const char *rn, const char *cn, double g, void *ctx,
                     xb_err *err)
{
  const sinh_ctx *c = ctx;
  fprintf(f, "bx%zu_%zu %s %s i=%.17g*sinh(v(%s,%s)/%.17g)\n", i, j, rn, cn,
          g * c->v0, rn, cn, c->v0);
  return XB_OK;
}

static const xb_spice_cell_type sinh_type = {"sinh", NULL, sinh_cell};

START_TEST(test_cross_sinh_cells)
{
  enum { N = 8 };
  xb_elec_params el;
  xb_param_defaults(&xb_elec_param_set, &el);
  el.iv = 1;
  el.v_iv = 0.15;
  xb_linear_params lp;
  xb_param_defaults(&xb_linear_param_set, &lp);
  lp.gmin = 1e-5;
  lp.gmax = 1e-4;
  xb_device *d = xb_device_create(xb_device_linear, &lp, NULL, &el, NULL,
                                  NULL);
  ck_assert_ptr_nonnull(d);
  xb_cells *c = xb_cells_create(d, N * N, 1, NULL);
  for (size_t k = 0; k < N * N; k++)
    xb_cells_set_g(c, k, 1e-5 + 9e-5 * xb_rng_uniform(13, 1, k), NULL);
  xb_array_params p = params(0, 1, 2);
  p.newton_tol = 1e-12;
  p.tol = 1e-12;
  xb_array *a = xb_array_create(N, N, &p, NULL);
  ck_assert_int_eq(xb_array_set_cells(a, c, NULL), XB_OK);
  double v[N], ic[N], sc[N];
  for (size_t i = 0; i < N; i++)
    v[i] = 0.2 + 0.2 * xb_rng_uniform(13, 2, i);
  xb_err e;
  ck_assert_msg(xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0, ic,
                              &e) == XB_OK,
                "%s", e.msg);
  /* Resistor cells would be a different network. */
  ck_assert_ptr_null(xb_spice_netlist_string(a, NULL, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  sinh_ctx ctx = {el.v_iv};
  xb_spice_netlist_opts o;
  xb_spice_netlist_opts_default(&o);
  o.cell = &sinh_type;
  o.cell_ctx = &ctx;
  o.analysis = ".options reltol=1e-12 abstol=1e-18 vntol=1e-15\n.op";
  char *net = xb_spice_netlist_string(a, &o, &e);
  ck_assert_msg(net != NULL, "%s", e.msg);
  xb_spice *s = runner();
  ck_assert_msg(xb_spice_load(s, net, &e) == XB_OK, "%s", e.msg);
  free(net);
  ck_assert_msg(xb_spice_run(s, &e) == XB_OK, "%s", e.msg);
  for (size_t j = 0; j < N; j++) {
    char name[32];
    xb_spice_branch_name(XB_COL, j, XB_END_FAR, name, sizeof name);
    ck_assert_int_eq(xb_spice_vec(s, name, &sc[j], 1, NULL, &e), XB_OK);
  }
  ck_assert_double_le(xb_spice_max_rel_err(ic, sc, N), 1e-6);
  xb_spice_free(s);
  xb_array_free(a);
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

static const char *good_deck = "divider\n"
                               "v1 1 0 dc 1\n"
                               "r1 1 2 1k\n"
                               "r2 2 0 3k\n"
                               ".op\n"
                               ".end\n";

START_TEST(test_syntax_error)
{
  xb_spice *s = runner();
  xb_err e;
  int rc = xb_spice_load(s,
                         "bad deck\n"
                         "v1 1 0 dc 1\n"
                         "r1 1 0 1k\n"
                         ".foo bar\n"
                         ".op\n"
                         ".end\n",
                         &e);
  ck_assert_int_eq(rc, XB_EEXTERNAL);
  ck_assert_int_eq(e.code, XB_EEXTERNAL);
  ck_assert_msg(strstr(e.msg, ".foo bar") != NULL, "%s", e.msg);
  ck_assert_int_eq(xb_spice_run(s, &e), XB_EEXTERNAL); /* nothing loaded */
  /* A bad value on a source card. */
  ck_assert_int_eq(xb_spice_load(s, "t\nv1 1 0 dc abc\nr1 1 0 1\n.op\n.end",
                                 &e),
                   XB_EEXTERNAL);
  ck_assert_msg(strstr(e.msg, "abc") != NULL, "%s", e.msg);
  /* The runner recovers with the next good deck. */
  ck_assert_msg(xb_spice_load(s, good_deck, &e) == XB_OK, "%s", e.msg);
  ck_assert_msg(xb_spice_run(s, &e) == XB_OK, "%s", e.msg);
  double i;
  ck_assert_int_eq(xb_spice_vec(s, "v1#branch", &i, 1, NULL, &e), XB_OK);
  ck_assert_rel(i, -1.0 / 4000, 1e-12);
  xb_spice_free(s);
}
END_TEST

START_TEST(test_floating_node)
{
  xb_spice *s = runner();
  xb_err e;
  ck_assert_int_eq(xb_spice_load(s,
                                 "floating pair\n"
                                 "v1 1 0 dc 1\n"
                                 "r1 1 0 1k\n"
                                 "r2 2 3 1k\n"
                                 ".op\n"
                                 ".end\n",
                                 &e),
                   XB_OK);
  ck_assert_int_eq(xb_spice_run(s, &e), XB_ESINGULAR);
  ck_assert_msg(strstr(e.msg, "singular") != NULL, "%s", e.msg);
  /* Two sources in parallel: a loop of voltage sources. */
  ck_assert_int_eq(
      xb_spice_load(s, "loop\nv1 1 0 dc 1\nv2 1 0 dc 2\nr1 1 0 1k\n.op\n.end",
                    &e),
      XB_OK);
  ck_assert_int_ne(xb_spice_run(s, &e), XB_OK);
  /* No analysis card. */
  ck_assert_int_eq(xb_spice_load(s, "no job\nv1 1 0 dc 1\nr1 1 0 1\n.end",
                                 &e),
                   XB_OK);
  ck_assert_int_eq(xb_spice_run(s, &e), XB_EEXTERNAL);
  ck_assert_int_eq(xb_spice_command(s, "op", &e), XB_OK);
  xb_spice_free(s);
}
END_TEST

/* A floating row whose cells are all open: xbar and ngspice both see a
 * singular network; the comparison leaves its outputs untouched. */
START_TEST(test_floating_array)
{
  enum { N = 4 };
  xb_array_params p = params(0, 1, 2);
  xb_array *a = xb_array_create(N, N, &p, NULL);
  double g[N * N];
  for (size_t k = 0; k < N * N; k++)
    g[k] = k / N == 2 ? 0.0 : 1e-5;
  xb_array_set_g(a, g, NULL);
  xb_array_float(a, XB_ROW, 2, NULL);
  xb_err e;
  ck_assert_int_eq(xb_array_solve(a, &e), XB_ESINGULAR);
  xb_spice *s = runner();
  double ir[N], ic[N];
  for (size_t k = 0; k < N; k++)
    ir[k] = ic[k] = 42.0;
  ck_assert_int_eq(xb_spice_array_currents(s, a, ir, ic, &e), XB_ESINGULAR);
  for (size_t k = 0; k < N; k++)
    ck_assert(ir[k] == 42.0 && ic[k] == 42.0);
  xb_spice_free(s);
  xb_array_free(a);
}
END_TEST

START_TEST(test_vectors)
{
  xb_spice *s = runner();
  xb_err e;
  ck_assert_int_eq(xb_spice_load(s, good_deck, &e), XB_OK);
  ck_assert_int_eq(xb_spice_run(s, &e), XB_OK);
  double v[4] = {7, 7, 7, 7};
  size_t len = 99;
  ck_assert_int_eq(xb_spice_vec(s, "nosuch", v, 4, &len, &e), XB_EKEY);
  ck_assert_int_eq(e.code, XB_EKEY);
  ck_assert_str_eq(e.param, "nosuch");
  ck_assert_uint_eq(len, 99);
  ck_assert_int_eq(xb_spice_vec(s, "v(2)", NULL, 0, &len, &e), XB_OK);
  ck_assert_uint_eq(len, 1);
  ck_assert_int_eq(xb_spice_vec(s, "v(2)", v, 0, &len, &e), XB_ESIZE);
  ck_assert(v[0] == 7);
  ck_assert_int_eq(xb_spice_vec(s, "v(2)", v, 4, &len, &e), XB_OK);
  ck_assert_rel(v[0], 0.75, 1e-12);
  ck_assert(v[1] == 7);
  ck_assert_int_eq(xb_spice_vec(s, "", v, 4, &len, &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_vec(s, NULL, v, 4, &len, &e), XB_EINVAL);
  /* A new load deletes the old vectors. */
  ck_assert_int_eq(xb_spice_load(s, "other\nv9 5 0 dc 1\nr9 5 0 1\n.op\n.end",
                                 &e),
                   XB_OK);
  ck_assert_int_eq(xb_spice_vec(s, "v(2)", v, 4, &len, &e), XB_EKEY);
  xb_spice_free(s);
}
END_TEST

START_TEST(test_bad_calls)
{
  xb_spice *s = runner();
  xb_err e;
  ck_assert_int_eq(xb_spice_load(NULL, good_deck, &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_load(s, NULL, &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_load(s, "title\nr1 1 0 1\n", &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_load(s, ".end", &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_load(s, "", &e), XB_EINVAL);
  /* CRLF and trailing blank lines are fine. */
  ck_assert_int_eq(xb_spice_load(s, "t\r\nv1 1 0 dc 2\r\nr1 1 0 4\r\n.op\r\n"
                                    " .END \r\n\r\n\n",
                                 &e),
                   XB_OK);
  ck_assert_int_eq(xb_spice_run(s, &e), XB_OK);
  double i;
  ck_assert_int_eq(xb_spice_vec(s, "v1#branch", &i, 1, NULL, &e), XB_OK);
  ck_assert_rel(i, -0.5, 1e-12);
  ck_assert_int_eq(xb_spice_command(s, "bg_run", &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_command(s, "  RemCirc", &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_command(s, NULL, &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_command(s, "nonsensecmd", &e), XB_EEXTERNAL);
  ck_assert_int_eq(xb_spice_run(NULL, &e), XB_EINVAL);
  ck_assert_int_eq(xb_spice_array_currents(s, NULL, NULL, NULL, &e),
                   XB_EINVAL);
  ck_assert_str_eq(xb_spice_output(NULL), "");
  ck_assert_int_eq(xb_spice_alive(NULL), 0);
  ck_assert_int_eq(xb_spice_alive(s), 1);
  xb_spice_free(s);
  xb_spice_free(NULL);
}
END_TEST

/* "quit" makes ngspice call ControlledExit: the runner dies, the process
 * does not. */
START_TEST(test_quit)
{
  xb_spice *s = runner();
  xb_err e;
  ck_assert_int_eq(xb_spice_load(s, good_deck, &e), XB_OK);
  ck_assert_int_eq(xb_spice_command(s, "quit", &e), XB_OK);
  ck_assert_int_eq(xb_spice_alive(s), 0);
  ck_assert_int_eq(xb_spice_load(s, good_deck, &e), XB_EEXTERNAL);
  ck_assert_int_eq(xb_spice_run(s, &e), XB_EEXTERNAL);
  ck_assert_int_eq(xb_spice_command(s, "op", &e), XB_EEXTERNAL);
  double v;
  ck_assert_int_eq(xb_spice_vec(s, "v(2)", &v, 1, NULL, &e), XB_EEXTERNAL);
  xb_spice_free(s);
}
END_TEST

/* Runners one after another in one process (ngSpice_Init again). */
START_TEST(test_runner_again)
{
  for (int round = 0; round < 3; round++) {
    xb_spice *s = runner();
    xb_err e;
    ck_assert_int_eq(xb_spice_load(s, good_deck, &e), XB_OK);
    ck_assert_int_eq(xb_spice_run(s, &e), XB_OK);
    double v;
    ck_assert_int_eq(xb_spice_vec(s, "v(2)", &v, 1, NULL, &e), XB_OK);
    ck_assert_rel(v, 0.75, 1e-12);
    xb_spice_free(s);
  }
}
END_TEST

static Suite *spice_suite(void)
{
  Suite *s = suite_create("spice");
  TCase *tc = tcase_create("netlist");
  tcase_add_test(tc, test_netlist_layout);
  tcase_add_test(tc, test_branch_name);
  tcase_add_test(tc, test_max_rel_err);
  suite_add_tcase(s, tc);

  tc = tcase_create("cross");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_1x1_ohm);
  tcase_add_test(tc, test_cross_8x8);
  tcase_add_test(tc, test_cross_16x16);
  tcase_add_test(tc, test_cross_open_cells);
  tcase_add_test(tc, test_cell_type_hook);
  tcase_add_test(tc, test_cross_sinh_cells);
  suite_add_tcase(s, tc);

  tc = tcase_create("runner");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_syntax_error);
  tcase_add_test(tc, test_floating_node);
  tcase_add_test(tc, test_floating_array);
  tcase_add_test(tc, test_vectors);
  tcase_add_test(tc, test_bad_calls);
  tcase_add_test(tc, test_runner_again);
  /* Last: with CK_FORK=no (valgrind, gdb) "quit" ends ngspice for the
   * rest of the process. */
  tcase_add_test(tc, test_quit);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(spice_suite)
