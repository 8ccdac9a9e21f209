/*
 * The accumulate write (p.accum = 1, see xbar/learn.h; mixed precision,
 * Nandakumar et al., Front. Neurosci. 14, 406, 2020): a digital sum per
 * cell collects -eta r z^T in double precision, and a cell gets the whole
 * number of r pulses its sum holds (step: one pulse's nominal D change),
 * the sum keeping the remainder. This file gives a row's sums (the
 * circuit fidelity's write uses them too) and the fidelity-1 write: each
 * cell's pulse count as one pulse of its overlap under a full Z window
 * (xb_write_overlap, a write period per r_levels pulses).
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "learn_impl.h"

/* Width (s) of n >= 0 r pulses under a full Z window: whole write
 * periods of r_levels pulses, then the rest. */
static double accum_width(const struct xb_hw *h, long n)
{
  long R = h->wp.r_levels;
  return (double)(n / R) * h->o1[R] + h->o1[n % R];
}

/* The accumulate write's sums of row i for one patch (x_i, codes z with
 * their nz non-zero entries at nzj): r_i from the row as its cells hold
 * it, acc_ij -= eta r_i z_j, and n[t] = trunc(acc_ij / step) whole r
 * pulses for j = nzj[t] (positive potentiates), which acc_ij gives up. */
void xb__learn_accum_row(xb_learner *l, size_t i, double x, const double *z,
                         const size_t *nzj, size_t nz, long *n)
{
  const struct xb_hw *h = l->hw;
  size_t m = (size_t)l->p.atoms;
  double *acc = h->acc + i * m;
  const double *Di = l->D + i * m;
  double r = -x;
  for (size_t t = 0; t < nz; t++)
    r += Di[nzj[t]] * z[nzj[t]];
  for (size_t t = 0; t < nz; t++) {
    size_t j = nzj[t];
    acc[j] -= l->p.eta * r * z[j];
    double k = trunc(acc[j] / h->step);
    acc[j] -= k * h->step;
    /* A sum this far out means eta is far too large; the cell is at its
     * bound long before 2^30 pulses. */
    n[t] = (long)fmax(fmin(k, 0x1p30), -0x1p30);
  }
}

/* Fidelity 1: per patch in order, the row's sums and a pulse of each
 * cell's n r pulses (accum_width). Rows go to the threads, each through
 * the whole batch, as in the overlap write (learn_overlap.c). Each thread
 * keeps, per patch and column, the largest pulse count it wrote; their
 * maximum gives the column's write periods. */
int xb__learn_accum_update(xb_learner *l, const double *X, size_t b,
                           const double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  assert(h);
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  int nthr = 1;
#ifdef _OPENMP
  nthr = omp_get_max_threads();
#endif
  size_t need = (size_t)nthr * b * m;
  long *nr = malloc((size_t)nthr * m * sizeof(long));
  size_t *nzj = malloc(b * m * sizeof(size_t));
  size_t *nz = malloc(b * sizeof(size_t));
  if (nr && nzj && nz && need > h->colmax_cap) {
    long *cm = realloc(h->colmax, need * sizeof(long));
    if (cm) {
      h->colmax = cm;
      h->colmax_cap = need;
    }
  }
  if (!nr || !nzj || !nz || need > h->colmax_cap) {
    free(nr);
    free(nzj);
    free(nz);
    return xb__err(err, XB_ENOMEM, "write counts of a batch");
  }
  memset(h->colmax, 0, need * sizeof(long));
  for (size_t s = 0; s < b; s++)
    nz[s] = xb__learn_nonzeros(Z + s * m, m, nzj + s * m);
  const double *g = xb_cells_g(h->cells);
  uint64_t pulses = 0;
  int rc = XB_OK;
#pragma omp parallel for schedule(dynamic, 4) reduction(+ : pulses) \
    if (dim > 1 && nthr > 1)
  for (size_t i = 0; i < dim; i++) {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    long *cm = h->colmax + (size_t)tid * b * m, *n = nr + (size_t)tid * m;
    int failed = 0;
    for (size_t s = 0; s < b && !failed; s++) {
      const size_t *nzs = nzj + s * m;
      xb__learn_accum_row(l, i, X[s * dim + i], Z + s * m, nzs, nz[s], n);
      for (size_t t = 0; t < nz[s]; t++) {
        size_t j = nzs[t];
        long k = labs(n[t]);
        if (!k)
          continue;
        double w = accum_width(h, k);
        if (xb__learn_pulse_cell(l, g, i, j, n[t] > 0 ? w : -w, &rc, err)) {
          failed = 1;
          break;
        }
        pulses += (uint64_t)k;
        if (k > cm[s * m + j])
          cm[s * m + j] = k;
      }
    }
  }
  long R = h->wp.r_levels;
  for (size_t s = 0; s < b; s++)
    for (size_t j = 0; j < m; j++) {
      long mx = 0;
      for (int t = 0; t < nthr; t++) {
        long v = h->colmax[((size_t)t * b + s) * m + j];
        mx = v > mx ? v : mx;
      }
      h->st.periods += (uint64_t)((mx + R - 1) / R);
    }
  h->st.pulses += pulses;
  h->st.patches += b;
  h->writes += b;
  free(nr);
  free(nzj);
  free(nz);
  return rc;
}
