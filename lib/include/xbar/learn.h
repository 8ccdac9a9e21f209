/*
 * PARCA dictionary learning (seed 000 sections 2.1 and 2.5; SPEC
 * section 5): non-negative sparse coding of image patches x (dim = 100 for
 * 10 x 10) with a dictionary D (dim x atoms, entries in [0, 1]) held by the
 * array.
 *
 *   code (ISTA):  r = D z - x;  b = z - D^T r / L;  z = max(0, b - lambda/L)
 *                 for `iters` iterations (two array reads each), from z = 0;
 *                 FISTA adds Nesterov momentum;
 *   dictionary:   D <- clip_[0,1](D - eta r z^T)   (one parallel write)
 *
 * L is the largest eigenvalue of D^T D, from power iteration.
 *
 * Fidelity (xb_learn_params.fidelity):
 *   0 ideal       floating point: the ISTA/FISTA iterations in single
 *                 precision, everything else in double;
 *   1 behavioral  the reads are the PARCA read path: z (and r) quantized to
 *                 4 bits and applied bit-serially, each bit-plane current
 *                 converted by the integrate-and-fire circuit (spike count,
 *                 3-bit encoder), shift-and-add; the write is the overlap
 *                 write of quantized r and Z (16 levels each, 4
 *                 repetitions; dithered unless dither = 0) through the
 *                 device model with its nonlinearity and variation;
 *   2 circuit     as 1, and every read is a DC solve of the array with its
 *                 wire parasitics, every write the parallel overlap write
 *                 through the network (xb_write_parallel).
 *
 * Write scheme (xb_learn_params.accum):
 *   0 overlap     PARCA's: one parallel overlap write of r and Z per patch.
 *                 Every patch moves most cells of the active atoms a level
 *                 up or down, so a cell whose up and down steps differ
 *                 (PCMO) drifts to where they are equal.
 *   1 accumulate  mixed precision (Nandakumar et al., Front. Neurosci. 14,
 *                 406, 2020): a digital sum per cell collects -eta r z^T in
 *                 full precision; a cell gets pulses only when its sum
 *                 reaches one r pulse's nominal step (1/levels of the range
 *                 for an r pulse as wide as the device's t_pulse), and the
 *                 sum keeps the remainder. The pulses are written a column
 *                 at a time with PARCA's own write circuits: the column's Z
 *                 window full, the rows' r pulses counting each cell's
 *                 steps (up to r_levels per write period; at fidelity 2
 *                 each period through the network, xb_write_parallel).
 *                 Costs a dim x atoms accumulator and a write period per
 *                 written column instead of reps periods per patch
 *                 (xb_learner_writes).
 *
 * Codes for a mini-batch of `batch` patches are computed with the
 * dictionary as it stands at the start of the batch (batched matrix
 * products); the batch's rank-1 updates are then applied. With batch = 1
 * this is exactly PARCA's per-patch loop.
 */
#ifndef XBAR_LEARN_H
#define XBAR_LEARN_H

#include <stddef.h>
#include <stdint.h>
#include <xbar/error.h>
#include <xbar/param.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XB_LEARN_PARAMS(X)                                                    \
  X(int, atoms, "1", 100, 1, 4096, "dictionary atoms")                        \
  X(int, iters, "1", 100, 1, 100000,                                          \
    "ISTA iterations per patch (two array reads each)")                       \
  X(int, fista, "1", 0, 0, 1, "1: FISTA (Nesterov momentum)")                 \
  X(double, lambda, "1", 0.1, 0.0, 1e6, "L1 weight of the codes")             \
  X(double, eta, "1", 0.01, 0.0, 1e6, "SGD learning rate per patch")          \
  X(int, batch, "1", 256, 1, 1048576,                                         \
    "patches whose codes share one dictionary state")                         \
  X(int, power_iters, "1", 50, 1, 100000,                                     \
    "power iterations for L = max eig(D^T D)")                                \
  X(int, fidelity, "1", 0, 0, 2, "0 ideal, 1 behavioral, 2 circuit")        \
  X(double, z_full, "1", 1.0, 1e-9, 1e9,                                      \
    "code value applied as the largest 4-bit level (15)")                     \
  X(double, r_full, "1", 0.5, 1e-9, 1e9,                                      \
    "residual magnitude applied as the largest 4-bit level (15)")             \
  X(double, v_read, "V", 0.0, 0.0, 100.0,                                     \
    "read drive x driven lines (capped at 0.45 Vw); 0: 6.5 spikes per cell") \
  X(int, dither, "1", 1, 0, 1,                                                \
    "write: 1 stochastic rounding of r and Z to their levels, 0 nearest")    \
  X(int, accum, "1", 0, 0, 1,                                                 \
    "write: 0 overlap write per patch, 1 accumulate (see above)")

typedef struct xb_learn_params {
  XB_PARAM_STRUCT(XB_LEARN_PARAMS)
} xb_learn_params;
extern const xb_param_set xb_learn_param_set;

typedef struct xb_learner xb_learner;

/* A learner for patches of `dim` values. D0 (dim x atoms, row-major,
 * entries in [0, 1]) is copied; NULL initialises D from the seed with
 * uniform entries in [0, 1). */
xb_learner *xb_learner_create(int dim, const xb_learn_params *p,
                              const double *D0, uint64_t seed, xb_err *err);
void xb_learner_free(xb_learner *l);

/* The dictionary, dim x atoms row-major, owned by the learner. */
const double *xb_learner_dict(const xb_learner *l);
int xb_learner_dim(const xb_learner *l);
const xb_learn_params *xb_learner_params(const xb_learner *l);

/* Codes of n patches X (n x dim) into Z (n x atoms) with the present
 * dictionary (no learning). */
int xb_learner_encode(xb_learner *l, const double *X, size_t n, double *Z,
                      xb_err *err);

/* Progress: patches done of total; return non-zero to stop early. */
typedef int (*xb_progress_fn)(void *user, size_t done, size_t total);

/* Put the dictionary on an array for fidelity 1 or 2: cells of device d
 * (dim rows x atoms columns, programmed to G = Gmin + (Gmax - Gmin) D,
 * drawn with `seed`), read circuit r, write timing w, array wiring a (used
 * at fidelity 2; NULL: defaults). Everything is copied or borrowed: d and r
 * must outlive the learner. From then on xb_learner_dict() reports the
 * dictionary the conductances hold. */
typedef struct xb_device xb_device;
typedef struct xb_read xb_read;
typedef struct xb_write_params xb_write_params;
typedef struct xb_array_params xb_array_params;
int xb_learner_attach(xb_learner *l, const xb_device *d, const xb_read *r,
                      const xb_write_params *w, const xb_array_params *a,
                      xb_err *err);

/* One pass of learning over the n patches X (n x dim), in order. */
int xb_learner_train(xb_learner *l, const double *X, size_t n,
                     xb_progress_fn progress, void *user, xb_err *err);

/* Quality on n patches: relative error ||X - Z D^T||_F / ||X||_F, PSNR
 * (dB, pixels in [0, 1]) and mean number of non-zero code entries. */
typedef struct xb_learn_eval {
  double rel_err, psnr, mean_l0;
} xb_learn_eval;
int xb_learner_evaluate(xb_learner *l, const double *X, size_t n,
                        xb_learn_eval *out, xb_err *err);

/* Write activity since xb_learner_attach: patches whose updates were
 * applied; write periods (overlap: reps per patch; accumulate: per
 * patch, one per written column and per r_levels of its largest pulse
 * count); r pulses of the accumulate write (0 for the overlap write).
 * All zero without an array. */
typedef struct xb_learn_writes {
  uint64_t patches, periods, pulses;
} xb_learn_writes;
xb_learn_writes xb_learner_writes(const xb_learner *l);

/* Lipschitz constant used by the last encode (max eig of D^T D). */
double xb_learner_lipschitz(const xb_learner *l);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_LEARN_H */
