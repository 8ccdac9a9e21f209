/*
 * The network core (see xbar/nn.h): tensors and their Philox init, the
 * MVM back-ends (the ideal one: cblas_sgemm), the softmax cross-entropy
 * loss and its gradient, Adam with decoupled weight decay and global-norm
 * clipping (Kingma & Ba 2015; Loshchilov & Hutter 2019), masks, and the
 * accuracy of a data set. The passes themselves are the kind's
 * (mlp.c, lstm.c), the weight files nn_io.c's.
 *
 * Loss: for logits u of a sample with label y, p = softmax(u) (computed
 * with the max subtracted), loss = -log p_y, d loss / d u = p - e_y; the
 * batch mean, so the gradients are divided by the batch size.
 *
 * Adam, step t: g <- g * min(1, clip / |g|) (the norm over every tensor),
 * m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2,
 * w <- w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *        - lr wd w (matrices only), then w <- w * mask.
 *
 * Workload: the products dominate (sgemm); elementwise work is O(weights)
 * per step and O(batch x width) per layer.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/nn.h>
#include <xbar/rng.h>

#include "../core/core_impl.h"
#include "nn_impl.h"

/* Stream tag of the weight init (top byte of the stream id). */
#define TAG_INIT (UINT64_C(0xA1) << 56)

/* ---- the ideal back-end --------------------------------------------------- */

static int ideal_mvm(void *ctx, const float *w, size_t rows, size_t cols,
                     const float *x, size_t batch, float *y, xb_err *err)
{
  (void)ctx;
  (void)err;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch,
              (int)cols, (int)rows, 1.0f, x, (int)rows, w, (int)cols, 0.0f,
              y, (int)cols);
  return XB_OK;
}

static const xb_nn_backend ideal_backend = {"ideal", ideal_mvm, NULL};
const xb_nn_backend *xb_nn_backend_ideal = &ideal_backend;

/* ---- shared kernels -------------------------------------------------------- */

void xb__nn_add_bias(float *y, const float *b, size_t batch, size_t cols)
{
#pragma omp parallel for schedule(static) if (batch * cols > 65536)
  for (size_t i = 0; i < batch; i++)
    for (size_t j = 0; j < cols; j++)
      y[i * cols + j] += b[j];
}

void xb__nn_col_sums(const float *d, size_t batch, size_t cols, float *g)
{
#pragma omp parallel for schedule(static) if (batch * cols > 65536)
  for (size_t j = 0; j < cols; j++) {
    float s = 0.0f;
    for (size_t i = 0; i < batch; i++)
      s += d[i * cols + j];
    g[j] = s;
  }
}

void xb__nn_gemm_tn(const float *a, const float *b, size_t k, size_t m,
                    size_t n, float *c)
{
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)n,
              (int)k, 1.0f, a, (int)m, b, (int)n, 0.0f, c, (int)n);
}

void xb__nn_gemm_nt(const float *a, const float *b, size_t ldb, size_t m,
                    size_t k, size_t n, float *c)
{
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n,
              (int)k, 1.0f, a, (int)k, b, (int)ldb, 0.0f, c, (int)n);
}

int xb__nn_mvm(xb_nn *nn, size_t k, const float *x, size_t batch, float *y,
               xb_err *err)
{
  xb__tensor *t = &nn->t[k];
  int rc = XB_OK;
  if (t->dirty && t->be->program)
    rc = t->be->program(t->ctx, t->w, t->rows, t->cols, err);
  if (rc == XB_OK) {
    t->dirty = 0;
    rc = t->be->mvm(t->ctx, t->w, t->rows, t->cols, x, batch, y, err);
  }
  if (rc != XB_OK)
    xb__err_prefix(err, NULL, "back-end '%s', %s", t->be->name, t->name);
  return rc;
}

/* ---- the object ------------------------------------------------------------- */

xb_nn *xb__nn_alloc(const xb__nn_type *type, size_t ntensors,
                    const char *const names[], const size_t rows[],
                    const size_t cols[], const int mvm[], xb_err *err)
{
  xb_nn *nn = calloc(1, sizeof *nn);
  if (!nn)
    goto fail;
  nn->type = type;
  nn->ntensors = ntensors;
  for (size_t k = 0; k < ntensors; k++) {
    xb__tensor *t = &nn->t[k];
    snprintf(t->name, sizeof t->name, "%s", names[k]);
    t->rows = rows[k];
    t->cols = cols[k];
    t->n = rows[k] * cols[k];
    t->mvm = mvm[k];
    t->be = xb_nn_backend_ideal;
    t->dirty = 1;
    t->w = calloc(t->n, sizeof *t->w);
    t->g = calloc(t->n, sizeof *t->g);
    t->m = calloc(t->n, sizeof *t->m);
    t->v = calloc(t->n, sizeof *t->v);
    if (!t->w || !t->g || !t->m || !t->v)
      goto fail;
  }
  return nn;
fail:
  xb_nn_free(nn);
  xb__err(err, XB_ENOMEM, "network of %zu tensors", ntensors);
  return NULL;
}

void xb__nn_init_uniform(xb_nn *nn, size_t k, double a, uint64_t seed)
{
  xb__tensor *t = &nn->t[k];
  for (size_t i = 0; i < t->n; i++)
    t->w[i] = (float)(a * (2.0 * xb_rng_uniform(seed, TAG_INIT | k, i) - 1.0));
  t->dirty = 1;
}

void xb_nn_free(xb_nn *nn)
{
  if (!nn)
    return;
  for (size_t k = 0; k < nn->ntensors; k++) {
    free(nn->t[k].w);
    free(nn->t[k].g);
    free(nn->t[k].m);
    free(nn->t[k].v);
    free(nn->t[k].mask);
  }
  free(nn->work);
  free(nn->probs);
  free(nn);
}

size_t xb_nn_input_dim(const xb_nn *nn) { return nn ? nn->in_dim : 0; }
size_t xb_nn_classes(const xb_nn *nn) { return nn ? nn->classes : 0; }
size_t xb_nn_tensors(const xb_nn *nn) { return nn ? nn->ntensors : 0; }

/* Check tensor index k of nn; with `matrix`, that it is a weight matrix. */
static int check_k(const xb_nn *nn, size_t k, int matrix, const char *fn,
                   xb_err *err)
{
  if (!nn)
    return xb__err(err, XB_EINVAL, "%s: NULL network", fn);
  if (k >= nn->ntensors)
    return xb__err_set(err, XB_ERANGE, NULL, 0, "k", 0,
                       (double)nn->ntensors - 1,
                       "%s: tensor %zu of %zu", fn, k, nn->ntensors);
  if (matrix && !nn->t[k].mvm)
    return xb__err(err, XB_ETYPE, "%s: tensor %s is a bias, not a matrix",
                   fn, nn->t[k].name);
  return XB_OK;
}

int xb_nn_tensor_get(const xb_nn *nn, size_t k, xb_nn_tensor *t, xb_err *err)
{
  int rc = check_k(nn, k, 0, "xb_nn_tensor_get", err);
  if (rc != XB_OK)
    return rc;
  if (!t)
    return xb__err(err, XB_EINVAL, "xb_nn_tensor_get: NULL view");
  const xb__tensor *s = &nn->t[k];
  *t = (xb_nn_tensor){s->name, s->rows, s->cols, s->w, s->g, s->mask, s->mvm};
  return XB_OK;
}

int xb_nn_tensor_find(const xb_nn *nn, const char *name)
{
  for (size_t k = 0; nn && name && k < nn->ntensors; k++)
    if (strcmp(nn->t[k].name, name) == 0)
      return (int)k;
  return -1;
}

/* Zero the weights (and moments) of tensor t outside its mask. */
static void apply_mask(xb__tensor *t)
{
  if (!t->mask)
    return;
  for (size_t i = 0; i < t->n; i++)
    if (!t->mask[i])
      t->w[i] = t->g[i] = t->m[i] = t->v[i] = 0.0f;
}

int xb_nn_touch(xb_nn *nn, size_t k, xb_err *err)
{
  int rc = check_k(nn, k, 0, "xb_nn_touch", err);
  if (rc != XB_OK)
    return rc;
  apply_mask(&nn->t[k]);
  nn->t[k].dirty = 1;
  return XB_OK;
}

int xb_nn_backend_set(xb_nn *nn, size_t k, const xb_nn_backend *be,
                      void *ctx, xb_err *err)
{
  int rc = check_k(nn, k, 1, "xb_nn_backend_set", err);
  if (rc != XB_OK)
    return rc;
  if (be && !be->mvm)
    return xb__err(err, XB_EINVAL, "xb_nn_backend_set: back-end without mvm");
  nn->t[k].be = be ? be : xb_nn_backend_ideal;
  nn->t[k].ctx = be ? ctx : NULL;
  nn->t[k].dirty = 1;
  return XB_OK;
}

int xb_nn_mask_set(xb_nn *nn, size_t k, const unsigned char *mask,
                   xb_err *err)
{
  int rc = check_k(nn, k, 1, "xb_nn_mask_set", err);
  if (rc != XB_OK)
    return rc;
  xb__tensor *t = &nn->t[k];
  unsigned char *copy = NULL;
  if (mask) {
    if (!(copy = malloc(t->n)))
      return xb__err(err, XB_ENOMEM, "mask of %s", t->name);
    for (size_t i = 0; i < t->n; i++)
      copy[i] = mask[i] != 0;
  }
  free(t->mask);
  t->mask = copy;
  apply_mask(t);
  t->dirty = 1;
  return XB_OK;
}

/* Work space for `batch` samples. */
static int reserve(xb_nn *nn, size_t batch, xb_err *err)
{
  if (batch <= nn->cap)
    return XB_OK;
  float *w = malloc(nn->type->work_floats(nn, batch) * sizeof *w);
  float *p = malloc(batch * nn->classes * sizeof *p);
  if (!w || !p) {
    free(w);
    free(p);
    return xb__err(err, XB_ENOMEM, "work space for a batch of %zu", batch);
  }
  free(nn->work);
  free(nn->probs);
  nn->work = w;
  nn->probs = p;
  nn->cap = batch;
  return XB_OK;
}

int xb_nn_forward(xb_nn *nn, const float *x, size_t batch, float *logits,
                  xb_err *err)
{
  if (!nn || !x || !logits || batch == 0)
    return xb__err(err, XB_EINVAL, "xb_nn_forward: NULL argument or batch 0");
  int rc = reserve(nn, batch, err);
  return rc ? rc : nn->type->forward(nn, x, batch, logits, err);
}

int xb_nn_grad(xb_nn *nn, const float *x, const int *labels, size_t batch,
               double *loss, xb_err *err)
{
  if (!nn || !x || !labels || batch == 0)
    return xb__err(err, XB_EINVAL, "xb_nn_grad: NULL argument or batch 0");
  const size_t nc = nn->classes;
  for (size_t i = 0; i < batch; i++)
    if (labels[i] < 0 || (size_t)labels[i] >= nc)
      return xb__err_set(err, XB_ERANGE, NULL, 0, "label", 0, (double)nc - 1,
                         "xb_nn_grad: label %d of sample %zu", labels[i], i);
  int rc = reserve(nn, batch, err);
  if (rc == XB_OK)
    rc = nn->type->forward(nn, x, batch, nn->probs, err);
  if (rc != XB_OK)
    return rc;
  double total = 0.0;
  for (size_t i = 0; i < batch; i++) { /* p - e_y, over the batch size */
    float *u = nn->probs + i * nc;
    float mx = u[0];
    for (size_t j = 1; j < nc; j++)
      mx = u[j] > mx ? u[j] : mx;
    double s = 0.0;
    for (size_t j = 0; j < nc; j++)
      s += exp((double)(u[j] - mx));
    total += log(s) - (double)(u[labels[i]] - mx);
    for (size_t j = 0; j < nc; j++)
      u[j] = (float)(exp((double)(u[j] - mx)) / s) / (float)batch;
    u[labels[i]] -= 1.0f / (float)batch;
  }
  if (loss)
    *loss = total / (double)batch;
  return nn->type->backward(nn, x, nn->probs, batch, err);
}

#define XB_PARAM_T xb_nn_train_params
XB_PARAM_SET_DEFINE(xb_nn_train_param_set, "nn_train", XB_NN_TRAIN_PARAMS,
                    NULL)
#undef XB_PARAM_T

int xb_nn_step(xb_nn *nn, const xb_nn_train_params *p, xb_err *err)
{
  if (!nn || !p)
    return xb__err(err, XB_EINVAL, "xb_nn_step: NULL argument");
  int rc = xb_param_check(&xb_nn_train_param_set, p, err);
  if (rc != XB_OK)
    return rc;
  double norm2 = 0.0;
  for (size_t k = 0; k < nn->ntensors; k++) {
    xb__tensor *t = &nn->t[k];
    if (t->mask) /* no gradient outside the mask */
      for (size_t i = 0; i < t->n; i++)
        t->g[i] = t->mask[i] ? t->g[i] : 0.0f;
    for (size_t i = 0; i < t->n; i++)
      norm2 += (double)t->g[i] * t->g[i];
  }
  const double norm = sqrt(norm2);
  const float scale =
      p->clip > 0 && norm > p->clip ? (float)(p->clip / norm) : 1.0f;
  nn->adam_t++;
  const float b1 = (float)p->beta1, b2 = (float)p->beta2;
  const float c1 = (float)(1.0 - pow(p->beta1, (double)nn->adam_t));
  const float c2 = (float)(1.0 - pow(p->beta2, (double)nn->adam_t));
  const float lr = (float)p->lr, eps = (float)p->eps;
  for (size_t k = 0; k < nn->ntensors; k++) {
    xb__tensor *t = &nn->t[k];
    const float wd = t->mvm ? (float)(p->lr * p->weight_decay) : 0.0f;
#pragma omp parallel for schedule(static) if (t->n > 65536)
    for (size_t i = 0; i < t->n; i++) {
      const float g = t->g[i] * scale;
      t->m[i] = b1 * t->m[i] + (1.0f - b1) * g;
      t->v[i] = b2 * t->v[i] + (1.0f - b2) * g * g;
      t->w[i] -= lr * (t->m[i] / c1) / (sqrtf(t->v[i] / c2) + eps) +
                 wd * t->w[i];
    }
    apply_mask(t);
    t->dirty = 1;
  }
  return XB_OK;
}

int xb_nn_accuracy(xb_nn *nn, const float *x, const int *labels, size_t n,
                   double *acc, xb_err *err)
{
  if (!nn || !x || !labels || !acc || n == 0)
    return xb__err(err, XB_EINVAL, "xb_nn_accuracy: NULL argument or n 0");
  const size_t nc = nn->classes, dim = nn->in_dim, chunk = 256;
  float *logits = malloc(chunk * nc * sizeof *logits);
  if (!logits)
    return xb__err(err, XB_ENOMEM, "xb_nn_accuracy: logits");
  size_t right = 0;
  int rc = XB_OK;
  for (size_t s = 0; s < n && rc == XB_OK; s += chunk) {
    const size_t b = n - s < chunk ? n - s : chunk;
    rc = xb_nn_forward(nn, x + s * dim, b, logits, err);
    for (size_t i = 0; i < b && rc == XB_OK; i++) {
      size_t best = 0;
      for (size_t j = 1; j < nc; j++)
        best = logits[i * nc + j] > logits[i * nc + best] ? j : best;
      right += (int)best == labels[s + i];
    }
  }
  free(logits);
  if (rc == XB_OK)
    *acc = (double)right / (double)n;
  return rc;
}
