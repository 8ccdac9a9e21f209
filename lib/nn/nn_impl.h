/*
 * Private to lib/nn: the network object shared by the generic core
 * (nn.c: tensors, back-ends, loss, Adam, accuracy), its two kinds (mlp.c,
 * lstm.c: forward and backward passes) and the weight files (nn_io.c).
 * A kind is a descriptor (xb__nn_type) chosen at create time; the core
 * never asks which kind it runs. Symbols are xb__ prefixed.
 */
#ifndef XBAR_NN_IMPL_H
#define XBAR_NN_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <xbar/nn.h>

#define XB__NN_MAX_TENSORS (2 * XB_NN_MAX_LAYERS)

/* A parameter tensor with its gradient, Adam moments and back-end. */
typedef struct xb__tensor {
  char name[16];
  size_t rows, cols, n;    /* n = rows * cols */
  float *w, *g, *m, *v;    /* weights, gradient, Adam moments */
  unsigned char *mask;     /* NULL: dense */
  int mvm;                 /* 1: a weight matrix multiplied via `be` */
  const xb_nn_backend *be; /* never NULL for a matrix */
  void *ctx;
  int dirty;               /* weights changed since be->program */
} xb__tensor;

/* A network kind: its passes over the work space. */
typedef struct xb__nn_type {
  const char *name;
  /* floats of work space the passes need for `batch` samples */
  size_t (*work_floats)(const xb_nn *nn, size_t batch);
  /* logits (batch x classes) through the back-ends, keeping in the work
   * space what backward needs */
  int (*forward)(xb_nn *nn, const float *x, size_t batch, float *logits,
                 xb_err *err);
  /* gradients of every tensor from dlogits = d loss / d logits, right
   * after forward on the same x; ideal weights (straight-through) */
  int (*backward)(xb_nn *nn, const float *x, const float *dlogits,
                  size_t batch, xb_err *err);
} xb__nn_type;

extern const xb__nn_type xb__nn_mlp_type, xb__nn_lstm_type;

struct xb_nn {
  const xb__nn_type *type;
  size_t ntensors;
  xb__tensor t[XB__NN_MAX_TENSORS];
  size_t in_dim, classes;
  /* MLP: sizes[0..nlayers]; tensors 2l, 2l + 1 are W_{l+1}, b_{l+1} */
  size_t nlayers, sizes[XB_NN_MAX_LAYERS + 1];
  /* LSTM: tensors 0..3 are Wg, bg, Wd, bd */
  size_t steps, in, hidden;
  long long adam_t; /* Adam steps taken */
  float *work;      /* work space for `cap` samples */
  size_t cap;
  float *probs;     /* cap x classes: logits, then d loss / d logits */
};

/* A network of `type` with its tensors named and shaped (rows[k] x
 * cols[k], mvm[k]), weights zero, ideal back-ends. NULL on failure. */
xb_nn *xb__nn_alloc(const xb__nn_type *type, size_t ntensors,
                    const char *const names[], const size_t rows[],
                    const size_t cols[], const int mvm[], xb_err *err);

/* w of tensor k ~ U(-a, a) from stream (seed, tag | k), position i. */
void xb__nn_init_uniform(xb_nn *nn, size_t k, double a, uint64_t seed);

/* y = x W_k through tensor k's back-end, programming it first if its
 * weights changed. */
int xb__nn_mvm(xb_nn *nn, size_t k, const float *x, size_t batch, float *y,
               xb_err *err);

/* y (batch x cols) += b for every row. */
void xb__nn_add_bias(float *y, const float *b, size_t batch, size_t cols);

/* g (1 x cols) = the column sums of d (batch x cols), rows in order. */
void xb__nn_col_sums(const float *d, size_t batch, size_t cols, float *g);

/* C (m x n) = A^T B for A k x m, B k x n (beta 0: overwritten). */
void xb__nn_gemm_tn(const float *a, const float *b, size_t k, size_t m,
                    size_t n, float *c);

/* C (m x n) = A B^T for A m x k, B n x k (ldb: row stride of B). */
void xb__nn_gemm_nt(const float *a, const float *b, size_t ldb, size_t m,
                    size_t k, size_t n, float *c);

#endif
