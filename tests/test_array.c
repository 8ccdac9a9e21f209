/*
 * Array DC solve. References, each independent of the fast solver:
 *   - the ladder formula of a 1 x M row (continued fraction), exact;
 *   - a dense Gaussian elimination of the full nodal matrix built here from
 *     the circuit description (small arrays, every boundary mode);
 *   - the SuiteSparse KLU path (64 x 64, 128 x 128);
 *   - Ohm's law I = G V when the wires vanish;
 *   - a 1 x 1 sinh cell solved by bisection (Newton path).
 */
#include <stdio.h>
#include <string.h>

#include <xbar/array.h>
#include <xbar/rng.h>

#include "xb_check.h"

static xb_array_params params(double rw, double rd, double rs)
{
  xb_array_params p;
  xb_param_defaults(&xb_array_param_set, &p);
  p.rw_row = p.rw_col = rw;
  p.r_drive = rd;
  p.r_sense = rs;
  return p;
}

static void random_g(double *g, size_t nm, double lo, double hi,
                     uint64_t seed)
{
  for (size_t k = 0; k < nm; k++)
    g[k] = lo + (hi - lo) * xb_rng_uniform(seed, 1, k);
}

/* max_k |a_k - b_k| / |b_k| */
static double max_rel(const double *a, const double *b, size_t n)
{
  double e = 0;
  for (size_t k = 0; k < n; k++)
    e = fmax(e, fabs(a[k] - b[k]) / fabs(b[k]));
  return e;
}

START_TEST(test_1x1_exact)
{
  xb_array_params p = params(0.5, 100.0, 50.0);
  xb_array *a = xb_array_create(1, 1, &p, NULL);
  double g = 1e-5, I;
  xb_array_set_g(a, &g, NULL);
  xb_array_drive(a, XB_ROW, 0, 0.7, NULL);
  ck_assert_int_eq(xb_array_solve(a, NULL), XB_OK);
  xb_array_line_i(a, XB_COL, &I);
  ck_assert_rel(I, 0.7 / (100.0 + 1.0 / g + 50.0), 1e-12);
  xb_array_line_i(a, XB_ROW, &I);
  ck_assert_rel(I, -0.7 / (100.0 + 1.0 / g + 50.0), 1e-12);
  xb_array_free(a);
}
END_TEST

/* 1 x M: each column is one node behind the sense resistance, so cell j
 * plus its sense path is a conductance h_j to ground on a resistive ladder
 * fed through r_drive. Impedances from the far end inward, then voltages
 * outward: the continued fraction of a ladder. */
START_TEST(test_1xM_ladder)
{
  enum { M = 37 };
  const double rw = 2.0, rd = 30.0, rs = 10.0, V = 1.2;
  double g[M], h[M], Z[M], I_ref[M], I[M];
  random_g(g, M, 1e-6, 1e-4, 3);
  for (int j = 0; j < M; j++)
    h[j] = 1.0 / (1.0 / g[j] + rs);
  Z[M - 1] = 1.0 / h[M - 1];
  for (int j = M - 2; j >= 0; j--)
    Z[j] = 1.0 / (h[j] + 1.0 / (rw + Z[j + 1]));
  double v = V * Z[0] / (rd + Z[0]); /* voltage of row node 0 */
  for (int j = 0; j < M; j++) {
    I_ref[j] = v * h[j];
    if (j + 1 < M) /* divider along the next segment */
      v = v * Z[j + 1] / (rw + Z[j + 1]);
  }
  xb_array_params p = params(rw, rd, rs);
  p.tol = 1e-14; /* exactness, not the default 1e-9 */
  xb_array *a = xb_array_create(1, M, &p, NULL);
  xb_array_set_g(a, g, NULL);
  xb_array_drive(a, XB_ROW, 0, V, NULL);
  for (int solver = 0; solver < 2; solver++) {
    p.solver = solver;
    xb_array_set_solver(a, &p, NULL);
    ck_assert_int_eq(xb_array_solve(a, NULL), XB_OK);
    xb_array_line_i(a, XB_COL, I);
    ck_assert_msg(max_rel(I, I_ref, M) <= 1e-12, "solver %d: %g", solver,
                  max_rel(I, I_ref, M));
  }
  xb_array_free(a);
}
END_TEST

/* N x 1: row i is a source V_i behind r_drive + 1/g_i, i.e. a Norton
 * source J_i = V_i h_i with shunt h_i = 1 / (r_drive + 1/g_i) on column node
 * i. Reduce the column ladder from the top: a Norton pair (J, G) passed
 * through a wire segment rw becomes (J / (1 + G rw), G / (1 + G rw)); the
 * sense resistance at the bottom takes J / (1 + G r_sense). */
START_TEST(test_Nx1_ladder)
{
  enum { N = 29 };
  const double rw = 3.0, rd = 25.0, rs = 40.0;
  double g[N], v[N], J = 0, G = 0, I;
  random_g(g, N, 1e-6, 1e-4, 4);
  for (int i = 0; i < N; i++) {
    v[i] = 0.1 + 0.9 * xb_rng_uniform(5, 0, (uint64_t)i);
    double h = 1.0 / (rd + 1.0 / g[i]);
    J += v[i] * h;
    G += h;
    if (i + 1 < N) {
      J /= 1 + G * rw;
      G /= 1 + G * rw;
    }
  }
  double I_ref = J / (1 + G * rs);
  xb_array_params p = params(rw, rd, rs);
  p.tol = 1e-14;
  xb_array *a = xb_array_create(N, 1, &p, NULL);
  xb_array_set_g(a, g, NULL);
  for (int solver = 0; solver < 2; solver++) {
    p.solver = solver;
    xb_array_set_solver(a, &p, NULL);
    ck_assert_int_eq(
        xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0, &I, NULL),
        XB_OK);
    ck_assert_rel(I, I_ref, 1e-12);
  }
  xb_array_free(a);
}
END_TEST

/* ---- dense reference ------------------------------------------------------------ */

typedef struct net {
  size_t n, m;
  const double *g, *rwr, *rwc; /* rwr: n*(m-1), rwc: (n-1)*m */
  xb_line row[16], col[16];
} net;

/* Solve the nodal system of `net` densely (partial pivoting) and return
 * the line currents, each the current from the line into its sources. */
static void dense_solve(const net *c, double *irow, double *icol)
{
  size_t n = c->n, m = c->m, nm = n * m, N = 2 * nm;
  long double *A = calloc(N * N, sizeof(long double));
  long double *b = calloc(N, sizeof(long double));
#define R(i, j) ((i) * m + (j))
#define C(i, j) (nm + (i) * m + (j))
#define STAMP(u, v, w)                                                        \
  do {                                                                        \
    A[(u) * N + (u)] += (w);                                                  \
    A[(v) * N + (v)] += (w);                                                  \
    A[(u) * N + (v)] -= (w);                                                  \
    A[(v) * N + (u)] -= (w);                                                  \
  } while (0)
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      STAMP(R(i, j), C(i, j), c->g[i * m + j]);
      if (j + 1 < m)
        STAMP(R(i, j), R(i, j + 1), 1.0 / c->rwr[i * (m - 1) + j]);
      if (i + 1 < n)
        STAMP(C(i, j), C(i + 1, j), 1.0 / c->rwc[i * m + j]);
    }
  for (int ax = 0; ax < 2; ax++)
    for (size_t k = 0; k < (ax ? m : n); k++) {
      const xb_line *l = ax ? &c->col[k] : &c->row[k];
      if (l->mode == XB_LINE_FLOAT)
        continue;
      size_t e0 = ax ? C(0, k) : R(k, 0);
      size_t e1 = ax ? C(n - 1, k) : R(k, m - 1);
      if (l->ends & XB_END_NEAR) {
        A[e0 * N + e0] += 1.0 / l->r;
        b[e0] += l->v / l->r;
      }
      if (l->ends & XB_END_FAR) {
        A[e1 * N + e1] += 1.0 / l->r;
        b[e1] += l->v / l->r;
      }
    }
  for (size_t k = 0; k < N; k++) { /* elimination with partial pivoting */
    size_t piv = k;
    for (size_t r = k + 1; r < N; r++)
      if (fabsl(A[r * N + k]) > fabsl(A[piv * N + k]))
        piv = r;
    if (piv != k) {
      for (size_t c2 = 0; c2 < N; c2++) {
        long double t = A[k * N + c2];
        A[k * N + c2] = A[piv * N + c2];
        A[piv * N + c2] = t;
      }
      long double t = b[k];
      b[k] = b[piv];
      b[piv] = t;
    }
    for (size_t r = k + 1; r < N; r++) {
      long double f = A[r * N + k] / A[k * N + k];
      if (f == 0)
        continue;
      for (size_t c2 = k; c2 < N; c2++)
        A[r * N + c2] -= f * A[k * N + c2];
      b[r] -= f * b[k];
    }
  }
  for (size_t k = N; k-- > 0;) {
    long double s = b[k];
    for (size_t c2 = k + 1; c2 < N; c2++)
      s -= A[k * N + c2] * b[c2];
    b[k] = s / A[k * N + k];
  }
  /* Line current into the sources = sum over ends of (V_end - v) / r. */
  for (int ax = 0; ax < 2; ax++)
    for (size_t k = 0; k < (ax ? m : n); k++) {
      const xb_line *l = ax ? &c->col[k] : &c->row[k];
      long double I = 0;
      if (l->mode != XB_LINE_FLOAT) {
        size_t e0 = ax ? C(0, k) : R(k, 0);
        size_t e1 = ax ? C(n - 1, k) : R(k, m - 1);
        if (l->ends & XB_END_NEAR)
          I += (b[e0] - l->v) / l->r;
        if (l->ends & XB_END_FAR)
          I += (b[e1] - l->v) / l->r;
      }
      (ax ? icol : irow)[k] = (double)I;
    }
#undef R
#undef C
#undef STAMP
  free(A);
  free(b);
}

/* The dense reference solves in long double: 1e-9 holds with x87's 64-bit
 * mantissa. Where long double has no more precision than double (valgrind
 * emulates it so), the reference itself is only good to a few 1e-9 on these
 * ill-conditioned networks (floating lines), and 1e-6 is what it can hold
 * the solver to. */
static double ref_tol(void)
{
  volatile long double one = 1.0L, tiny = 0x1p-60L;
  return (one + tiny) - one != 0 ? 1e-9 : 1e-6;
}

/* A random small network with every boundary mode, both end choices and
 * non-uniform wires, solved by xbar (both solvers) and densely. */
static void random_case(size_t n, size_t m, uint64_t seed, double gscale)
{
  net c = {0};
  c.n = n;
  c.m = m;
  double *g = malloc(n * m * sizeof(double));
  double *rwr = malloc(n * (m - 1 + 1) * sizeof(double));
  double *rwc = malloc((n - 1 + 1) * m * sizeof(double));
  random_g(g, n * m, 0.1 * gscale, gscale, seed);
  for (size_t k = 0; k < n * (m - 1); k++)
    rwr[k] = 0.5 + 5 * xb_rng_uniform(seed, 2, k);
  for (size_t k = 0; k < (n - 1) * m; k++)
    rwc[k] = 0.5 + 5 * xb_rng_uniform(seed, 3, k);
  c.g = g;
  c.rwr = rwr;
  c.rwc = rwc;
  xb_array *a = xb_array_create(n, m, NULL, NULL);
  xb_array_set_g(a, g, NULL);
  xb_array_set_rw(a, XB_ROW, rwr, NULL);
  xb_array_set_rw(a, XB_COL, rwc, NULL);
  for (size_t i = 0; i < n; i++) {
    xb_line l = {XB_LINE_DRIVE, 0.2 + 0.8 * xb_rng_uniform(seed, 4, i),
                 1 + (int)(i % 3), 20 + 30 * xb_rng_uniform(seed, 5, i)};
    if (i % 4 == 3)
      l.mode = XB_LINE_FLOAT;
    c.row[i] = l;
    ck_assert_int_eq(xb_array_set_line(a, XB_ROW, i, &l, NULL), XB_OK);
  }
  for (size_t j = 0; j < m; j++) {
    xb_line l = {XB_LINE_SENSE, j % 2 ? 0.0 : 0.05, 1 + (int)(j % 3),
                 5 + 10 * xb_rng_uniform(seed, 6, j)};
    if (j % 5 == 4)
      l.mode = XB_LINE_FLOAT;
    c.col[j] = l;
    xb_array_set_line(a, XB_COL, j, &l, NULL);
  }
  double ir_ref[16], ic_ref[16], ir[16], ic[16];
  dense_solve(&c, ir_ref, ic_ref);
  for (int solver = 0; solver < 2; solver++) {
    xb_array_params p = *xb_array_params_of(a);
    p.solver = solver;
    xb_array_set_solver(a, &p, NULL);
    xb_err e;
    ck_assert_msg(xb_array_solve(a, &e) == XB_OK, "%s", e.msg);
    xb_array_line_i(a, XB_ROW, ir);
    xb_array_line_i(a, XB_COL, ic);
    for (size_t j = 0; j < m; j++) {
      if (c.col[j].mode == XB_LINE_FLOAT) {
        ck_assert(ic[j] == 0);
        continue;
      }
      ck_assert_msg(fabs(ic[j] - ic_ref[j]) <= ref_tol() * fabs(ic_ref[j]),
                    "%zux%zu solver %d col %zu: %.15g vs %.15g", n, m, solver,
                    j, ic[j], ic_ref[j]);
    }
    for (size_t i = 0; i < n; i++)
      if (c.row[i].mode != XB_LINE_FLOAT)
        ck_assert_msg(fabs(ir[i] - ir_ref[i]) <= ref_tol() * fabs(ir_ref[i]),
                      "%zux%zu solver %d row %zu: %.15g vs %.15g", n, m,
                      solver, i, ir[i], ir_ref[i]);
  }
  xb_array_free(a);
  free(g);
  free(rwr);
  free(rwc);
}

START_TEST(test_dense_reference)
{
  random_case(1, 9, 1, 1e-4);
  random_case(9, 1, 2, 1e-4);
  random_case(5, 7, 3, 1e-4);
  random_case(8, 8, 4, 4e-8);
  random_case(16, 12, 5, 1e-3);
}
END_TEST

START_TEST(test_wires_vanish)
{
  enum { N = 8, M = 8 };
  xb_array_params p = params(1e-6, 1e-6, 1e-6);
  xb_array *a = xb_array_create(N, M, &p, NULL);
  double g[N * M], v[N], I[M];
  random_g(g, N * M, 6.4e-9, 4.3e-8, 9);
  for (int i = 0; i < N; i++)
    v[i] = 0.1 * (i + 1);
  xb_array_set_g(a, g, NULL);
  ck_assert_int_eq(
      xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0, I, NULL), XB_OK);
  for (int j = 0; j < M; j++) {
    double ideal = 0;
    for (int i = 0; i < N; i++)
      ideal += g[i * M + j] * v[i];
    ck_assert_rel(I[j], ideal, 1e-9);
  }
  xb_array_free(a);
}
END_TEST

/* Fast solver against KLU on random arrays, both cell ranges. */
static void vs_klu(size_t n, double glo, double ghi, double rw)
{
  xb_array_params p = params(rw, 1.0, 1.0);
  xb_array *a = xb_array_create(n, n, &p, NULL);
  double *g = malloc(n * n * sizeof(double));
  double *v = malloc(n * sizeof(double));
  double *I = malloc(n * sizeof(double)), *Ir = malloc(n * sizeof(double));
  random_g(g, n * n, glo, ghi, n);
  for (size_t i = 0; i < n; i++)
    v[i] = 0.5 * xb_rng_uniform(77, 0, i);
  xb_array_set_g(a, g, NULL);
  xb_err e;
  ck_assert_msg(xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0, I,
                              &e) == XB_OK, "%s", e.msg);
  xb_solve_stats st;
  xb_array_stats(a, &st);
  p.solver = 1;
  xb_array_set_solver(a, &p, NULL);
  ck_assert_int_eq(xb_array_solve(a, NULL), XB_OK);
  xb_array_line_i(a, XB_COL, Ir);
  double err = max_rel(I, Ir, n);
  ck_assert_msg(err <= 1e-9, "%zux%zu g [%g, %g]: fast vs KLU %g (%d it)", n,
                n, glo, ghi, err, st.iterations);
  free(g);
  free(v);
  free(I);
  free(Ir);
  xb_array_free(a);
}

START_TEST(test_fast_vs_klu)
{
  vs_klu(64, 6.36e-9, 4.35e-8, 0.634); /* PCMO preset range */
  vs_klu(64, 1e-5, 1e-4, 1.0);         /* 10 kOhm .. 100 kOhm */
  vs_klu(128, 6.36e-9, 4.35e-8, 0.634);
  vs_klu(128, 1e-5, 1e-4, 1.0);
}
END_TEST

START_TEST(test_floating_is_an_error)
{
  enum { N = 4, M = 4 };
  xb_array *a = xb_array_create(N, M, NULL, NULL);
  double g[N * M];
  for (int k = 0; k < N * M; k++)
    g[k] = 1e-6;
  for (int j = 0; j < M; j++)
    g[2 * M + j] = 0; /* row 2: every cell open */
  xb_array_set_g(a, g, NULL);
  xb_array_float(a, XB_ROW, 2, NULL);
  xb_err e;
  ck_assert_int_eq(xb_array_solve(a, &e), XB_ESINGULAR);
  ck_assert_ptr_nonnull(strstr(e.msg, "row 2"));
  double I[M];
  ck_assert_int_eq(xb_array_line_i(a, XB_COL, I), XB_ESTATE);
  /* A read that fails leaves every line as it was. */
  xb_array_drive(a, XB_ROW, 2, 0.3, NULL);
  double v[N] = {0.1, 0.1, 0.1, 0.1};
  unsigned char act[N] = {1, 1, 0, 1};
  ck_assert_int_eq(
      xb_array_read(a, XB_ROW, v, act, XB_LINE_FLOAT, 0, 0, I, &e),
      XB_ESINGULAR);
  xb_line l;
  xb_array_get_line(a, XB_ROW, 2, &l);
  ck_assert(l.mode == XB_LINE_DRIVE && l.v == 0.3);
  xb_array_get_line(a, XB_COL, 0, &l);
  ck_assert(l.mode == XB_LINE_SENSE && l.v == 0.0);
  xb_array_float(a, XB_ROW, 2, NULL);
  /* Every line floating: nothing reaches a source. */
  for (int k = 0; k < N * M; k++)
    g[k] = 1e-6;
  xb_array_set_g(a, g, NULL);
  for (int i = 0; i < N; i++)
    xb_array_float(a, XB_ROW, i, NULL);
  for (int j = 0; j < M; j++)
    xb_array_float(a, XB_COL, j, NULL);
  ck_assert_int_eq(xb_array_solve(a, &e), XB_ESINGULAR);
  /* A floating row reached through its cells is fine. */
  xb_array_sense(a, XB_COL, 1, 0.0, NULL);
  ck_assert_int_eq(xb_array_solve(a, &e), XB_OK);
  xb_array_free(a);
}
END_TEST

START_TEST(test_bad_input)
{
  xb_err e;
  ck_assert_ptr_null(xb_array_create(0, 4, NULL, &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  xb_array_params p = params(0.0, 1, 1); /* Rw = 0 */
  ck_assert_ptr_null(xb_array_create(2, 2, &p, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  xb_array *a = xb_array_create(2, 2, NULL, NULL);
  double g[4] = {1e-6, -1e-6, 1e-6, 1e-6};
  ck_assert_int_eq(xb_array_set_g(a, g, &e), XB_EINVAL);
  g[1] = NAN;
  ck_assert_int_eq(xb_array_set_g(a, g, &e), XB_EINVAL);
  double rw[2] = {1.0, 0.0};
  ck_assert_int_eq(xb_array_set_rw(a, XB_ROW, rw, &e), XB_EINVAL);
  ck_assert_int_eq(xb_array_drive(a, XB_ROW, 2, 1.0, &e), XB_EINVAL);
  ck_assert_int_eq(xb_array_drive(a, XB_ROW, 0, NAN, &e), XB_EINVAL);
  xb_array_free(a);
}
END_TEST

/* 1 x 1 with a sinh cell: I = G v0 sinh(Vc / v0) with Vc = V - I (Rd + Rs),
 * solved by bisection on I. */
START_TEST(test_newton_sinh)
{
  xb_elec_params el;
  xb_param_defaults(&xb_elec_param_set, &el);
  el.iv = 1;
  el.v_iv = 0.2;
  xb_linear_params lp;
  xb_param_defaults(&xb_linear_param_set, &lp);
  lp.gmin = 1e-5;
  lp.gmax = 1e-4;
  xb_device *d = xb_device_create(xb_device_linear, &lp, NULL, &el, NULL,
                                  NULL);
  xb_cells *c = xb_cells_create(d, 1, 1, NULL);
  xb_cells_set_g(c, 0, 5e-5, NULL);
  const double rd = 1000, rs = 500, V = 0.8, G = xb_cells_g(c)[0];
  xb_array_params p = params(1.0, rd, rs);
  xb_array *a = xb_array_create(1, 1, &p, NULL);
  ck_assert_int_eq(xb_array_set_cells(a, c, NULL), XB_OK);
  xb_array_drive(a, XB_ROW, 0, V, NULL);
  double lo = 0, hi = V / (rd + rs);
  for (int it = 0; it < 200; it++) {
    double I = 0.5 * (lo + hi);
    double f = G * 0.2 * sinh((V - I * (rd + rs)) / 0.2) - I;
    if (f > 0)
      lo = I;
    else
      hi = I;
  }
  double I_ref = 0.5 * (lo + hi), I;
  for (int solver = 0; solver < 2; solver++) {
    p.solver = solver;
    xb_array_set_solver(a, &p, NULL);
    xb_err e;
    ck_assert_msg(xb_array_solve(a, &e) == XB_OK, "%s", e.msg);
    xb_array_line_i(a, XB_COL, &I);
    ck_assert_rel(I, I_ref, 1e-9);
    xb_solve_stats st;
    xb_array_stats(a, &st);
    ck_assert_int_gt(st.newton, 1);
  }
  xb_array_free(a);
  xb_cells_free(c);
  xb_device_free(d);
}
END_TEST

START_TEST(test_transpose_read_and_reuse)
{
  /* D^T r: columns driven, rows sensed; with vanishing wires it is G^T v.
   * Repeated reads on the same conductances reuse the factors. */
  enum { N = 6, M = 9 };
  xb_array_params p = params(1e-6, 1e-6, 1e-6);
  xb_array *a = xb_array_create(N, M, &p, NULL);
  double g[N * M], v[M], I[N];
  random_g(g, N * M, 1e-8, 4e-8, 21);
  xb_array_set_g(a, g, NULL);
  for (int rep = 0; rep < 3; rep++) {
    for (int j = 0; j < M; j++)
      v[j] = 0.05 * (j + 1 + rep);
    ck_assert_int_eq(
        xb_array_read(a, XB_COL, v, NULL, XB_LINE_FLOAT, 0, 0, I, NULL),
        XB_OK);
    for (int i = 0; i < N; i++) {
      double ideal = 0;
      for (int j = 0; j < M; j++)
        ideal += g[i * M + j] * v[j];
      ck_assert_rel(I[i], ideal, 1e-9);
    }
  }
  xb_array_free(a);
}
END_TEST

START_TEST(test_write_bias)
{
  /* V/2 scheme on 16 x 16: the selected cell sees ~Vw, half-selected
   * ~Vw/2, others ~0; the residual of the full system is tiny. */
  enum { N = 16, M = 16 };
  xb_array *a = xb_array_create(N, M, NULL, NULL);
  double g[N * M], vr[N], vcol[M], vcell[N * M];
  random_g(g, N * M, 6.4e-9, 4.3e-8, 5);
  xb_array_set_g(a, g, NULL);
  for (int i = 0; i < N; i++)
    vr[i] = i == 3 ? 2.0 : 1.0;
  for (int j = 0; j < M; j++)
    vcol[j] = j == 7 ? 0.0 : 1.0;
  ck_assert_int_eq(xb_array_bias_write(a, vr, vcol, NULL), XB_OK);
  xb_array_cell_v(a, vcell);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < M; j++) {
      double want = (i == 3) + (j == 7);
      ck_assert_msg(fabs(vcell[i * M + j] - want) < 1e-3, "(%d,%d) %g", i, j,
                    vcell[i * M + j]);
    }
  double res;
  ck_assert_int_eq(xb_array_residual(a, &res, NULL), XB_OK);
  ck_assert_msg(res < 1e-12, "residual %g", res);
  xb_array_free(a);
}
END_TEST

static Suite *array_suite(void)
{
  Suite *s = suite_create("array");
  TCase *tc = tcase_create("array");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_1x1_exact);
  tcase_add_test(tc, test_1xM_ladder);
  tcase_add_test(tc, test_Nx1_ladder);
  tcase_add_test(tc, test_dense_reference);
  tcase_add_test(tc, test_wires_vanish);
  tcase_add_test(tc, test_fast_vs_klu);
  tcase_add_test(tc, test_floating_is_an_error);
  tcase_add_test(tc, test_bad_input);
  tcase_add_test(tc, test_newton_sinh);
  tcase_add_test(tc, test_transpose_read_and_reuse);
  tcase_add_test(tc, test_write_bias);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(array_suite)
