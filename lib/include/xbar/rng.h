/*
 * Counter-based random streams (Philox4x32-10).
 *
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as
 * easy as 1, 2, 3", SC'11) is a keyed bijection of a 128-bit counter: the
 * output for (key, counter) depends on nothing else, so a draw can be made
 * in any order, on any thread, and is always the same number. xbar keys it
 * with a 64-bit seed and splits the counter into a 64-bit stream id and a
 * 64-bit position in that stream:
 *
 *   words = philox(key = seed, ctr = {pos_lo, pos_hi, stream_lo, stream_hi})
 *
 * Every random quantity in xbar names its own (stream, position): a cell's
 * device-to-device spread uses the cell index as stream, its n-th pulse
 * uses position n. Results therefore never depend on thread count or on the
 * order in which cells are visited.
 *
 * The functions are pure; xb_rng is a small cursor the caller owns, for
 * code that just wants "the next number" of one stream.
 */
#ifndef XBAR_RNG_H
#define XBAR_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The raw bijection: out = Philox4x32-10(ctr, key). */
void xb_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                      uint32_t out[4]);

/* Four 32-bit words for (seed, stream, pos). */
void xb_rng_words(uint64_t seed, uint64_t stream, uint64_t pos,
                  uint32_t out[4]);

/* Uniform double in the open interval (0, 1), 53 random bits. */
double xb_rng_uniform(uint64_t seed, uint64_t stream, uint64_t pos);

/* Standard normal N(0, 1) by Box-Muller from one counter block. */
double xb_rng_normal(uint64_t seed, uint64_t stream, uint64_t pos);

/* Cursor over one stream: position advances by one per draw. */
typedef struct xb_rng {
  uint64_t seed, stream, pos;
} xb_rng;

/* Start a cursor at position 0 of (seed, stream). */
void xb_rng_init(xb_rng *r, uint64_t seed, uint64_t stream);
double xb_rng_next_uniform(xb_rng *r);
double xb_rng_next_normal(xb_rng *r);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_RNG_H */
