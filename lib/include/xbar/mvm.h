/*
 * Bit-sliced matrix-vector multiplication (PUMA, seed 003 section 3.3.2),
 * bit-sliced outer-product accumulate (PANTHER, sections 5.3 to 5.4, 5.7)
 * and the column ADC: a behavioral charge-redistribution SAR with tunable
 * resolution (TIMON, section 6.6.2). SPEC section 3.
 *
 * SAR ADC (xb_sar): an n-bit binary search against a binary-weighted
 * capacitive DAC. Capacitor k (k = 0..n-1) is 2^k unit capacitors, plus one
 * dummy unit, 2^n units in all; each unit is c_unit (1 + sigma_cu N), drawn
 * once at creation, so capacitor k has sigma sqrt(2^k) units. After
 * sampling, trial code c puts the DAC at
 *
 *   V_dac(c) = v_fs * sum_{k: bit k of c} C_k / C_total,
 *
 * and the comparator keeps bit k when vin + noise >= V_dac(trial) + offset
 * (noise: comparator rms noise per decision, plus the kT/C noise of the
 * sampled input, sqrt(k T / C_total), once per conversion when ktc = 1).
 * Ideal caps give V_dac(c) = c v_fs / 2^n: the transition into code c lies
 * at c LSB exactly (codes floor(vin / LSB), LSB = v_fs / 2^n). With
 * mismatch, as long as the DAC stays monotonic (every V_dac(c) above
 * V_dac(c - 1)), the transition into code c is V_dac(c) exactly (the
 * decision of c's lowest set bit), so INL(c) = V_dac(c) / LSB - c has sigma
 * sigma_cu sqrt(c (2^n - c) / 2^n) LSB, largest at mid-scale
 * (sigma_cu 2^(n/2 - 1)), and the mid-scale DNL sigma about
 * sigma_cu sqrt(2^n - 1). A non-monotonic DAC has missing codes: V_dac(c)
 * is then only the level tried when bit c is decided, not a transition.
 * Tunable resolution: a conversion at k < n bits resolves only the low k
 * bits, on the low k capacitors: the same LSB over a range 2^(n-k) times
 * smaller (TIMON's reference scaled with the column's range) in k decisions
 * instead of n; inputs above the range give the top code 2^k - 1.
 *
 * Sliced weights (xb_sliced): an R x C matrix of signed integers held by
 * S crossbars (slices). Slice s carries data bits [o_s, o_s + d_s) of the
 * weight (o_0 = 0, o_{s+1} = o_s + d_s) in cells of p_s >= d_s bits, the
 * extra p_s - d_s bits holding carries (PANTHER Fig. 5.3 d, f). A cell holds
 * an unsigned level v in [0, 2^p_s - 1]; zero is the middle level m_s =
 * 2^(p_s - 1) ((Ron + Roff) / 2, Fig. 5.3 e), so the weight is
 *
 *   W = sum_s (v_s - m_s) 2^o_s.
 *
 * MVM (PUMA): y_j = sum_i x_i W_ij for signed inputs of xbits bits, fed
 * bit-serially in two's complement (one bit per cycle: the row DAC is an
 * inverter; the top bit counts -2^(xbits-1)). Each cycle, each slice's
 * column j integrates sum_i x_i,n v_s,ij and a bias column of cells at m_s
 * integrates sum_i x_i,n m_s; a SAR ADC per column digitises both, and
 * the digital side adds 2^(n + o_s) (code_j - code_bias). With an ideal ADC
 * of at least ceil(log2(R (2^p_s - 1) + 1)) bits this is exact integer
 * arithmetic; with fewer bits, mismatch or noise it is what the hardware
 * would compute.
 *
 * OPA (PANTHER): W += sign(a_j) sign(b_i) |b_i| |a_j| for sign-magnitude
 * inputs: the row input b_i streams one bit per cycle (pulse width), the
 * column input a_j shifted left by the cycle number is cut into each
 * slice's d_s-bit chunk (pulse amplitude; the top slice takes all bits
 * above its offset), and cell (i, j) of slice s moves by the chunk on the
 * cycles where b_i's bit is set. Levels saturate at 0 and 2^p_s - 1 (the
 * update beyond is lost); without saturation the result is exact. The
 * carry resolution step (CRS) reads W back and rewrites every slice in
 * canonical form (balanced digits in [-2^(d_s-1), 2^(d_s-1)) below the top
 * slice, the rest in the top slice), recentring the carries.
 */
#ifndef XBAR_MVM_H
#define XBAR_MVM_H

#include <stddef.h>
#include <stdint.h>
#include <xbar/error.h>
#include <xbar/param.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- SAR ADC ------------------------------------------------------------- */

/* Section [sar]. */
#define XB_SAR_PARAMS(X)                                                      \
  X(int, bits, "1", 8, 1, 24, "resolution n (binary search steps)")           \
  X(double, v_fs, "V", 1.0, 1e-6, 100.0,                                      \
    "full-scale range: the DAC reference")                                     \
  X(double, c_unit, "F", 10e-15, 1e-18, 1e-9, "unit capacitor")               \
  X(double, sigma_cu, "1", 0.0, 0.0, 0.5,                                     \
    "relative sigma of each unit capacitor (mismatch)")                        \
  X(double, offset, "V", 0.0, -10.0, 10.0, "comparator offset")               \
  X(double, noise, "V", 0.0, 0.0, 10.0,                                       \
    "comparator rms noise per decision")                                       \
  X(int, ktc, "1", 0, 0, 1, "1: add the sampled kT/C noise")                  \
  X(double, temp, "K", 300.0, 0.0, 1000.0, "temperature for kT/C")

typedef struct xb_sar_params {
  XB_PARAM_STRUCT(XB_SAR_PARAMS)
} xb_sar_params;
extern const xb_param_set xb_sar_param_set;

typedef struct xb_sar xb_sar;

/* An ADC with the capacitors of instance `seed` (mismatch drawn once; p
 * NULL: defaults). */
xb_sar *xb_sar_create(const xb_sar_params *p, uint64_t seed, xb_err *err);
void xb_sar_free(xb_sar *s);
const xb_sar_params *xb_sar_params_of(const xb_sar *s);

/* The n + 1 capacitors in farads: caps[0] the dummy unit, caps[1 + k]
 * capacitor k (2^k units). */
void xb_sar_caps(const xb_sar *s, double *caps);

/* DAC level of code c (0 <= c < 2^n): the transition into code c. */
double xb_sar_level(const xb_sar *s, uint32_t c);

/* Convert vin at k bits (1 <= k <= n, any other k converts at n bits;
 * see tunable resolution above).
 * `pos` names the conversion in the noise stream (any value; the same pos
 * gives the same noise), ignored when the ADC is noiseless. Returns the
 * code (0 .. 2^k - 1). */
uint32_t xb_sar_convert(const xb_sar *s, double vin, int k, uint64_t pos);

/* Code-density (ramp histogram) measurement: `per_lsb` evenly spaced
 * samples per LSB over [0, v_fs) converted at full resolution; transition
 * estimates in t (2^n entries, volts: t[c] for c >= 1, t[0] = 0), DNL (2^n, LSB;
 * the end codes 0 and 2^n - 1 are not measured and set to 0) and INL
 * (2^n, LSB, against c LSB). Any output may be NULL. XB_ENOMEM. */
int xb_sar_code_density(const xb_sar *s, int per_lsb, double *t, double *dnl,
                        double *inl, xb_err *err);

/* ---- sliced weights --------------------------------------------------------- */

#define XB_SLICES_MAX 32

/* Slice layout: S slices from the least significant; d[s] data bits and
 * p[s] >= d[s] cell bits each (p[s] <= 30, sum of d[s] <= 62). */
typedef struct xb_slicing {
  int S;
  int d[XB_SLICES_MAX];
  int p[XB_SLICES_MAX];
} xb_slicing;

typedef struct xb_sliced xb_sliced;

/* R x C weights, all zero (every cell at its middle level). XB_ERANGE for
 * a bad layout. */
xb_sliced *xb_sliced_create(size_t R, size_t C, const xb_slicing *l,
                            xb_err *err);
void xb_sliced_free(xb_sliced *w);
const xb_slicing *xb_sliced_layout(const xb_sliced *w);

/* Program W (R x C, row-major) in canonical form. XB_ERANGE if a weight
 * does not fit (|W| beyond what the canonical form can hold). */
int xb_sliced_set(xb_sliced *w, const int64_t *W, xb_err *err);

/* The weights the cells hold, sum_s (v_s - m_s) 2^o_s (R x C). */
void xb_sliced_get(const xb_sliced *w, int64_t *W);

/* Cell levels of slice s (R x C, row-major), read-only. */
const int32_t *xb_sliced_levels(const xb_sliced *w, int s);

/* Carry resolution step: xb_sliced_get then canonical rewrite. */
int xb_sliced_crs(xb_sliced *w, xb_err *err);

/* Fraction of cells of slice s at level 0 or 2^p_s - 1. */
double xb_sliced_saturated(const xb_sliced *w, int s);

/* OPA: W_ij += sb_i sa_j |b_i| |a_j| through the slices (see above), with
 * sa, sb the signs; b has R entries (rows), a has C entries (columns),
 * magnitudes below 2^31. *clipped (may be NULL) receives the number of
 * cell updates clipped at a level bound (0: the update is exact).
 * XB_ENOMEM. */
int xb_sliced_opa(xb_sliced *w, const int32_t *b, const int32_t *a,
                  size_t *clipped, xb_err *err);

/* MVM: y (C) = x^T W for x (R) of xbits-bit signed inputs (two's
 * complement, |x| < 2^(xbits-1) or x = -2^(xbits-1)), bit-serial. adc:
 * the column ADC (its `bits` must cover R (2^p_s - 1) levels for exact
 * results; the analog column value A maps to vin = (A + 1/2) LSB); NULL:
 * ideal, exact. `pos` seeds the ADC noise stream of this call. XB_ERANGE
 * for xbits outside 1..32 or an input that does not fit. */
int xb_sliced_mvm(const xb_sliced *w, const int64_t *x, int xbits,
                  const xb_sar *adc, uint64_t pos, int64_t *y, xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_MVM_H */
