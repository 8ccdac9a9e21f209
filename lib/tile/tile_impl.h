/*
 * Private layout of the tile layer (xbar/tile.h), shared by its three
 * files: tile.c (parameters, create/free, queries), tile_map.c (weights to
 * pulses to conductances, and each tile's transfer matrix from the array
 * solver), tile_mvm.c (input DAC, bit planes, block-row products, column
 * ADC, digital sums, calibration). Not installed; symbols are xb__tile_.
 */
#ifndef XBAR_TILE_IMPL_H
#define XBAR_TILE_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <xbar/array.h>
#include <xbar/device.h>
#include <xbar/mvm.h>
#include <xbar/tile.h>

/* Random stream tags of the tile layer (Philox streams, see xbar/rng.h). */
enum { XB__TILE_STREAM_CELLS = 0x711e0, XB__TILE_STREAM_ADC = 0x711e1 };

/* One physical tile: block (bi, bj) of the weight grid. */
typedef struct xb__tile {
  size_t bi, bj;
  xb_cells *cells; /* rows x cols, row-major, programmed */
  double *A;       /* cols x rows transfer matrix (A/V), ohmic cells only */
  xb_array *arr;   /* the tile's network, kept for a sinh I-V with wires */
  xb_sar **adc;    /* K converters, NULL for an ideal ADC or none */
} xb__tile;

struct xb_tiled {
  size_t R, C;
  xb_tile_params p;
  const xb_device *dev; /* NULL: the ideal float path */
  uint64_t seed;
  size_t br, bc, K;     /* block grid and weight columns per tile */
  unsigned char *keep;  /* br x bc, 1 where a tile sits */
  size_t kept;          /* weights inside kept blocks */

  double *W;            /* dev NULL: the masked copy of W (R x C) */

  size_t ntiles;
  xb__tile *tile;       /* block row-major */
  size_t *row_first;    /* br + 1: tiles of block row r start here */
  double **B;           /* per block row: rows x (n_r K) difference
                         * transfer (A/V), ohmic cells only */
  int linear;           /* ohmic cells: reads through A and B */

  /* mapping (see the header of tile.h) */
  int L, kmax, m0;      /* levels, top level of a weight, zero level */
  double gmin, gmax, dG;/* nominal bounds and level step (S) */
  unsigned *kpulse;     /* L + 1: LTP pulses that reach level m */
  double w_max, w_lvl;  /* weight full scale and weight per level */

  /* input DAC and ADC ranges */
  double qmax;          /* largest |q| (1 unquantized) */
  double x_max, i_fs;   /* input full scale, ADC full-scale current (A) */
  uint64_t events;      /* inputs converted so far (ADC noise positions) */
  int broken;           /* a failed reprogramming left no valid state */
};

/* ---- tile.c --------------------------------------------------------------- */

/* Current of one weight level at one input step (A): v_read dG
 * bit-serially, v_read dG / qmax in voltage mode. */
double xb__tile_unit(const xb_tiled *t);
/* ADC LSB current (A): the unit times the smallest power of two that puts
 * i_fs within the 2^(n-1) - 1 positive codes; 0 without ADC. */
double xb__tile_lsb(const xb_tiled *t);

/* ---- tile_map.c ---------------------------------------------------------- */

/* Nominal pulse response, levels and pulses per level (t->L, kmax, m0,
 * gmin, gmax, dG, kpulse) from t->dev and t->p. XB_EINVAL for a level
 * count the device cannot give, XB_ENOMEM. */
int xb__tile_levels(xb_tiled *t, xb_err *err);

/* Program every tile's cells from W (w_max taken from the kept blocks)
 * and rebuild the transfer matrices and the block-row products. The
 * tiles' cells must exist. *wrote (may be NULL) is set once cells have
 * changed: a failure after that leaves cells and transfer apart. */
int xb__tile_program(xb_tiled *t, const double *W, int *wrote, xb_err *err);

/* Physical column currents (cols) of tile k with its rows at v (rows). */
int xb__tile_phys_read(xb_tiled *t, size_t k, const double *v, double *i_col,
                       xb_err *err);

/* Per-weight difference of physical column values phys[c * stride]
 * (c < cols): out[j] = I+ - I- of pair j, or I_j - I_ref (K entries). */
void xb__tile_diff(const xb_tiled *t, const double *phys, size_t stride,
                   double *out);

/* Weight columns of tile k that hold columns of W (K or fewer at the
 * right edge). */
size_t xb__tile_width(const xb_tiled *t, size_t k);

#endif
