/*
 * The tiled MVM back-end of the networks (xbar/nn.h, section "networks on
 * tiles"; issue 17, part 3): every weight matrix of a network multiplies
 * through its own xb_tiled (xbar/tile.h), so the MLP's dense layers, the
 * LSTM's (in + hidden) x 4 hidden gate matrix and its output layer each
 * sit on their tiles, with the wire network of every tile solved exactly
 * (or the ideal float path for dev = NULL). The network's weight masks
 * (CGS / HCGS) become the tile layer's block mask: a block of the tile
 * grid (rows inputs x K weight columns) gets a tile only when the mask
 * keeps a weight in it, so the blocks CGS drops need no tile; the
 * sub-blocks HCGS drops inside a kept block are cells at weight 0.
 *
 * Per matrix k, y = x W_k goes float -> double, through xb_tiled_mvm
 * (input DAC, tile currents, column ADC, digital sums) and back to float.
 * The tiles are made lazily, at the first product or calibration, from the
 * network's weights then; every later change of the weights (a training
 * step, xb_nn_touch, a load) reaches the back-end's program operation,
 * which rewrites the cells with xb_tiled_set_weights (a new write: new
 * cycle-to-cycle draws, the same device-to-device factors and stuck
 * cells, the transfer matrices rebuilt, the ADC ranges kept) at most every
 * `every`-th change; in between the tiles keep the older weights (stale),
 * which is how hardware-aware retraining trades fidelity for time
 * (TIMON Table 6.4, seed 003 chapter 6: the forward pass on the hardware,
 * the gradient straight through to the ideal weights, xb_nn_grad).
 *
 * Calibration (xb_nn_tiles_calibrate) runs the network on calibration
 * inputs with the ideal float products while recording every matrix's
 * inputs (for the LSTM, [x_t, h_{t-1}] of every step), then sets each
 * matrix's input range and ADC range from them (xb_tiled_calibrate); when
 * the tile parameters ask for a calibrated input range (x_max = 0), a
 * matrix whose recorded inputs are all >= 0 (pixels, ReLU outputs) gets
 * unsigned inputs, which gives its DAC one bit more.
 *
 * Workload: one tile build per matrix (rows array solves per tile; the
 * 784-256-10 MLP on 30 tiles of 128 x 128 cells with exact wires: about
 * 5 s on the shared 2-core machine at a load of 8, measured by
 * tile_accuracy's rewrite_s; ideal wires 0.2 s), then a dgemm per tile row
 * of blocks and an ADC conversion per weight column, tile and input per
 * product.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xbar/nn.h>
#include <xbar/tile.h>

#include "../core/core_impl.h"

#define MAX_MATS (2 * XB_NN_MAX_LAYERS)

typedef struct tmat {
  struct xb_nn_tiles *owner;
  size_t k, rows, cols;
  xb_tile_params p;        /* x_signed may be set by the calibration */
  unsigned char *bmask;    /* block mask of the tile grid, NULL: dense */
  size_t tiles, tiles_dense;
  xb_tiled *t;             /* NULL until the first product */
  const float *w;          /* the network's weights of the last program */
  int stale;               /* t holds older weights than w */
  unsigned pending;        /* changes since the last write */
  double *wd;              /* rows x cols */
  double *xd, *yd;         /* batch scratch for `cap` inputs */
  size_t cap;
  double *rec;             /* recorded calibration inputs, nrec x rows */
  size_t nrec, reccap;
} tmat;

struct xb_nn_tiles {
  xb_nn *nn;
  const xb_device *dev;
  uint64_t seed;
  unsigned every;
  int recording;
  size_t nmat;
  tmat m[MAX_MATS];
  size_t writes;
  double write_s;
};

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void to_double(const float *w, size_t n, double *d)
{
  for (size_t i = 0; i < n; i++)
    d[i] = (double)w[i];
}

/* Make (or, with `again`, remake) the tiles of m from its weights. */
static int build(tmat *m, xb_err *err)
{
  xb_nn_tiles *o = m->owner;
  double t0 = now_s();
  to_double(m->w, m->rows * m->cols, m->wd);
  const uint64_t seed = o->seed + UINT64_C(0x9E3779B97F4A7C15) * (m->k + 1);
  xb_tiled *t = xb_tiled_create(m->rows, m->cols, m->wd, m->bmask, &m->p,
                                o->dev, seed, err);
  if (!t)
    return err ? err->code : XB_ENOMEM;
  xb_tiled_free(m->t);
  m->t = t;
  m->stale = 0;
  m->pending = 0;
  o->writes++;
  o->write_s += now_s() - t0;
  return XB_OK;
}

/* Rewrite the cells of m with its current weights. */
static int rewrite(tmat *m, xb_err *err)
{
  xb_nn_tiles *o = m->owner;
  double t0 = now_s();
  to_double(m->w, m->rows * m->cols, m->wd);
  int rc = xb_tiled_set_weights(m->t, m->wd, err);
  if (rc != XB_OK)
    return rc;
  m->stale = 0;
  m->pending = 0;
  o->writes++;
  o->write_s += now_s() - t0;
  return XB_OK;
}

static int grow(double **buf, size_t *cap, size_t need)
{
  if (need <= *cap)
    return XB_OK;
  size_t c = *cap ? *cap : 4096;
  while (c < need)
    c *= 2;
  double *b = realloc(*buf, c * sizeof *b);
  if (!b)
    return XB_ENOMEM;
  *buf = b;
  *cap = c;
  return XB_OK;
}

/* ---- the back-end ---------------------------------------------------------- */

/* The matrix a back-end call names must be the one its tiles were made
 * for; then it is the matrix's current weights. */
static int take_weights(tmat *m, const float *w, size_t rows, size_t cols,
                        xb_err *err)
{
  if (rows != m->rows || cols != m->cols)
    return xb__err(err, XB_ESIZE,
                   "tiled back-end: a %zu x %zu matrix on tiles made for "
                   "%zu x %zu", rows, cols, m->rows, m->cols);
  m->w = w;
  return XB_OK;
}

static int tiled_program(void *ctx, const float *w, size_t rows, size_t cols,
                         xb_err *err)
{
  tmat *m = ctx;
  int rc = take_weights(m, w, rows, cols, err);
  if (rc)
    return rc;
  if (!m->t) /* made at the first product */
    return XB_OK;
  if (!m->owner->recording && ++m->pending >= m->owner->every)
    return rewrite(m, err);
  m->stale = 1;
  return XB_OK;
}

static int tiled_mvm(void *ctx, const float *w, size_t rows, size_t cols,
                     const float *x, size_t batch, float *y, xb_err *err)
{
  tmat *m = ctx;
  int rc = take_weights(m, w, rows, cols, err);
  if (rc)
    return rc;
  if (m->owner->recording) { /* ideal product, inputs kept */
    if (grow(&m->rec, &m->reccap, (m->nrec + batch) * rows) != XB_OK)
      return xb__err(err, XB_ENOMEM, "calibration inputs of matrix %zu",
                     m->k);
    to_double(x, batch * rows, m->rec + m->nrec * rows);
    m->nrec += batch;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)batch,
                (int)cols, (int)rows, 1.0f, x, (int)rows, w, (int)cols, 0.0f,
                y, (int)cols);
    return XB_OK;
  }
  rc = m->t ? XB_OK : build(m, err);
  if (rc != XB_OK)
    return rc;
  if (batch > m->cap) {
    double *xd = realloc(m->xd, batch * rows * sizeof *xd);
    if (xd)
      m->xd = xd;
    double *yd = xd ? realloc(m->yd, batch * cols * sizeof *yd) : NULL;
    if (!yd)
      return xb__err(err, XB_ENOMEM, "tiled back-end: batch of %zu", batch);
    m->yd = yd;
    m->cap = batch;
  }
  to_double(x, batch * rows, m->xd);
  rc = xb_tiled_mvm(m->t, m->xd, batch, m->yd, err);
  if (rc != XB_OK)
    return rc;
  for (size_t i = 0; i < batch * cols; i++)
    y[i] = (float)m->yd[i];
  return XB_OK;
}

static const xb_nn_backend tiled_backend = {"tiled", tiled_mvm,
                                            tiled_program};
const xb_nn_backend *xb_nn_backend_tiled = &tiled_backend;

/* ---- the object ------------------------------------------------------------- */

/* The block mask of m's tile grid from the weight mask (NULL: dense). */
static int block_mask(tmat *m, const unsigned char *mask, xb_err *err)
{
  size_t br, bc, kw;
  int rc = xb_tile_grid(m->rows, m->cols, &m->p, &br, &bc, &kw, err);
  if (rc != XB_OK)
    return rc;
  const size_t R = (size_t)m->p.rows;
  m->tiles_dense = br * bc;
  m->tiles = br * bc;
  if (!mask)
    return XB_OK;
  if (!(m->bmask = calloc(br * bc, 1)))
    return xb__err(err, XB_ENOMEM, "block mask of matrix %zu", m->k);
  for (size_t i = 0; i < m->rows; i++)
    for (size_t j = 0; j < m->cols; j++)
      if (mask[i * m->cols + j])
        m->bmask[(i / R) * bc + j / kw] = 1;
  m->tiles = 0;
  for (size_t b = 0; b < br * bc; b++)
    m->tiles += m->bmask[b];
  return XB_OK;
}

xb_nn_tiles *xb_nn_tiles_create(xb_nn *nn, const xb_tile_params *p,
                                const xb_device *dev, uint64_t seed,
                                xb_err *err)
{
  if (!nn) {
    xb__err(err, XB_EINVAL, "xb_nn_tiles_create: no network");
    return NULL;
  }
  xb_tile_params def;
  if (!p) {
    xb_tile_params_default(&def);
    p = &def;
  }
  int rc = xb_param_check(&xb_tile_param_set, p, err);
  if (rc != XB_OK)
    return NULL;
  xb_nn_tiles *o = calloc(1, sizeof *o);
  if (!o) {
    xb__err(err, XB_ENOMEM, "xb_nn_tiles_create");
    return NULL;
  }
  o->nn = nn;
  o->dev = dev;
  o->seed = seed;
  o->every = 1;
  for (size_t k = 0; k < xb_nn_tensors(nn); k++) {
    xb_nn_tensor t;
    xb_nn_tensor_get(nn, k, &t, NULL);
    if (!t.mvm)
      continue;
    tmat *m = &o->m[o->nmat++];
    m->owner = o;
    m->k = k;
    m->rows = t.rows;
    m->cols = t.cols;
    m->p = *p;
    m->w = t.w;
    if ((rc = block_mask(m, t.mask, err)) != XB_OK)
      goto fail;
    if (!(m->wd = malloc(t.rows * t.cols * sizeof *m->wd))) {
      xb__err(err, XB_ENOMEM, "weights of matrix %s", t.name);
      goto fail;
    }
  }
  /* Only now, with nothing left to fail, do the matrices change hands. */
  for (size_t j = 0; j < o->nmat; j++)
    xb_nn_backend_set(nn, o->m[j].k, xb_nn_backend_tiled, &o->m[j], NULL);
  return o;
fail:
  o->nmat = 0; /* the network was not touched */
  for (size_t j = 0; j < MAX_MATS; j++) {
    free(o->m[j].bmask);
    free(o->m[j].wd);
  }
  free(o);
  return NULL;
}

void xb_nn_tiles_free(xb_nn_tiles *o)
{
  if (!o)
    return;
  for (size_t j = 0; j < o->nmat; j++) {
    tmat *m = &o->m[j];
    xb_nn_backend_set(o->nn, m->k, NULL, NULL, NULL);
    xb_tiled_free(m->t);
    free(m->bmask);
    free(m->wd);
    free(m->xd);
    free(m->yd);
    free(m->rec);
  }
  free(o);
}

int xb_nn_tiles_set_every(xb_nn_tiles *o, unsigned every, xb_err *err)
{
  if (!o || every == 0)
    return xb__err(err, XB_EINVAL, "xb_nn_tiles_set_every: %s",
                   o ? "every must be >= 1" : "no tiles");
  o->every = every;
  return XB_OK;
}

int xb_nn_tiles_sync(xb_nn_tiles *o, xb_err *err)
{
  if (!o)
    return xb__err(err, XB_EINVAL, "xb_nn_tiles_sync: no tiles");
  for (size_t j = 0; j < o->nmat; j++) {
    tmat *m = &o->m[j];
    int rc = !m->t ? build(m, err) : m->stale ? rewrite(m, err) : XB_OK;
    if (rc != XB_OK)
      return rc;
  }
  return XB_OK;
}

int xb_nn_tiles_calibrate(xb_nn_tiles *o, const float *x, size_t n,
                          xb_err *err)
{
  if (!o || !x || n == 0)
    return xb__err(err, XB_EINVAL, "xb_nn_tiles_calibrate: %s",
                   !o ? "no tiles" : !x ? "no inputs" : "n = 0");
  const size_t classes = xb_nn_classes(o->nn);
  float *logits = malloc(n * classes * sizeof *logits);
  if (!logits)
    return xb__err(err, XB_ENOMEM, "xb_nn_tiles_calibrate");
  for (size_t j = 0; j < o->nmat; j++)
    o->m[j].nrec = 0;
  o->recording = 1;
  int rc = XB_OK;
  for (size_t s = 0; s < n && rc == XB_OK; s += 256) {
    const size_t b = n - s < 256 ? n - s : 256;
    rc = xb_nn_forward(o->nn, x + s * xb_nn_input_dim(o->nn), b,
                       logits + s * classes, err);
  }
  o->recording = 0;
  free(logits);
  for (size_t j = 0; j < o->nmat && rc == XB_OK; j++) {
    tmat *m = &o->m[j];
    int sgn = m->p.x_signed;
    if (o->dev && m->p.x_max == 0.0) {
      sgn = 0;
      for (size_t i = 0; i < m->nrec * m->rows && !sgn; i++)
        sgn = m->rec[i] < 0.0;
      if (m->p.xbits == 1 && sgn)
        sgn = 0; /* a 1-bit DAC is unsigned only */
    }
    if (!m->t || sgn != m->p.x_signed) {
      m->p.x_signed = sgn;
      rc = build(m, err);
    } else if (m->stale) {
      rc = rewrite(m, err);
    }
    if (rc == XB_OK)
      rc = xb_tiled_calibrate(m->t, m->rec, m->nrec, err);
  }
  for (size_t j = 0; j < o->nmat; j++) {
    free(o->m[j].rec);
    o->m[j].rec = NULL;
    o->m[j].nrec = o->m[j].reccap = 0;
  }
  return rc;
}

void xb_nn_tiles_count(const xb_nn_tiles *o, size_t *tiles,
                       size_t *tiles_dense)
{
  size_t a = 0, b = 0;
  for (size_t j = 0; o && j < o->nmat; j++) {
    a += o->m[j].tiles;
    b += o->m[j].tiles_dense;
  }
  if (tiles)
    *tiles = a;
  if (tiles_dense)
    *tiles_dense = b;
}

void xb_nn_tiles_writes(const xb_nn_tiles *o, size_t *writes,
                        double *seconds)
{
  if (writes)
    *writes = o ? o->writes : 0;
  if (seconds)
    *seconds = o ? o->write_s : 0.0;
}

xb_tiled *xb_nn_tiles_matrix(const xb_nn_tiles *o, size_t k)
{
  for (size_t j = 0; o && j < o->nmat; j++)
    if (o->m[j].k == k)
      return o->m[j].t;
  return NULL;
}
