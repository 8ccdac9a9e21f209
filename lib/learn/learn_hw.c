/*
 * PARCA learning with the array in the loop (fidelity 1 behavioral, 2
 * circuit; see xbar/learn.h). The dictionary lives in a cell array (dim
 * rows = pixels, atoms columns) as G = Gmin + (Gmax - Gmin) D.
 *
 * Read D.z: z is quantized to 4 bits, zq = round(15 z / z_full); each bit
 * plane drives the columns whose bit is set at V_reset + v_read; the row
 * currents are counted by the integrate-and-fire circuit (3-bit encoder,
 * at most 7 spikes); the counts are mapped back to currents (middle of
 * each count's current interval) and shifted and added. The Gmin offset is
 * known digitally (Gmin v_read times the number of ones) and removed.
 * Read D^T r: r = (D.z)_read - x, quantized to sign and 4 bits,
 * rq = round(15 r / r_full); each plane drives its rows at V_reset +/-
 * v_read, and the columns count a signed current (the circuit mirrored for
 * a falling input).
 * At fidelity 1 the plane currents are the ideal sums v G^T p over each
 * plane's driven lines, each patch through all its iterations on one
 * OpenMP thread; at fidelity 2 each plane is a DC solve of the array with
 * its wires (xb_array_read), unselected lines floating as in the seed.
 * With FISTA the read input is the momentum point (negative entries apply
 * as 0: the Z drive is unsigned).
 *
 * Write: r_i and z_j are quantized to the write levels (r: -15..15,
 * z: 0..16) with scales chosen so that the overlap write realises
 * dD = -eta r z^T in the device's linear range; at fidelity 1 each cell
 * gets one pulse of its overlap time (xb_write_overlap) at the full write
 * voltage through the device model (nonlinearity, variation); at fidelity
 * 2 the whole parallel write runs through the network
 * (xb_write_parallel). The accumulate write (p.accum) instead sums
 * -eta r z^T per cell in double precision and pulses a cell by the whole
 * number of r pulses its sum holds: r_i from the row as its cells hold
 * it, z_j the 4-bit code; at fidelity 1 each pulse count is one pulse of
 * its overlap under a full Z window (xb_write_overlap, one repetition per
 * r_levels pulses), at fidelity 2 the same write periods, a column at a
 * time, through the network.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <xbar/array.h>
#include <xbar/device.h>
#include <xbar/read.h>
#include <xbar/rng.h>
#include <xbar/write.h>

#include "learn_impl.h"

struct xb_hw {
  const xb_device *dev;
  const xb_read *rc;
  xb_write_params wp;
  xb_cells *cells;
  xb_array *arr;       /* fidelity 2 */
  double gmin, gmax, v_read, v_reset;
  double v_cap;        /* largest read drive: below half the write voltage */
  double ithr[8];      /* ithr[k]: smallest current giving k spikes */
  double iest[8];      /* current estimate for k spikes */
  double s_r, s_z;     /* write quantization scales */
  double *ovl;         /* overlap table, (2 r_levels + 1) x (zbits + 1) */
  float *gt;           /* dim x atoms conductances (float) */
  float *gtc;          /* the same, atoms x dim (one atom per row), rows
                          padded to dpad with zeros (fidelity 1 reads) */
  float *gtp;          /* gt with rows padded to mpad (fidelity 1 reads) */
  size_t dpad, mpad;   /* dim and atoms rounded up to 16 */
  int avx512;          /* the processor has AVX-512F (plane_lists) */
  float *plane, *cur;  /* batch planes and currents */
  size_t cap;
  uint64_t writes;     /* writes so far: position in the dither stream */
  xb_learn_writes st;  /* write activity (xb_learner_writes) */
  /* Accumulate write (p.accum): */
  double *acc;         /* dim x atoms update sums, in D units */
  double step;         /* D change of one r pulse, nominal */
  double *o1;          /* o1[k]: overlap (s) of k = 0 .. r_levels r pulses
                          in one write period with a full Z window */
  long *colmax;        /* per thread, batch x atoms largest |pulses| */
  size_t colmax_cap;
};

void xb__learn_hw_free(xb_learner *l)
{
  struct xb_hw *h = l->hw;
  if (!h)
    return;
  xb_cells_free(h->cells);
  xb_array_free(h->arr);
  free(h->ovl);
  free(h->acc);
  free(h->o1);
  free(h->colmax);
  free(h->gt);
  free(h->gtc);
  free(h->gtp);
  free(h->plane);
  free(h->cur);
  free(h);
  l->hw = NULL;
}

/* Dictionary entry k = i m + j as the conductance holds it (clipped to
 * [0, 1]), and the float copies the reads use. */
static void sync_cell(xb_learner *l, const double *g, size_t i, size_t j)
{
  struct xb_hw *h = l->hw;
  size_t m = (size_t)l->p.atoms, k = i * m + j;
  double d = (g[k] - h->gmin) / (h->gmax - h->gmin);
  l->D[k] = d < 0 ? 0 : (d > 1 ? 1 : d);
  h->gt[k] = (float)g[k];
  h->gtp[i * h->mpad + j] = (float)g[k];
  h->gtc[j * h->dpad + i] = (float)g[k];
}

static void sync_dict(xb_learner *l)
{
  const double *g = xb_cells_g(l->hw->cells);
  for (size_t i = 0; i < (size_t)l->dim; i++)
    for (size_t j = 0; j < (size_t)l->p.atoms; j++)
      sync_cell(l, g, i, j);
}

/* Pulses over the conductance range: the model's own count where it has
 * one, else 50 (a model-independent guess). */
static double device_levels(const xb_device *d)
{
  const void *mp = xb_device_params(d);
  if (xb_device_type_of(d) == xb_device_exp)
    return ((const xb_exp_params *)mp)->levels;
  if (xb_device_type_of(d) == xb_device_linear)
    return ((const xb_linear_params *)mp)->levels;
  return 50.0;
}

int xb_learner_attach(xb_learner *l, const xb_device *d, const xb_read *r,
                      const xb_write_params *w, const xb_array_params *ap,
                      xb_err *err)
{
  if (!l || !d || !r)
    return xb__err(err, XB_EINVAL, "NULL learner, device or read circuit");
  xb__learn_hw_free(l);
  struct xb_hw *h = calloc(1, sizeof *h);
  if (!h)
    return xb__err(err, XB_ENOMEM, "array state");
  l->hw = h;
  h->dev = d;
  h->rc = r;
  if (w)
    h->wp = *w;
  else
    xb_param_defaults(&xb_write_param_set, &h->wp);
  int rc = xb_param_check(&xb_write_param_set, &h->wp, err);
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  if (!rc) {
    h->cells = xb_cells_create(d, dim * m, l->seed, err);
    rc = h->cells ? XB_OK : (err ? err->code : XB_ENOMEM);
  }
  xb_device_bounds(d, &h->gmin, &h->gmax);
  h->v_reset = xb_read_params_of(r)->v_reset;
  if (!rc) {
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
    h->avx512 = __builtin_cpu_supports("avx512f");
#endif
    h->dpad = (dim + 15) / 16 * 16;
    h->mpad = (m + 15) / 16 * 16;
    h->gt = malloc(dim * m * sizeof(float));
    h->gtc = calloc(m * h->dpad, sizeof(float));
    h->gtp = calloc(dim * h->mpad, sizeof(float));
    h->ovl = malloc((size_t)(2 * h->wp.r_levels + 1) * (h->wp.zbits + 1) *
                    sizeof(double));
    if (!h->gt || !h->gtc || !h->gtp || !h->ovl)
      rc = xb__err(err, XB_ENOMEM, "array state");
  }
  /* Program the dictionary. */
  for (size_t k = 0; !rc && k < dim * m; k++)
    rc = xb_cells_set_g(h->cells, k,
                        h->gmin + (h->gmax - h->gmin) * l->D[k], err);
  /* Read scale (per driven line; see read_product): one cell at
   * mid-range conductance gives 6.5 spikes' worth of current. */
  const xb_read_params *rp = xb_read_params_of(r);
  double q = rp->c_int * (rp->v_th - rp->v_reset) / rp->window;
  h->v_read = l->p.v_read > 0 ? l->p.v_read
                              : 6.5 * q / (0.5 * (h->gmin + h->gmax));
  /* A read must not write: the drive stays at 90% of Vw/2. */
  h->v_cap = 0.45 * fmin(xb_device_elec(d)->vw_set,
                         xb_device_elec(d)->vw_reset);
  /* Threshold table: smallest current for k spikes, by bisection below
   * the current at which the reset gate latches (beyond it the count
   * saturates: unreachable counts get an infinite threshold). */
  double i_latch = 0.999 * (rp->v_tl - rp->v_reset) / rp->r_reset;
  h->ithr[0] = 0;
  for (int k = 1; !rc && k < 8; k++) {
    double lo = h->ithr[k - 1], hi = i_latch;
    int n;
    if (!isfinite(lo) || (rc = xb_read_count(r, hi, &n, err)) || n < k) {
      h->ithr[k] = INFINITY;
      continue;
    }
    for (int it = 0; it < 80; it++) {
      double mid = 0.5 * (lo + hi);
      rc = xb_read_count(r, mid, &n, err);
      if (rc)
        break;
      if (n >= k)
        hi = mid;
      else
        lo = mid;
    }
    h->ithr[k] = hi;
  }
  for (int k = 0; k < 8; k++) {
    if (k == 0 || !isfinite(h->ithr[k]))
      h->iest[k] = k == 0 ? 0.0 : h->iest[k - 1];
    else if (k < 7 && isfinite(h->ithr[k + 1]))
      h->iest[k] = 0.5 * (h->ithr[k] + h->ithr[k + 1]);
    else /* the top count: half a step above its threshold */
      h->iest[k] = h->ithr[k] + 0.5 * (h->ithr[k] - h->ithr[k - 1]);
  }
  /* Write scales: z_full -> all zbits levels; r chosen so that the overlap
   * write gives dD = -eta r z in the device's linear range:
   * dD ~ (1/levels) overlap / t_pulse with overlap ~ reps |rq| t_rpulse
   * (zq / zbits) for a Z window spanning a half period. */
  if (!rc) {
    double half = 0.5 * h->wp.t_write;
    double tclk = h->wp.t_write / h->wp.clocks;
    double levels = device_levels(d);
    h->s_z = h->wp.zbits / l->p.z_full;
    double per = h->wp.reps * h->wp.t_rpulse * tclk / half /
                 (levels * xb_device_elec(d)->t_pulse);
    h->s_r = l->p.eta / (h->s_z * per);
    int R = h->wp.r_levels, Zb = h->wp.zbits;
    for (int rq = -R; rq <= R; rq++)
      for (int zq = 0; zq <= Zb; zq++)
        h->ovl[(size_t)(rq + R) * (Zb + 1) + zq] =
            xb_write_overlap(&h->wp, rq, zq);
  }
  if (!rc && l->p.accum) {
    xb_write_params w1 = h->wp;
    w1.reps = 1;
    int R = w1.r_levels;
    h->o1 = malloc((size_t)(R + 1) * sizeof(double));
    h->acc = calloc(dim * m, sizeof(double));
    if (!h->o1 || !h->acc)
      rc = xb__err(err, XB_ENOMEM, "accumulator of %zu cells", dim * m);
    for (int k = 0; !rc && k <= R; k++)
      h->o1[k] = fabs(xb_write_overlap(&w1, -k, w1.zbits));
    if (!rc && !(h->o1[1] > 0 && isfinite(h->o1[R])))
      rc = xb__err(err, XB_EINVAL,
                   "accum: one r pulse does not overlap a full Z window "
                   "(zbits %d of %d clocks per half period)", w1.zbits,
                   w1.clocks / 2);
    h->step = h->o1[1] / (xb_device_elec(d)->t_pulse * device_levels(d));
  }
  if (!rc && l->p.fidelity == 2) {
    h->arr = xb_array_create(dim, m, ap, err);
    if (!h->arr)
      rc = err ? err->code : XB_ENOMEM;
    else
      rc = xb_array_set_cells(h->arr, h->cells, err);
  }
  if (rc) {
    xb__learn_hw_free(l);
    return rc;
  }
  sync_dict(l);
  return XB_OK;
}

static int hw_work(struct xb_hw *h, size_t b, size_t dim, size_t m,
                   xb_err *err)
{
  size_t need = (b > 4 ? b : 4) * (dim > m ? dim : m);
  if (need <= h->cap)
    return XB_OK;
  float *p = realloc(h->plane, need * sizeof(float));
  if (!p)
    return xb__err(err, XB_ENOMEM, "read planes");
  h->plane = p;
  float *c = realloc(h->cur, need * sizeof(float));
  if (!c)
    return xb__err(err, XB_ENOMEM, "read currents");
  h->cur = c;
  h->cap = need;
  return XB_OK;
}

/* Plane currents for a batch, per volt of drive: in_axis XB_COL drives
 * columns (atoms) with plane (b x m), giving row currents (b x dim); XB_ROW
 * drives rows with plane (b x dim), giving column currents (b x m).
 * Entries of the plane are -1, 0, +1 (the drive's sign); patch s is driven
 * at vs[s] (fidelity 2 solves the array at that voltage and divides). */
static int plane_currents(xb_learner *l, int in_axis, size_t b,
                          const double *vs, xb_err *err)
{
  struct xb_hw *h = l->hw;
  int dim = l->dim, m = l->p.atoms;
  float v = 1.0f;
  if (!h->arr) {
    if (in_axis == XB_COL) /* cur (b x dim) = plane (b x m) G^T */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, dim, m, v,
                  h->plane, m, h->gt, m, 0.0f, h->cur, dim);
    else /* cur (b x m) = plane (b x dim) G */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, m, dim,
                  v, h->plane, dim, h->gt, m, 0.0f, h->cur, m);
    return XB_OK;
  }
  size_t nin = in_axis == XB_COL ? (size_t)m : (size_t)dim;
  size_t nout = in_axis == XB_COL ? (size_t)dim : (size_t)m;
  double *vin = malloc(nin * sizeof(double)), *cur_a = malloc(nout * sizeof(double));
  unsigned char *act = malloc(nin);
  int rc = (!vin || !cur_a || !act) ? xb__err(err, XB_ENOMEM, "plane read")
                                : XB_OK;
  for (size_t s = 0; !rc && s < b; s++) {
    const float *pl = h->plane + s * nin;
    int any = 0;
    for (size_t k = 0; k < nin; k++) {
      act[k] = pl[k] != 0;
      vin[k] = h->v_reset + pl[k] * vs[s];
      any |= act[k];
    }
    float *cur = h->cur + s * nout;
    if (!any) { /* nothing driven: no current */
      for (size_t k = 0; k < nout; k++)
        cur[k] = 0;
      continue;
    }
    rc = xb_array_read(h->arr, in_axis, vin, act, XB_LINE_FLOAT, 0.0,
                       h->v_reset, cur_a, err);
    for (size_t k = 0; !rc && k < nout; k++)
      cur[k] = (float)(cur_a[k] / vs[s]);
  }
  free(vin);
  free(cur_a);
  free(act);
  return rc;
}

/* The counter and its decoding for one plane of one patch: the current
 * v cu[k] becomes a spike count (thresholds ithr), the count the middle of
 * its current interval (iest), written as a sum of steps so the loop has
 * no table lookup and vectorises (a binary search by vector permutes was
 * slower); then the Gmin offset goes and the result is added in D units.
 * Built for AVX-512, AVX2 and plain x86-64. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void count_add(const struct xb_hw *h, const float *restrict cu,
                      size_t n, float v, float net, float scale,
                      float *restrict out)
{
  float t[8], step[8];
  for (int k = 1; k < 8; k++) {
    t[k] = (float)h->ithr[k];
    step[k] = (float)(h->iest[k] - h->iest[k - 1]);
  }
  const float iv = 1.0f / v, off = (float)h->gmin * net;
  for (size_t k = 0; k < n; k++) {
    float c = v * cu[k], a = c < 0 ? -c : c, iq = 0;
    for (int j = 1; j < 8; j++)
      iq += a >= t[j] ? step[j] : 0.0f;
    iq = c < 0 ? -iq : iq;
    out[k] += (iq * iv - off) * scale;
  }
}

/* One bit plane's currents per volt: out (n) = the sum of the rows at
 * offsets p[0 .. np) minus those at m[0 .. nm) (rows of n conductances, n
 * a multiple of 16, zero padded). Blocks of 32 outputs stay in registers
 * over the whole list, in two sums per sign (the adds' latency, not their
 * number, would bound one chain), so each conductance is loaded once per
 * plane it is driven in and each output stored once. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
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

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
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
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
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
    count_add(h, cur, npad, (float)fmin(h->v_read / (double)ones, h->v_cap),
              (float)np[b] - (float)nn[b], (float)(1 << b) * scale0, acc);
  }
  for (size_t k = 0; k < nout; k++)
    out[k] = acc[k];
}

/* One bit-serial read through the array network (fidelity 2): q (b x nin)
 * holds the signed 4-bit inputs; out (b x nout) receives the estimate of
 * the matrix product with D (in D units, before the input scale). The drive of each plane is ranged to its
 * number of driven lines (known digitally): v = v_read / ones, v_read
 * putting ones cells at mid-range conductance at 6.5 spikes, so a read
 * uses the counter's range whatever the sparsity, but never above 90% of
 * Vw/2 (a read must not program the cells): sparse planes then give few
 * spikes, as in the hardware. */
static int read_product(xb_learner *l, int in_axis, const int *q, size_t b,
                        double *out, double *vs, xb_err *err)
{
  struct xb_hw *h = l->hw;
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  size_t nin = in_axis == XB_COL ? m : dim, nout = in_axis == XB_COL ? dim : m;
  float *acc = calloc(b * nout, sizeof(float));
  if (!acc)
    return xb__err(err, XB_ENOMEM, "read sums");
  for (int bit = 0; bit < 4; bit++) {
    for (size_t s = 0; s < b; s++) {
      const int *qs = q + s * nin;
      float *pl = h->plane + s * nin;
      int ones = 0;
      for (size_t k = 0; k < nin; k++) {
        int a = qs[k] < 0 ? -qs[k] : qs[k], on = (a >> bit) & 1;
        pl[k] = (float)(qs[k] < 0 ? -on : on);
        ones += on;
      }
      vs[s] = fmin(h->v_read / (ones > 0 ? ones : 1), h->v_cap);
    }
    int rc = plane_currents(l, in_axis, b, vs, err);
    if (rc) {
      free(acc);
      return rc;
    }
    for (size_t s = 0; s < b; s++) {
      const float *pl = h->plane + s * nin;
      float net = 0; /* signed count of driven lines: the Gmin offset */
      for (size_t k = 0; k < nin; k++)
        net += pl[k];
      count_add(h, h->cur + s * nout, nout, (float)vs[s], net,
                (float)((double)(1 << bit) / (h->gmax - h->gmin)),
                acc + s * nout);
    }
  }
  for (size_t k = 0; k < b * nout; k++)
    out[k] = acc[k];
  free(acc);
  return XB_OK;
}

/* The digital side of one ISTA iteration, shared by both fidelities.
 * The read input is the code, or with FISTA the momentum point, as
 * 4 unsigned bits (negative momentum points apply as 0). */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void quant_codes(const double *Y, size_t n, double zs, int *qz)
{
  for (size_t k = 0; k < n; k++) {
    int v = (int)(Y[k] * zs + 0.5);
    qz[k] = v > 15 ? 15 : (v < 0 ? 0 : v);
  }
}

/* r = (D zq)_read - x as sign and 4 bits. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void quant_resid(const double *dz, const double *X, size_t n,
                        double zs, double rs, int *qr)
{
  for (size_t k = 0; k < n; k++) {
    double r = (dz[k] / zs - X[k]) * rs;
    r = r > 15 ? 15 : (r < -15 ? -15 : r);
    qr[k] = (int)(r + 15.5) - 15; /* floor(r + 1/2): r + 15.5 > 0 */
  }
}

/* z = max(0, y - (D^T r)_read / L - lambda / L); with FISTA the next read
 * point y = z + mom (z - z_old). */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void step_codes(double *Y, double *Zc, const double *dtr, size_t n,
                       double rs, double inv, double thr, double mom,
                       int fista)
{
  for (size_t k = 0; k < n; k++) {
    double z = Y[k] - dtr[k] / rs * inv - thr;
    z = z > 0 ? z : 0.0;
    if (fista) {
      Y[k] = z + mom * (z - Zc[k]);
      Zc[k] = z;
    } else {
      Y[k] = z;
    }
  }
}

/* FISTA momentum of iteration it (0 for ISTA). */
static double momentum(int fista, double *t)
{
  if (!fista)
    return 0.0;
  double tn = 0.5 * (1.0 + sqrt(1.0 + 4.0 * *t * *t)), mom = (*t - 1) / tn;
  *t = tn;
  return mom;
}

/* Fidelity 1: the patches are independent through all their iterations,
 * so each thread takes whole patches. */
static int encode_behavioral(xb_learner *l, const double *X, size_t b,
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
    double *dz = malloc(dim * sizeof(double)), *dtr = malloc(m * sizeof(double));
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
        double mom = momentum(fista, &t);
        quant_codes(y, m, zs, qz);
        read_one(h, h->gtc, h->dpad, qz, m, dim, &w, dz); /* D zq */
        quant_resid(dz, x, dim, zs, rs, qr);
        read_one(h, h->gtp, h->mpad, qr, dim, m, &w, dtr); /* D^T rq */
        step_codes(y, z, dtr, m, rs, inv, thr, mom, fista);
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
  return oom ? xb__err(err, XB_ENOMEM, "behavioral codes") : XB_OK;
}

/* Fidelity 2: the batch's planes go through the array a plane at a time. */
static int encode_circuit(xb_learner *l, const double *X, size_t b,
                          double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  int rc = hw_work(h, b, dim, m, err);
  int *qz = malloc(b * m * sizeof(int)), *qr = malloc(b * dim * sizeof(int));
  double *dz = malloc(b * dim * sizeof(double));
  double *dtr = malloc(b * m * sizeof(double));
  double *vs = malloc(b * sizeof(double)), *Y = calloc(b * m, sizeof(double));
  if (!rc && (!qz || !qr || !dz || !dtr || !vs || !Y))
    rc = xb__err(err, XB_ENOMEM, "circuit codes");
  double inv = 1.0 / l->L, thr = l->p.lambda / l->L, t = 1.0;
  double zs = 15.0 / l->p.z_full, rs = 15.0 / l->p.r_full;
  memset(Z, 0, b * m * sizeof(double));
  for (int it = 0; !rc && it < l->p.iters; it++) {
    double mom = momentum(l->p.fista, &t);
    quant_codes(Y, b * m, zs, qz);
    rc = read_product(l, XB_COL, qz, b, dz, vs, err); /* D zq */
    if (rc)
      break;
    quant_resid(dz, X, b * dim, zs, rs, qr);
    rc = read_product(l, XB_ROW, qr, b, dtr, vs, err); /* D^T rq */
    if (!rc)
      step_codes(Y, Z, dtr, b * m, rs, inv, thr, mom, l->p.fista);
  }
  if (!rc && !l->p.fista)
    memcpy(Z, Y, b * m * sizeof(double));
  free(qz);
  free(qr);
  free(dz);
  free(dtr);
  free(vs);
  free(Y);
  return rc;
}

int xb__learn_hw_encode(xb_learner *l, const double *X, size_t b, double *Z,
                        xb_err *err)
{
  struct xb_hw *h = l->hw;
  if (!h)
    return xb__err(err, XB_ESTATE,
                   "fidelity %d needs xb_learner_attach first",
                   l->p.fidelity);
  int rc = h->arr ? encode_circuit(l, X, b, Z, err)
                  : encode_behavioral(l, X, b, Z, err);
  /* The code the hardware holds is the 4-bit one. */
  double zs = 15.0 / l->p.z_full;
  size_t n = b * (size_t)l->p.atoms;
  for (size_t k = 0; !rc && k < n; k++) {
    long v = lround(Z[k] * zs);
    Z[k] = (v > 15 ? 15 : v) / zs;
  }
  return rc;
}

/* A value s in write levels rounded to an integer in [lo, hi]: dithered
 * by the 32-bit word u (floor(s + uniform)), or to the nearest. */
static int write_level(double s, int dither, uint32_t u, int lo, int hi)
{
  long v = dither ? (long)floor(s + ((double)u + 0.5) * 0x1p-32) : lround(s);
  return (int)(v > hi ? hi : (v < lo ? lo : v));
}

/* The indices of the non-zero codes among z[0 .. m) into nzj; their
 * number. */
static size_t nonzeros(const double *z, size_t m, size_t *nzj)
{
  size_t nz = 0;
  for (size_t j = 0; j < m; j++)
    if (z[j] != 0)
      nzj[nz++] = j;
  return nz;
}

/* Write levels of one patch's codes (zq, m entries) for write number
 * `write`: Z dithered like r (below), from its own stream, so that codes
 * below half a Z level still move the cells on average. Also the list of
 * the patch's non-zero codes (nzj, count returned). */
static size_t z_levels(const xb_learner *l, const double *z, uint64_t write,
                       int *zq, size_t *nzj)
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
  return nonzeros(z, m, nzj);
}

/* Write levels rq[0 .. 4) of the rows 4 blk .. 4 blk + 3 (those below dim)
 * for write number `write`: the residual r_i = D_i z - x_i with row i as the
 * cells hold it now (z sparse: its nz non-zero entries nzj), scaled and
 * rounded. Updates smaller than one write level are common (a level moves
 * a cell by about 1/levels of its range); dithering keeps their mean. One
 * Philox block gives the dither of the four rows (32 bits each). A row's
 * residual and level depend on that row alone, so rows can be written
 * independently. */
static void r_levels(const xb_learner *l, size_t blk, const double *x,
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

/* Fidelity 2: each patch's write through the network, in order. */
static int update_circuit(xb_learner *l, const double *X, size_t b,
                          const double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  int *rq = malloc((dim + 3) * sizeof(int)), *zq = malloc(m * sizeof(int));
  size_t *nzj = malloc(m * sizeof(size_t));
  int rc = (!rq || !zq || !nzj) ? xb__err(err, XB_ENOMEM, "write") : XB_OK;
  for (size_t s = 0; !rc && s < b; s++) {
    const double *z = Z + s * m, *x = X + s * dim;
    size_t nz = z_levels(l, z, h->writes, zq, nzj);
    for (size_t blk = 0; blk < (dim + 3) / 4; blk++)
      r_levels(l, blk, x, z, nzj, nz, h->writes, rq + 4 * blk);
    h->writes++;
    rc = xb_write_parallel(h->arr, h->cells, &h->wp, rq, zq, NULL, err);
    if (!rc) {
      sync_dict(l);
      h->st.patches++;
      h->st.periods += (uint64_t)h->wp.reps;
    }
  }
  free(rq);
  free(zq);
  free(nzj);
  return rc;
}

/* Cell (i, j) gets one pulse of width |w| (s) at the full write voltage,
 * potentiating for w > 0, and the dictionary entry follows it (g: the
 * cells' conductances). On failure the write's first error goes to *rc
 * and *err (threads may race here) and non-zero is returned. */
static int pulse_cell(xb_learner *l, const double *g, size_t i, size_t j,
                      double w, int *rc, xb_err *err)
{
  const xb_elec_params *el = xb_device_elec(l->hw->dev);
  double v = w < 0 ? -el->vw_reset : el->vw_set;
  xb_err e;
  int prc = xb_cells_pulse(l->hw->cells, i * (size_t)l->p.atoms + j, v,
                           fabs(w), 1, &e);
  if (prc) {
#pragma omp critical(xb_learn_pulse)
    if (!*rc) {
      *rc = prc;
      if (err)
        *err = e;
    }
    return prc;
  }
  sync_cell(l, g, i, j);
  return 0;
}

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
static void accum_row(xb_learner *l, size_t i, double x, const double *z,
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

/* Fidelity 1, accumulate write: per patch in order, accum_row and a pulse
 * of each cell's n r pulses (accum_width). Rows go to the threads as in
 * xb__learn_hw_update. Each thread keeps, per patch and column, the
 * largest pulse count it wrote; their maximum gives the column's write
 * periods. */
static int update_accum(xb_learner *l, const double *X, size_t b,
                        const double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
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
    nz[s] = nonzeros(Z + s * m, m, nzj + s * m);
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
      accum_row(l, i, X[s * dim + i], Z + s * m, nzs, nz[s], n);
      for (size_t t = 0; t < nz[s]; t++) {
        size_t j = nzs[t];
        long k = labs(n[t]);
        if (!k)
          continue;
        double w = accum_width(h, k);
        if (pulse_cell(l, g, i, j, n[t] > 0 ? w : -w, &rc, err)) {
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

/* Fidelity 2, accumulate write: per patch, every row's accum_row, then
 * each column with pulses written through the network
 * (xb_write_parallel, one repetition per period): the column's Z window
 * full, the others empty, each row's r the pulses still owed to its cell
 * there (at most r_levels a period, sign reversed: r < 0 potentiates). */
static int update_circuit_accum(xb_learner *l, const double *X, size_t b,
                                const double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  long R = h->wp.r_levels;
  xb_write_params w1 = h->wp;
  w1.reps = 1;
  long *n = malloc(dim * m * sizeof(long));
  int *rq = malloc(dim * sizeof(int)), *zq = calloc(m, sizeof(int));
  size_t *nzj = malloc(m * sizeof(size_t));
  int rc = (!n || !rq || !zq || !nzj) ? xb__err(err, XB_ENOMEM, "write")
                                      : XB_OK;
  for (size_t s = 0; !rc && s < b; s++) {
    const double *z = Z + s * m;
    size_t nz = nonzeros(z, m, nzj);
    for (size_t i = 0; i < dim; i++)
      accum_row(l, i, X[s * dim + i], z, nzj, nz, n + i * nz);
    for (size_t t = 0; !rc && t < nz; t++) {
      size_t j = nzj[t];
      for (;;) {
        int any = 0;
        for (size_t i = 0; i < dim; i++) {
          long *left = n + i * nz + t;
          long q = *left > R ? R : (*left < -R ? -R : *left);
          *left -= q;
          rq[i] = (int)-q;
          any |= q != 0;
          h->st.pulses += (uint64_t)labs(q);
        }
        if (!any)
          break;
        zq[j] = w1.zbits;
        rc = xb_write_parallel(h->arr, h->cells, &w1, rq, zq, NULL, err);
        zq[j] = 0;
        h->st.periods++;
        if (rc)
          break;
      }
    }
    sync_dict(l);
    h->st.patches++;
    h->writes++;
  }
  free(n);
  free(rq);
  free(zq);
  free(nzj);
  return rc;
}

xb_learn_writes xb_learner_writes(const xb_learner *l)
{
  xb_learn_writes none = {0, 0, 0};
  return l && l->hw ? l->hw->st : none;
}

/* Fidelity 1: each cell whose r and Z levels are both non-zero gets one
 * pulse of its overlap time through the device model. Row blocks go to
 * the threads, each through all the batch's patches in order: a row's
 * writes depend on that row alone, and every cell has its own noise
 * stream, so the result is the patch-by-patch one on any thread count. */
int xb__learn_hw_update(xb_learner *l, const double *X, size_t b,
                        const double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  if (!h)
    return xb__err(err, XB_ESTATE, "no array attached");
  if (h->arr)
    return h->acc ? update_circuit_accum(l, X, b, Z, err)
                  : update_circuit(l, X, b, Z, err);
  if (h->acc)
    return update_accum(l, X, b, Z, err);
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
    nz[s] = z_levels(l, Z + s * m, h->writes + s, zq + s * m, nzj + s * m);
  const double *g = xb_cells_g(h->cells);
  size_t nblk = (dim + 3) / 4;
  int rc = XB_OK;
#pragma omp parallel for schedule(dynamic, 1) if (nblk > 1)
  for (size_t blk = 0; blk < nblk; blk++) {
    int rq[4], failed = 0;
    for (size_t s = 0; s < b && !failed; s++) {
      const size_t *nzs = nzj + s * m;
      const int *zqs = zq + s * m;
      r_levels(l, blk, X + s * dim, Z + s * m, nzs, nz[s], h->writes + s,
               rq);
      for (size_t k = 0; k < 4 && !failed; k++) {
        size_t i = 4 * blk + k;
        if (!rq[k])
          continue;
        const double *o_r = h->ovl + (size_t)(rq[k] + R) * (Zb + 1);
        for (size_t t = 0; t < nz[s]; t++) {
          size_t j = nzs[t];
          if (!zqs[j])
            continue;
          if (pulse_cell(l, g, i, j, o_r[zqs[j]], &rc, err)) {
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
