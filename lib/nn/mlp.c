/*
 * The dense layer y = act(x W + b) on plain arrays, and the multilayer
 * perceptron built of them (see xbar/nn.h): ReLU between the layers, the
 * last layer's outputs the logits.
 *
 * Backward pass (layer l from input a_{l-1} to output a_l, d = d loss /
 * d (pre-activation of a_l), batch rows):
 *   dW_l = a_{l-1}^T d,   db_l = column sums of d,
 *   d_{l-1} = (d W_l^T) .* [a_{l-1} > 0]     (ReLU derivative),
 * with the ideal weights W_l whatever back-end the forward pass used (the
 * straight-through estimator of hardware-aware retraining).
 *
 * Work space for a batch B: B (sizes[1] + ... + sizes[L-1]) activations
 * kept for the backward pass, and two B x max(sizes) delta buffers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <xbar/nn.h>

#include "../core/core_impl.h"
#include "nn_impl.h"

/* y += b, then the activation, in place. */
static void finish(float *y, const float *b, size_t batch, size_t out,
                   xb_nn_act act)
{
  if (b)
    xb__nn_add_bias(y, b, batch, out);
  if (act == XB_NN_RELU)
    for (size_t i = 0; i < batch * out; i++)
      y[i] = y[i] > 0.0f ? y[i] : 0.0f;
}

int xb_nn_dense_eval(const xb_nn_backend *be, void *ctx, const float *w,
                     const float *b, size_t in, size_t out, xb_nn_act act,
                     const float *x, size_t batch, float *y, xb_err *err)
{
  if (!w || !x || !y || in == 0 || out == 0 || batch == 0)
    return xb__err(err, XB_EINVAL,
                   "xb_nn_dense_eval: NULL array or a size 0");
  if (!be)
    be = xb_nn_backend_ideal;
  int rc = be->mvm(ctx, w, in, out, x, batch, y, err);
  if (rc != XB_OK)
    return rc;
  finish(y, b, batch, out, act);
  return XB_OK;
}

static size_t widest(const xb_nn *nn)
{
  size_t m = 0;
  for (size_t l = 0; l <= nn->nlayers; l++)
    m = nn->sizes[l] > m ? nn->sizes[l] : m;
  return m;
}

static size_t mlp_work(const xb_nn *nn, size_t batch)
{
  size_t n = 2 * widest(nn);
  for (size_t l = 1; l < nn->nlayers; l++)
    n += nn->sizes[l];
  return batch * n;
}

/* Hidden activation a_l (1 <= l < L) in the work space. */
static float *act(xb_nn *nn, size_t l, size_t batch)
{
  float *a = nn->work;
  for (size_t j = 1; j < l; j++)
    a += batch * nn->sizes[j];
  return a;
}

static int mlp_forward(xb_nn *nn, const float *x, size_t batch,
                       float *logits, xb_err *err)
{
  const float *in = x;
  for (size_t l = 0; l < nn->nlayers; l++) {
    const int last = l + 1 == nn->nlayers;
    float *out = last ? logits : act(nn, l + 1, batch);
    int rc = xb__nn_mvm(nn, 2 * l, in, batch, out, err);
    if (rc != XB_OK)
      return rc;
    finish(out, nn->t[2 * l + 1].w, batch, nn->sizes[l + 1],
           last ? XB_NN_LINEAR : XB_NN_RELU);
    in = out;
  }
  return XB_OK;
}

static int mlp_backward(xb_nn *nn, const float *x, const float *dlogits,
                        size_t batch, xb_err *err)
{
  (void)err;
  float *buf[2];
  buf[0] = act(nn, nn->nlayers, batch);
  buf[1] = buf[0] + batch * widest(nn);
  const float *d = dlogits;
  for (size_t l = nn->nlayers; l-- > 0;) {
    const size_t ni = nn->sizes[l], no = nn->sizes[l + 1];
    const float *in = l == 0 ? x : act(nn, l, batch);
    xb__nn_gemm_tn(in, d, batch, ni, no, nn->t[2 * l].g);
    xb__nn_col_sums(d, batch, no, nn->t[2 * l + 1].g);
    if (l == 0)
      break;
    float *dp = buf[l % 2];
    xb__nn_gemm_nt(d, nn->t[2 * l].w, no, batch, no, ni, dp);
    for (size_t i = 0; i < batch * ni; i++)
      dp[i] = in[i] > 0.0f ? dp[i] : 0.0f;
    d = dp;
  }
  return XB_OK;
}

const xb__nn_type xb__nn_mlp_type = {"mlp", mlp_work, mlp_forward,
                                     mlp_backward};

xb_nn *xb_nn_mlp_create(size_t nlayers, const size_t sizes[], uint64_t seed,
                        xb_err *err)
{
  if (!sizes) {
    xb__err(err, XB_EINVAL, "xb_nn_mlp_create: NULL sizes");
    return NULL;
  }
  if (nlayers < 1 || nlayers > XB_NN_MAX_LAYERS) {
    xb__err_set(err, XB_ESIZE, NULL, 0, "nlayers", 1, XB_NN_MAX_LAYERS,
                "xb_nn_mlp_create: %zu layers", nlayers);
    return NULL;
  }
  char names[2 * XB_NN_MAX_LAYERS][8];
  const char *np[2 * XB_NN_MAX_LAYERS];
  size_t rows[2 * XB_NN_MAX_LAYERS], cols[2 * XB_NN_MAX_LAYERS];
  int mvm[2 * XB_NN_MAX_LAYERS];
  for (size_t l = 0; l < nlayers; l++) {
    if (sizes[l] == 0 || sizes[l + 1] == 0 || sizes[l] > (1u << 20) ||
        sizes[l + 1] > (1u << 20)) {
      xb__err_set(err, XB_ESIZE, NULL, 0, "sizes", 1, 1 << 20,
                  "xb_nn_mlp_create: layer %zu is %zu x %zu", l + 1,
                  sizes[l], sizes[l + 1]);
      return NULL;
    }
    snprintf(names[2 * l], sizeof names[0], "W%zu", l + 1);
    snprintf(names[2 * l + 1], sizeof names[0], "b%zu", l + 1);
    np[2 * l] = names[2 * l];
    np[2 * l + 1] = names[2 * l + 1];
    rows[2 * l] = sizes[l];
    cols[2 * l] = cols[2 * l + 1] = sizes[l + 1];
    rows[2 * l + 1] = 1;
    mvm[2 * l] = 1;
    mvm[2 * l + 1] = 0;
  }
  xb_nn *nn =
      xb__nn_alloc(&xb__nn_mlp_type, 2 * nlayers, np, rows, cols, mvm, err);
  if (!nn)
    return NULL;
  nn->nlayers = nlayers;
  for (size_t l = 0; l <= nlayers; l++)
    nn->sizes[l] = sizes[l];
  nn->in_dim = sizes[0];
  nn->classes = sizes[nlayers];
  for (size_t l = 0; l < nlayers; l++) /* He uniform */
    xb__nn_init_uniform(nn, 2 * l, sqrt(6.0 / (double)sizes[l]), seed);
  return nn;
}
