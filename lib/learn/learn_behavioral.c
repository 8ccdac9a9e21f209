/*
 * The behavioral fidelity (p.fidelity 1, see xbar/learn.h): the PARCA
 * read path with ideal plane currents, each patch through all its ISTA
 * iterations on one OpenMP thread, and the fidelity-1 writes (the overlap
 * write of learn_overlap.c or the accumulate write of learn_accum.c). A
 * bit plane's currents are summed over its driven lines only (codes are
 * sparse, and so are the high bits of r); the counting, the decoding and
 * the ISTA step are learn_ista.c's.
 *
 * Read D.z: each bit plane of the 4-bit zq drives the columns whose bit
 * is set at V_reset + v, v = v_read / ones (ones: the plane's driven
 * lines; at most 90% of Vw/2); the row currents v G^T p are counted by
 * the integrate-and-fire circuit (3-bit encoder, at most 7 spikes),
 * decoded and shifted and added. Read D^T r: each plane of the signed
 * 4-bit rq drives its rows at V_reset +/- v, and the columns count a
 * signed current (the circuit mirrored for a falling input).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn_impl.h"

/* One bit plane's currents per volt: out (n) = the sum of the rows at
 * offsets p[0 .. np) minus those at m[0 .. nm) (rows of n conductances, n
 * a multiple of 16, zero padded). Blocks of 32 outputs stay in registers
 * over the whole list, in two sums per sign (the adds' latency, not their
 * number, would bound one chain), so each conductance is loaded once per
 * plane it is driven in and each output stored once. */
XB__LEARN_CLONES
static void plane_sum(const float *restrict rows, size_t n,
                      const int32_t *restrict p, size_t np,
                      const int32_t *restrict m, size_t nm,
                      float *restrict out)
{
  typedef float v16 __attribute__((vector_size(64)));
/* a0, a1 (even entries) and b0, b1 (odd) += the 32 floats at base + o[u]. */
#define XB__SUM_LIST(o, len)                                                  \
  do {                                                                        \
    size_t u_ = 0;                                                            \
    for (; u_ + 2 <= (len); u_ += 2) {                                        \
      memcpy(&r0, base + (o)[u_], sizeof r0);                                 \
      memcpy(&r1, base + (o)[u_] + 16, sizeof r1);                            \
      memcpy(&q0, base + (o)[u_ + 1], sizeof q0);                             \
      memcpy(&q1, base + (o)[u_ + 1] + 16, sizeof q1);                        \
      a0 += r0;                                                               \
      a1 += r1;                                                               \
      b0 += q0;                                                               \
      b1 += q1;                                                               \
    }                                                                         \
    if (u_ < (len)) {                                                         \
      memcpy(&r0, base + (o)[u_], sizeof r0);                                 \
      memcpy(&r1, base + (o)[u_] + 16, sizeof r1);                            \
      a0 += r0;                                                               \
      a1 += r1;                                                               \
    }                                                                         \
  } while (0)
  size_t j0 = 0;
  for (; j0 + 32 <= n; j0 += 32) {
    const float *base = rows + j0;
    v16 a0 = {0}, a1 = {0}, b0 = {0}, b1 = {0}, r0, r1, q0, q1;
    XB__SUM_LIST(m, nm);
    v16 n0 = a0 + b0, n1 = a1 + b1;
    a0 = a1 = b0 = b1 = (v16){0};
    XB__SUM_LIST(p, np);
    a0 += b0 - n0;
    a1 += b1 - n1;
    memcpy(out + j0, &a0, sizeof a0);
    memcpy(out + j0 + 16, &a1, sizeof a1);
  }
  if (j0 < n) { /* the last 16 */
    const float *base = rows + j0;
    v16 a0 = {0}, b0 = {0}, r0;
    for (size_t u = 0; u < nm; u++) {
      memcpy(&r0, base + m[u], sizeof r0);
      b0 += r0;
    }
    for (size_t u = 0; u < np; u++) {
      memcpy(&r0, base + p[u], sizeof r0);
      a0 += r0;
    }
    a0 -= b0;
    memcpy(out + j0, &a0, sizeof a0);
  }
#undef XB__SUM_LIST
}

typedef struct read_work {
  float *cur;    /* plane currents, then the read's sums (npad each) */
  int32_t *pos;  /* per bit plane (nin + 16 apart): offsets of the rows */
  int32_t *neg;  /* driven positive, and negative */
} read_work;

/* The lists of read_one: row offsets k npad of the lines whose input has
 * bit b set, positive and negative inputs apart, counts in np and nn. */
static void plane_lists(const int *q, size_t nin, size_t npad, read_work *w,
                        size_t *np, size_t *nn)
{
  size_t ld = nin + 16;
  int32_t *restrict pos = w->pos, *restrict neg = w->neg;
  for (int b = 0; b < 4; b++)
    np[b] = nn[b] = 0;
  for (size_t k = 0; k < nin; k++) {
    int v = q[k];
    if (!v)
      continue;
    int a = v < 0 ? -v : v;
    int32_t *dst = v < 0 ? neg : pos;
    size_t *cnt = v < 0 ? nn : np;
    for (int b = 0; b < 4; b++) { /* branch-free: random bits */
      dst[(size_t)b * ld + cnt[b]] = (int32_t)(k * npad);
      cnt[b] += (size_t)((a >> b) & 1);
    }
  }
}

#if XB__LEARN_X86
#include <immintrin.h>
/* The same lists 16 inputs at a time: AVX-512 compresses the offsets of
 * each (bit, sign) mask in a register and stores all 16 lanes (the lists
 * have 16 entries of slack). */
__attribute__((target("avx512f"))) static void
plane_lists_avx512(const int *q, size_t nin, size_t npad, read_work *w,
                   size_t *np, size_t *nn)
{
  size_t ld = nin + 16;
  for (int b = 0; b < 4; b++)
    np[b] = nn[b] = 0;
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                         11, 12, 13, 14, 15);
  const __m512i zero = _mm512_setzero_si512();
  for (size_t k0 = 0; k0 < nin; k0 += 16) {
    __mmask16 valid = nin - k0 >= 16 ? (__mmask16)0xffff
                                     : (__mmask16)((1u << (nin - k0)) - 1);
    __m512i v = _mm512_maskz_loadu_epi32(valid, q + k0);
    __m512i a = _mm512_abs_epi32(v);
    __mmask16 isneg = _mm512_cmplt_epi32_mask(v, zero);
    __m512i off = _mm512_mullo_epi32(
        _mm512_add_epi32(iota, _mm512_set1_epi32((int)k0)),
        _mm512_set1_epi32((int)npad));
    for (int b = 0; b < 4; b++) {
      __mmask16 on =
          _mm512_test_epi32_mask(a, _mm512_set1_epi32(1 << b)) & valid;
      __mmask16 mp = on & (__mmask16)~isneg, mn = on & isneg;
      _mm512_storeu_si512(w->pos + (size_t)b * ld + np[b],
                          _mm512_maskz_compress_epi32(mp, off));
      _mm512_storeu_si512(w->neg + (size_t)b * ld + nn[b],
                          _mm512_maskz_compress_epi32(mn, off));
      np[b] += (size_t)__builtin_popcount(mp);
      nn[b] += (size_t)__builtin_popcount(mn);
    }
  }
}
#endif

/* The same read at fidelity 1 for one patch, with the ideal plane
 * currents: each plane sums the conductance rows of its driven lines only
 * (codes are sparse, and so are the high bits of r). rows: atoms of gtc
 * for D.z, rows of gtp for D^T r, npad floats apart. */
static void read_one(const struct xb_hw *h, const float *rows, size_t npad,
                     const int *q, size_t nin, size_t nout, read_work *w,
                     double *out)
{
  size_t np[4], nn[4], ld = nin + 16;
#if XB__LEARN_X86
  if (h->avx512)
    plane_lists_avx512(q, nin, npad, w, np, nn);
  else
#endif
    plane_lists(q, nin, npad, w, np, nn);
  float *restrict cur = w->cur, *restrict acc = w->cur + npad;
  memset(acc, 0, npad * sizeof(float));
  const float scale0 = (float)(1.0 / (h->gmax - h->gmin));
  for (int b = 0; b < 4; b++) {
    size_t ones = np[b] + nn[b];
    if (!ones)
      continue;
    plane_sum(rows, npad, w->pos + (size_t)b * ld, np[b],
              w->neg + (size_t)b * ld, nn[b], cur);
    /* All npad outputs (the padding reads 0): no scalar tail. */
    xb__learn_count_add(h, cur, npad,
                        (float)fmin(h->v_read / (double)ones, h->v_cap),
                        (float)np[b] - (float)nn[b], (float)(1 << b) * scale0,
                        acc);
  }
  for (size_t k = 0; k < nout; k++)
    out[k] = acc[k];
}

/* The patches are independent through all their iterations, so each
 * thread takes whole patches. */
static int behavioral_encode(xb_learner *l, const double *X, size_t b,
                             double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  size_t big = dim > m ? dim : m;
  double inv = 1.0 / l->L, thr = l->p.lambda / l->L;
  double zs = 15.0 / l->p.z_full, rs = 15.0 / l->p.r_full;
  int fista = l->p.fista, iters = l->p.iters, oom = 0;
#pragma omp parallel if (b > 1) reduction(| : oom)
  {
    size_t npad = h->dpad > h->mpad ? h->dpad : h->mpad;
    read_work w = {malloc(2 * npad * sizeof(float)),
                   malloc(4 * (big + 16) * sizeof(int32_t)),
                   malloc(4 * (big + 16) * sizeof(int32_t))};
    int *qz = malloc(m * sizeof(int)), *qr = malloc(dim * sizeof(int));
    double *dz = malloc(dim * sizeof(double));
    double *dtr = malloc(m * sizeof(double));
    double *y = malloc(m * sizeof(double));
    oom = !w.cur || !w.pos || !w.neg || !qz || !qr || !dz || !dtr || !y;
#pragma omp for schedule(dynamic, 4)
    for (size_t s = 0; s < b; s++) {
      if (oom)
        continue;
      const double *x = X + s * dim;
      double *z = Z + s * m, t = 1.0;
      memset(z, 0, m * sizeof(double));
      memset(y, 0, m * sizeof(double));
      for (int it = 0; it < iters; it++) {
        double mom = xb__learn_momentum(fista, &t);
        xb__learn_quant_codes(y, m, zs, qz);
        read_one(h, h->gtc, h->dpad, qz, m, dim, &w, dz); /* D zq */
        xb__learn_quant_resid(dz, x, dim, zs, rs, qr);
        read_one(h, h->gtp, h->mpad, qr, dim, m, &w, dtr); /* D^T rq */
        xb__learn_step_codes(y, z, dtr, m, rs, inv, thr, mom, fista);
      }
      if (!fista)
        memcpy(z, y, m * sizeof(double));
    }
    free(w.cur);
    free(w.pos);
    free(w.neg);
    free(qz);
    free(qr);
    free(dz);
    free(dtr);
    free(y);
  }
  if (oom)
    return xb__err(err, XB_ENOMEM, "behavioral codes");
  xb__learn_hold_codes(l, b, Z);
  return XB_OK;
}

const xb__learn_fidelity xb__learn_behavioral = {
    .name = "behavioral",
    .needs_array = 1,
    .encode = behavioral_encode,
    .update = xb__learn_overlap_update,
    .update_accum = xb__learn_accum_update,
    .power_tol = 1e-9,
};

