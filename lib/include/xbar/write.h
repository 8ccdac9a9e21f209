/*
 * Pulse-overlap parallel write (seed 000 section 2.3.3, Fig. 2.9, 2.10,
 * 2.15, 2.17, 2.18b; SPEC section 3, Write).
 *
 * PARCA updates the whole array in one write: dD_ij ~ -eta r_i Z_j. Each
 * column j gets a Z window whose length is proportional to Z_j; each row i
 * a train of fixed-width pulses whose count is proportional to |r_i|. A
 * cell sees the full Vdd only while its row pulse and its column window
 * overlap; everywhere else at most Vdd/2, which the device's write
 * threshold ignores. So the programming time of cell (i, j) is the overlap
 * of the two waveforms, about |r_i| Z_j.
 *
 * Generators (all times from the start of the write, SI seconds):
 *   Z: a zbits-bit (16) shift register clocked `clocks` (32) times per
 *      write period t_write (84 ns): the output is high for the first Z
 *      clocks of each half period, so each half carries one identical Z
 *      window [h T/2, h T/2 + Z t_clk), t_clk = t_write / clocks.
 *   r: a ring oscillator with r_levels (15) selectable delay stages gives
 *      |r| rising edges spread evenly over the half period selected by the
 *      sign of r (positive: first half, negative: second half); each edge
 *      fires a pulse of width t_rpulse (1 ns). Edge k of repetition q of
 *      the write sits at (k + (q + 0.5) / reps) T/2 / |r|, so the `reps`
 *      (4) repetitions of a write interleave their pulses and the summed
 *      overlap resolves reps x 16 = 64 levels. r = 0 gives no pulse.
 * Polarity: in the positive half the pulsed rows go to 0 V and the Z
 * windows to Vdd, so an overlapping cell sees -Vdd (depression: D
 * decreases for r > 0); in the negative half the rows go to Vdd and the
 * windows to 0 V (+Vdd, potentiation). All other lines sit at Vdd/2.
 */
#ifndef XBAR_WRITE_H
#define XBAR_WRITE_H

#include <stddef.h>
#include <xbar/array.h>
#include <xbar/device.h>
#include <xbar/error.h>
#include <xbar/param.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Write timing and drive. Section [write]. */
#define XB_WRITE_PARAMS(X)                                                    \
  X(double, t_write, "s", 84e-9, 1e-12, 1.0,                                  \
    "write period: positive half, then negative half (seed: 84 ns)")          \
  X(int, clocks, "1", 32, 2, 4096, "clock cycles per write period")           \
  X(int, zbits, "1", 16, 1, 2048,                                             \
    "Z shift-register length: Z levels per half period")                      \
  X(int, r_levels, "1", 15, 1, 1024, "ring-oscillator stages: largest |r|")   \
  X(double, t_rpulse, "s", 1e-9, 1e-15, 1.0, "width of each r pulse")         \
  X(int, reps, "1", 4, 1, 64,                                                 \
    "repetitions per write, pulses interleaved (4 x 16 = 64 levels)")         \
  X(double, vdd, "V", 0.0, 0.0, 100.0,                                        \
    "full write voltage; 0: the device's vw_set")

typedef struct xb_write_params {
  XB_PARAM_STRUCT(XB_WRITE_PARAMS)
} xb_write_params;
extern const xb_param_set xb_write_param_set;

/* Z window of half h (0 positive, 1 negative) for value z (0..zbits):
 * [*t0, *t1) in seconds from the start of the write; empty when z = 0.
 * XB_ERANGE for z outside 0..zbits or zbits > clocks/2. */
int xb_write_z_window(const xb_write_params *p, int z, int h, double *t0,
                      double *t1, xb_err *err);

/* Rising edges of the r pulses of repetition q for value r (|r| <=
 * r_levels): up to |r| start times into `start` (cap at least r_levels),
 * their number in *n and the half they lie in (0 for r > 0, 1 for r < 0)
 * in *h. Checks that the pulses fit their slots (t_rpulse <= T/2 / |r|). */
int xb_write_r_pulses(const xb_write_params *p, int r, int q, double *start,
                      size_t cap, int *n, int *h, xb_err *err);

/* Total overlap time (s) of r's pulses with Z's windows over all
 * repetitions, signed: negative for r > 0 (depression). */
double xb_write_overlap(const xb_write_params *p, int r, int z);

/* Ideal product for comparison: -sign(r) |r| / r_levels * z / zbits *
 * reps * r_levels * t_rpulse * (zbits * t_clk / (T/2)), i.e. the overlap
 * a continuous r pulse density would give. */
double xb_write_ideal(const xb_write_params *p, int r, int z);

typedef struct xb_write_stats {
  int slices;        /* time slices solved */
  double seconds;    /* wall time */
  double v_full_min; /* smallest |V| seen by an overlapping cell (V) */
  double v_half_max; /* largest |V| seen by any other cell (V) */
} xb_write_stats;

/* Parallel write of array a (its cells c, exactly rows x cols, attached
 * with xb_array_set_cells) by the r values of the rows and the z values of
 * the columns. The write is cut into time slices at every waveform edge;
 * in each slice every line is driven (r pulse / Z window / Vdd/2), the
 * array is solved, and every cell gets a pulse of the slice's width at its
 * actual voltage (xb_cells_pulse_all), so IR drop, sneak paths and the
 * device's threshold all act. On error the cells may be partly written
 * (the slices already applied). */
int xb_write_parallel(xb_array *a, xb_cells *c, const xb_write_params *p,
                      const int *r, const int *z, xb_write_stats *stats,
                      xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_WRITE_H */
