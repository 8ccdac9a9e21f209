/*
 * Transient integrate-and-fire array read: xb_read_transient against
 * ngspice running the same circuit as a behavioral deck
 * (xb_spice_read_transient), against the fast path, and against closed
 * forms.
 *
 *   - Acceptance: full transient (IDA + KLU, method 1) vs ngspice at
 *     16 x 16: identical spike counts in every column, and spike times
 *     within a few ngspice time steps. Three reads: D.v with the inactive
 *     rows floating (differential circuit), D.v with them at a 500 mV bias
 *     (single-ended circuit without ATB), and D^T.v with falling inputs
 *     (columns driven at 0 V, every sensed row configured for polarity -1).
 *   - Negligible RC (cw 1e-21 F, cr 0, Rw 1 mOhm) and a stiff 20 V drive:
 *     the transient (both methods) and ngspice count what the fast path
 *     (DC column currents through xb_read_count, as xb_read_dz does)
 *     counts, in every column.
 *   - Ideal comparator (t_delay 0, r_reset 10 mOhm, V_tl 1 uV above
 *     V_reset) on a single column: floor(I T / (C dV)). (r_reset must
 *     keep I r_reset below V_tl - V_reset, or the reset cannot end.)
 *   - The ngspice deck alone: spike times of a 1 x 1 array against the
 *     closed form of a Thevenin source charging C (both phases are single
 *     exponentials), a falling-input read mirrors a rising one exactly, the
 *     deck's element counts, refused inputs with the outputs and the array
 *     left unchanged.
 * Cells are drawn so that every column current (fast path) lies in
 * [1, 7] uA and at least 1% from a count boundary; for the acceptance reads
 * (1 V drive, where the column current sags as the node rises) each column
 * must also keep its count when the window is moved by +-0.5%, checked
 * with the reduced transient. Columns that fail are redrawn.
 *
 * ngspice takes about 3 s per 16 x 16 read; the file runs in about 30 s.
 */
#include <stdio.h>
#include <string.h>

#include <xbar/array.h>
#include <xbar/read.h>
#include <xbar/rng.h>
#include <xbar/spice.h>
#include <xbar/spice_read.h>

#include "xb_check.h"

#define CAP 16 /* spike times kept per line */

static xb_spice *runner(void)
{
  xb_err e;
  xb_spice *s = xb_spice_create(&e);
  ck_assert_msg(s != NULL, "%s", e.msg);
  return s;
}

/* A circuit of type t with its defaults changed by `edit` (may be NULL). */
static xb_read *circuit(const xb_read_type *t,
                        void (*edit)(xb_read_params *p))
{
  xb_read_params p;
  t->defaults(&p);
  p.atb_dv = 0; /* the ngspice deck has no ATB */
  if (edit)
    edit(&p);
  xb_err e;
  xb_read *r = xb_read_create(t, &p, &e);
  ck_assert_msg(r != NULL, "%s", e.msg);
  return r;
}

static xb_read *with_window(const xb_read *r, double scale)
{
  xb_read_params p = *xb_read_params_of(r);
  p.window *= scale;
  xb_read *q = xb_read_create(xb_read_type_of(r), &p, NULL);
  ck_assert_ptr_nonnull(q);
  return q;
}

/* ---- drawing cells -------------------------------------------------------- */

/* One read: the input lines, which are active, what the others do. */
typedef struct read_setup {
  int in_axis;
  size_t nin, nout;
  double v_in[64];
  unsigned char active[64];
  int unselected;
  double v_bias;
  signed char polarity[64];
} read_setup;

static size_t cell_index(const read_setup *rs, size_t in, size_t out)
{
  /* Row-major N x M: the input line is the row for D.v, the column for
   * D^T.v. */
  return rs->in_axis == XB_ROW ? in * rs->nout + out : out * rs->nin + in;
}

/* Cells of sensed line k, attempt `draw`: factors u in (0.5, 1.5) scaled so
 * the active inputs give a target current uniform in (1.2, 6.8) uA at
 * V_reset (ideal column, no wires). */
static void draw_line(const read_setup *rs, double v_reset, uint64_t seed,
                      size_t k, uint64_t draw, double *g)
{
  double target =
      1.2e-6 + 5.6e-6 * xb_rng_uniform(seed, 1, k * 1000 + draw);
  double s = 0;
  for (size_t i = 0; i < rs->nin; i++) {
    double u = 0.5 + xb_rng_uniform(seed, 2 + k, draw * rs->nin + i);
    g[cell_index(rs, i, k)] = u;
    if (rs->active[i])
      s += u * fabs(rs->v_in[i] - v_reset);
  }
  for (size_t i = 0; i < rs->nin; i++)
    g[cell_index(rs, i, k)] *= target / s;
}

/* The count of line k does not change within +-1% of its fast-path
 * current, which lies in [1, 7] uA. */
static int fast_margin_ok(const xb_read *r, double current)
{
  double I = fabs(current);
  if (I < 1e-6 || I > 7e-6)
    return 0;
  int n0, n1, n2;
  ck_assert_int_eq(xb_read_count(r, I, &n0, NULL), XB_OK);
  ck_assert_int_eq(xb_read_count(r, 0.99 * I, &n1, NULL), XB_OK);
  ck_assert_int_eq(xb_read_count(r, 1.01 * I, &n2, NULL), XB_OK);
  return n0 == n1 && n0 == n2;
}

/* Draw cells into `a` until every sensed line passes the fast-path margin
 * and, when window_margin, keeps its reduced-transient count with the
 * window moved by +-0.5% (the transient boundary, sagging currents
 * included). Returns the fast-path currents in I. */
static void pick_cells(xb_array *a, const xb_read *r, const read_setup *rs,
                       const xb_transient_params *tp, int window_margin,
                       uint64_t seed, double *I)
{
  double g[64 * 64];
  uint64_t draw[64] = {0};
  double vr = xb_read_params_of(r)->v_reset;
  xb_read *lo = with_window(r, 0.995), *hi = with_window(r, 1.005);
  for (size_t k = 0; k < rs->nout; k++)
    draw_line(rs, vr, seed, k, 0, g);
  int done = 0;
  for (int it = 0; it < 200 && !done; it++) {
    ck_assert_int_eq(xb_array_set_g(a, g, NULL), XB_OK);
    xb_err e;
    ck_assert_msg(xb_array_read(a, rs->in_axis, rs->v_in, rs->active,
                                rs->unselected, rs->v_bias, vr, I,
                                &e) == XB_OK,
                  "%s", e.msg);
    int bad[64] = {0};
    done = 1;
    for (size_t k = 0; k < rs->nout; k++)
      if (!fast_margin_ok(r, I[k])) {
        bad[k] = 1;
        done = 0;
      }
    if (done && window_margin) {
      int s0[64], s1[64], s2[64];
      xb_transient_params q = *tp;
      q.method = 0;
      const xb_read *rr[3] = {r, lo, hi};
      int *ss[3] = {s0, s1, s2};
      for (int v = 0; v < 3; v++)
        ck_assert_msg(xb_read_transient(rr[v], a, rs->in_axis, rs->v_in,
                                        rs->active, rs->unselected,
                                        rs->v_bias, rs->polarity, &q, ss[v],
                                        NULL, 0, NULL, &e) == XB_OK,
                      "%s", e.msg);
      for (size_t k = 0; k < rs->nout; k++)
        if (s0[k] != s1[k] || s0[k] != s2[k]) {
          bad[k] = 1;
          done = 0;
        }
    }
    for (size_t k = 0; k < rs->nout; k++)
      if (bad[k])
        draw_line(rs, vr, seed, k, ++draw[k], g);
  }
  ck_assert_msg(done, "no cells found with every line off a count boundary");
  xb_read_free(lo);
  xb_read_free(hi);
}

static void setup_inputs(read_setup *rs, int in_axis, size_t nin,
                         size_t nout, double v, int every, int unselected,
                         double v_bias, int polarity)
{
  memset(rs, 0, sizeof *rs);
  rs->in_axis = in_axis;
  rs->nin = nin;
  rs->nout = nout;
  for (size_t i = 0; i < nin; i++) {
    rs->v_in[i] = v;
    rs->active[i] = i % (size_t)every == 1 % (size_t)every;
  }
  for (size_t k = 0; k < nout; k++)
    rs->polarity[k] = (signed char)polarity;
  rs->unselected = unselected;
  rs->v_bias = v_bias;
}

/* ---- acceptance: full transient vs ngspice --------------------------------- */

static void edit_none(xb_read_params *p) { (void)p; }

/* The same read in xbar (full method) and ngspice: identical counts, spike
 * times within 2 (k + 1) ngspice steps for spike k (each comparator edge
 * is late by up to one step in ngspice, see xbar/spice_read.h). */
static void compare_with_ngspice(const xb_read *r, xb_array *a,
                                 const read_setup *rs,
                                 const xb_transient_params *tp)
{
  int sx[64], sn[64];
  double tx[64 * CAP], tn[64 * CAP];
  xb_err e;
  xb_transient_params full = *tp;
  full.method = 1;
  xb_transient_stats st;
  ck_assert_msg(xb_read_transient(r, a, rs->in_axis, rs->v_in, rs->active,
                                  rs->unselected, rs->v_bias, rs->polarity,
                                  &full, sx, tx, CAP, &st, &e) == XB_OK,
                "xbar: %s", e.msg);
  xb_spice *s = runner();
  ck_assert_msg(xb_spice_read_transient(s, r, a, rs->in_axis, rs->v_in,
                                        rs->active, rs->unselected,
                                        rs->v_bias, rs->polarity, tp, sn, tn,
                                        CAP, &e) == XB_OK,
                "ngspice: %s", e.msg);
  xb_spice_free(s);
  double h = xb_read_params_of(r)->window / 4000;
  int total = 0;
  for (size_t k = 0; k < rs->nout; k++) {
    ck_assert_msg(sx[k] == sn[k], "line %zu: xbar %d spikes, ngspice %d", k,
                  sx[k], sn[k]);
    ck_assert_int_gt(sx[k], 0);
    total += sx[k];
    for (int q = 0; q < sx[k] && q < CAP; q++)
      ck_assert_msg(fabs(tx[k * CAP + q] - tn[k * CAP + q]) <=
                        2.0 * (q + 1) * h,
                    "line %zu spike %d: xbar %.6g s, ngspice %.6g s", k, q,
                    tx[k * CAP + q], tn[k * CAP + q]);
  }
  ck_assert_int_gt(total, (int)rs->nout); /* not a trivial read */
}

START_TEST(test_full_vs_ngspice_floating)
{
  enum { N = 16, M = 16 };
  xb_read *r = circuit(xb_read_diff, edit_none);
  xb_array *a = xb_array_create(N, M, NULL, NULL);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  read_setup rs;
  setup_inputs(&rs, XB_ROW, N, M, 1.0, 4, XB_LINE_FLOAT, 0.5, 1);
  double I[M];
  pick_cells(a, r, &rs, &tp, 1, 11, I);
  compare_with_ngspice(r, a, &rs, &tp);
  xb_array_free(a);
  xb_read_free(r);
}
END_TEST

START_TEST(test_full_vs_ngspice_bias)
{
  enum { N = 16, M = 16 };
  xb_read *r = circuit(xb_read_se_adaptive, edit_none);
  xb_array *a = xb_array_create(N, M, NULL, NULL);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  read_setup rs;
  setup_inputs(&rs, XB_ROW, N, M, 1.0, 4, XB_LINE_DRIVE, 0.5, 1);
  double I[M];
  pick_cells(a, r, &rs, &tp, 1, 12, I);
  compare_with_ngspice(r, a, &rs, &tp);
  xb_array_free(a);
  xb_read_free(r);
}
END_TEST

START_TEST(test_full_vs_ngspice_transpose_falling)
{
  enum { N = 16, M = 16 };
  xb_read *r = circuit(xb_read_diff, edit_none);
  xb_array *a = xb_array_create(N, M, NULL, NULL);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  read_setup rs; /* columns driven at 0 V: every sensed row falls */
  setup_inputs(&rs, XB_COL, M, N, 0.0, 4, XB_LINE_FLOAT, 0.5, -1);
  double I[N];
  pick_cells(a, r, &rs, &tp, 1, 13, I);
  for (int k = 0; k < N; k++)
    ck_assert_double_lt(I[k], 0); /* current flows out of the sensed rows */
  compare_with_ngspice(r, a, &rs, &tp);
  xb_array_free(a);
  xb_read_free(r);
}
END_TEST

/* ---- negligible RC: the fast path ------------------------------------------ */

START_TEST(test_negligible_rc_fast_path)
{
  enum { N = 16, M = 16 };
  xb_read *r = circuit(xb_read_diff, edit_none);
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = 1e-3;
  xb_array *a = xb_array_create(N, M, &ap, NULL);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  tp.cw = 1e-21;
  tp.cr = 0;
  read_setup rs; /* all rows at 20 V: the current sags 0.15% at V_th */
  setup_inputs(&rs, XB_ROW, N, M, 20.0, 1, XB_LINE_FLOAT, 0.5, 1);
  double I[M];
  pick_cells(a, r, &rs, &tp, 0, 21, I);
  int fast[M], s[M];
  int total = 0;
  for (int j = 0; j < M; j++) {
    ck_assert_int_eq(xb_read_count(r, I[j], &fast[j], NULL), XB_OK);
    total += fast[j];
  }
  ck_assert_int_gt(total, 2 * M);
  xb_err e;
  for (int method = 0; method <= 1; method++) {
    tp.method = method;
    ck_assert_msg(xb_read_transient(r, a, XB_ROW, rs.v_in, rs.active,
                                    rs.unselected, 0, NULL, &tp, s, NULL, 0,
                                    NULL, &e) == XB_OK,
                  "%s", e.msg);
    for (int j = 0; j < M; j++)
      ck_assert_msg(s[j] == fast[j],
                    "method %d column %d (%.4g A): transient %d, fast %d",
                    method, j, I[j], s[j], fast[j]);
  }
  xb_spice *sp = runner();
  ck_assert_msg(xb_spice_read_transient(sp, r, a, XB_ROW, rs.v_in, rs.active,
                                        rs.unselected, 0, NULL, &tp, s, NULL,
                                        0, &e) == XB_OK,
                "%s", e.msg);
  xb_spice_free(sp);
  for (int j = 0; j < M; j++)
    ck_assert_msg(s[j] == fast[j], "column %d (%.4g A): ngspice %d, fast %d",
                  j, I[j], s[j], fast[j]);
  xb_array_free(a);
  xb_read_free(r);
}
END_TEST

/* ---- ideal comparator: floor(I T / (C dV)) --------------------------------- */

static void edit_ideal(xb_read_params *p)
{
  p->t_delay = 0;
  p->r_reset = 1e-2;
  p->v_tl = p->v_reset + 1e-6;
}

/* A 4 x 1 column driven at 100 V through 1 uOhm wires (the current sags
 * 3e-4 over the swing), cw 1e-21 F, cr 0: C = c_int. Currents put
 * x = I T / (C dV) at k + 0.25 .. k + 0.75 for k = 0..7. */
static void ideal_column(int use_spice)
{
  enum { N = 4 };
  xb_read *r = circuit(xb_read_diff, edit_ideal);
  const xb_read_params *p = xb_read_params_of(r);
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = ap.r_drive = 1e-6;
  xb_array *a = xb_array_create(N, 1, &ap, NULL);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  tp.cw = 1e-21;
  tp.cr = 0;
  tp.method = 1;
  double v[N] = {100, 100, 100, 100}, unit = p->c_int * (p->v_th - p->v_reset)
                                             / p->window;
  xb_spice *sp = use_spice ? runner() : NULL;
  for (int k = 0; k < 8; k++) {
    double x = k + 0.25 + 0.5 * xb_rng_uniform(5, 1, (uint64_t)k);
    double g[N];
    for (int i = 0; i < N; i++)
      g[i] = x * unit / (N * (v[i] - p->v_reset));
    ck_assert_int_eq(xb_array_set_g(a, g, NULL), XB_OK);
    double I;
    ck_assert_int_eq(xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0,
                                   p->v_reset, &I, NULL),
                     XB_OK);
    int want = (int)floor(I / unit), got = -1;
    ck_assert_int_eq(want, k);
    xb_err e;
    int rc = use_spice
                 ? xb_spice_read_transient(sp, r, a, XB_ROW, v, NULL,
                                           XB_LINE_FLOAT, 0, NULL, &tp, &got,
                                           NULL, 0, &e)
                 : xb_read_transient(r, a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0,
                                     NULL, &tp, &got, NULL, 0, NULL, &e);
    ck_assert_msg(rc == XB_OK, "%s", e.msg);
    ck_assert_msg(got == want, "I T / (C dV) = %.4f: %d spikes, want %d",
                  I / unit, got, want);
  }
  xb_spice_free(sp);
  xb_array_free(a);
  xb_read_free(r);
}

START_TEST(test_ideal_comparator_floor) { ideal_column(0); }
END_TEST

START_TEST(test_ideal_comparator_floor_ngspice) { ideal_column(1); }
END_TEST

/* ---- the ngspice deck on its own -------------------------------------------- */

/* Spike times of a column fed by a Thevenin source Vs behind Rs, total
 * capacitance C, read circuit p: both phases are single exponentials. */
static int thevenin_spikes(const xb_read_params *p, double vs, double rs,
                           double c, double *t_out, int cap)
{
  double v = p->v_reset, t = 0;
  int n = 0;
  for (;;) {
    double tx = v < p->v_th ? rs * c * log((vs - v) / (vs - p->v_th)) : 0;
    double tr = t + tx + p->t_delay;
    if (tr > p->window)
      return n;
    v = vs + (v - vs) * exp(-(tx + p->t_delay) / (rs * c));
    if (n < cap)
      t_out[n] = tr;
    n++;
    double G = 1 / rs + 1 / p->r_reset;
    double vinf = (vs / rs + p->v_reset / p->r_reset) / G, tau = c / G;
    double sl = v > p->v_tl ? tau * log((v - vinf) / (p->v_tl - vinf)) : 0;
    double tf = tr + sl + p->t_delay;
    if (tf > p->window)
      return n;
    v = vinf + (v - vinf) * exp(-(sl + p->t_delay) / tau);
    t = tf;
  }
}

START_TEST(test_ngspice_closed_form)
{
  xb_read *r = circuit(xb_read_diff, edit_none);
  const xb_read_params *p = xb_read_params_of(r);
  xb_array *a = xb_array_create(1, 1, NULL, NULL);
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  tp.cw = 1e-21;
  tp.cr = 0;
  xb_spice *s = runner();
  double h = p->window / 4000;
  const double v_in = 1.0;
  for (int k = 0; k < 6; k++) {
    double I = (1.1 + 1.2 * k) * 1e-6, g = I / (v_in - p->v_reset);
    ck_assert_int_eq(xb_array_set_g(a, &g, NULL), XB_OK);
    int n, nm;
    double t[CAP], tm[CAP], te[CAP];
    xb_err e;
    ck_assert_msg(xb_spice_read_transient(s, r, a, XB_ROW, &v_in, NULL,
                                          XB_LINE_FLOAT, 0, NULL, &tp, &n, t,
                                          CAP, &e) == XB_OK,
                  "%s", e.msg);
    /* r_drive (1 Ohm) in series with the cell; C = c_int + cw. */
    int ne = thevenin_spikes(p, v_in, 1.0 + 1.0 / g, p->c_int + tp.cw, te,
                             CAP);
    ck_assert_int_eq(n, ne);
    ck_assert_int_ge(n, 1);
    for (int q = 0; q < n; q++)
      ck_assert_msg(fabs(t[q] - te[q]) <= 2.0 * (q + 1) * h,
                    "I %g spike %d: ngspice %.9g s, closed form %.9g s", I,
                    q, t[q], te[q]);
    ck_assert(isnan(t[n]));
    /* Falling input: the mirrored drive (2 V_reset - v_in = 0 V) on a
     * polarity -1 circuit gives the same spikes. */
    const double v_m = 2 * p->v_reset - v_in;
    const signed char neg = -1;
    ck_assert_msg(xb_spice_read_transient(s, r, a, XB_ROW, &v_m, NULL,
                                          XB_LINE_FLOAT, 0, &neg, &tp, &nm,
                                          tm, CAP, &e) == XB_OK,
                  "%s", e.msg);
    ck_assert_int_eq(nm, n);
    for (int q = 0; q < n; q++)
      ck_assert_msg(fabs(tm[q] - t[q]) <= 0.1 * h,
                    "mirror spike %d: %.9g s vs %.9g s", q, tm[q], t[q]);
    /* The unmirrored circuit never fires on a falling node. */
    ck_assert_int_eq(xb_spice_read_transient(s, r, a, XB_ROW, &v_m, NULL,
                                             XB_LINE_FLOAT, 0, NULL, &tp,
                                             &nm, NULL, 0, &e),
                     XB_OK);
    ck_assert_int_eq(nm, 0);
  }
  xb_spice_free(s);
  xb_array_free(a);
  xb_read_free(r);
}
END_TEST

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

static int count_prefix(const char *text, const char *prefix)
{
  int count = 0;
  size_t n = strlen(prefix);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
    if (strncmp(p, prefix, n) == 0)
      count++;
  return count;
}

static int lines_equal(const xb_line *x, const xb_line *y)
{
  return x->mode == y->mode && x->v == y->v && x->ends == y->ends &&
         x->r == y->r;
}

START_TEST(test_deck_and_errors)
{
  enum { N = 3, M = 4 };
  xb_read *r = circuit(xb_read_diff, edit_none);
  xb_array *a = xb_array_create(N, M, NULL, NULL);
  double g[N * M];
  for (int k = 0; k < N * M; k++)
    g[k] = k == 5 ? 0.0 : 1e-6 * (1 + k);
  ck_assert_int_eq(xb_array_set_g(a, g, NULL), XB_OK);
  xb_line mark = {XB_LINE_SENSE, 0.123, XB_END_BOTH, 7.0}, l;
  ck_assert_int_eq(xb_array_set_line(a, XB_COL, 2, &mark, NULL), XB_OK);
  double v[N] = {1.0, 0.9, 0.8};
  unsigned char act[N] = {1, 0, 1};
  signed char pol[M] = {1, -1, 1, 1};
  xb_transient_params tp;
  xb_param_defaults(&xb_transient_param_set, &tp);
  xb_err e;
  char *deck = xb_spice_read_netlist(r, a, XB_ROW, v, act, XB_LINE_FLOAT,
                                     0.5, pol, &tp, &e);
  ck_assert_msg(deck != NULL, "%s", e.msg);
  ck_assert_int_eq(count_elements(deck, "rx"), N * M - 1); /* g = 0 */
  ck_assert_int_eq(count_elements(deck, "cx"), N * M);
  ck_assert_int_eq(count_elements(deck, "cwr"), N * M);
  ck_assert_int_eq(count_elements(deck, "cwc"), N * M);
  ck_assert_int_eq(count_elements(deck, "vrow"), 2); /* row 1 floats */
  ck_assert_int_eq(count_elements(deck, "vcol"), 0); /* read circuits */
  ck_assert_int_eq(count_elements(deck, "cint"), M);
  ck_assert_int_eq(count_elements(deck, "tdel"), M);
  ck_assert_int_eq(count_elements(deck, "sres"), M);
  ck_assert_int_eq(count_prefix(deck, ".ic v(c2_"), M); /* far end */
  ck_assert_int_eq(count_elements(deck, "eamp"), M);
  ck_assert_int_eq(count_elements(deck, "vsw"), M);
  ck_assert_ptr_nonnull(strstr(deck, "\necmp1 xbd1 0 c2_1 0 1\n"));
  /* Column 1 falls: its comparator input is K (V_reset - V). */
  ck_assert_ptr_nonnull(strstr(deck, "\neamp1 xbq1 0 xbvrs xbt1 10000\n"));
  ck_assert_ptr_nonnull(strstr(deck, "\neamp0 xbq0 0 xbt0 xbvrs 10000\n"));
  ck_assert_ptr_nonnull(strstr(deck, "\nsres3 c2_3 xbm3 xbq3 0 xbsw\n"));
  ck_assert_ptr_nonnull(strstr(deck, "\nvxbreset xbvrs 0 dc 0.5\n"));
  /* Switch thresholds K ((V_th + V_tl)/2 - V_reset) = 200 V and
   * K (V_th - V_tl)/2 = 100 V for the diff circuit (0.53 / 0.51 V). */
  double vt = 0, vh = 0, ron = 0, tstep = 0, tstop = 0, tmax = 0, t0 = -1;
  const char *m = strstr(deck, "\n.model xbsw sw ");
  ck_assert_ptr_nonnull(m);
  ck_assert_int_eq(sscanf(m, "\n.model xbsw sw vt=%lf vh=%lf ron=%lf", &vt,
                          &vh, &ron),
                   3);
  ck_assert_rel(vt, 200.0, 1e-12);
  ck_assert_rel(vh, 100.0, 1e-12);
  ck_assert_rel(ron, 300.0, 1e-15);
  const char *tr = strstr(deck, "\n.tran ");
  ck_assert_ptr_nonnull(tr);
  ck_assert_int_eq(sscanf(tr, "\n.tran %lf %lf %lf %lf", &tstep, &tstop, &t0,
                          &tmax),
                   4);
  ck_assert_rel(tstop, 4e-9, 1e-15);
  ck_assert_rel(tmax, 1e-12, 1e-12);
  ck_assert(t0 == 0);
  free(deck);
  xb_array_get_line(a, XB_COL, 2, &l);
  ck_assert(lines_equal(&l, &mark));

  /* Refused: ATB, bad polarity, bad axis, NULLs; nothing written. */
  xb_spice *s = runner();
  int spikes[M] = {-7, -7, -7, -7};
  xb_read_params pa;
  xb_read_se_adaptive->defaults(&pa);
  xb_read *atb = xb_read_create(xb_read_se_adaptive, &pa, NULL);
  ck_assert_int_eq(xb_spice_read_transient(s, atb, a, XB_ROW, v, act,
                                           XB_LINE_FLOAT, 0, NULL, NULL,
                                           spikes, NULL, 0, &e),
                   XB_EINVAL);
  ck_assert_ptr_nonnull(strstr(e.msg, "ATB"));
  pol[1] = 0;
  ck_assert_int_eq(xb_spice_read_transient(s, r, a, XB_ROW, v, act,
                                           XB_LINE_FLOAT, 0, pol, NULL,
                                           spikes, NULL, 0, &e),
                   XB_EINVAL);
  ck_assert_int_eq(xb_spice_read_transient(s, r, a, 5, v, act, XB_LINE_FLOAT,
                                           0, NULL, NULL, spikes, NULL, 0,
                                           &e),
                   XB_EINVAL);
  ck_assert_int_eq(xb_spice_read_transient(s, r, a, XB_ROW, v, act,
                                           XB_LINE_SENSE, 0, NULL, NULL,
                                           spikes, NULL, 0, &e),
                   XB_EINVAL);
  tp.cw = -1;
  ck_assert_int_ne(xb_spice_read_transient(s, r, a, XB_ROW, v, act,
                                           XB_LINE_FLOAT, 0, NULL, &tp,
                                           spikes, NULL, 0, &e),
                   XB_OK);
  ck_assert_int_eq(xb_spice_read_transient(NULL, r, a, XB_ROW, v, act,
                                           XB_LINE_FLOAT, 0, NULL, NULL,
                                           spikes, NULL, 0, &e),
                   XB_EINVAL);
  ck_assert_int_eq(xb_spice_read_transient(s, r, a, XB_ROW, NULL, act,
                                           XB_LINE_FLOAT, 0, NULL, NULL,
                                           spikes, NULL, 0, NULL),
                   XB_EINVAL);
  ck_assert_ptr_null(xb_spice_read_netlist(NULL, a, XB_ROW, v, NULL,
                                           XB_LINE_FLOAT, 0, NULL, NULL, &e));
  for (int k = 0; k < M; k++)
    ck_assert_int_eq(spikes[k], -7);
  xb_array_get_line(a, XB_COL, 2, &l);
  ck_assert(lines_equal(&l, &mark));

  /* Reads after the failures: the runner still works; with no active
   * row nothing moves and nothing fires; with rows 0 and 2 at about 1 V
   * the columns (1.5 .. 12 uA) fire, column 1 (polarity -1) does not. */
  unsigned char none[N] = {0, 0, 0};
  pol[1] = -1;
  ck_assert_msg(xb_spice_read_transient(s, r, a, XB_ROW, v, none,
                                        XB_LINE_FLOAT, 0, pol, NULL, spikes,
                                        NULL, 0, &e) == XB_OK,
                "%s", e.msg);
  for (int k = 0; k < M; k++)
    ck_assert_int_eq(spikes[k], 0);
  ck_assert_msg(xb_spice_read_transient(s, r, a, XB_ROW, v, act,
                                        XB_LINE_FLOAT, 0, pol, NULL, spikes,
                                        NULL, 0, &e) == XB_OK,
                "%s", e.msg);
  for (int k = 0; k < M; k++)
    ck_assert_msg(k == 1 ? spikes[k] == 0 : spikes[k] > 0, "column %d: %d",
                  k, spikes[k]);
  xb_array_get_line(a, XB_COL, 2, &l);
  ck_assert(lines_equal(&l, &mark));
  xb_spice_free(s);
  xb_read_free(atb);
  xb_array_free(a);
  xb_read_free(r);
}
END_TEST

static Suite *read_transient_suite(void)
{
  Suite *s = suite_create("read_transient");
  TCase *tc = tcase_create("vs_ngspice");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_full_vs_ngspice_floating);
  tcase_add_test(tc, test_full_vs_ngspice_bias);
  tcase_add_test(tc, test_full_vs_ngspice_transpose_falling);
  tcase_add_test(tc, test_negligible_rc_fast_path);
  tcase_add_test(tc, test_ideal_comparator_floor);
  tcase_add_test(tc, test_ideal_comparator_floor_ngspice);
  tcase_add_test(tc, test_ngspice_closed_form);
  tcase_add_test(tc, test_deck_and_errors);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(read_transient_suite)
