/*
 * Tiles: a weight matrix of any shape on crossbar tiles, with each tile's
 * wire network solved exactly (issue 17; PUMA, seed 003 chapter 3: every
 * layer on 128 x 128 crossbars, bit-serial inputs, column ADCs; TIMON,
 * chapter 6, Table 6.4; block-sparse CGS/HCGS mapping, seed 001).
 *
 * An R x C matrix W (y = x W, x of length R) is cut into blocks of `rows`
 * inputs by K weights, K = cols / 2 for a differential pair (physical
 * columns 2j and 2j + 1 hold G+ and G- of weight column j) or cols - 1 for
 * the offset mapping (one column per weight plus a reference column, the
 * tile's last, at the middle level). A block of the optional mask that is 0
 * gets no tile and contributes 0 (block-sparse mapping). Partial blocks at
 * the matrix edges still occupy a whole physical tile: unused cells hold
 * weight 0 (both cells of a pair at Gmin, an offset cell at the middle
 * level) and unused rows are driven at 0 V.
 *
 * Weight mapping. w_max = max |W| (over the kept blocks) maps to kmax
 * conductance levels of dG = (Gmax - Gmin) / L (L = `levels`, 0: the
 * device's pulse count): kmax = L for the differential pair
 * (G+ - G- = m dG with m = round(|w| kmax / w_max) on the side of w's sign,
 * the other side at Gmin), kmax = floor(L / 2) for the offset mapping
 * (G = Gmin + (m0 + m) dG, m0 = floor(L / 2), the reference at Gmin + m0 dG).
 * Every cell is then programmed as hardware would: reset to Gmin, then k
 * whole LTP pulses at the device's vw_set and t_pulse, k the count whose
 * nominal conductance (the pulse response of the variation-free device) is
 * closest to the level's target (write-verify on the nominal curve). The
 * nonlinearity, the level count, device-to-device and cycle-to-cycle
 * variation and stuck cells therefore all come from the device model
 * (xb_cells, one per tile, kept); the device's read noise (var.read) is
 * not applied to tile reads. Read back through the nominal linear
 * map, a cell pair holds w = (G+ - G-) / dG * w_max / kmax
 * (xb_tiled_weights).
 *
 * Inputs. x is clipped to [-x_max, x_max] ([0, x_max] for x_signed = 0) and
 * quantized to q = floor(x / x_lsb + 1/2), |q| <= qmax, x_lsb = x_max / qmax,
 * qmax = 2^(xbits-1) - 1 signed or 2^xbits - 1 unsigned (xbits = 0: no
 * quantization, voltage mode only). bit_serial = 0 drives row i at
 * v_read q_i / qmax in one read; 1 gives one read per magnitude bit b, row i
 * at sign(q_i) v_read when bit b of |q_i| is set, else 0 V (sign-magnitude
 * DAC); 2 one read per bit of the two's complement code, row i at v_read
 * when the bit is set, the top bit of a signed code weighing -2^(xbits-1)
 * (PUMA's inverter DAC). Inactive rows are driven at 0 V, never floated.
 *
 * Tile currents. With ohmic cells (xb_device_elec(dev)->iv == 0) and every
 * row driven, the network is linear: the physical column currents of a
 * tile are I = A v, A (cols x rows) its exact transfer matrix, built once
 * from `rows` solves of the tile's xb_array (row i at 1 V, the others at
 * 0 V; the array keeps its factorisations across them), so a read costs a
 * matrix product and a batch of reads one dgemm per tile row of blocks
 * (OpenBLAS). wires = 0 gives A = G^T (ideal wires). With a sinh I-V the
 * network is not linear: every input and bit plane is a full Newton solve
 * of the tile (exact but slow: use it for small studies only).
 *
 * Column ADC. The analog difference of each weight column (I+ - I- of the
 * pair, or I_j - I_ref with the reference column's current mirrored to each
 * column) goes through a transimpedance stage into a bipolar SAR ADC of
 * adc_bits (xb_sar, one instance per weight column per tile, its capacitor
 * mismatch drawn once; a converter without mismatch or noise is computed
 * directly by the same rule), mid-tread: code c = floor(I / I_lsb + 1/2) clipped to
 * [-2^(n-1), 2^(n-1) - 1]. The LSB is the unit current
 * i_unit = v_unit dG (one weight level at one input step: v_unit = v_read
 * bit-serially, v_read / qmax in voltage mode) times a power of two 2^s,
 * s the smallest integer with (2^(n-1) - 1) I_lsb >= i_fs: TIMON's range
 * scaling by powers of two, which keeps the integer arithmetic exact when
 * the range allows it. i_fs is the parameter adc_fs, or (adc_fs = 0) the
 * largest |difference current| over calibration inputs
 * (xb_tiled_calibrate); before any calibration it is the worst case
 * rows kmax v_read dG (every row at full scale). Codes are decoded to weight
 * units and summed digitally over bit planes (times 2^b) and tiles in a
 * fixed order, so results do not depend on the thread count.
 *
 * dev = NULL gives the ideal reference through the same API: Y = X W in
 * floating point (one dgemm), no quantization, mask applied.
 *
 * Units: V, A, S, Ohm; x, W and y in the caller's units. Matrices are
 * row-major.
 */
#ifndef XBAR_TILE_H
#define XBAR_TILE_H

#include <stddef.h>
#include <stdint.h>
#include <xbar/device.h>
#include <xbar/error.h>
#include <xbar/param.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Tile geometry, mapping, wires, input DAC and column ADC. Section [tile]. */
#define XB_TILE_PARAMS(X)                                                     \
  X(int, rows, "1", 128, 1, 4096, "physical rows per tile (inputs per tile)") \
  X(int, cols, "1", 128, 2, 4096, "physical columns per tile")                \
  X(int, mapping, "1", 0, 0, 1,                                               \
    "0 differential pair (cols/2 weights), 1 offset (cols-1 weights + a "     \
    "reference column)")                                                      \
  X(int, wires, "1", 1, 0, 1,                                                 \
    "0 ideal wires (I = G^T v), 1 exact DC solve of the wire network")        \
  X(double, rw, "Ohm", 0.634, 1e-6, 1e9,                                      \
    "wire resistance per segment, rows and columns (seed 000: 0.634 Ohm)")    \
  X(double, r_drive, "Ohm", 1.0, 1e-6, 1e12, "row driver output resistance")  \
  X(double, r_sense, "Ohm", 1.0, 1e-6, 1e12, "column sense input resistance") \
  X(double, v_read, "V", 0.2, 1e-6, 100.0,                                    \
    "row voltage of a full-scale input (bit-serial: of a set bit)")           \
  X(double, x_max, "1", 1.0, 0.0, 1e300,                                      \
    "input full scale (caller's units); 0: from xb_tiled_calibrate")          \
  X(int, x_signed, "1", 1, 0, 1,                                              \
    "1 signed inputs in [-x_max, x_max], 0 non-negative in [0, x_max]")       \
  X(int, xbits, "1", 8, 0, 24,                                                \
    "input DAC bits, sign included when signed; 0 unquantized (voltage "      \
    "mode)")                                                                  \
  X(int, bit_serial, "1", 0, 0, 2,                                            \
    "0 one read at the DAC voltage, 1 one read per bit (sign-magnitude), "    \
    "2 one read per bit (two's complement)")                                  \
  X(int, levels, "1", 0, 0, 1048576,                                          \
    "conductance levels from Gmin to Gmax; 0: the device's pulse count")      \
  X(int, adc_bits, "1", 8, 0, 24,                                             \
    "bipolar column ADC bits, sign included; 0: no ADC (exact currents)")     \
  X(double, adc_fs, "A", 0.0, 0.0, 1.0,                                       \
    "ADC full-scale |current|; 0: from xb_tiled_calibrate")                   \
  X(double, adc_sigma_cu, "1", 0.0, 0.0, 0.5,                                 \
    "ADC unit capacitor mismatch (xb_sar sigma_cu), drawn per column")        \
  X(double, adc_noise, "LSB", 0.0, 0.0, 100.0,                                \
    "ADC comparator rms noise per decision")                                  \
  X(double, tol, "1", 1e-11, 1e-15, 1e-3,                                     \
    "relative accuracy of the tile's array solves")

typedef struct xb_tile_params {
  XB_PARAM_STRUCT(XB_TILE_PARAMS)
} xb_tile_params;
extern const xb_param_set xb_tile_param_set;

/* The defaults of XB_TILE_PARAMS (same as xb_param_defaults with
 * xb_tile_param_set). */
void xb_tile_params_default(xb_tile_params *p);

typedef struct xb_tiled xb_tiled;

/* The block grid an R x C matrix gets with parameters p (NULL: defaults):
 * *brows = ceil(R / rows) block rows, *bcols = ceil(C / K) block columns,
 * *k = K weight columns per tile (cols / 2 for the differential pair,
 * cols - 1 for the offset mapping); any output may be NULL. For sizing a
 * block mask before xb_tiled_create. XB_EINVAL for zero R or C, the
 * parameter check's codes for bad p. */
int xb_tile_grid(size_t R, size_t C, const xb_tile_params *p, size_t *brows,
                 size_t *bcols, size_t *k, xb_err *err);

/* Map W (R x C, row-major, copied; every entry finite, else XB_ENAN) onto
 * tiles. mask: NULL (dense) or the brows x bcols bytes of xb_tile_grid,
 * row-major, 1 for a block with a tile, 0 for one without (its weights are
 * ignored and contribute 0); any other byte is XB_EINVAL (a mask of
 * another type or grid). p:
 * NULL for the defaults; checked (XB_ERANGE/XB_ENAN naming the field, and
 * XB_EINVAL for combinations: xbits = 0 with bit_serial, xbits < 2 signed,
 * adc_bits 1, levels = 0 with a device that has no pulse count, kmax = 0).
 * dev: NULL for the ideal float path; otherwise it must outlive the
 * object. seed names the cells' variation streams and the ADCs' mismatch.
 * Programs every cell and, for ohmic cells, builds every tile's transfer
 * matrix (rows array solves per tile, tiles in parallel). Returns NULL and
 * fills err on failure (XB_EINVAL for NULL W or zero R or C, XB_ESIZE for
 * R C beyond 2^31, XB_ENOMEM, the array solver's codes); nothing is left
 * allocated. */
xb_tiled *xb_tiled_create(size_t R, size_t C, const double *W,
                          const unsigned char *mask, const xb_tile_params *p,
                          const xb_device *dev, uint64_t seed, xb_err *err);

/* Free; NULL is a no-op. */
void xb_tiled_free(xb_tiled *t);

/* Reprogram the same tiles with new weights W (R x C): w_max is taken
 * anew, every cell is reset and pulsed again (a new write: new
 * cycle-to-cycle draws, same device-to-device factors and stuck cells) and
 * the transfer matrices rebuilt. The calibration is kept. XB_EINVAL for a
 * NULL W, XB_ENAN for a non-finite one, with nothing changed. Should the array solver fail
 * after the cells were rewritten (it cannot for positive conductances),
 * the object returns XB_ESTATE from every later call but free. */
int xb_tiled_set_weights(xb_tiled *t, const double *W, xb_err *err);

/* Set the ranges from n calibration inputs X (n x R): x_max = max |x| (of
 * the non-negative part when x_signed = 0) if the parameter x_max is 0, then
 * i_fs = the largest |difference current| of any weight column, tile, input
 * and bit plane if adc_fs is 0 (an all-zero result keeps the previous
 * range). Parameters that are set are kept. No-op for dev = NULL. XB_EINVAL
 * for NULL X or n = 0, XB_ENAN for a non-finite input; on error nothing
 * changes. */
int xb_tiled_calibrate(xb_tiled *t, const double *X, size_t n, xb_err *err);

/* Y (batch x C) = X (batch x R) W through the tiles: input DAC, tile
 * currents, ADC, digital sums (see the header). The ADC noise of each call
 * comes from fresh stream positions (the object counts the inputs it has
 * converted), so one object must not run two mvm calls at the same time.
 * XB_EINVAL for NULL X or Y or batch = 0, XB_ENAN for a non-finite input,
 * XB_ESIZE for more than INT_MAX inputs on the ideal path, XB_ENOMEM, and
 * for a sinh I-V device the array solver's codes; Y is unchanged on any
 * error. */
int xb_tiled_mvm(xb_tiled *t, const double *X, size_t batch, double *Y,
                 xb_err *err);

/* ---- queries ------------------------------------------------------------ */

size_t xb_tiled_rows(const xb_tiled *t); /* R */
size_t xb_tiled_cols(const xb_tiled *t); /* C */
const xb_tile_params *xb_tiled_params_of(const xb_tiled *t);
const xb_device *xb_tiled_device(const xb_tiled *t); /* NULL: ideal */

/* Block grid: *brows = ceil(R / rows), *bcols = ceil(C / K); *k (may be
 * NULL) = K, the weight columns per tile. */
void xb_tiled_grid(const xb_tiled *t, size_t *brows, size_t *bcols,
                   size_t *k);
/* Tiles in use (blocks the mask keeps). */
size_t xb_tiled_tiles(const xb_tiled *t);
/* Weights kept: the entries of W inside the kept blocks. */
size_t xb_tiled_kept(const xb_tiled *t);

/* The effective weight matrix W_eff (R x C): what the programmed cells
 * hold read back through the nominal map (see above; no wires, no ADC),
 * 0 in masked blocks; for dev = NULL, W itself (masked). For analysis and
 * straight-through retraining. */
void xb_tiled_weights(const xb_tiled *t, double *W_eff);

/* Current ranges: input full scale x_max, ADC full-scale current i_fs (A)
 * and LSB current i_lsb (A; 0 without ADC). Any pointer may be NULL. */
void xb_tiled_range(const xb_tiled *t, double *x_max, double *i_fs,
                    double *i_lsb);

/* Tile k (0 <= k < xb_tiled_tiles, in block row-major order): its block
 * (*bi, *bj). XB_EINVAL for a bad k or dev = NULL. */
int xb_tiled_tile_block(const xb_tiled *t, size_t k, size_t *bi, size_t *bj,
                        xb_err *err);
/* Tile k's cell conductances (rows x cols, row-major, S). */
int xb_tiled_tile_g(const xb_tiled *t, size_t k, double *g, xb_err *err);
/* Tile k's physical column currents i_col (cols, A, flowing into the sense
 * amplifiers) with its rows driven at v (rows, V): the transfer matrix for
 * ohmic cells, a full solve otherwise. For checking against xb_array_read
 * on an array with the same conductances and wires. */
int xb_tiled_tile_read(xb_tiled *t, size_t k, const double *v, double *i_col,
                       xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_TILE_H */
