/*
 * Block masks of coarse-grain sparsity (see xbar/nn.h; seed 001 section
 * II-B, Fig. 2): CGS keeps the same number of tile-sized blocks in every
 * block-row, HCGS then the same number of sub-blocks in every
 * sub-block-row of each kept block. The choices are made once, before
 * training, by partial Fisher-Yates shuffles from Philox draws: draw d of
 * choice-set s of level l at position l 2^62 + s 2^24 + d of the caller's
 * stream, so a mask is a function of (shape, parameters, seed, stream).
 *
 * Workload: one byte written per weight; a few draws per block-row.
 */
#include <stdlib.h>
#include <string.h>

#include <xbar/nn.h>
#include <xbar/rng.h>

#include "../core/core_impl.h"

#define XB_PARAM_T xb_nn_mask_params
XB_PARAM_SET_DEFINE(xb_nn_mask_param_set, "mask", XB_NN_MASK_PARAMS, NULL)
#undef XB_PARAM_T

/* The first k entries of idx become a uniform k-subset of 0..n-1. */
static void choose(size_t *idx, size_t n, size_t k, uint64_t seed,
                   uint64_t stream, uint64_t pos)
{
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  for (size_t i = 0; i < k; i++) {
    size_t j = i + (size_t)(xb_rng_uniform(seed, stream, pos + i) *
                            (double)(n - i));
    j = j < n ? j : n - 1;
    size_t s = idx[i];
    idx[i] = idx[j];
    idx[j] = s;
  }
}

static size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

static void fill(unsigned char *mask, size_t cols, size_t r0, size_t r1,
                 size_t c0, size_t c1)
{
  for (size_t r = r0; r < r1; r++)
    memset(mask + r * cols + c0, 1, c1 - c0);
}

int xb_nn_mask_make(size_t rows, size_t cols, const xb_nn_mask_params *p,
                    uint64_t seed, uint64_t stream, unsigned char *mask,
                    xb_err *err)
{
  if (!p || !mask)
    return xb__err(err, XB_EINVAL, "xb_nn_mask_make: NULL argument");
  if (rows == 0 || cols == 0 || cols > (1u << 20))
    return xb__err(err, XB_ESIZE, "xb_nn_mask_make: %zu x %zu matrix", rows,
                   cols);
  int rc = xb_param_check(&xb_nn_mask_param_set, p, err);
  if (rc != XB_OK)
    return rc;
  const size_t br_ = (size_t)p->block_rows, bc_ = (size_t)p->block_cols;
  const size_t ss = (size_t)p->sub;
  const size_t nbr = ceil_div(rows, br_), nbc = ceil_div(cols, bc_);
  const size_t keep = (size_t)p->keep < nbc ? (size_t)p->keep : nbc;
  size_t *bi = malloc(nbc * sizeof *bi);
  size_t *si = malloc((ss ? ceil_div(bc_, ss) : 1) * sizeof *si);
  if (!bi || !si) {
    free(bi);
    free(si);
    return xb__err(err, XB_ENOMEM, "xb_nn_mask_make: index");
  }
  memset(mask, 0, rows * cols);
  const uint64_t L1 = 0, L2 = UINT64_C(1) << 62;
  for (size_t br = 0; br < nbr; br++) {
    choose(bi, nbc, keep, seed, stream, L1 + ((uint64_t)br << 24));
    const size_t r0 = br * br_, r1 = r0 + br_ < rows ? r0 + br_ : rows;
    for (size_t q = 0; q < keep; q++) {
      const size_t c0 = bi[q] * bc_, c1 = c0 + bc_ < cols ? c0 + bc_ : cols;
      if (!ss) {
        fill(mask, cols, r0, r1, c0, c1);
        continue;
      }
      const size_t nsr = ceil_div(r1 - r0, ss), nsc = ceil_div(c1 - c0, ss);
      const size_t sk = (size_t)p->sub_keep < nsc ? (size_t)p->sub_keep : nsc;
      for (size_t sr = 0; sr < nsr; sr++) {
        const uint64_t set = ((uint64_t)br * nbc + bi[q]) * nsr + sr;
        choose(si, nsc, sk, seed, stream, L2 + (set << 24));
        const size_t s0 = r0 + sr * ss, s1 = s0 + ss < r1 ? s0 + ss : r1;
        for (size_t u = 0; u < sk; u++) {
          const size_t d0 = c0 + si[u] * ss, d1 = d0 + ss < c1 ? d0 + ss : c1;
          fill(mask, cols, s0, s1, d0, d1);
        }
      }
    }
  }
  free(bi);
  free(si);
  return XB_OK;
}

void xb_nn_mask_count(const unsigned char *mask, size_t rows, size_t cols,
                      size_t block_rows, size_t block_cols, size_t *kept,
                      size_t *tiles)
{
  const size_t bh = block_rows ? block_rows : 1, bw = block_cols ? block_cols : 1;
  const size_t nbr = ceil_div(rows, bh), nbc = ceil_div(cols, bw);
  size_t nk = 0, nt = 0;
  for (size_t br = 0; br < nbr; br++)
    for (size_t bc = 0; bc < nbc; bc++) {
      size_t in = 0;
      for (size_t r = br * bh; r < rows && r < (br + 1) * bh; r++)
        for (size_t c = bc * bw; c < cols && c < (bc + 1) * bw; c++)
          in += mask ? mask[r * cols + c] != 0 : 1;
      nk += in;
      nt += in > 0;
    }
  if (kept)
    *kept = nk;
  if (tiles)
    *tiles = nt;
}
