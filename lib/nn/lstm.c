/*
 * The LSTM cell on plain arrays and the LSTM sequence classifier (see
 * xbar/nn.h): one (in + hidden) x 4 hidden gate matrix per cell, one MVM
 * of [x_t, h_{t-1}] a step, the gate nonlinearities digital; the last
 * h_T into a dense layer of logits.
 *
 * Backpropagation through time (the ideal weights, straight-through). With
 * dh = d loss / d h_t (from the head at t = T - 1, from step t + 1
 * before) and dc carried back from step t + 1 (0 at the end):
 *   dc  += dh o (1 - tanh^2 c_t)
 *   dz_i = dc g i (1 - i),       dz_f = dc c_{t-1} f (1 - f),
 *   dz_g = dc i (1 - g^2),       dz_o = dh tanh(c_t) o (1 - o),
 *   dc_{t-1} = dc f,             dh_{t-1} = dz W_h^T
 * (W_h the last `hidden` rows of W). The gate-matrix gradient is summed
 * over the steps in one product, dW = sum_t [x_t, h_{t-1}]^T dz_t, over
 * the stacked T B rows.
 *
 * Work space for a batch B of T steps (K = in + hidden, G = 4 hidden):
 * T B (K + 2 G + hidden) floats ([x, h] rows, gate activations, dz, c_t)
 * and 3 B hidden (h_T, dh, dc).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/nn.h>

#include "../core/core_impl.h"
#include "nn_impl.h"

static float sigm(float z) { return 1.0f / (1.0f + expf(-z)); }

/* One step's state update from the gate pre-activations in a (B x 4H,
 * overwritten by the activations i, f, g, o): c = f cprev + i g (cprev
 * NULL: 0), h = o tanh(c), h's rows ldh apart. c may be cprev. */
static void cell_update(float *a, const float *bias, const float *cprev,
                        float *c, float *h, size_t ldh, size_t batch,
                        size_t nh)
{
  const size_t g4 = 4 * nh;
#pragma omp parallel for schedule(static) if (batch * nh > 16384)
  for (size_t b = 0; b < batch; b++) {
    float *r = a + b * g4;
    for (size_t j = 0; j < nh; j++) {
      const float i = sigm(r[j] + (bias ? bias[j] : 0.0f));
      const float f = sigm(r[nh + j] + (bias ? bias[nh + j] : 0.0f));
      const float g = tanhf(r[2 * nh + j] + (bias ? bias[2 * nh + j] : 0.0f));
      const float o = sigm(r[3 * nh + j] + (bias ? bias[3 * nh + j] : 0.0f));
      const float cp = cprev ? cprev[b * nh + j] : 0.0f;
      const float cn = f * cp + i * g;
      r[j] = i;
      r[nh + j] = f;
      r[2 * nh + j] = g;
      r[3 * nh + j] = o;
      c[b * nh + j] = cn;
      h[b * ldh + j] = o * tanhf(cn);
    }
  }
}

/* Row b of [x, h] (K = in + nh values) from x (row stride ldx) and h. */
static void concat(float *xh, const float *x, size_t ldx, const float *h,
                   size_t batch, size_t in, size_t nh)
{
  for (size_t b = 0; b < batch; b++) {
    memcpy(xh + b * (in + nh), x + b * ldx, in * sizeof *xh);
    if (h)
      memcpy(xh + b * (in + nh) + in, h + b * nh, nh * sizeof *xh);
    else
      memset(xh + b * (in + nh) + in, 0, nh * sizeof *xh);
  }
}

int xb_nn_lstm_cell_eval(const xb_nn_backend *be, void *ctx, const float *w,
                         const float *b, size_t in, size_t hidden,
                         const float *x, size_t batch, float *h, float *c,
                         xb_err *err)
{
  if (!w || !x || !h || !c || in == 0 || hidden == 0 || batch == 0)
    return xb__err(err, XB_EINVAL,
                   "xb_nn_lstm_cell_eval: NULL array or a size 0");
  if (!be)
    be = xb_nn_backend_ideal;
  const size_t k = in + hidden;
  float *xh = malloc(batch * (k + 4 * hidden) * sizeof *xh);
  if (!xh)
    return xb__err(err, XB_ENOMEM, "xb_nn_lstm_cell_eval: scratch");
  float *a = xh + batch * k;
  concat(xh, x, in, h, batch, in, hidden);
  int rc = be->mvm(ctx, w, k, 4 * hidden, xh, batch, a, err);
  if (rc == XB_OK)
    cell_update(a, b, c, c, h, hidden, batch, hidden);
  free(xh);
  return rc;
}

/* ---- the classifier --------------------------------------------------------- */

enum { WG, BG, WD, BD };

/* Pointers into the work space for a batch. */
typedef struct lstm_work {
  float *xh, *a, *dz, *c, *ht, *dh, *dc;
} lstm_work;

static lstm_work layout(const xb_nn *nn, size_t batch)
{
  const size_t t = nn->steps, k = nn->in + nn->hidden, g4 = 4 * nn->hidden;
  lstm_work w;
  w.xh = nn->work;
  w.a = w.xh + t * batch * k;
  w.dz = w.a + t * batch * g4;
  w.c = w.dz + t * batch * g4;
  w.ht = w.c + t * batch * nn->hidden;
  w.dh = w.ht + batch * nn->hidden;
  w.dc = w.dh + batch * nn->hidden;
  return w;
}

static size_t lstm_floats(const xb_nn *nn, size_t batch)
{
  const size_t k = nn->in + nn->hidden, g4 = 4 * nn->hidden;
  return nn->steps * batch * (k + 2 * g4 + nn->hidden) +
         3 * batch * nn->hidden;
}

static int lstm_forward(xb_nn *nn, const float *x, size_t batch,
                        float *logits, xb_err *err)
{
  const size_t T = nn->steps, in = nn->in, nh = nn->hidden;
  const size_t k = in + nh, g4 = 4 * nh;
  lstm_work w = layout(nn, batch);
  const float *bias = nn->t[BG].w;
  for (size_t t = 0; t < T; t++) {
    float *xh = w.xh + t * batch * k, *a = w.a + t * batch * g4;
    float *c = w.c + t * batch * nh;
    /* x_t; h_{t-1} was written here by step t - 1 (0 at t = 0) */
    for (size_t b = 0; b < batch; b++) {
      memcpy(xh + b * k, x + b * nn->in_dim + t * in, in * sizeof *xh);
      if (t == 0)
        memset(xh + b * k + in, 0, nh * sizeof *xh);
    }
    int rc = xb__nn_mvm(nn, WG, xh, batch, a, err);
    if (rc != XB_OK)
      return rc;
    float *hn = t + 1 < T ? w.xh + (t + 1) * batch * k + in : w.ht;
    cell_update(a, bias, t ? c - batch * nh : NULL, c, hn,
                t + 1 < T ? k : nh, batch, nh);
  }
  int rc = xb__nn_mvm(nn, WD, w.ht, batch, logits, err);
  if (rc == XB_OK)
    xb__nn_add_bias(logits, nn->t[BD].w, batch, nn->classes);
  return rc;
}

static int lstm_backward(xb_nn *nn, const float *x, const float *dlogits,
                         size_t batch, xb_err *err)
{
  (void)x;
  (void)err;
  const size_t T = nn->steps, in = nn->in, nh = nn->hidden;
  const size_t k = in + nh, g4 = 4 * nh, nc = nn->classes;
  lstm_work w = layout(nn, batch);
  xb__nn_gemm_tn(w.ht, dlogits, batch, nh, nc, nn->t[WD].g);
  xb__nn_col_sums(dlogits, batch, nc, nn->t[BD].g);
  xb__nn_gemm_nt(dlogits, nn->t[WD].w, nc, batch, nc, nh, w.dh);
  memset(w.dc, 0, batch * nh * sizeof *w.dc);
  for (size_t t = T; t-- > 0;) {
    const float *a = w.a + t * batch * g4, *c = w.c + t * batch * nh;
    const float *cp = t ? c - batch * nh : NULL;
    float *dz = w.dz + t * batch * g4;
#pragma omp parallel for schedule(static) if (batch * nh > 16384)
    for (size_t b = 0; b < batch; b++) {
      const float *r = a + b * g4;
      float *d = dz + b * g4;
      for (size_t j = 0; j < nh; j++) {
        const float i = r[j], f = r[nh + j], g = r[2 * nh + j],
                    o = r[3 * nh + j];
        const float tc = tanhf(c[b * nh + j]), dh = w.dh[b * nh + j];
        const float dc = w.dc[b * nh + j] + dh * o * (1.0f - tc * tc);
        d[j] = dc * g * i * (1.0f - i);
        d[nh + j] = dc * (cp ? cp[b * nh + j] : 0.0f) * f * (1.0f - f);
        d[2 * nh + j] = dc * i * (1.0f - g * g);
        d[3 * nh + j] = dh * tc * o * (1.0f - o);
        w.dc[b * nh + j] = dc * f;
      }
    }
    if (t > 0) /* dh_{t-1} = dz W_h^T */
      xb__nn_gemm_nt(dz, nn->t[WG].w + in * g4, g4, batch, g4, nh, w.dh);
  }
  xb__nn_gemm_tn(w.xh, w.dz, T * batch, k, g4, nn->t[WG].g);
  xb__nn_col_sums(w.dz, T * batch, g4, nn->t[BG].g);
  return XB_OK;
}

const xb__nn_type xb__nn_lstm_type = {"lstm", lstm_floats, lstm_forward,
                                      lstm_backward};

xb_nn *xb_nn_lstm_create(size_t steps, size_t in, size_t hidden,
                         size_t classes, uint64_t seed, xb_err *err)
{
  const size_t lim = 1u << 20;
  if (steps == 0 || in == 0 || hidden == 0 || classes == 0 || steps > lim ||
      in > lim || hidden > lim || classes > lim) {
    xb__err_set(err, XB_ESIZE, NULL, 0, NULL, 1, (double)lim,
                "xb_nn_lstm_create: steps %zu, in %zu, hidden %zu, classes "
                "%zu (each 1 .. 2^20)",
                steps, in, hidden, classes);
    return NULL;
  }
  const char *const names[4] = {"Wg", "bg", "Wd", "bd"};
  const size_t rows[4] = {in + hidden, 1, hidden, 1};
  const size_t cols[4] = {4 * hidden, 4 * hidden, classes, classes};
  const int mvm[4] = {1, 0, 1, 0};
  xb_nn *nn = xb__nn_alloc(&xb__nn_lstm_type, 4, names, rows, cols, mvm, err);
  if (!nn)
    return NULL;
  nn->steps = steps;
  nn->in = in;
  nn->hidden = hidden;
  nn->in_dim = steps * in;
  nn->classes = classes;
  xb__nn_init_uniform(nn, WG, 1.0 / sqrt((double)hidden), seed);
  xb__nn_init_uniform(nn, WD, sqrt(6.0 / (double)(hidden + classes)), seed);
  for (size_t j = 0; j < hidden; j++) /* forget gate open at the start */
    nn->t[BG].w[hidden + j] = 1.0f;
  return nn;
}
