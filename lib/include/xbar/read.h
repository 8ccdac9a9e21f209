/*
 * Integrate-and-fire read circuits (seed 000 section 2.3.2, Fig. 2.5-2.8,
 * 2.11-2.14, 2.18a; SPEC section 3, Read).
 *
 * PARCA's read is a current-to-digital converter. The sensed line's current
 * I charges the integration capacitance C (the line's own capacitance plus
 * the comparator input) from the reset voltage V_reset (500 mV) up to the
 * upper threshold V_th (530 mV) of a Schmitt trigger. After the comparator
 * delay t_d the output rises: that edge is one spike, counted by the 8-bit
 * shift register, and it closes a transmission gate (on-resistance R) that
 * pulls the node back toward V_reset while I keeps flowing,
 *
 *     C dV/dt = I - (V - V_reset) / R.
 *
 * When V falls below the lower threshold V_tl the output falls after t_d,
 * the gate opens and integration starts again from where V is. Spikes are
 * counted in a read window T (4.5 ns single-ended, 4 ns differential).
 * Every phase is linear in V, so the behavioral model is solved in closed
 * form, event to event (xb_read_events): no time stepping.
 *
 * Two circuits (type descriptors, like device models):
 *   xb_read_se_adaptive  single-ended adaptive Schmitt trigger with the
 *                        adaptive threshold block (ATB), which lowers the
 *                        upper threshold when the current is high:
 *                        V_th,eff = V_th - atb_dv / (1 + exp(-(|I| - atb_i)
 *                        / atb_w));
 *   xb_read_diff         differential Schmitt trigger against a fixed 500 mV
 *                        reference with hysteresis; no ATB.
 * Negative inputs (r < 0): the circuit is configured for a falling input
 * (seed section 2.3.2): the same dynamics mirrored about V_reset, so a
 * current -I gives the same spike count as +I.
 *
 * Ideal comparator (t_d = 0, R -> 0): the count is floor(|I| T / (C dV)),
 * dV = V_th - V_reset.
 *
 * Digital side: the count goes into an 8-bit thermometer code and a 3-bit
 * binary encoder (xb_read_encode); Z is applied bit-serially (4 bits) and
 * the per-bit counts are shifted and added (xb_read_dz).
 *
 * Units: A, V, F, Ohm, s.
 */
#ifndef XBAR_READ_H
#define XBAR_READ_H

#include <stddef.h>
#include <xbar/array.h>
#include <xbar/error.h>
#include <xbar/param.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Behavioral read-circuit parameters. Section [read]. The defaults are a
 * plain Schmitt trigger whose 1 uA-per-spike granularity over 4.5 ns
 * matches the seed (C dV = 4.5 fC); models/read_*.ini hold the values
 * calibrated from the transistor-level netlists. */
#define XB_READ_PARAMS(X)                                                     \
  X(double, c_int, "F", 150e-15, 1e-18, 1e-9,                                 \
    "integration capacitance at the sense node")                              \
  X(double, v_reset, "V", 0.5, -10.0, 10.0, "reset voltage")                  \
  X(double, v_th, "V", 0.53, -10.0, 10.0,                                     \
    "upper threshold: the output rises (a spike) above it")                   \
  X(double, v_tl, "V", 0.505, -10.0, 10.0,                                    \
    "lower threshold: the output falls and the reset ends below it")          \
  X(double, t_delay, "s", 30e-12, 0.0, 1e-6,                                  \
    "comparator delay, both edges")                                           \
  X(double, r_reset, "Ohm", 500.0, 1e-3, 1e12,                                \
    "on-resistance of the reset transmission gate")                           \
  X(double, offset, "V", 0.0, -0.1, 0.1,                                      \
    "comparator input offset, added to both thresholds")                      \
  X(double, window, "s", 4.5e-9, 1e-12, 1.0, "read window T")                 \
  X(double, atb_dv, "V", 0.0, 0.0, 0.1,                                       \
    "ATB: lowering of the upper threshold at high current (0: none)")         \
  X(double, atb_i, "A", 4e-6, 0.0, 1.0,                                       \
    "ATB: current at which half the lowering applies")                        \
  X(double, atb_w, "A", 1e-6, 1e-12, 1.0, "ATB: width of the transition")

typedef struct xb_read_params {
  XB_PARAM_STRUCT(XB_READ_PARAMS)
} xb_read_params;
extern const xb_param_set xb_read_param_set;

/* A read-circuit model. */
typedef struct xb_read_type {
  const char *name;    /* "se_adaptive", "diff" */
  const char *desc;
  int has_atb;         /* whether atb_* apply */
  /* The type's default parameters: the table defaults with this
   * circuit's window, tuned so the behavioral model reproduces the seed's
   * anchors (se: 1 uA -> 1 spike, 5.75 uA -> 6 in 4.5 ns; diff: 1.25 uA
   * -> 1, 5.55 uA -> 6 in 4 ns; Fig. 2.11, 2.12, 2.16). */
  void (*defaults)(xb_read_params *p);
} xb_read_type;

extern const xb_read_type *const xb_read_se_adaptive;
extern const xb_read_type *const xb_read_diff;
const xb_read_type *xb_read_type_find(const char *name);

typedef struct xb_read xb_read;

/* A read circuit of type t with parameters p (NULL: the type's defaults;
 * atb_dv forced to 0 for types without ATB). Checks
 * v_tl < v_th and v_reset < v_tl (the reset must end above where it
 * drives the node), and that the reset can overcome the largest current
 * it is asked to read (else xb_read_events reports XB_ERANGE). */
xb_read *xb_read_create(const xb_read_type *t, const xb_read_params *p,
                        xb_err *err);
/* From an .ini file: [circuit] type = se_adaptive | diff, and [read] with
 * the parameters (defaults for keys not given). */
xb_read *xb_read_load(const char *path, xb_err *err);
void xb_read_free(xb_read *r);
const xb_read_type *xb_read_type_of(const xb_read *r);
const xb_read_params *xb_read_params_of(const xb_read *r);

/* Effective upper threshold at input current I (ATB included). */
double xb_read_threshold(const xb_read *r, double current);

/* Constant input current I (A, either sign) from t = 0 with the node at
 * V_reset: the output rising-edge times in [0, t_end] (at most cap of them
 * written to `times`, may be NULL) and their number in *count. XB_ERANGE
 * when the reset cannot pull the node below V_tl at this current (the
 * circuit would latch). */
int xb_read_events(const xb_read *r, double current, double t_end,
                   double *times, size_t cap, size_t *count, xb_err *err);

/* Spike count in the read window (xb_read_events up to params.window). */
int xb_read_count(const xb_read *r, double current, int *spikes, xb_err *err);

/* Node voltage and comparator output (0 or 1) at the n sample times t[k]
 * (increasing), for plots. */
int xb_read_wave(const xb_read *r, double current, const double *t, size_t n,
                 double *v, double *out, xb_err *err);

/* 8-bit thermometer code of a count (saturating at 8 ones) and its 3-bit
 * binary encoding (saturating at 7). */
unsigned xb_read_thermometer(int spikes);
unsigned xb_read_encode(unsigned thermometer);

/* D.z with bit-serial z: for each of `zbits` bits (LSB first), rows whose
 * z bit is set are driven at v_read, the others float or are held at
 * v_bias (unselected, as xb_array_read), every column is sensed at the
 * circuit's V_reset; each column's current gives a 3-bit count
 * (xb_read_count, xb_read_encode) and out[j] = sum_b count_b,j << b.
 * in_axis = XB_COL gives D^T.z. Fast path: DC currents, closed-form
 * counts (valid when the line RC is much shorter than a spike period; see
 * xb_read_transient). */
int xb_read_dz(const xb_read *r, xb_array *a, int in_axis,
               const unsigned *z, int zbits, double v_read, int unselected,
               double v_bias, int *out, xb_err *err);

/* ---- full transient of the array -------------------------------------------- */

/* RC parasitics of the transient read. Section [transient]. */
#define XB_TRANSIENT_PARAMS(X)                                                \
  X(double, cw, "F", 0.05e-15, 1e-21, 1e-9,                                   \
    "wire capacitance of each node (per segment, to ground)")                 \
  X(double, cr, "F", 0.01e-15, 0.0, 1e-9,                                     \
    "cell capacitance, parallel to each cell")                                \
  X(double, rtol, "1", 1e-6, 1e-12, 1e-2, "integrator relative tolerance")    \
  X(double, atol, "V", 1e-8, 1e-15, 1e-2, "integrator absolute tolerance")    \
  X(int, method, "1", 0, 0, 1,                                                \
    "0 reduced (network quasi-static, CVODE), 1 full network (IDA + KLU)")

typedef struct xb_transient_params {
  XB_PARAM_STRUCT(XB_TRANSIENT_PARAMS)
} xb_transient_params;
extern const xb_param_set xb_transient_param_set;

/* Results of a transient read. */
typedef struct xb_transient_stats {
  long steps;        /* IDA steps */
  long events;       /* comparator toggles */
  double seconds;    /* wall time */
} xb_transient_stats;

/* Transient integrate-and-fire read of array a over the circuit's window,
 * on the RC network: every wire segment, cell and driver, cw at every
 * node, cr across every cell, c_int at each sensed line end. Two methods
 * (tp->method):
 *   1 full     SUNDIALS IDA (BDF) with KLU on all 2NM node voltages;
 *   0 reduced  the network is quasi-static: its node voltages are affine in
 *              the integration-node voltages V (y = y0 + K (V - V_reset),
 *              one DC solve per sensed line), so the read is the ODE
 *              C_eff V' = I0 + Y (V - V_reset) - S (V - V_reset) with
 *              C_eff = c_int + K^T M K (the network's capacitance seen
 *              from each integration node), solved by SUNDIALS CVODE with a
 *              dense solver. Exact when the network's own time constants
 *              (cw, cr with the wire and cell resistances) are much shorter
 *              than the reset time constant r_reset c_int; the tests hold
 *              it to the full method.
 * Lines of in_axis with active[k] (NULL: all) are
 * driven at v_in[k] through r_drive, inactive ones float or sit at v_bias;
 * each line of the other axis has its own read circuit r at its far end
 * (row: column M-1; column: row N-1): the integration node is that end
 * node, reset through r_reset to V_reset after each spike, with the
 * comparator delay. polarity[k] = -1 configures line k's circuit for a
 * falling input (NULL: all +1). Starts from the DC state with every sensed
 * line held at V_reset. spikes[k] receives the count of output rising
 * edges in the window; times (may be NULL) up to `cap` spike times per line
 * (row-major, line k at times[k * cap]). The array's line settings are
 * restored before returning. Returns XB_ERANGE when a read circuit
 * latches (its reset gate holds the node above v_tl for 20 r_reset c_int,
 * as xb_read_count reports for a constant current). */
int xb_read_transient(const xb_read *r, xb_array *a, int in_axis,
                      const double *v_in, const unsigned char *active,
                      int unselected, double v_bias,
                      const signed char *polarity,
                      const xb_transient_params *tp, int *spikes,
                      double *times, size_t cap, xb_transient_stats *stats,
                      xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_READ_H */
