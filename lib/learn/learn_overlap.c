/*
 * The overlap write (PARCA's, p.accum = 0; see xbar/learn.h): after each
 * patch, r_i and z_j are rounded to the write levels (r: -r_levels ..
 * r_levels, z: 0 .. zbits; dithered unless p.dither = 0) with scales
 * chosen so that the overlap of a row's r pulses with a column's Z window
 * realises dD = -eta r z^T in the device's linear range. This file gives
 * the levels (the circuit fidelity's write uses them too) and the
 * fidelity-1 write: each cell one pulse of its overlap time
 * (xb_write_overlap) at the full write voltage through the device model,
 * with its nonlinearity and variation.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include <xbar/rng.h>

#include "learn_impl.h"

/* A value s in write levels rounded to an integer in [lo, hi]: dithered
 * by the 32-bit word u (floor(s + uniform)), or to the nearest. */
static int write_level(double s, int dither, uint32_t u, int lo, int hi)
{
  long v = dither ? (long)floor(s + ((double)u + 0.5) * 0x1p-32) : lround(s);
  return (int)(v > hi ? hi : (v < lo ? lo : v));
}

/* Write levels of one patch's codes (zq, m entries) for write number
 * `write`: Z dithered like r (below), from its own stream, so that codes
 * below half a Z level still move the cells on average. Also the list of
 * the patch's non-zero codes (nzj, count returned). */
size_t xb__learn_z_levels(const xb_learner *l, const double *z,
                          uint64_t write, int *zq, size_t *nzj)
{
  const struct xb_hw *h = l->hw;
  size_t m = (size_t)l->p.atoms, blocks = (m + 3) / 4;
  uint32_t u4[4] = {0, 0, 0, 0};
  for (size_t j = 0; j < m; j++) {
    if (l->p.dither && j % 4 == 0)
      xb_rng_words(l->seed, 0xd18ull, write * blocks + j / 4, u4);
    /* Codes are >= 0; a zero code stays at level 0 either way. */
    zq[j] = write_level(z[j] * h->s_z, l->p.dither, u4[j % 4], 0,
                        h->wp.zbits);
  }
  return xb__learn_nonzeros(z, m, nzj);
}

/* Write levels rq[0 .. 4) of the rows 4 blk .. 4 blk + 3 (those below dim)
 * for write number `write`: the residual r_i = D_i z - x_i with row i as the
 * cells hold it now (z sparse: its nz non-zero entries nzj), scaled and
 * rounded. Updates smaller than one write level are common (a level moves
 * a cell by about 1/levels of its range); dithering keeps their mean. One
 * Philox block gives the dither of the four rows (32 bits each). A row's
 * residual and level depend on that row alone, so rows can be written
 * independently. */
void xb__learn_r_levels(const xb_learner *l, size_t blk, const double *x,
                        const double *z, const size_t *nzj, size_t nz,
                        uint64_t write, int *rq)
{
  const struct xb_hw *h = l->hw;
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  int R = h->wp.r_levels;
  uint32_t u4[4] = {0, 0, 0, 0};
  if (l->p.dither)
    xb_rng_words(l->seed, 0xd17ull, write * ((dim + 3) / 4) + blk, u4);
  for (size_t k = 0; k < 4; k++) {
    size_t i = 4 * blk + k;
    rq[k] = 0;
    if (i >= dim)
      continue;
    const double *Di = l->D + i * m;
    double acc = -x[i];
    for (size_t t = 0; t < nz; t++)
      acc += Di[nzj[t]] * z[nzj[t]];
    rq[k] = write_level(acc * h->s_r, l->p.dither, u4[k], -R, R);
  }
}

/* Fidelity 1: each cell whose r and Z levels are both non-zero gets one
 * pulse of its overlap time through the device model. Row blocks go to
 * the threads, each through all the batch's patches in order: a row's
 * writes depend on that row alone, and every cell has its own noise
 * stream, so the result is the patch-by-patch one on any thread count. */
int xb__learn_overlap_update(xb_learner *l, const double *X, size_t b,
                             const double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  assert(h);
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  int R = h->wp.r_levels, Zb = h->wp.zbits;
  int *zq = malloc(b * m * sizeof(int));
  size_t *nzj = malloc(b * m * sizeof(size_t));
  size_t *nz = malloc(b * sizeof(size_t));
  if (!zq || !nzj || !nz) {
    free(zq);
    free(nzj);
    free(nz);
    return xb__err(err, XB_ENOMEM, "write levels of a batch");
  }
  for (size_t s = 0; s < b; s++)
    nz[s] = xb__learn_z_levels(l, Z + s * m, h->writes + s, zq + s * m,
                               nzj + s * m);
  const double *g = xb_cells_g(h->cells);
  size_t nblk = (dim + 3) / 4;
  int rc = XB_OK;
#pragma omp parallel for schedule(dynamic, 1) if (nblk > 1)
  for (size_t blk = 0; blk < nblk; blk++) {
    int rq[4], failed = 0;
    for (size_t s = 0; s < b && !failed; s++) {
      const size_t *nzs = nzj + s * m;
      const int *zqs = zq + s * m;
      xb__learn_r_levels(l, blk, X + s * dim, Z + s * m, nzs, nz[s],
                         h->writes + s, rq);
      for (size_t k = 0; k < 4 && !failed; k++) {
        size_t i = 4 * blk + k;
        if (!rq[k])
          continue;
        const double *o_r = h->ovl + (size_t)(rq[k] + R) * (Zb + 1);
        for (size_t t = 0; t < nz[s]; t++) {
          size_t j = nzs[t];
          if (!zqs[j])
            continue;
          if (xb__learn_pulse_cell(l, g, i, j, o_r[zqs[j]], &rc, err)) {
            failed = 1;
            break;
          }
        }
      }
    }
  }
  h->writes += b;
  h->st.patches += b;
  h->st.periods += (uint64_t)b * (uint64_t)h->wp.reps;
  free(zq);
  free(nzj);
  free(nz);
  return rc;
}
