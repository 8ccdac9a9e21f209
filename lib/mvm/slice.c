/*
 * Bit-sliced weights: MVM, OPA and the carry resolution step (see
 * xbar/mvm.h).
 *
 * Workload: training a small network with an OPA per sample (a few
 * thousand to ~1e5 weights, 8 slices, 1e4 to 1e5 steps): the OPA builds,
 * per column input, the chunk each slice receives on each row-input bit,
 * then adds those chunks over the set bits of each row input.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/mvm.h>

#include "../core/core_impl.h"

struct xb_sliced {
  size_t R, C;
  xb_slicing l;
  int o[XB_SLICES_MAX];   /* bit offset of each slice */
  int32_t mid[XB_SLICES_MAX], top[XB_SLICES_MAX]; /* m_s, 2^p_s - 1 */
  int32_t *v[XB_SLICES_MAX];                      /* R x C levels */
};

static int check_layout(const xb_slicing *l, xb_err *err)
{
  if (!l || l->S < 1 || l->S > XB_SLICES_MAX)
    return xb__err(err, XB_ERANGE, "slicing: S = %d outside 1..%d",
                   l ? l->S : 0, XB_SLICES_MAX);
  int bits = 0;
  for (int s = 0; s < l->S; s++) {
    if (l->d[s] < 1 || l->p[s] < l->d[s] || l->p[s] > 30)
      return xb__err(err, XB_ERANGE,
                     "slicing: slice %d has %d data bits in %d-bit cells "
                     "(need 1 <= d <= p <= 30)",
                     s, l->d[s], l->p[s]);
    bits += l->d[s];
  }
  if (bits > 62)
    return xb__err(err, XB_ERANGE, "slicing: %d data bits (at most 62)",
                   bits);
  return XB_OK;
}

xb_sliced *xb_sliced_create(size_t R, size_t C, const xb_slicing *l,
                            xb_err *err)
{
  if (check_layout(l, err))
    return NULL;
  if (!R || !C || R > ((size_t)1 << 30) / C) {
    xb__err(err, XB_ERANGE, "sliced weights: %zu x %zu", R, C);
    return NULL;
  }
  xb_sliced *w = calloc(1, sizeof *w);
  if (!w) {
    xb__err(err, XB_ENOMEM, "sliced weights");
    return NULL;
  }
  w->R = R;
  w->C = C;
  w->l = *l;
  int o = 0;
  for (int s = 0; s < l->S; s++) {
    w->o[s] = o;
    o += l->d[s];
    w->mid[s] = (int32_t)1 << (l->p[s] - 1);
    w->top[s] = (int32_t)(((int64_t)1 << l->p[s]) - 1);
    w->v[s] = malloc(R * C * sizeof(int32_t));
    if (!w->v[s]) {
      xb_sliced_free(w);
      xb__err(err, XB_ENOMEM, "sliced weights: %zu x %zu cells", R, C);
      return NULL;
    }
    for (size_t k = 0; k < R * C; k++)
      w->v[s][k] = w->mid[s];
  }
  return w;
}

void xb_sliced_free(xb_sliced *w)
{
  if (!w)
    return;
  for (int s = 0; s < w->l.S; s++)
    free(w->v[s]);
  free(w);
}

const xb_slicing *xb_sliced_layout(const xb_sliced *w) { return &w->l; }

const int32_t *xb_sliced_levels(const xb_sliced *w, int s)
{
  return s >= 0 && s < w->l.S ? w->v[s] : NULL;
}

/* Canonical digits of W: balanced d_s-bit digits below the top slice,
 * the rest on top. 0, or -1 if the top level would leave its cell. */
static int canonical(const xb_sliced *w, int64_t W, size_t k)
{
  int S = w->l.S;
  int64_t rest = W;
  int32_t lv[XB_SLICES_MAX];
  for (int s = 0; s + 1 < S; s++) {
    int64_t base = (int64_t)1 << w->l.d[s], half = base / 2;
    int64_t dgt = ((rest % base) + base) % base; /* 0 .. base-1 */
    if (dgt >= half)
      dgt -= base;                               /* -half .. half-1 */
    lv[s] = (int32_t)(w->mid[s] + dgt);
    rest = (rest - dgt) / base;
  }
  int64_t t = w->mid[S - 1] + rest;
  if (t < 0 || t > w->top[S - 1])
    return -1;
  lv[S - 1] = (int32_t)t;
  for (int s = 0; s < S; s++)
    w->v[s][k] = lv[s];
  return 0;
}

int xb_sliced_set(xb_sliced *w, const int64_t *W, xb_err *err)
{
  for (size_t k = 0; k < w->R * w->C; k++)
    if (canonical(w, W[k], k))
      return xb__err(err, XB_ERANGE,
                     "weight %lld (entry %zu) does not fit the slices",
                     (long long)W[k], k);
  return XB_OK;
}

void xb_sliced_get(const xb_sliced *w, int64_t *W)
{
  size_t n = w->R * w->C;
  memset(W, 0, n * sizeof(int64_t));
  for (int s = 0; s < w->l.S; s++)
    for (size_t k = 0; k < n; k++)
      W[k] += (int64_t)(w->v[s][k] - w->mid[s]) * ((int64_t)1 << w->o[s]);
}

int xb_sliced_crs(xb_sliced *w, xb_err *err)
{
  int64_t *W = malloc(w->R * w->C * sizeof(int64_t));
  if (!W)
    return xb__err(err, XB_ENOMEM, "carry resolution");
  xb_sliced_get(w, W);
  for (size_t k = 0; k < w->R * w->C; k++)
    if (canonical(w, W[k], k)) { /* keep the top slice at its bound */
      int S = w->l.S;
      int64_t hi = (int64_t)w->top[S - 1] - w->mid[S - 1], lo = -w->mid[S - 1];
      int64_t scale = (int64_t)1 << w->o[S - 1];
      int64_t Wc = W[k] > 0 ? hi * scale : lo * scale;
      canonical(w, Wc, k);
    }
  free(W);
  return XB_OK;
}

double xb_sliced_saturated(const xb_sliced *w, int s)
{
  if (s < 0 || s >= w->l.S)
    return NAN;
  size_t n = w->R * w->C, sat = 0;
  for (size_t k = 0; k < n; k++)
    sat += w->v[s][k] == 0 || w->v[s][k] == w->top[s];
  return (double)sat / (double)n;
}

int xb_sliced_opa(xb_sliced *w, const int32_t *b, const int32_t *a,
                  size_t *clipped_out, xb_err *err)
{
  int S = w->l.S;
  size_t R = w->R, C = w->C, clipped = 0;
  /* chunk[(j * 32 + n) * S + s]: slice s's chunk of |a_j| << n. */
  int64_t *chunk = malloc(C * 32 * (size_t)S * sizeof(int64_t));
  if (!chunk)
    return xb__err(err, XB_ENOMEM, "OPA chunks");
  for (size_t j = 0; j < C; j++) {
    uint64_t mag = (uint64_t)llabs((long long)a[j]);
    for (int n = 0; n < 32; n++) {
      uint64_t sh = mag << n;
      for (int s = 0; s < S; s++) {
        uint64_t c = sh >> w->o[s];
        if (s + 1 < S)
          c &= ((uint64_t)1 << w->l.d[s]) - 1;
        chunk[((size_t)j * 32 + (size_t)n) * (size_t)S + (size_t)s] =
            (int64_t)c;
      }
    }
  }
  int64_t inc[XB_SLICES_MAX];
  for (size_t i = 0; i < R; i++) {
    if (!b[i])
      continue;
    uint32_t bm = (uint32_t)llabs((long long)b[i]);
    for (size_t j = 0; j < C; j++) {
      if (!a[j])
        continue;
      int neg = (b[i] < 0) != (a[j] < 0);
      memset(inc, 0, (size_t)S * sizeof(int64_t));
      for (uint32_t bits = bm; bits; bits &= bits - 1) {
        int n = __builtin_ctz(bits);
        const int64_t *ch = chunk + ((size_t)j * 32 + (size_t)n) * (size_t)S;
        for (int s = 0; s < S; s++)
          inc[s] += ch[s];
      }
      size_t k = i * C + j;
      for (int s = 0; s < S; s++) {
        if (!inc[s])
          continue;
        int64_t v = w->v[s][k] + (neg ? -inc[s] : inc[s]);
        if (v < 0 || v > w->top[s]) {
          v = v < 0 ? 0 : w->top[s];
          clipped++;
        }
        w->v[s][k] = (int32_t)v;
      }
    }
  }
  free(chunk);
  if (clipped_out)
    *clipped_out = clipped;
  return XB_OK;
}

int xb_sliced_mvm(const xb_sliced *w, const int64_t *x, int xbits,
                  const xb_sar *adc, uint64_t pos, int64_t *y, xb_err *err)
{
  if (xbits < 1 || xbits > 32)
    return xb__err(err, XB_ERANGE, "xbits = %d outside 1..32", xbits);
  size_t R = w->R, C = w->C;
  int64_t lo = -((int64_t)1 << (xbits - 1)), hi = -lo - 1;
  for (size_t i = 0; i < R; i++)
    if (x[i] < lo || x[i] > hi)
      return xb__err(err, XB_ERANGE, "input %zu = %lld outside %d bits", i,
                     (long long)x[i], xbits);
  int64_t *A = malloc(C * sizeof(int64_t));
  if (!A)
    return xb__err(err, XB_ENOMEM, "MVM column sums");
  memset(y, 0, C * sizeof(int64_t));
  int nb = adc ? xb_sar_params_of(adc)->bits : 0;
  double lsb = adc ? xb_sar_params_of(adc)->v_fs / (double)((uint64_t)1 << nb)
                   : 0;
  uint64_t conv = pos * (uint64_t)xbits * (uint64_t)w->l.S * (C + 1);
  for (int n = 0; n < xbits; n++) {
    /* Two's complement: bit n of x, the top bit weighing -2^n. */
    int64_t sgn = n == xbits - 1 ? -1 : 1;
    int64_t ones = 0;
    for (size_t i = 0; i < R; i++)
      ones += ((uint64_t)x[i] >> n) & 1u;
    for (int s = 0; s < w->l.S; s++) {
      memset(A, 0, C * sizeof(int64_t));
      const int32_t *v = w->v[s];
      for (size_t i = 0; i < R; i++) {
        if (!(((uint64_t)x[i] >> n) & 1u))
          continue;
        const int32_t *row = v + i * C;
        for (size_t j = 0; j < C; j++)
          A[j] += row[j];
      }
      int64_t bias = ones * w->mid[s]; /* the bias column */
      if (adc) {
        bias = (int64_t)xb_sar_convert(adc, ((double)bias + 0.5) * lsb, nb,
                                       conv++);
        for (size_t j = 0; j < C; j++)
          A[j] = (int64_t)xb_sar_convert(adc, ((double)A[j] + 0.5) * lsb, nb,
                                         conv++);
      }
      int64_t scale = sgn * ((int64_t)1 << (n + w->o[s]));
      for (size_t j = 0; j < C; j++)
        y[j] += scale * (A[j] - bias);
    }
  }
  free(A);
  return XB_OK;
}
