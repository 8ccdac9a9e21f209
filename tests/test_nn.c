/*
 * Tests of the networks (xbar/nn.h). Differential: the LSTM cell, the
 * LSTM classifier and the MLP against direct implementations written
 * plainly here, in double, one gate matrix at a time (to 1e-6). Gradient:
 * backpropagation and BPTT against central finite differences of that
 * double reference loss (to 1e-4 relative, per tensor). Back-ends: the
 * forward pass goes through the back-end and programs it lazily, the
 * backward pass uses the ideal weights (straight-through). Masks: CGS and
 * HCGS keep exactly their counts per block-row, depend on the seed only,
 * and training keeps masked weights at zero. Files: save and load round
 * trip; a load of the wrong shape fails and changes nothing. A tiny
 * synthetic task is learned.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xbar/nn.h>
#include <xbar/rng.h>

#include "xb_check.h"

static void fill_random(float *a, size_t n, double scale, uint64_t stream)
{
  for (size_t i = 0; i < n; i++)
    a[i] = (float)(scale * (2.0 * xb_rng_uniform(7, stream, i) - 1.0));
}

static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

/* The reference LSTM step, in double: the four gates one at a time from
 * the rows of W for x and the rows for h, column block q of W for gate q
 * (i, f, g, o). */
static void ref_lstm_step(const double *w, const double *b, size_t in,
                          size_t nh, const double *x, double *h, double *c)
{
  double *hn = malloc(nh * sizeof *hn);
  for (size_t j = 0; j < nh; j++) {
    double z[4];
    for (int q = 0; q < 4; q++) {
      size_t col = (size_t)q * nh + j;
      double s = b[col];
      for (size_t r = 0; r < in; r++)
        s += x[r] * w[r * 4 * nh + col];
      for (size_t r = 0; r < nh; r++)
        s += h[r] * w[(in + r) * 4 * nh + col];
      z[q] = s;
    }
    double ig = sigmoid(z[0]), fg = sigmoid(z[1]), gg = tanh(z[2]),
           og = sigmoid(z[3]);
    c[j] = fg * c[j] + ig * gg;
    hn[j] = og * tanh(c[j]);
  }
  memcpy(h, hn, nh * sizeof *hn);
  free(hn);
}

static double *to_double(const float *a, size_t n)
{
  double *d = malloc(n * sizeof *d);
  for (size_t i = 0; i < n; i++)
    d[i] = a[i];
  return d;
}

/* Reference logits of one sample of an LSTM classifier from its tensors
 * Wg, bg, Wd, bd (floats), in double, with `pert` added to element pi of
 * tensor pk (pk < 0: none). */
typedef struct lstm_shape {
  size_t steps, in, nh, nc;
} lstm_shape;

static void ref_lstm_logits(const lstm_shape *s, float *const t[4],
                            const float *x, int pk, size_t pi, double pert,
                            double *logits)
{
  const size_t n[4] = {(s->in + s->nh) * 4 * s->nh, 4 * s->nh,
                       s->nh * s->nc, s->nc};
  double *d[4];
  for (int k = 0; k < 4; k++)
    d[k] = to_double(t[k], n[k]);
  if (pk >= 0)
    d[pk][pi] += pert;
  double *h = calloc(s->nh, sizeof *h), *c = calloc(s->nh, sizeof *c);
  for (size_t t_ = 0; t_ < s->steps; t_++) {
    double *xd = to_double(x + t_ * s->in, s->in);
    ref_lstm_step(d[0], d[1], s->in, s->nh, xd, h, c);
    free(xd);
  }
  for (size_t q = 0; q < s->nc; q++) {
    double sum = d[3][q];
    for (size_t j = 0; j < s->nh; j++)
      sum += h[j] * d[2][j * s->nc + q];
    logits[q] = sum;
  }
  for (int k = 0; k < 4; k++)
    free(d[k]);
  free(h);
  free(c);
}

/* Reference logits of one MLP sample, W_l/b_l as floats in t[2l], t[2l+1],
 * `pert` added to element pi of tensor pk (pk < 0: none). */
static void ref_mlp_logits(size_t nl, const size_t *sz, float *const t[],
                           const float *x, int pk, size_t pi, double pert,
                           double *logits)
{
  double a[64], out[64];
  for (size_t i = 0; i < sz[0]; i++)
    a[i] = x[i];
  for (size_t l = 0; l < nl; l++) {
    for (size_t j = 0; j < sz[l + 1]; j++) {
      double s = t[2 * l + 1][j] +
                 ((int)(2 * l + 1) == pk && pi == j ? pert : 0.0);
      for (size_t i = 0; i < sz[l]; i++)
        s += a[i] * (t[2 * l][i * sz[l + 1] + j] +
                     ((int)(2 * l) == pk && pi == i * sz[l + 1] + j ? pert
                                                                     : 0.0));
      out[j] = l + 1 < nl && s < 0 ? 0.0 : s;
    }
    memcpy(a, out, sz[l + 1] * sizeof *a);
  }
  memcpy(logits, a, sz[nl] * sizeof *a);
}

static double xent(const double *u, size_t nc, int label)
{
  double mx = u[0], s = 0.0;
  for (size_t j = 1; j < nc; j++)
    mx = u[j] > mx ? u[j] : mx;
  for (size_t j = 0; j < nc; j++)
    s += exp(u[j] - mx);
  return log(s) - (u[label] - mx);
}

START_TEST(test_lstm_cell_vs_reference)
{
  const size_t in = 5, nh = 7, batch = 3, steps = 6;
  float w[12 * 28], b[28], x[6 * 3 * 5], h[3 * 7] = {0}, c[3 * 7] = {0};
  fill_random(w, sizeof w / sizeof *w, 0.6, 1);
  fill_random(b, 28, 0.3, 2);
  fill_random(x, sizeof x / sizeof *x, 1.0, 3);
  double hr[3][7] = {{0}}, cr[3][7] = {{0}};
  double *wd = to_double(w, 12 * 28), *bd = to_double(b, 28);
  xb_err e;
  double worst = 0.0;
  for (size_t t = 0; t < steps; t++) {
    ck_assert_int_eq(xb_nn_lstm_cell_eval(NULL, NULL, w, b, in, nh,
                                          x + t * batch * in, batch, h, c,
                                          &e),
                     XB_OK);
    for (size_t s = 0; s < batch; s++) {
      double xd[5];
      for (size_t r = 0; r < in; r++)
        xd[r] = x[(t * batch + s) * in + r];
      ref_lstm_step(wd, bd, in, nh, xd, hr[s], cr[s]);
      for (size_t j = 0; j < nh; j++) {
        worst = fmax(worst, fabs(h[s * nh + j] - hr[s][j]));
        worst = fmax(worst, fabs(c[s * nh + j] - cr[s][j]));
      }
    }
  }
  ck_assert_msg(worst <= 1e-6, "cell differs from the reference by %g",
                worst);
  ck_assert(fabs(hr[1][3]) > 1e-3); /* the sequence did something */
  free(wd);
  free(bd);
  ck_assert_int_eq(
      xb_nn_lstm_cell_eval(NULL, NULL, w, b, 0, nh, x, batch, h, c, &e),
      XB_EINVAL);
}
END_TEST

/* The classifier's tensors, as float pointers for the references. */
static void tensors_of(xb_nn *nn, float **t, const float **g)
{
  for (size_t k = 0; k < xb_nn_tensors(nn); k++) {
    xb_nn_tensor v;
    ck_assert_int_eq(xb_nn_tensor_get(nn, k, &v, NULL), XB_OK);
    t[k] = v.w;
    if (g)
      g[k] = v.grad;
  }
}

START_TEST(test_lstm_net_vs_reference)
{
  lstm_shape s = {6, 4, 5, 3};
  xb_err e;
  xb_nn *nn = xb_nn_lstm_create(s.steps, s.in, s.nh, s.nc, 11, &e);
  ck_assert_ptr_nonnull(nn);
  ck_assert_uint_eq(xb_nn_input_dim(nn), 24);
  float x[4 * 24], logits[4 * 3];
  fill_random(x, 96, 1.0, 4);
  ck_assert_int_eq(xb_nn_forward(nn, x, 4, logits, &e), XB_OK);
  float *t[4];
  tensors_of(nn, t, NULL);
  for (size_t i = 0; i < 4; i++) {
    double r[3];
    ref_lstm_logits(&s, t, x + i * 24, -1, 0, 0.0, r);
    for (size_t q = 0; q < 3; q++)
      ck_assert_msg(fabs(logits[i * 3 + q] - r[q]) <= 1e-6,
                    "sample %zu logit %zu: %g vs %g", i, q, logits[i * 3 + q],
                    r[q]);
  }
  xb_nn_free(nn);
}
END_TEST

START_TEST(test_dense_and_mlp_vs_reference)
{
  const size_t sz[3] = {6, 9, 4};
  xb_err e;
  xb_nn *nn = xb_nn_mlp_create(2, sz, 5, &e);
  ck_assert_ptr_nonnull(nn);
  ck_assert_uint_eq(xb_nn_tensors(nn), 4);
  ck_assert_int_eq(xb_nn_tensor_find(nn, "b2"), 3);
  float *t[4];
  tensors_of(nn, t, NULL);
  fill_random(t[1], 9, 0.2, 5); /* non-zero biases */
  fill_random(t[3], 4, 0.2, 6);
  float x[5 * 6], logits[5 * 4], y[5 * 9];
  fill_random(x, 30, 1.0, 7);
  ck_assert_int_eq(xb_nn_forward(nn, x, 5, logits, &e), XB_OK);
  ck_assert_int_eq(xb_nn_dense_eval(NULL, NULL, t[0], t[1], 6, 9, XB_NN_RELU,
                                    x, 5, y, &e),
                   XB_OK);
  int zeros = 0;
  for (size_t i = 0; i < 5; i++) {
    double r[4];
    ref_mlp_logits(2, sz, t, x + i * 6, -1, 0, 0.0, r);
    for (size_t q = 0; q < 4; q++)
      ck_assert(fabs(logits[i * 4 + q] - r[q]) <= 1e-6);
    for (size_t j = 0; j < 9; j++) {
      double s = t[1][j];
      for (size_t k = 0; k < 6; k++)
        s += x[i * 6 + k] * t[0][k * 9 + j];
      ck_assert(fabs(y[i * 9 + j] - (s > 0 ? s : 0)) <= 1e-6);
      zeros += y[i * 9 + j] == 0.0f;
    }
  }
  ck_assert_int_gt(zeros, 0); /* the ReLU was exercised */
  xb_nn_free(nn);
}
END_TEST

/* A gradient-check case: a batch, the network's tensors, and the
 * reference logits of one sample with a perturbation (pk < 0: none). */
typedef struct grad_case {
  void (*logits)(const struct grad_case *c, const float *x, int pk,
                 size_t pi, double pert, double *u);
  lstm_shape s;       /* LSTM cases */
  size_t nl;          /* MLP cases: layers and sizes */
  const size_t *sz;
  float *t[6];
  size_t dim, nc;     /* values a sample, classes */
  const float *x;
  const int *labels;
  size_t batch;
} grad_case;

static void lstm_case_logits(const grad_case *c, const float *x, int pk,
                             size_t pi, double pert, double *u)
{
  ref_lstm_logits(&c->s, c->t, x, pk, pi, pert, u);
}

static void mlp_case_logits(const grad_case *c, const float *x, int pk,
                            size_t pi, double pert, double *u)
{
  ref_mlp_logits(c->nl, c->sz, c->t, x, pk, pi, pert, u);
}

/* The reference batch-mean loss. */
static double case_loss(const grad_case *c, int pk, size_t pi, double pert)
{
  double total = 0.0, u[8];
  for (size_t i = 0; i < c->batch; i++) {
    c->logits(c, c->x + i * c->dim, pk, pi, pert, u);
    total += xent(u, c->nc, c->labels[i]);
  }
  return total / (double)c->batch;
}

/* nn's gradient (after xb_nn_grad on the case's batch) against central
 * differences of the reference loss, per tensor, to 1e-4 relative. */
static void check_grad(xb_nn *nn, const grad_case *c)
{
  const double h = 1e-4;
  for (size_t k = 0; k < xb_nn_tensors(nn); k++) {
    xb_nn_tensor v;
    xb_nn_tensor_get(nn, k, &v, NULL);
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < v.rows * v.cols; i++) {
      double fd =
          (case_loss(c, (int)k, i, h) - case_loss(c, (int)k, i, -h)) / (2 * h);
      num += (v.grad[i] - fd) * (v.grad[i] - fd);
      den += fd * fd;
    }
    ck_assert_msg(den > 1e-12, "tensor %s has no gradient", v.name);
    ck_assert_msg(sqrt(num / den) <= 1e-4, "tensor %s: relative error %g",
                  v.name, sqrt(num / den));
  }
}

START_TEST(test_bptt_gradient)
{
  grad_case c = {lstm_case_logits, {5, 3, 4, 3}, 0, NULL, {0}, 15, 3,
                 NULL, NULL, 4};
  xb_err e;
  xb_nn *nn = xb_nn_lstm_create(5, 3, 4, 3, 21, &e);
  float x[4 * 15];
  const int labels[4] = {0, 2, 1, 2};
  fill_random(x, 60, 1.0, 8);
  tensors_of(nn, c.t, NULL);
  fill_random(c.t[3], 3, 0.3, 9);
  c.x = x;
  c.labels = labels;
  double loss;
  ck_assert_int_eq(xb_nn_grad(nn, x, labels, 4, &loss, &e), XB_OK);
  ck_assert(fabs(loss - case_loss(&c, -1, 0, 0.0)) <= 1e-6);
  check_grad(nn, &c);
  const int bad[4] = {0, 3, 1, 2};
  ck_assert_int_eq(xb_nn_grad(nn, x, bad, 4, &loss, &e), XB_ERANGE);
  xb_nn_free(nn);
}
END_TEST

START_TEST(test_mlp_gradient)
{
  const size_t sz[4] = {5, 7, 6, 3};
  grad_case c = {mlp_case_logits, {0, 0, 0, 0}, 3, sz, {0}, 5, 3,
                 NULL, NULL, 6};
  xb_nn *nn = xb_nn_mlp_create(3, sz, 3, NULL);
  float x[6 * 5];
  const int labels[6] = {0, 1, 2, 2, 1, 0};
  fill_random(x, 30, 1.0, 10);
  tensors_of(nn, c.t, NULL);
  fill_random(c.t[1], 7, 0.1, 11);
  fill_random(c.t[3], 6, 0.1, 12);
  c.x = x;
  c.labels = labels;
  ck_assert_int_eq(xb_nn_grad(nn, x, labels, 6, NULL, NULL), XB_OK);
  check_grad(nn, &c);
  xb_nn_free(nn);
}
END_TEST

/* A back-end computing x (2 W), counting its calls. */
typedef struct twice {
  int mvms, programs;
} twice;

static int twice_mvm(void *ctx, const float *w, size_t rows, size_t cols,
                     const float *x, size_t batch, float *y, xb_err *err)
{
  ((twice *)ctx)->mvms++;
  for (size_t b = 0; b < batch; b++)
    for (size_t j = 0; j < cols; j++) {
      float s = 0.0f;
      for (size_t i = 0; i < rows; i++)
        s += x[b * rows + i] * 2.0f * w[i * cols + j];
      y[b * cols + j] = s;
    }
  return XB_OK;
}

static int twice_program(void *ctx, const float *w, size_t rows, size_t cols,
                         xb_err *err)
{
  ((twice *)ctx)->programs++;
  return XB_OK;
}

static const xb_nn_backend twice_backend = {"twice", twice_mvm,
                                            twice_program};

START_TEST(test_backend_straight_through)
{
  const size_t sz[2] = {4, 3};
  xb_nn *a = xb_nn_mlp_create(1, sz, 9, NULL), *b = xb_nn_mlp_create(1, sz, 9, NULL);
  twice ctx = {0, 0};
  ck_assert_int_eq(xb_nn_backend_set(b, 0, &twice_backend, &ctx, NULL), XB_OK);
  ck_assert_int_eq(xb_nn_backend_set(b, 1, &twice_backend, &ctx, NULL),
                   XB_ETYPE);
  float x[2 * 4], la[2 * 3], lb[2 * 3];
  fill_random(x, 8, 1.0, 13);
  xb_nn_forward(a, x, 2, la, NULL);
  ck_assert_int_eq(xb_nn_forward(b, x, 2, lb, NULL), XB_OK);
  ck_assert_int_eq(xb_nn_forward(b, x, 2, lb, NULL), XB_OK);
  ck_assert_int_eq(ctx.mvms, 2);
  ck_assert_int_eq(ctx.programs, 1); /* only once the weights changed */
  for (int i = 0; i < 6; i++)         /* zero biases: logits doubled */
    ck_assert(fabs(lb[i] - 2 * la[i]) <= 1e-6);

  /* Backward with the ideal weights: one layer, dW = x^T (p - e_y) / B
   * with p from the back-end's logits; so b's dW is a's dW computed on
   * doubled logits, which a reproduces with its weights doubled. */
  const int y[2] = {1, 2};
  ck_assert_int_eq(xb_nn_grad(b, x, y, 2, NULL, NULL), XB_OK);
  xb_nn_tensor wa, wb;
  xb_nn_tensor_get(a, 0, &wa, NULL);
  xb_nn_tensor_get(b, 0, &wb, NULL);
  for (int i = 0; i < 12; i++)
    wa.w[i] *= 2.0f;
  xb_nn_touch(a, 0, NULL);
  xb_nn_grad(a, x, y, 2, NULL, NULL);
  for (int i = 0; i < 12; i++)
    ck_assert(fabs(wa.grad[i] - wb.grad[i]) <= 1e-6);

  /* A step re-programs before the next MVM, not at the step. */
  xb_nn_train_params p;
  xb_param_defaults(&xb_nn_train_param_set, &p);
  ck_assert_int_eq(xb_nn_step(b, &p, NULL), XB_OK);
  ck_assert_int_eq(ctx.programs, 1);
  xb_nn_forward(b, x, 2, lb, NULL);
  ck_assert_int_eq(ctx.programs, 2);
  p.lr = -1;
  ck_assert_int_eq(xb_nn_step(b, &p, NULL), XB_ERANGE);
  xb_nn_free(a);
  xb_nn_free(b);
}
END_TEST

START_TEST(test_masks)
{
  xb_nn_mask_params p;
  xb_param_defaults(&xb_nn_mask_param_set, &p);
  const size_t rows = 300, cols = 520; /* partial blocks both ways */
  unsigned char *m = malloc(rows * cols), *m2 = malloc(rows * cols);
  p.block_rows = p.block_cols = 128;
  p.keep = 2; /* of 5 block-columns (4 full, one of 8) */
  xb_err e;
  ck_assert_int_eq(xb_nn_mask_make(rows, cols, &p, 1, 2, m, &e), XB_OK);
  for (size_t br = 0; br < 3; br++) {
    int kept = 0;
    for (size_t bc = 0; bc < 5; bc++) {
      /* a block is all in or all out */
      unsigned char v = m[br * 128 * cols + bc * 128];
      for (size_t r = br * 128; r < rows && r < br * 128 + 128; r++)
        for (size_t c = bc * 128; c < cols && c < bc * 128 + 128; c++)
          ck_assert_int_eq(m[r * cols + c], v);
      kept += v;
    }
    ck_assert_int_eq(kept, 2);
  }
  size_t kept, tiles;
  xb_nn_mask_count(m, rows, cols, 128, 128, &kept, &tiles);
  ck_assert_uint_eq(tiles, 6);
  ck_assert_int_eq(xb_nn_mask_make(rows, cols, &p, 1, 2, m2, &e), XB_OK);
  ck_assert_int_eq(memcmp(m, m2, rows * cols), 0); /* same seed, same */
  ck_assert_int_eq(xb_nn_mask_make(rows, cols, &p, 1, 3, m2, &e), XB_OK);
  ck_assert_int_ne(memcmp(m, m2, rows * cols), 0);

  /* HCGS: 1 of 2 blocks of 128, then 1 of 4 sub-blocks of 32 a sub-row:
   * 8x fewer weights on a 256 x 256 matrix, 2x fewer tiles. */
  p.keep = 1;
  p.sub = 32;
  p.sub_keep = 1;
  ck_assert_int_eq(xb_nn_mask_make(256, 256, &p, 4, 0, m, &e), XB_OK);
  xb_nn_mask_count(m, 256, 256, 128, 128, &kept, &tiles);
  ck_assert_uint_eq(kept, 256 * 256 / 8);
  ck_assert_uint_eq(tiles, 2);
  for (size_t r = 0; r < 256; r++) { /* 32 weights a row, in one sub-block */
    int n = 0;
    for (size_t c = 0; c < 256; c++)
      n += m[r * 256 + c];
    ck_assert_int_eq(n, 32);
  }
  xb_nn_mask_count(NULL, 300, 520, 128, 128, &kept, &tiles);
  ck_assert_uint_eq(kept, 300 * 520);
  ck_assert_uint_eq(tiles, 15);

  /* Tile-shaped blocks: 128 inputs x 64 weight columns (a 128 x 128
   * differential-pair tile); 784 x 256 is 7 x 4 blocks, 2 kept a row. */
  xb_param_defaults(&xb_nn_mask_param_set, &p);
  ck_assert_int_eq(p.block_rows, 128);
  ck_assert_int_eq(p.block_cols, 64);
  p.keep = 2;
  unsigned char *w1 = malloc(784 * 256);
  ck_assert_int_eq(xb_nn_mask_make(784, 256, &p, 9, 1, w1, &e), XB_OK);
  xb_nn_mask_count(w1, 784, 256, 128, 64, &kept, &tiles);
  ck_assert_uint_eq(tiles, 14);
  ck_assert_uint_eq(kept, 784 * 128);
  free(w1);
  p.keep = 0;
  ck_assert_int_eq(xb_nn_mask_make(256, 256, &p, 4, 0, m, &e), XB_ERANGE);
  free(m);
  free(m2);
}
END_TEST

/* A tiny task: the class of x in R^4 is the largest of three fixed linear
 * scores; the MLP learns it, and a mask stays respected while it does. */
START_TEST(test_train_tiny_masked)
{
  const size_t n = 512, sz[3] = {4, 16, 3};
  float *x = malloc(n * 4 * sizeof *x);
  int *y = malloc(n * sizeof *y);
  fill_random(x, n * 4, 1.0, 14);
  const float a[3][4] = {{1, 0, 0, 1}, {0, 1, -1, 0}, {-1, -1, 1, 0}};
  for (size_t i = 0; i < n; i++) {
    float best = -1e9f;
    for (int q = 0; q < 3; q++) {
      float s = 0;
      for (int k = 0; k < 4; k++)
        s += a[q][k] * x[i * 4 + k];
      if (s > best) {
        best = s;
        y[i] = q;
      }
    }
  }
  xb_nn *nn = xb_nn_mlp_create(2, sz, 1, NULL);
  unsigned char mask[4 * 16];
  for (int i = 0; i < 64; i++)
    mask[i] = (unsigned char)(i % 5 != 0);
  ck_assert_int_eq(xb_nn_mask_set(nn, 0, mask, NULL), XB_OK);
  xb_nn_train_params p;
  xb_param_defaults(&xb_nn_train_param_set, &p);
  p.lr = 0.01;
  p.clip = 5;
  p.weight_decay = 1e-4;
  for (int it = 0; it < 400; it++) {
    size_t s = (size_t)(it % 16) * 32;
    ck_assert_int_eq(xb_nn_grad(nn, x + s * 4, y + s, 32, NULL, NULL), XB_OK);
    ck_assert_int_eq(xb_nn_step(nn, &p, NULL), XB_OK);
  }
  double acc;
  ck_assert_int_eq(xb_nn_accuracy(nn, x, y, n, &acc, NULL), XB_OK);
  ck_assert_msg(acc >= 0.95, "accuracy %g", acc);
  xb_nn_tensor w;
  xb_nn_tensor_get(nn, 0, &w, NULL);
  for (int i = 0; i < 64; i++)
    ck_assert(mask[i] || w.w[i] == 0.0f);

  /* Save, load into a fresh net: same logits; the mask comes along. */
  char dir[] = "/tmp/xb_nn_XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  ck_assert_int_eq(xb_nn_save(nn, dir, "t_", NULL), XB_OK);
  xb_nn *back = xb_nn_mlp_create(2, sz, 99, NULL);
  ck_assert_int_eq(xb_nn_load(back, dir, "t_", NULL), XB_OK);
  xb_nn_tensor wb;
  xb_nn_tensor_get(back, 0, &wb, NULL);
  ck_assert_ptr_nonnull(wb.mask);
  ck_assert_int_eq(memcmp(wb.mask, w.mask, 64), 0);
  double acc2;
  xb_nn_accuracy(back, x, y, n, &acc2, NULL);
  ck_assert_double_eq(acc, acc2);

  /* The wrong shape: refused by name, nothing changed. */
  const size_t other[3] = {4, 17, 3};
  xb_nn *wrong = xb_nn_mlp_create(2, other, 5, NULL);
  xb_nn_tensor before;
  xb_nn_tensor_get(wrong, 2, &before, NULL);
  float keep0 = before.w[0];
  xb_err e;
  ck_assert_int_eq(xb_nn_load(wrong, dir, "t_", &e), XB_ESIZE);
  ck_assert_ptr_nonnull(strstr(e.msg, "t_W1.npy"));
  ck_assert(before.w[0] == keep0);
  ck_assert_int_eq(xb_nn_load(back, dir, "none_", &e), XB_EIO);
  char path[256];
  const char *names[] = {"W1", "b1", "W2", "b2", "W1_mask"};
  for (int k = 0; k < 5; k++) {
    snprintf(path, sizeof path, "%s/t_%s.npy", dir, names[k]);
    ck_assert_int_eq(unlink(path), 0);
  }
  ck_assert_int_eq(rmdir(dir), 0);
  xb_nn_free(wrong);
  xb_nn_free(back);
  xb_nn_free(nn);
  free(x);
  free(y);
}
END_TEST

START_TEST(test_create_errors)
{
  xb_err e;
  const size_t zero[3] = {4, 0, 3};
  ck_assert_ptr_null(xb_nn_mlp_create(2, zero, 1, &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  ck_assert_ptr_null(xb_nn_mlp_create(0, zero, 1, &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  ck_assert_ptr_null(xb_nn_mlp_create(2, NULL, 1, &e));
  ck_assert_int_eq(e.code, XB_EINVAL);
  ck_assert_ptr_null(xb_nn_lstm_create(28, 28, 0, 10, 1, &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  xb_nn_free(NULL);
  xb_nn *nn = xb_nn_lstm_create(28, 28, 128, 10, 1, &e);
  xb_nn_tensor t;
  ck_assert_int_eq(xb_nn_tensor_get(nn, 0, &t, &e), XB_OK);
  ck_assert_str_eq(t.name, "Wg");
  ck_assert_uint_eq(t.rows, 156);
  ck_assert_uint_eq(t.cols, 512);
  ck_assert_int_eq(xb_nn_tensor_get(nn, 4, &t, &e), XB_ERANGE);
  ck_assert_int_eq(xb_nn_mask_set(nn, 1, NULL, &e), XB_ETYPE);
  xb_nn_tensor_get(nn, 1, &t, &e); /* forget-gate bias 1, the rest 0 */
  ck_assert(t.w[0] == 0.0f && t.w[128] == 1.0f && t.w[256] == 0.0f);
  xb_nn_free(nn);
}
END_TEST

static Suite *nn_suite(void)
{
  Suite *s = suite_create("nn");
  TCase *tc = tcase_create("nn");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_lstm_cell_vs_reference);
  tcase_add_test(tc, test_lstm_net_vs_reference);
  tcase_add_test(tc, test_dense_and_mlp_vs_reference);
  tcase_add_test(tc, test_bptt_gradient);
  tcase_add_test(tc, test_mlp_gradient);
  tcase_add_test(tc, test_backend_straight_through);
  tcase_add_test(tc, test_masks);
  tcase_add_test(tc, test_train_tiny_masked);
  tcase_add_test(tc, test_create_errors);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(nn_suite)
