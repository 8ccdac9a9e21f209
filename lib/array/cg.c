/*
 * Fast linear solver of the array (see xbar/array.h for the network):
 * conjugate gradients on the Schur complement of the column layer,
 * preconditioned by the row tridiagonal solves, with a stopping test on
 * the line currents. It works on the factors and layer solves of system.c
 * and is the xb__array_linsol_pcg descriptor.
 *
 * With T_r = A_r + G and T_c = A_c + G (A_* the wire Laplacians plus
 * source conductances at the line ends, G the diagonal of cell
 * conductances), the nodal system is
 *
 *     T_r R - G C = b_r,      -G R + T_c C = b_c.
 *
 * C is eliminated exactly, C = T_c^-1 (b_c + G R), leaving the row layer
 *
 *     S R = b_r + G T_c^-1 b_c,     S = T_r - G T_c^-1 G,
 *
 * which is symmetric positive definite when every node reaches a source.
 * S is never formed: S p costs one batch of tridiagonal column solves
 * (swept row by row, so the inner loop runs along contiguous memory across
 * all columns at once) and one row-wise tridiagonal product. Conjugate
 * gradients on S use the row tridiagonal solves T_r^-1 as preconditioner;
 * since 0 < S <= T_r, the preconditioned spectrum lies in (0, 1] and is
 * close to 1 whenever the cells are much weaker than the wires.
 *
 * Stopping test. Let z = T_r^-1 r be the preconditioned residual and lam
 * the smallest Ritz value of the preconditioned operator (from the CG
 * coefficients, Lanczos). The row-voltage error is estimated by
 * E = ||z||_inf / lam; the column-voltage error is at most E too (T_c^-1 G
 * has row sums <= 1), so the current of line L, a sum of cell currents,
 * is off by at most 2 G_L E with G_L the line's total cell conductance. The
 * solve stops when 2 G_L E <= tol/2 * max(|I_L|, 1e-3 max|I|) for every
 * connected line L. (Stopping on ||r|| / ||b|| fails here: ||b|| is carried
 * by the driver and wire conductances, about 1e5 times the cell currents.)
 *
 * Workload: 4096 x 4096 within memory (17 double arrays of N*M), the
 * learning loops' hundreds of reads on unchanged conductances (the
 * tridiagonal factors are kept), and 8 x 8 for SPICE cross-checks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array_impl.h"

/* t = T_c^-1 G p with p updated first to z + beta p (the CG direction
 * update, fused into the forward sweep). */
static void col_solve_dir(xb_array *a, double beta)
{
  size_t n = a->n, ld = a->ld;
#pragma omp parallel if (XB__PAR)
  {
    size_t j0, j1;
    xb__array_thread_cols(a, &j0, &j1);
    for (size_t i = 0; i < n; i++) {
      const double *restrict w = i ? xb__colw(a, i - 1) : a->zero;
      const double *restrict dp = i ? a->fcd + (i - 1) * ld : a->zero;
      const double *restrict tp = i ? a->t + (i - 1) * ld : a->zero;
      const double *restrict z = a->z + i * ld, *restrict g = a->gl + i * ld;
      double *restrict p = a->pv + i * ld, *restrict t = a->t + i * ld;
      for (size_t j = j0; j < j1; j++) {
        double pj = z[j] + beta * p[j];
        p[j] = pj;
        t[j] = g[j] * pj + w[j] * dp[j] * tp[j];
      }
    }
    for (size_t i = n; i-- > 0;) {
      const double *restrict w = xb__colw(a, i), *restrict dd = a->fcd + i * ld;
      const double *restrict tn = i + 1 < n ? a->t + (i + 1) * ld : a->zero;
      double *restrict t = a->t + i * ld;
      for (size_t j = j0; j < j1; j++)
        t[j] = dd[j] * (t[j] + w[j] * tn[j]);
    }
  }
}

/* q = T_r p - G t = S p (after col_solve_dir); returns p.q. */
static double schur_rows(xb_array *a)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  const double *rgn = a->gend[XB_ROW][0], *rgf = a->gend[XB_ROW][1];
#pragma omp parallel for schedule(static) if (XB__PAR)
  for (size_t i = 0; i < n; i++) {
    const double *restrict w = xb__roww(a, i), *restrict g = a->gl + i * ld;
    const double *restrict p = a->pv + i * ld, *restrict t = a->t + i * ld;
    double *restrict q = a->q + i * ld, s = 0;
    if (m == 1) {
      q[0] = g[0] * (p[0] - t[0]) + (rgn[i] + rgf[i]) * p[0];
    } else {
      q[0] = g[0] * (p[0] - t[0]) + w[0] * (p[0] - p[1]) + rgn[i] * p[0];
      for (size_t j = 1; j + 1 < m; j++)
        q[j] = g[j] * (p[j] - t[j]) + w[j - 1] * (p[j] - p[j - 1]) +
               w[j] * (p[j] - p[j + 1]);
      q[m - 1] = g[m - 1] * (p[m - 1] - t[m - 1]) +
                 w[m - 2] * (p[m - 1] - p[m - 2]) + rgf[i] * p[m - 1];
    }
    for (size_t j = 0; j < m; j++)
      s += p[j] * q[j];
    a->part[i] = s;
  }
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += a->part[i];
  return s;
}

/* The row tridiagonal solve is a chain of dependent multiply-adds along
 * each row; four rows are solved side by side (in scalar registers) so
 * their chains overlap. */
enum { RB = 4 };

/* Rows i0 .. i0+nb-1 (nb <= 4): x += alpha p, r -= alpha q, then
 * z = T_r^-1 r; partial sums r.z and max|z| per row into part. */
static void row_block(xb_array *a, size_t i0, size_t nb, double alpha)
{
  size_t m = a->m, ld = a->ld, n = a->n;
  if (alpha != 0)
    for (size_t i = i0; i < i0 + nb; i++) {
      const double *restrict p = a->pv + i * ld, *restrict q = a->q + i * ld;
      double *restrict x = a->x + i * ld, *restrict r = a->r + i * ld;
      for (size_t j = 0; j < m; j++) {
        x[j] += alpha * p[j];
        r[j] -= alpha * q[j];
      }
    }
  if (nb == RB) {
    const double *w0 = xb__roww(a, i0), *w1 = xb__roww(a, i0 + 1);
    const double *w2 = xb__roww(a, i0 + 2), *w3 = xb__roww(a, i0 + 3);
    const double *d0 = a->frd + i0 * ld, *d1 = d0 + ld, *d2 = d1 + ld,
                 *d3 = d2 + ld;
    const double *r0 = a->r + i0 * ld, *r1 = r0 + ld, *r2 = r1 + ld,
                 *r3 = r2 + ld;
    double *z0 = a->z + i0 * ld, *z1 = z0 + ld, *z2 = z1 + ld, *z3 = z2 + ld;
    double y0 = 0, y1 = 0, y2 = 0, y3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    for (size_t j = 0; j < m; j++) {
      y0 = r0[j] + c0 * y0;
      y1 = r1[j] + c1 * y1;
      y2 = r2[j] + c2 * y2;
      y3 = r3[j] + c3 * y3;
      z0[j] = y0;
      z1[j] = y1;
      z2[j] = y2;
      z3[j] = y3;
      c0 = w0[j] * d0[j];
      c1 = w1[j] * d1[j];
      c2 = w2[j] * d2[j];
      c3 = w3[j] * d3[j];
    }
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    double m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    for (size_t j = m; j-- > 0;) {
      s0 = d0[j] * (z0[j] + w0[j] * s0);
      s1 = d1[j] * (z1[j] + w1[j] * s1);
      s2 = d2[j] * (z2[j] + w2[j] * s2);
      s3 = d3[j] * (z3[j] + w3[j] * s3);
      z0[j] = s0;
      z1[j] = s1;
      z2[j] = s2;
      z3[j] = s3;
      q0 += r0[j] * s0;
      q1 += r1[j] * s1;
      q2 += r2[j] * s2;
      q3 += r3[j] * s3;
      m0 = xb__maxabs(m0, s0);
      m1 = xb__maxabs(m1, s1);
      m2 = xb__maxabs(m2, s2);
      m3 = xb__maxabs(m3, s3);
    }
    double rz[4] = {q0, q1, q2, q3}, mx[4] = {m0, m1, m2, m3};
    for (size_t b = 0; b < RB; b++) {
      a->part[i0 + b] = rz[b];
      a->part[n + i0 + b] = mx[b];
    }
    return;
  }
  for (size_t i = i0; i < i0 + nb; i++) {
    const double *w = xb__roww(a, i), *dd = a->frd + i * ld, *r = a->r + i * ld;
    double *z = a->z + i * ld, y = 0, c = 0, s = 0, rz = 0, mx = 0;
    for (size_t j = 0; j < m; j++) {
      y = r[j] + c * y;
      z[j] = y;
      c = w[j] * dd[j];
    }
    for (size_t j = m; j-- > 0;) {
      s = dd[j] * (z[j] + w[j] * s);
      z[j] = s;
      rz += r[j] * s;
      mx = xb__maxabs(mx, s);
    }
    a->part[i] = rz;
    a->part[n + i] = mx;
  }
}

/* x += alpha p, r -= alpha q, z = T_r^-1 r (row tridiagonal solves);
 * returns r.z and sets *zmax = ||z||_inf. */
static double row_step(xb_array *a, double alpha, double *zmax)
{
  size_t n = a->n, nblk = (n + RB - 1) / RB;
#pragma omp parallel for schedule(static) if (XB__PAR)
  for (size_t k = 0; k < nblk; k++) {
    size_t i0 = k * RB, nb = n - i0 < RB ? n - i0 : RB;
    row_block(a, i0, nb, alpha);
  }
  double rz = 0, mx = 0;
  for (size_t i = 0; i < n; i++) {
    rz += a->part[i];
    mx = xb__maxabs(mx, a->part[n + i]);
  }
  *zmax = mx;
  return rz;
}

/* Error test of the stopping rule. The row-voltage error is estimated as
 * |e_R| = |z| / lam elementwise (z the preconditioned residual, lam the
 * smallest Ritz value); the column layer follows as e_C = T_c^-1 G e_R, so
 * the current of line L is off by at most sum over its cells of
 * g |e_R - e_C|. Returns the largest ratio of that bound to
 * tol/2 max(|I_L|, 1e-3 max|I|) over connected lines (<= 1: converged).
 * Needs the currents of the present iterate; uses a->t as scratch. */
static double error_ratio(xb_array *a, double lam, double tol, double imax)
{
  size_t n = a->n, m = a->m, ld = a->ld;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++)
      a->t[i * ld + j] = a->gl[i * ld + j] * a->z[i * ld + j];
  xb__array_col_solve(a, a->t);
  double *restrict er = a->esum, *restrict ec = a->esum + n;
  memset(ec, 0, m * sizeof(double));
  for (size_t i = 0; i < n; i++) {
    const double *restrict g = a->gl + i * ld, *restrict z = a->z + i * ld;
    const double *restrict t = a->t + i * ld;
    double s0 = 0, s1 = 0;
    size_t j = 0;
    for (; j + 1 < m; j += 2) {
      double d0 = g[j] * fabs(z[j] - t[j]);
      double d1 = g[j + 1] * fabs(z[j + 1] - t[j + 1]);
      ec[j] += d0;
      ec[j + 1] += d1;
      s0 += d0;
      s1 += d1;
    }
    for (; j < m; j++) {
      double d0 = g[j] * fabs(z[j] - t[j]);
      ec[j] += d0;
      s0 += d0;
    }
    er[i] = s0 + s1;
  }
  double worst = 0, floor = 1e-3 * imax;
  for (size_t k = 0; k < n + m; k++) {
    const xb_line *l = k < n ? &a->row[k] : &a->col[k - n];
    double I = k < n ? a->iline[0][k] : a->iline[1][k - n];
    if (l->mode == XB_LINE_FLOAT)
      continue;
    double allowed = 0.5 * tol * fmax(fabs(I), floor);
    double bound = a->esum[k] / lam;
    if (bound > 0) {
      double ratio = allowed > 0 ? bound / allowed : INFINITY;
      worst = ratio > worst ? ratio : worst;
    }
  }
  return worst;
}

/* Smallest eigenvalue of the Lanczos tridiagonal (diag d, off e), k >= 1,
 * by Sturm-sequence bisection on [0, 2]. */
static double ritz_min(const double *d, const double *e, int k)
{
  double lo = 0, hi = 2;
  for (int it = 0; it < 50; it++) {
    double x = 0.5 * (lo + hi), q = d[0] - x;
    int neg = q < 0;
    for (int j = 1; j < k; j++) {
      if (q == 0)
        q = 1e-300;
      q = d[j] - x - e[j] * e[j] / q;
      neg += q < 0;
    }
    if (neg >= 1)
      hi = x;
    else
      lo = x;
  }
  return fmax(lo, 1e-12);
}

/* Solve the linear network (gl, ieq) with PCG on the Schur complement. */
static int solve_pcg(xb_array *a, xb_err *err)
{
  size_t n = a->n, m = a->m, ld = a->ld, np = n * ld;
  double tol = a->p.tol;
  /* b = b_r + G T_c^-1 b_c */
  xb__array_rhs_col(a, a->t);
  xb__array_col_solve(a, a->t);
  xb__array_rhs_row(a, a->b);
  double bmax = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      a->b[i * ld + j] += a->gl[i * ld + j] * a->t[i * ld + j];
      bmax = fmax(bmax, fabs(a->b[i * ld + j]));
    }
  memset(a->x, 0, np * sizeof(double));
  memset(a->pv, 0, np * sizeof(double));
  memcpy(a->r, a->b, np * sizeof(double));
  if (bmax == 0) { /* no sources: the zero solution is exact */
    xb__array_columns_from_rows(a);
    xb__array_line_currents(a);
    a->stats.err_bound = 0;
    return XB_OK;
  }
  double zmax;
  double rz = row_step(a, 0.0, &zmax), beta = 0.0;
  int maxit = a->p.maxit;
  double *ld_d = malloc(2 * (size_t)(maxit + 1) * sizeof(double));
  if (!ld_d)
    return xb__err(err, XB_ENOMEM, "solver work");
  double *ld_e = ld_d + maxit + 1;
  double alpha_prev = 0, beta_prev = 0, threshold = 0, ratio = INFINITY;
  int it, done = 0, fresh = 0;
  for (it = 0; it < maxit && !done; it++) {
    col_solve_dir(a, beta); /* p = z + beta p; t = T_c^-1 G p */
    double pq = schur_rows(a);
    if (!(pq > 0)) {
      free(ld_d);
      return xb__err(err, XB_ESINGULAR,
                     "network matrix not positive definite (p.Sp = %g)", pq);
    }
    double alpha = rz / pq;
    double rz_new = row_step(a, alpha, &zmax);
    beta = rz_new / rz;
    /* Lanczos tridiagonal of the preconditioned operator. */
    ld_d[it] = 1.0 / alpha + (it ? beta_prev / alpha_prev : 0.0);
    ld_e[it] = it ? sqrt(beta_prev) / alpha_prev : 0.0;
    double lam = ritz_min(ld_d, ld_e, it + 1);
    double est = zmax / lam;
    fresh = 0;
    /* First guess of the test point: the voltage error allowed is about
     * tol times the voltages themselves, and the first z is about as large
     * as the voltages. */
    if (it == 0)
      threshold = 0.5 * tol * est;
    if (est <= threshold) {
      /* Full test on the present iterate; if it fails, predict from the
       * cheap estimate zmax/lam when to test again. */
      xb__array_columns_from_rows(a);
      ratio = error_ratio(a, lam, tol, xb__array_line_currents(a));
      fresh = 1;
      if (ratio <= 1)
        done = 1;
      else
        threshold = est / ratio;
    }
    if (rz_new == 0)
      done = 1;
    rz = rz_new;
    alpha_prev = alpha;
    beta_prev = beta;
  }
  free(ld_d);
  if (!fresh) {
    xb__array_columns_from_rows(a);
    xb__array_line_currents(a);
  }
  a->stats.iterations += it;
  a->stats.err_bound = 0.5 * tol * ratio;
  if (!done)
    return xb__err(err, XB_ENOCONV,
                   "array solve: no convergence in %d iterations (error "
                   "estimate %.3g x tolerance)",
                   it, 0.5 * ratio);
  return XB_OK;
}

const xb__array_linsol xb__array_linsol_pcg = {
    .name = "Schur complement + row-preconditioned CG",
    .solve = solve_pcg,
};
