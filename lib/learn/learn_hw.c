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
 * (xb_write_parallel).
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
  float *gtc;          /* the same, atoms x dim (one atom per row) */
  float *plane, *cur;  /* batch planes and currents */
  size_t cap;
  uint64_t writes;     /* writes so far: position in the dither stream */
};

void xb__learn_hw_free(xb_learner *l)
{
  struct xb_hw *h = l->hw;
  if (!h)
    return;
  xb_cells_free(h->cells);
  xb_array_free(h->arr);
  free(h->ovl);
  free(h->gt);
  free(h->gtc);
  free(h->plane);
  free(h->cur);
  free(h);
  l->hw = NULL;
}

/* Dictionary as the conductances hold it (clipped to [0, 1]). */
static void sync_dict(xb_learner *l)
{
  struct xb_hw *h = l->hw;
  const double *g = xb_cells_g(h->cells);
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  for (size_t i = 0; i < dim; i++)
    for (size_t j = 0; j < m; j++) {
      size_t k = i * m + j;
      double d = (g[k] - h->gmin) / (h->gmax - h->gmin);
      l->D[k] = d < 0 ? 0 : (d > 1 ? 1 : d);
      h->gt[k] = (float)g[k];
      h->gtc[j * dim + i] = (float)g[k];
    }
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
    h->gt = malloc(dim * m * sizeof(float));
    h->gtc = malloc(dim * m * sizeof(float));
    h->ovl = malloc((size_t)(2 * h->wp.r_levels + 1) * (h->wp.zbits + 1) *
                    sizeof(double));
    if (!h->gt || !h->gtc || !h->ovl)
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
    double levels = 50.0; /* pulses over the range: model-independent guess */
    const void *mp = xb_device_params(d);
    if (xb_device_type_of(d) == xb_device_exp)
      levels = ((const xb_exp_params *)mp)->levels;
    else if (xb_device_type_of(d) == xb_device_linear)
      levels = ((const xb_linear_params *)mp)->levels;
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
 * no table lookup and vectorises; then the Gmin offset goes and the result
 * is added in D units. Built for AVX-512, AVX2 and plain x86-64. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void count_add(const struct xb_hw *h, const float *cu, size_t n,
                      float v, float net, float scale, double *out)
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
    out[k] += (double)((iq * iv - off) * scale);
  }
}

/* One bit plane's currents per volt: out (n) = sum over the t listed
 * lines of sg[t] rows[idx[t]] (rows of n conductances). Blocks of 32
 * outputs stay in registers (four 8-float vectors) over the whole list,
 * so each conductance is loaded once per plane it is driven in and each
 * output stored once. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void plane_sum(const float *restrict rows, size_t n,
                      const int *restrict idx, const float *restrict sg,
                      int t, float *restrict out)
{
  typedef float v8 __attribute__((vector_size(32)));
  size_t j0 = 0;
  for (; j0 + 32 <= n; j0 += 32) {
    v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    for (int u = 0; u < t; u++) {
      const float *r = rows + (size_t)idx[u] * n + j0;
      v8 r0, r1, r2, r3;
      memcpy(&r0, r, sizeof r0);
      memcpy(&r1, r + 8, sizeof r1);
      memcpy(&r2, r + 16, sizeof r2);
      memcpy(&r3, r + 24, sizeof r3);
      float s = sg[u];
      a0 += s * r0;
      a1 += s * r1;
      a2 += s * r2;
      a3 += s * r3;
    }
    memcpy(out + j0, &a0, sizeof a0);
    memcpy(out + j0 + 8, &a1, sizeof a1);
    memcpy(out + j0 + 16, &a2, sizeof a2);
    memcpy(out + j0 + 24, &a3, sizeof a3);
  }
  for (size_t j = j0; j < n; j++) {
    float a = 0;
    for (int u = 0; u < t; u++)
      a += sg[u] * rows[(size_t)idx[u] * n + j];
    out[j] = a;
  }
}

/* The same read at fidelity 1 for one patch, with the ideal plane
 * currents: each plane sums the conductance rows of its driven lines only
 * (codes are sparse, and so are the high bits of r). rows: atoms of gtc
 * for D.z (in_axis XB_COL), rows of gt for D^T r. work: nout floats, 4 nin
 * ints and 4 nin floats. */
typedef struct read_work {
  float *cur, *sg;
  int *idx;
} read_work;

static void read_one(const struct xb_hw *h, const float *rows, const int *q,
                     size_t nin, size_t nout, read_work *w, double *out)
{
  int cnt[4] = {0, 0, 0, 0};
  float net[4] = {0, 0, 0, 0};
  memset(out, 0, nout * sizeof(double));
  for (size_t k = 0; k < nin; k++) {
    if (!q[k])
      continue;
    int a = q[k] < 0 ? -q[k] : q[k];
    float sgn = q[k] < 0 ? -1.0f : 1.0f;
    for (int bit = 0; bit < 4; bit++) { /* branch-free: random bits */
      int on = (a >> bit) & 1;
      size_t t = (size_t)bit * nin + (size_t)cnt[bit];
      w->idx[t] = (int)k;
      w->sg[t] = sgn;
      cnt[bit] += on;
      net[bit] += on ? sgn : 0.0f;
    }
  }
  const float scale0 = (float)(1.0 / (h->gmax - h->gmin));
  for (int bit = 0; bit < 4; bit++) {
    if (!cnt[bit])
      continue;
    plane_sum(rows, nout, w->idx + (size_t)bit * nin,
              w->sg + (size_t)bit * nin, cnt[bit], w->cur);
    count_add(h, w->cur, nout, (float)fmin(h->v_read / cnt[bit], h->v_cap),
              net[bit], (float)(1 << bit) * scale0, out);
  }
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
  memset(out, 0, b * nout * sizeof(double));
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
    if (rc)
      return rc;
    for (size_t s = 0; s < b; s++) {
      const float *pl = h->plane + s * nin;
      float net = 0; /* signed count of driven lines: the Gmin offset */
      for (size_t k = 0; k < nin; k++)
        net += pl[k];
      count_add(h, h->cur + s * nout, nout, (float)vs[s], net,
                (float)((double)(1 << bit) / (h->gmax - h->gmin)),
                out + s * nout);
    }
  }
  return XB_OK;
}

/* The digital side of one ISTA iteration, shared by both fidelities.
 * The read input is the code, or with FISTA the momentum point, as
 * 4 unsigned bits (negative momentum points apply as 0). */
static void quant_codes(const double *Y, size_t n, double zs, int *qz)
{
  for (size_t k = 0; k < n; k++) {
    int v = (int)(Y[k] * zs + 0.5);
    qz[k] = v > 15 ? 15 : (v < 0 ? 0 : v);
  }
}

/* r = (D zq)_read - x as sign and 4 bits. */
static void quant_resid(const double *dz, const double *X, size_t n,
                        double zs, double rs, int *qr)
{
  for (size_t k = 0; k < n; k++) {
    double r = (dz[k] / zs - X[k]) * rs;
    r = r > 15 ? 15 : (r < -15 ? -15 : r);
    qr[k] = (int)floor(r + 0.5);
  }
}

/* z = max(0, y - (D^T r)_read / L - lambda / L); with FISTA the next read
 * point y = z + mom (z - z_old). */
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
    read_work w = {malloc(big * sizeof(float)),
                   malloc(4 * big * sizeof(float)),
                   malloc(4 * big * sizeof(int))};
    int *qz = malloc(m * sizeof(int)), *qr = malloc(dim * sizeof(int));
    double *dz = malloc(dim * sizeof(double)), *dtr = malloc(m * sizeof(double));
    double *y = malloc(m * sizeof(double));
    oom = !w.cur || !w.sg || !w.idx || !qz || !qr || !dz || !dtr || !y;
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
        read_one(h, h->gtc, qz, m, dim, &w, dz); /* D zq */
        quant_resid(dz, x, dim, zs, rs, qr);
        read_one(h, h->gt, qr, dim, m, &w, dtr); /* D^T rq */
        step_codes(y, z, dtr, m, rs, inv, thr, mom, fista);
      }
      if (!fista)
        memcpy(z, y, m * sizeof(double));
    }
    free(w.cur);
    free(w.sg);
    free(w.idx);
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

int xb__learn_hw_update(xb_learner *l, const double *X, size_t b,
                        const double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  if (!h)
    return xb__err(err, XB_ESTATE, "no array attached");
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  int R = h->wp.r_levels, Zb = h->wp.zbits;
  int *rq = malloc(dim * sizeof(int)), *zq = malloc(m * sizeof(int));
  double *r = malloc(dim * sizeof(double));
  int rc = (!rq || !zq || !r) ? xb__err(err, XB_ENOMEM, "write") : XB_OK;
  const xb_elec_params *el = xb_device_elec(h->dev);
  for (size_t s = 0; !rc && s < b; s++) {
    const double *z = Z + s * m, *x = X + s * dim;
    /* Residual with the dictionary the cells hold now. */
    for (size_t i = 0; i < dim; i++) {
      double acc = -x[i];
      for (size_t j = 0; j < m; j++)
        acc += l->D[i * m + j] * z[j];
      r[i] = acc;
    }
    /* Updates smaller than one write level are common (a level moves a
     * cell by about 1/levels of its range); dithering keeps their mean. */
    for (size_t i = 0; i < dim; i++) {
      double sr = r[i] * h->s_r;
      long v = l->p.dither
                   ? (long)floor(sr + xb_rng_uniform(l->seed, 0xd17ull,
                                                    h->writes * dim + i))
                   : lround(sr);
      rq[i] = (int)(v > R ? R : (v < -R ? -R : v));
    }
    h->writes++;
    for (size_t j = 0; j < m; j++) {
      long v = lround(z[j] * h->s_z);
      zq[j] = (int)(v > Zb ? Zb : (v < 0 ? 0 : v));
    }
    if (h->arr) {
      rc = xb_write_parallel(h->arr, h->cells, &h->wp, rq, zq, NULL, err);
    } else {
      for (size_t i = 0; !rc && i < dim; i++) {
        if (!rq[i])
          continue;
        for (size_t j = 0; !rc && j < m; j++) {
          if (!zq[j])
            continue;
          double o = h->ovl[(size_t)(rq[i] + R) * (Zb + 1) + zq[j]];
          double v = o < 0 ? -el->vw_reset : el->vw_set;
          rc = xb_cells_pulse(h->cells, i * m + j, v, fabs(o), 1, err);
        }
      }
    }
    if (!rc)
      sync_dict(l);
  }
  free(rq);
  free(zq);
  free(r);
  return rc;
}
