/*
 * Neural networks for crossbar tiles (issue 17): a multilayer perceptron
 * and an LSTM sequence classifier, their float training, and the
 * block-sparse masks of coarse-grain sparsity (CGS, HCGS; seed 001
 * section II-B).
 *
 * Layers. A dense layer is y = act(x W + b) with W in x out (a row per
 * input, a column per output: inputs drive crossbar rows, outputs are read
 * on columns), act ReLU or identity. An LSTM cell (seed 001 Fig. 1) keeps
 * its four gate matrices as ONE (in + hidden) x 4 hidden matrix, so that
 * the whole cell is one MVM of the concatenated [x_t, h_{t-1}]:
 *
 *   z = [x_t, h_{t-1}] W + b,   z = [z_i | z_f | z_g | z_o] (column blocks)
 *   i = sigm(z_i), f = sigm(z_f), g = tanh(z_g), o = sigm(z_o)
 *   c_t = f c_{t-1} + i g,      h_t = o tanh(c_t).
 *
 * The activations are digital (exact float); only the MVM x W goes through
 * a back-end.
 *
 * MVM back-ends. Every weight matrix multiplies through a small descriptor
 * (xb_nn_backend: a required mvm operation and an optional program
 * operation) and a context pointer, chosen per matrix. The ideal back-end
 * (xb_nn_backend_ideal) is an OpenBLAS sgemm; a tiled back-end wraps
 * xb_tiled_mvm of xbar/tile.h with the tiles as its context, so the
 * network core never asks which one it runs. The network calls program
 * before the first MVM after its weights changed (creation, load, mask,
 * training step), so a tiled back-end re-maps conductances only then.
 *
 * Networks (xb_nn, opaque). MLP: sizes[0] - sizes[1] - ... - sizes[L],
 * ReLU between the layers, the last layer linear (logits). LSTM: a
 * sequence of `steps` inputs of `in` values (one sample is steps * in
 * values, step t at [t in, (t + 1) in): for sequential MNIST the 28 image
 * rows of 28 pixels), one layer of `hidden` cells from h_0 = c_0 = 0, and
 * the last h_T into a dense layer of `classes` logits. Inputs are batches
 * of rows of floats, row-major. The parameters are tensors (xb_nn_tensor):
 * MLP "W1", "b1", "W2", "b2", ...; LSTM "Wg" ((in + hidden) x 4 hidden),
 * "bg", "Wd" (hidden x classes), "bd". Init from Philox streams of the
 * seed (xbar/rng.h): MLP W ~ U(-a, a), a = sqrt(6 / fan_in) (He), LSTM
 * gates U(-1/sqrt(hidden), 1/sqrt(hidden)) with the forget-gate bias 1,
 * the head Glorot; other biases 0.
 *
 * Training. xb_nn_grad runs the forward pass THROUGH THE BACK-ENDS and the
 * backward pass (backpropagation; BPTT for the LSTM) with the ideal float
 * weights: the straight-through estimator, so hardware-aware retraining
 * (issue 17 point 4, TIMON Table 6.4) needs only a tiled back-end set on
 * the matrices. The loss is the mean softmax cross-entropy over the batch.
 * xb_nn_step then clips the global gradient norm, applies Adam (Kingma &
 * Ba 2015) with decoupled weight decay (AdamW) on the weight matrices, and
 * keeps masked weights at zero. Float32 arithmetic; products through
 * OpenBLAS sgemm, elementwise loops with OpenMP, every reduction in a
 * fixed order, so a result depends on the seed and the data, not on the
 * OpenMP thread count. OpenBLAS, as built on Debian, splits a product over
 * its output rather than its inner sum: nn_train gives the same numbers
 * with one and two BLAS threads (checked, not guaranteed by OpenBLAS).
 *
 * Block masks (CGS / HCGS, seed 001 section II-B and Fig. 2). A matrix is
 * cut into block_rows x block_cols blocks, one a tile (the weight block of
 * a tile of xbar/tile.h: its rows by its K weight columns; the last
 * block-row and block-column may be partial). CGS keeps `keep` blocks in every block-row, chosen at
 * random before training and fixed; the dropped blocks need no tile.
 * HCGS (two levels) cuts every kept block again into sub x sub sub-blocks
 * and keeps `sub_keep` of them in every sub-block-row of the block. A
 * mask is one byte a weight, 1 kept, 0 dropped, row-major like W.
 */
#ifndef XBAR_NN_H
#define XBAR_NN_H

#include <stddef.h>
#include <stdint.h>
#include <xbar/error.h>
#include <xbar/param.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- MVM back-ends -------------------------------------------------------- */

/* How a weight matrix multiplies a batch. */
typedef struct xb_nn_backend {
  const char *name;
  /* Required. y (batch x cols) = x (batch x rows) W, all row-major; w is
   * the matrix's ideal float weights (rows x cols), which a back-end that
   * programmed its own copy may ignore. Returns XB_OK or a code with err
   * filled; y is then undefined. */
  int (*mvm)(void *ctx, const float *w, size_t rows, size_t cols,
             const float *x, size_t batch, float *y, xb_err *err);
  /* Optional (NULL: nothing to do). The weights changed to w: map them
   * (e.g. onto tiles). Called before the next mvm, not at every change. */
  int (*program)(void *ctx, const float *w, size_t rows, size_t cols,
                 xb_err *err);
} xb_nn_backend;

/* The float reference: cblas_sgemm; ctx unused (NULL). */
extern const xb_nn_backend *xb_nn_backend_ideal;

/* ---- layers on plain arrays ----------------------------------------------- */

typedef enum xb_nn_act { XB_NN_LINEAR = 0, XB_NN_RELU = 1 } xb_nn_act;

/* y (batch x out) = act(x W + b) with W in x out, b out (NULL: no bias),
 * the product through back-end `be` (NULL: ideal) with context ctx.
 * Codes: XB_EINVAL (NULL x, w or y, a size 0), the back-end's codes. */
int xb_nn_dense_eval(const xb_nn_backend *be, void *ctx, const float *w,
                     const float *b, size_t in, size_t out, xb_nn_act act,
                     const float *x, size_t batch, float *y, xb_err *err);

/* One LSTM step of a batch (the equations of the file comment): x is
 * batch x in, h and c batch x hidden, both read (h_{t-1}, c_{t-1}) and
 * overwritten with h_t, c_t; W is (in + hidden) x 4 hidden, b 4 hidden
 * (NULL: none); the product through `be` (NULL: ideal). Works in a
 * scratch buffer of its own. Codes: XB_EINVAL (NULL array, size 0),
 * XB_ENOMEM, the back-end's codes; on error h and c are unchanged. */
int xb_nn_lstm_cell_eval(const xb_nn_backend *be, void *ctx, const float *w,
                         const float *b, size_t in, size_t hidden,
                         const float *x, size_t batch, float *h, float *c,
                         xb_err *err);

/* ---- networks --------------------------------------------------------------- */

typedef struct xb_nn xb_nn;

/* Most layers of an MLP. */
#define XB_NN_MAX_LAYERS 8

/* An MLP sizes[0] - ... - sizes[nlayers] (1 <= nlayers <= XB_NN_MAX_LAYERS,
 * every size >= 1), initialised from `seed`. Codes: XB_EINVAL (NULL
 * sizes), XB_ESIZE, XB_ENOMEM. NULL with err filled on failure. */
xb_nn *xb_nn_mlp_create(size_t nlayers, const size_t sizes[], uint64_t seed,
                        xb_err *err);

/* An LSTM classifier: `steps` inputs of `in` values, `hidden` cells,
 * `classes` logits from h_T. Codes as xb_nn_mlp_create. */
xb_nn *xb_nn_lstm_create(size_t steps, size_t in, size_t hidden,
                         size_t classes, uint64_t seed, xb_err *err);

/* Release a network (not the back-end contexts set on it). NULL no-op. */
void xb_nn_free(xb_nn *nn);

/* Values per input sample, and logits per sample. */
size_t xb_nn_input_dim(const xb_nn *nn);
size_t xb_nn_classes(const xb_nn *nn);

/* A parameter tensor, as a view into the network: valid until the network
 * is freed. w may be written (xb_nn_touch after it); grad holds the last
 * xb_nn_grad. `mvm` is 1 for a weight matrix (multiplied through a
 * back-end, maskable), 0 for a bias. */
typedef struct xb_nn_tensor {
  const char *name;           /* "W1", "b1", ..., "Wg", "bg", "Wd", "bd" */
  size_t rows, cols;          /* a bias is 1 x n */
  float *w;                   /* rows x cols, row-major */
  const float *grad;          /* d loss / d w of the last xb_nn_grad */
  const unsigned char *mask;  /* NULL: dense */
  int mvm;
} xb_nn_tensor;

/* Number of tensors (MLP 2 L, LSTM 4). */
size_t xb_nn_tensors(const xb_nn *nn);

/* Tensor k into *t. Codes: XB_EINVAL (NULL), XB_ERANGE (k too big). */
int xb_nn_tensor_get(const xb_nn *nn, size_t k, xb_nn_tensor *t,
                     xb_err *err);

/* Index of the tensor called `name`, or -1. */
int xb_nn_tensor_find(const xb_nn *nn, const char *name);

/* Declare that tensor k's weights were changed by the caller: masked
 * weights are zeroed again and the back-end re-programmed before the next
 * MVM. Codes: XB_EINVAL, XB_ERANGE. */
int xb_nn_touch(xb_nn *nn, size_t k, xb_err *err);

/* Multiply weight matrix k through back-end `be` with context ctx (NULL
 * be: the ideal one). The network does not own ctx. Codes: XB_EINVAL,
 * XB_ERANGE, XB_ETYPE (k is a bias). */
int xb_nn_backend_set(xb_nn *nn, size_t k, const xb_nn_backend *be,
                      void *ctx, xb_err *err);

/* Fix a mask on weight matrix k (copied; NULL removes it): the weights
 * outside it are zeroed now, and kept at zero by training. Codes:
 * XB_EINVAL, XB_ERANGE, XB_ETYPE (a bias), XB_ENOMEM. */
int xb_nn_mask_set(xb_nn *nn, size_t k, const unsigned char *mask,
                   xb_err *err);

/* Logits (batch x classes) of the batch x (batch x input_dim), through
 * the back-ends. Codes: XB_EINVAL (NULL, batch 0), XB_ENOMEM (work
 * space), the back-ends' codes. */
int xb_nn_forward(xb_nn *nn, const float *x, size_t batch, float *logits,
                  xb_err *err);

/* Forward through the back-ends, then backward with the ideal weights:
 * each tensor's grad = d mean-loss / d w over the batch; *loss (may be
 * NULL) the mean softmax cross-entropy. labels in [0, classes). Codes:
 * XB_EINVAL (NULL, batch 0), XB_ERANGE (a label out of range), XB_ENOMEM,
 * the back-ends' codes. */
int xb_nn_grad(xb_nn *nn, const float *x, const int *labels, size_t batch,
               double *loss, xb_err *err);

/* Adam with decoupled weight decay and global-norm clipping. Section
 * [nn_train]. */
#define XB_NN_TRAIN_PARAMS(X)                                                 \
  X(double, lr, "1", 1e-3, 1e-9, 10.0, "Adam step size")                      \
  X(double, beta1, "1", 0.9, 0.0, 0.999999, "Adam first-moment decay")        \
  X(double, beta2, "1", 0.999, 0.0, 0.99999999, "Adam second-moment decay")   \
  X(double, eps, "1", 1e-8, 1e-12, 1.0, "Adam denominator floor")             \
  X(double, weight_decay, "1", 0.0, 0.0, 1.0,                                 \
    "decoupled decay: w -= lr weight_decay w each step (matrices only)")      \
  X(double, clip, "1", 0.0, 0.0, 1e9,                                         \
    "scale the gradient down to this global L2 norm when above; 0: off")

typedef struct xb_nn_train_params {
  XB_PARAM_STRUCT(XB_NN_TRAIN_PARAMS)
} xb_nn_train_params;
extern const xb_param_set xb_nn_train_param_set;

/* One Adam step from the gradients of the last xb_nn_grad (`lr` of p may
 * differ from step to step: a schedule is the caller's). Masked weights
 * and their moments stay zero. Codes: XB_EINVAL (NULL), the
 * xb_param_check codes of p; on error nothing changes. */
int xb_nn_step(xb_nn *nn, const xb_nn_train_params *p, xb_err *err);

/* Fraction of the n samples classified right (argmax of the logits, the
 * lowest index on ties), in batches of at most 256. Codes as
 * xb_nn_forward. */
int xb_nn_accuracy(xb_nn *nn, const float *x, const int *labels, size_t n,
                   double *acc, xb_err *err);

/* Save every tensor as "<dir>/<prefix><name>.npy" ('<f8', 2-D rows x
 * cols), and every mask as "<dir>/<prefix><name>_mask.npy". Codes: those
 * of xb_npy_write, XB_ESIZE (a path beyond 1024 bytes), XB_ENOMEM. */
int xb_nn_save(const xb_nn *nn, const char *dir, const char *prefix,
               xb_err *err);

/* Load every tensor saved by xb_nn_save into a network of the same shape
 * (and the masks present; an absent mask file means dense). All files are
 * read and checked before anything changes. Codes: those of xb_npy_read
 * (XB_ESIZE for a tensor of another shape), XB_EDATA (a mask value other
 * than 0 and 1, or a weight outside its mask), XB_ENOMEM. */
int xb_nn_load(xb_nn *nn, const char *dir, const char *prefix, xb_err *err);

/* ---- block masks ------------------------------------------------------------ */

/* Two-level coarse-grain sparsity. Section [mask]. */
#define XB_NN_MASK_PARAMS(X)                                                  \
  X(int, block_rows, "1", 128, 1, 1 << 20,                                    \
    "level-1 block rows: the inputs of a tile (xbar/tile.h rows)")            \
  X(int, block_cols, "1", 64, 1, 1 << 20,                                     \
    "level-1 block columns: the weight columns of a tile (xb_tile_grid's "    \
    "K: 64 for a 128-column differential-pair tile)")                         \
  X(int, keep, "1", 1, 1, 1 << 20,                                            \
    "level-1 blocks kept in every block-row (at most the block-columns)")     \
  X(int, sub, "1", 0, 0, 1 << 20,                                             \
    "level-2 sub-block side inside a kept block; 0: one level (CGS)")         \
  X(int, sub_keep, "1", 1, 1, 1 << 20,                                        \
    "level-2 sub-blocks kept in every sub-block-row of a kept block")

typedef struct xb_nn_mask_params {
  XB_PARAM_STRUCT(XB_NN_MASK_PARAMS)
} xb_nn_mask_params;
extern const xb_param_set xb_nn_mask_param_set;

/* Fill mask (rows x cols bytes) with a CGS (p->sub = 0) or HCGS mask:
 * `keep` of the ceil(cols / block_cols) blocks of every block-row (all
 * of them when keep is larger), then `sub_keep` of the sub-blocks of every
 * sub-block-row inside each kept block. The choices are uniform without
 * replacement, from Philox stream (seed, stream) (see lib/nn/mask.c), so a
 * mask depends on the shape, p, seed and stream alone. Codes: XB_EINVAL
 * (NULL), XB_ESIZE (a size 0, more than 2^20 columns), the xb_param_check
 * codes. */
int xb_nn_mask_make(size_t rows, size_t cols, const xb_nn_mask_params *p,
                    uint64_t seed, uint64_t stream, unsigned char *mask,
                    xb_err *err);

/* Usage of a rows x cols mask (NULL: dense) on blocks of block_rows x
 * block_cols (0 is taken as 1): *kept the weights kept, *tiles the blocks
 * holding any (either may be NULL). */
void xb_nn_mask_count(const unsigned char *mask, size_t rows, size_t cols,
                      size_t block_rows, size_t block_cols, size_t *kept,
                      size_t *tiles);

/* The block grid of a mask, for a tile layer's block mask (xbar/tile.h
 * xb_tiled_create): blocks (ceil(rows / block_rows) x ceil(cols /
 * block_cols) bytes, row-major) gets 1 for a block holding any kept
 * weight, 0 for an empty one (mask NULL: all 1). */
void xb_nn_mask_blocks(const unsigned char *mask, size_t rows, size_t cols,
                       size_t block_rows, size_t block_cols,
                       unsigned char *blocks);

/* ---- networks on tiles (lib/nn/nn_tiled.c; issue 17 part 3) ---------------
 *
 * The tiled back-end: every weight matrix of a network on its own xb_tiled
 * (xbar/tile.h), the weight mask turned into the tile layer's block mask
 * (a block of the tile grid gets a tile only when the mask keeps a weight
 * in it). The tiles are made from the network's weights at the first
 * product (or calibration) and rewritten with xb_tiled_set_weights when
 * the weights change, at most every `every`-th change (default 1); in
 * between they hold the older weights. With xb_nn_grad this is
 * hardware-aware retraining: the forward pass on the tiles, the gradient
 * straight through to the ideal float weights. */
#include <xbar/tile.h>

/* The tiled back-end; its context is a matrix of an xb_nn_tiles. */
extern const xb_nn_backend *xb_nn_backend_tiled;

typedef struct xb_nn_tiles xb_nn_tiles;

/* Put every weight matrix of nn on tiles of parameters p (NULL: the
 * defaults; copied, checked) of device dev (NULL: the ideal float path;
 * it must outlive the object), the cells' and ADCs' streams from seed
 * (one per matrix). The masks set on nn now become block masks; later
 * mask changes are not seen. nn's matrices are switched to the tiled
 * back-end (nn must outlive the object; its biases stay digital). Nothing
 * is programmed yet. NULL and err on failure (XB_EINVAL for NULL nn, the
 * parameter check's codes, XB_ENOMEM), nn then unchanged. */
xb_nn_tiles *xb_nn_tiles_create(xb_nn *nn, const xb_tile_params *p,
                                const xb_device *dev, uint64_t seed,
                                xb_err *err);

/* Switch nn's matrices back to the ideal back-end and free the tiles.
 * NULL is a no-op. */
void xb_nn_tiles_free(xb_nn_tiles *t);

/* Rewrite the tiles at most every `every`-th weight change (>= 1, else
 * XB_EINVAL). */
int xb_nn_tiles_set_every(xb_nn_tiles *t, unsigned every, xb_err *err);

/* Make or rewrite every tile that holds older weights than the network
 * (after training with every > 1, before measuring). Codes of
 * xb_tiled_create / xb_tiled_set_weights. */
int xb_nn_tiles_sync(xb_nn_tiles *t, xb_err *err);

/* Ranges from n calibration samples x (n x input_dim): the network runs
 * on them with float products, recording each matrix's inputs, then each
 * matrix's tiles are made or brought up to date and calibrated on its
 * inputs (xb_tiled_calibrate). With x_max = 0 in the parameters, a matrix
 * whose recorded inputs are all >= 0 gets unsigned inputs (one DAC bit
 * more). Codes: XB_EINVAL (NULL, n 0), XB_ENOMEM, the forward pass's and
 * the tile layer's codes. */
int xb_nn_tiles_calibrate(xb_nn_tiles *t, const float *x, size_t n,
                          xb_err *err);

/* Tiles in use over every matrix (*tiles) and those of the dense grid
 * (*tiles_dense); either may be NULL. */
void xb_nn_tiles_count(const xb_nn_tiles *t, size_t *tiles,
                       size_t *tiles_dense);

/* Tile writes so far (builds and rewrites) and the seconds they took. */
void xb_nn_tiles_writes(const xb_nn_tiles *t, size_t *writes,
                        double *seconds);

/* The xb_tiled of tensor k (NULL: a bias, or not made yet). Owned by t. */
xb_tiled *xb_nn_tiles_matrix(const xb_nn_tiles *t, size_t k);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_NN_H */
