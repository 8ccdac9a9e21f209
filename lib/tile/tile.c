/*
 * Tiled weight matrices: the object of xbar/tile.h, its parameters, its
 * construction and its queries.
 *
 * xb_tiled_create checks everything first (parameters, sizes, the mask,
 * every weight), then lays out the block grid (ceil(R / rows) block rows
 * by ceil(C / K) block columns, K weight columns per tile), gives every
 * kept block a tile with its own cells (variation streams keyed by the
 * block's index, so masking other blocks or the thread count never changes
 * a tile) and, for a noisy or mismatched ADC, one xb_sar per weight column
 * (mismatch keyed by block and column). The mapping and the transfer
 * matrices are tile_map.c's, the reads tile_mvm.c's. With dev = NULL only
 * the masked copy of W is kept.
 *
 * Workload: a layer of a network, e.g. 784 x 256 on 128 x 128 tiles: 28
 * tiles, 0.46 M cells (about 26 MB of cell state), 28 transfer matrices of
 * 128 x 128 doubles, built from 3584 array solves.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/rng.h>

#include "../core/core_impl.h"
#include "tile_impl.h"

static int tile_check(const void *pv, xb_err *err)
{
  const xb_tile_params *p = pv;
  if (p->xbits == 0 && p->bit_serial != 0)
    return xb__err_set(err, XB_EINVAL, NULL, 0, "xbits", 1, 24,
                       "bit-serial inputs need quantized inputs (xbits >= 1)");
  if (p->x_signed && p->xbits == 1)
    return xb__err_set(err, XB_EINVAL, NULL, 0, "xbits", 2, 24,
                       "signed inputs need a sign and a magnitude bit "
                       "(xbits >= 2)");
  if (p->adc_bits == 1)
    return xb__err_set(err, XB_EINVAL, NULL, 0, "adc_bits", 2, 24,
                       "a bipolar ADC needs a sign and a magnitude bit "
                       "(adc_bits 0 or >= 2)");
  return XB_OK;
}

#define XB_PARAM_T xb_tile_params
XB_PARAM_SET_DEFINE(xb_tile_param_set, "tile", XB_TILE_PARAMS, tile_check)
#undef XB_PARAM_T

void xb_tile_params_default(xb_tile_params *p)
{
  xb_param_defaults(&xb_tile_param_set, p);
}

static size_t weights_per_tile(const xb_tile_params *p)
{
  return p->mapping == 0 ? (size_t)p->cols / 2 : (size_t)p->cols - 1;
}

int xb_tile_grid(size_t R, size_t C, const xb_tile_params *p, size_t *brows,
                 size_t *bcols, size_t *k, xb_err *err)
{
  xb_tile_params q;
  if (p)
    q = *p;
  else
    xb_tile_params_default(&q);
  int rc = xb_param_check(&xb_tile_param_set, &q, err);
  if (rc)
    return rc;
  if (R == 0 || C == 0)
    return xb__err(err, XB_EINVAL, "a %zu x %zu matrix has no weights", R, C);
  size_t K = weights_per_tile(&q);
  if (brows)
    *brows = (R + (size_t)q.rows - 1) / (size_t)q.rows;
  if (bcols)
    *bcols = (C + K - 1) / K;
  if (k)
    *k = K;
  return XB_OK;
}

static uint64_t stream_seed(uint64_t seed, uint64_t stream, uint64_t pos)
{
  uint32_t w[4];
  xb_rng_words(seed, stream, pos, w);
  return (uint64_t)w[0] | (uint64_t)w[1] << 32;
}

/* Every argument of create / set_weights that can be checked up front. */
static int check_weights(size_t R, size_t C, const double *W, xb_err *err)
{
  if (!W)
    return xb__err_set(err, XB_EINVAL, NULL, 0, "W", NAN, NAN,
                       "NULL weight matrix");
  for (size_t k = 0; k < R * C; k++)
    if (!isfinite(W[k]))
      return xb__err_set(err, XB_ENAN, NULL, 0, "W", NAN, NAN,
                         "weight (%zu, %zu) = %g is not finite", k / C,
                         k % C, W[k]);
  return XB_OK;
}

/* The masked copy of W for the ideal path. */
static void copy_masked(const xb_tiled *t, const double *W, double *dst)
{
  size_t rows = (size_t)t->p.rows;
  for (size_t i = 0; i < t->R; i++)
    for (size_t j = 0; j < t->C; j++)
      dst[i * t->C + j] =
          t->keep[(i / rows) * t->bc + j / t->K] ? W[i * t->C + j] : 0.0;
}

void xb_tiled_free(xb_tiled *t)
{
  if (!t)
    return;
  for (size_t k = 0; t->tile && k < t->ntiles; k++) {
    xb__tile *tl = &t->tile[k];
    xb_cells_free(tl->cells);
    xb_array_free(tl->arr);
    free(tl->A);
    for (size_t j = 0; tl->adc && j < t->K; j++)
      xb_sar_free(tl->adc[j]);
    free(tl->adc);
  }
  for (size_t r = 0; t->B && r < t->br; r++)
    free(t->B[r]);
  free(t->B);
  free(t->tile);
  free(t->row_first);
  free(t->keep);
  free(t->kpulse);
  free(t->W);
  free(t);
}

/* Cells and converters of every tile. */
static int make_tiles(xb_tiled *t, xb_err *err)
{
  size_t per = (size_t)t->p.rows * (size_t)t->p.cols;
  int noisy = t->p.adc_bits > 0 &&
              (t->p.adc_sigma_cu > 0 || t->p.adc_noise > 0);
  xb_sar_params sp;
  xb_param_defaults(&xb_sar_param_set, &sp);
  sp.bits = t->p.adc_bits;
  sp.v_fs = 1.0; /* the LSB is 2^-bits V: noise in LSB scales to it */
  sp.sigma_cu = t->p.adc_sigma_cu;
  sp.noise = ldexp(t->p.adc_noise, -t->p.adc_bits);
  size_t k = 0;
  for (size_t bi = 0; bi < t->br; bi++) {
    t->row_first[bi] = k;
    for (size_t bj = 0; bj < t->bc; bj++) {
      if (!t->keep[bi * t->bc + bj])
        continue;
      xb__tile *tl = &t->tile[k++];
      uint64_t block = bi * t->bc + bj;
      tl->bi = bi;
      tl->bj = bj;
      tl->cells = xb_cells_create(
          t->dev, per, stream_seed(t->seed, XB__TILE_STREAM_CELLS, block),
          err);
      if (!tl->cells)
        return err ? err->code : XB_ENOMEM;
      if (!noisy)
        continue;
      if (!(tl->adc = calloc(t->K, sizeof(xb_sar *))))
        return xb__err(err, XB_ENOMEM, "column ADCs");
      for (size_t j = 0; j < t->K; j++) {
        uint64_t s = stream_seed(t->seed, XB__TILE_STREAM_ADC,
                                 block * t->K + j);
        if (!(tl->adc[j] = xb_sar_create(&sp, s, err)))
          return err ? err->code : XB_ENOMEM;
      }
    }
  }
  t->row_first[t->br] = k;
  return XB_OK;
}

xb_tiled *xb_tiled_create(size_t R, size_t C, const double *W,
                          const unsigned char *mask, const xb_tile_params *p,
                          const xb_device *dev, uint64_t seed, xb_err *err)
{
  size_t br, bc, K;
  if (xb_tile_grid(R, C, p, &br, &bc, &K, err))
    return NULL;
  if (R > (size_t)1 << 31 || C > ((size_t)1 << 31) / R) {
    xb__err(err, XB_ESIZE, "%zu x %zu weights: at most 2^31", R, C);
    return NULL;
  }
  if (check_weights(R, C, W, err))
    return NULL;
  for (size_t b = 0; mask && b < br * bc; b++)
    if (mask[b] > 1) {
      xb__err_set(err, XB_EINVAL, NULL, 0, "mask", 0, 1,
                  "mask block (%zu, %zu) = %d: a %zu x %zu block mask holds "
                  "0 or 1",
                  b / bc, b % bc, mask[b], br, bc);
      return NULL;
    }
  xb_tiled *t = calloc(1, sizeof *t);
  if (!t) {
    xb__err(err, XB_ENOMEM, "tiled matrix");
    return NULL;
  }
  if (p)
    t->p = *p;
  else
    xb_tile_params_default(&t->p);
  t->R = R;
  t->C = C;
  t->dev = dev;
  t->seed = seed;
  t->br = br;
  t->bc = bc;
  t->K = K;
  t->keep = malloc(br * bc);
  t->row_first = calloc(br + 1, sizeof(size_t));
  if (!t->keep || !t->row_first) {
    xb__err(err, XB_ENOMEM, "block grid");
    goto fail;
  }
  size_t rows = (size_t)t->p.rows;
  for (size_t b = 0; b < br * bc; b++) {
    t->keep[b] = mask ? mask[b] : 1;
    if (!t->keep[b])
      continue;
    t->ntiles++;
    size_t bi = b / bc, bj = b % bc;
    size_t h = (bi + 1) * rows <= R ? rows : R - bi * rows;
    size_t w = (bj + 1) * K <= C ? K : C - bj * K;
    t->kept += h * w;
  }
  int xb = t->p.xbits;
  t->qmax = xb == 0 ? 1.0
                    : (t->p.x_signed ? ldexp(1.0, xb - 1) : ldexp(1.0, xb)) - 1;
  t->x_max = t->p.x_max > 0 ? t->p.x_max : 1.0;
  if (!dev) {
    if (!(t->W = malloc(R * C * sizeof(double)))) {
      xb__err(err, XB_ENOMEM, "weights");
      goto fail;
    }
    copy_masked(t, W, t->W);
    return t;
  }
  t->linear = xb_device_elec(dev)->iv == 0;
  if (!(t->tile = calloc(t->ntiles ? t->ntiles : 1, sizeof(xb__tile)))) {
    xb__err(err, XB_ENOMEM, "tiles");
    goto fail;
  }
  if (xb__tile_levels(t, err) || make_tiles(t, err) ||
      xb__tile_program(t, W, NULL, err))
    goto fail;
  /* Worst case until calibrated: every row at full scale on kmax levels. */
  t->i_fs = t->p.adc_fs > 0 ? t->p.adc_fs
                            : t->p.rows * t->kmax * t->p.v_read * t->dG;
  return t;
fail:
  xb_tiled_free(t);
  return NULL;
}

int xb_tiled_set_weights(xb_tiled *t, const double *W, xb_err *err)
{
  if (!t)
    return xb__err(err, XB_EINVAL, "NULL tiled matrix");
  if (t->broken)
    return xb__err(err, XB_ESTATE, "a failed reprogramming left no weights");
  int rc = check_weights(t->R, t->C, W, err);
  if (rc)
    return rc;
  if (!t->dev) {
    copy_masked(t, W, t->W);
    return XB_OK;
  }
  int wrote = 0;
  rc = xb__tile_program(t, W, &wrote, err);
  if (rc && wrote)
    t->broken = 1;
  return rc;
}

/* ---- queries --------------------------------------------------------------- */

size_t xb_tiled_rows(const xb_tiled *t) { return t ? t->R : 0; }
size_t xb_tiled_cols(const xb_tiled *t) { return t ? t->C : 0; }
const xb_tile_params *xb_tiled_params_of(const xb_tiled *t)
{
  return t ? &t->p : NULL;
}
const xb_device *xb_tiled_device(const xb_tiled *t)
{
  return t ? t->dev : NULL;
}

void xb_tiled_grid(const xb_tiled *t, size_t *brows, size_t *bcols, size_t *k)
{
  if (brows)
    *brows = t ? t->br : 0;
  if (bcols)
    *bcols = t ? t->bc : 0;
  if (k)
    *k = t ? t->K : 0;
}

size_t xb_tiled_tiles(const xb_tiled *t)
{
  return t ? t->ntiles : 0;
}

size_t xb_tiled_kept(const xb_tiled *t) { return t ? t->kept : 0; }

void xb_tiled_weights(const xb_tiled *t, double *W_eff)
{
  if (!t || !W_eff)
    return;
  if (!t->dev) {
    memcpy(W_eff, t->W, t->R * t->C * sizeof(double));
    return;
  }
  memset(W_eff, 0, t->R * t->C * sizeof(double));
  size_t rows = (size_t)t->p.rows, cols = (size_t)t->p.cols;
  double *d = malloc(t->K * sizeof(double)), scale = t->w_lvl / t->dG;
  if (!d)
    return;
  for (size_t k = 0; k < t->ntiles; k++) {
    const xb__tile *tl = &t->tile[k];
    const double *g = xb_cells_g(tl->cells);
    size_t w = xb__tile_width(t, k);
    for (size_t i = 0; i < rows && tl->bi * rows + i < t->R; i++) {
      xb__tile_diff(t, g + i * cols, 1, d);
      double *out = W_eff + (tl->bi * rows + i) * t->C + tl->bj * t->K;
      for (size_t j = 0; j < w; j++)
        out[j] = d[j] * scale;
    }
  }
  free(d);
}

double xb__tile_unit(const xb_tiled *t)
{
  double v_unit = t->p.bit_serial ? t->p.v_read : t->p.v_read / t->qmax;
  return v_unit * t->dG;
}

double xb__tile_lsb(const xb_tiled *t)
{
  if (!t->dev || t->p.adc_bits == 0)
    return 0;
  double unit = xb__tile_unit(t);
  double cmax = ldexp(1.0, t->p.adc_bits - 1) - 1;
  /* Smallest power of two 2^s with cmax unit 2^s >= i_fs. */
  int s = (int)ceil(log2(t->i_fs / (cmax * unit)));
  while (cmax * ldexp(unit, s) < t->i_fs)
    s++;
  while (cmax * ldexp(unit, s - 1) >= t->i_fs)
    s--;
  return ldexp(unit, s);
}

void xb_tiled_range(const xb_tiled *t, double *x_max, double *i_fs,
                    double *i_lsb)
{
  if (x_max)
    *x_max = t ? t->x_max : 0;
  if (i_fs)
    *i_fs = t && t->dev ? t->i_fs : 0;
  if (i_lsb)
    *i_lsb = t ? xb__tile_lsb(t) : 0;
}

static int check_tile(const xb_tiled *t, size_t k, xb_err *err)
{
  if (!t)
    return xb__err(err, XB_EINVAL, "NULL tiled matrix");
  if (!t->dev)
    return xb__err(err, XB_EINVAL, "the ideal path (no device) has no tiles");
  if (t->broken)
    return xb__err(err, XB_ESTATE, "a failed reprogramming left no weights");
  if (k >= t->ntiles)
    return xb__err_set(err, XB_EINVAL, NULL, 0, "k", 0,
                       (double)t->ntiles - 1, "tile %zu of %zu", k,
                       t->ntiles);
  return XB_OK;
}

int xb_tiled_tile_block(const xb_tiled *t, size_t k, size_t *bi, size_t *bj,
                        xb_err *err)
{
  int rc = check_tile(t, k, err);
  if (rc)
    return rc;
  if (bi)
    *bi = t->tile[k].bi;
  if (bj)
    *bj = t->tile[k].bj;
  return XB_OK;
}

int xb_tiled_tile_g(const xb_tiled *t, size_t k, double *g, xb_err *err)
{
  int rc = check_tile(t, k, err);
  if (rc)
    return rc;
  if (!g)
    return xb__err(err, XB_EINVAL, "NULL output");
  memcpy(g, xb_cells_g(t->tile[k].cells),
         (size_t)t->p.rows * (size_t)t->p.cols * sizeof(double));
  return XB_OK;
}

int xb_tiled_tile_read(xb_tiled *t, size_t k, const double *v, double *cur,
                       xb_err *err)
{
  int rc = check_tile(t, k, err);
  if (rc)
    return rc;
  if (!v || !cur)
    return xb__err(err, XB_EINVAL, "NULL voltages or currents");
  for (size_t i = 0; i < (size_t)t->p.rows; i++)
    if (!isfinite(v[i]))
      return xb__err_set(err, XB_ENAN, NULL, 0, "v", NAN, NAN,
                         "row %zu voltage %g is not finite", i, v[i]);
  return xb__tile_phys_read(t, k, v, cur, err);
}
