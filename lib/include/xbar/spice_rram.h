/*
 * Behavioral RRAM cells in ngspice, and the pulse-overlap parallel write as
 * an ngspice deck: the reference against which xb_write_parallel
 * (xbar/write.h) is checked.
 *
 * ngspice 39 as packaged has no Verilog-A, so a cell with memory is the
 * usual memristor-in-SPICE construction (shared/INTEGRATION.md): a state
 * capacitor whose voltage is the device's pulse coordinate x, charged by a
 * behavioral current source that implements the device's write rule, and a
 * behavioral cell current that reads the conductance from x. For cell
 * (i, j) between row node R and column node C:
 *
 *   cs<i>_<j>  xs<i>_<j> 0   C = t_pulse             (F)
 *   bs<i>_<j>  0 xs<i>_<j>   I = rate(V, x)          (A)
 *   bx<i>_<j>  R C           I = G(x) V,  V = V(R) - V(C)
 *   cx<i>_<j>  R C           cr  (only when the device has cr > 0)
 *   .ic v(xs<i>_<j>) = x0    the cell's present state
 *
 * so that C dx/dt = rate gives dx/dt = rate / t_pulse pulses per second:
 * a width t at full rate moves x by t / t_pulse, xbar's threshold rule
 * (xbar/device.h). Capacitance t_pulse with a current of order 1 A keeps
 * every number of the state equation of order 1 (an equivalent C = 1 F
 * would need 1e9 A).
 *
 * Write rule (device response 0, the step; the only one written): with
 * S(u) = (1 + tanh(u)) / 2,
 *
 *   rate = S((V - a Vset) / w)  S((L - x) / wx)
 *        - S((-V - a Vreset) / w) S(x / wx)
 *
 * a = step_frac, L = levels, w = v_smooth (default 1 mV), wx = x_smooth
 * (default 1e-3 pulses). The first factor of each term is the step of the
 * threshold rule (1 above a Vw, 0 below), smoothed so that Newton's method
 * converges; the second clamps x to [0, L] as the device does. Accuracy of
 * the smoothing: tanh is odd, so a voltage that crosses the threshold on a
 * linear ramp spends as much of the smoothed rate before the crossing as
 * it misses after it: the programmed time is that of the ideal step (what
 * remains is the curvature of the ramp over +-5 w, nothing for a straight
 * ramp). At a bound the state overshoots by about (wx / 2) ln(2 t / (wx
 * t_pulse)) for a push of t seconds into it (6e-3 pulses for 60 ns at the
 * defaults), and the reader clamps x back to [0, L]. Half-selected cells
 * (|V| <= Vw / 2 = a Vw - 0.25 Vw) see S(-0.25 Vw / w), below 1e-200 at
 * the defaults: exactly 0 in double precision.
 *
 * Device: the linear model (G = Gmin + (Gmax - Gmin) x / L) with the step
 * response and an ohmic read I-V, without variation (device-to-device and
 * cycle-to-cycle draws, stuck cells: a deterministic deck cannot match
 * them); other devices are refused with XB_EINVAL.
 *
 * The write deck (xb_spice_write_netlist): the array network exactly as
 * xb_spice_netlist writes it (wire segments, cells of the type above) and
 * every line driven through r_drive at the array's default ends (the
 * bias of xb_array_bias_write) by a PWL source that follows the generated
 * waveforms of xbar/write.h: rows the r pulses (0 V in the positive half,
 * Vdd in the negative half, while a pulse is on), columns the Z windows
 * (Vdd in the positive half, 0 V in the negative half), every line at
 * Vdd/2 otherwise. The `reps` repetitions run back to back, repetition q
 * over [t_lead + q T, t_lead + (q + 1) T), T = t_write, as xb_write_parallel
 * applies them; every line rests at Vdd/2 for t_lead before and after.
 * Each nominal edge at time t becomes a linear ramp from t - t_edge/2 to
 * t + t_edge/2. Since the step threshold a Vw = 0.75 Vw (default) lies
 * halfway between a half-selected Vw/2 and a full Vw, a cell voltage that
 * ramps between the two crosses it exactly at t, and the programmed time
 * equals the ideal overlap. Only an edge where both lines of a cell switch
 * at once from a full-select to the opposite half-select (a Z window of
 * 16 ending with the half, at the instant a clamped last r pulse ends)
 * crosses the threshold early, by t_edge / 3 (t_edge / 4 when both lines
 * return to Vdd/2).
 *
 * Transient: `.tran` with a maximum step t_max (default 10 t_edge),
 * trapezoidal integration with reltol (default 1e-6); only the state
 * vectors are saved. ngspice puts a time point on every PWL corner, so
 * the ramps are resolved whatever t_max; between them every source is
 * constant. Measured on 4 x 4 writes against xb_write_parallel: cells
 * without coincident edges agree to 1e-13 of dG, the others by 3.0 ps of
 * programming time at t_edge = 10 ps (1.5 ps at 5 ps), the same with a
 * maximum step of 2.5 ps, 100 ps or 1 ns.
 *
 * Workload: arrays up to about 8 x 8 (ngspice refactors the whole deck at
 * every time step; a 4 x 4 write of 4 x 84 ns takes about a second).
 * Units: V, A, F, Ohm, s; x in pulses.
 */
#ifndef XBAR_SPICE_RRAM_H
#define XBAR_SPICE_RRAM_H

#include <stddef.h>
#include <xbar/array.h>
#include <xbar/device.h>
#include <xbar/error.h>
#include <xbar/spice.h>
#include <xbar/write.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Context of the behavioral cell type (xb_spice_netlist_opts.cell_ctx). */
typedef struct xb_spice_rram {
  const xb_device *dev; /* linear model, step response, no variation */
  double v_smooth;      /* V, width w of the threshold step; <= 0: 1e-3 */
  double x_smooth;      /* pulses, width wx of the bounds; <= 0: 1e-3 */
} xb_spice_rram;

/* The cell described above. Its initial state is the state of the cell's
 * conductance g handed to the hook (x0 = L (g - Gmin) / (Gmax - Gmin)).
 * The hook returns XB_EINVAL for a NULL context or an unsuitable device
 * (see xb_spice_rram_check), or a g outside [Gmin, Gmax] by more than
 * 1e-9 of the range. */
extern const xb_spice_cell_type *const xb_spice_cell_rram_linear;

/* XB_OK when d can be written as the behavioral cell: linear model,
 * response 0 (step), ohmic read I-V, no device-to-device, cycle-to-cycle
 * or stuck-at variation (read noise is irrelevant to a write). Otherwise
 * XB_EINVAL with the reason in err. */
int xb_spice_rram_check(const xb_device *d, xb_err *err);

/* Options of the write deck; an all-zero struct (or NULL) means the
 * defaults given with each field. */
typedef struct xb_spice_write_opts {
  double t_edge;   /* s, ramp of every driver edge; <= 0: 10e-12 */
  double t_lead;   /* s, rest at Vdd/2 before and after; <= 0: 1e-9 */
  double t_max;    /* s, largest time step; <= 0: 10 t_edge */
  double reltol;   /* ngspice reltol; <= 0: 1e-6 */
  double v_smooth; /* V, as xb_spice_rram; <= 0: 1e-3 */
  double x_smooth; /* pulses, as xb_spice_rram; <= 0: 1e-3 */
} xb_spice_write_opts;

/* Fill `o` with the defaults (all zero). */
void xb_spice_write_opts_default(xb_spice_write_opts *o);

/* The write deck described above for array a with cells c (exactly
 * rows x cols, attached to a with xb_array_set_cells as xb_write_parallel
 * does), write parameters p, row values r (|r| <= r_levels) and column
 * values z (0..zbits), as a new NUL-terminated string the caller frees
 * with free(). Vdd is p->vdd, or the device's vw_set when p->vdd is 0.
 * The array's line settings are changed while the deck is written and
 * restored before returning; the cells are not changed. Returns NULL and
 * fills err: XB_EINVAL for NULL arguments, a cell count that does not
 * match, or an unsuitable device; XB_ERANGE for bad write parameters, an
 * r or z out of range, or a t_edge longer than the shortest interval
 * between two edges of one line; XB_ENOMEM. */
char *xb_spice_write_netlist(xb_array *a, xb_cells *c,
                             const xb_write_params *p, const int *r,
                             const int *z, const xb_spice_write_opts *o,
                             xb_err *err);

/* Build the deck, load it into runner s, run it, and read each cell's
 * final state: x_out[k] (pulses, clamped to [0, L]) and g_out[k] = G(x)
 * (S) for cell k = i * cols + j; either may be NULL. Outputs are written
 * only on success; the cells are never changed (compare g_out with the
 * cells after xb_write_parallel). Codes as xb_spice_write_netlist,
 * xb_spice_load and xb_spice_run; XB_EKEY or XB_EDATA when a state
 * vector is missing or empty. The runner's output (xb_spice_output) is
 * that of this deck. */
int xb_spice_write_run(xb_spice *s, xb_array *a, xb_cells *c,
                       const xb_write_params *p, const int *r, const int *z,
                       const xb_spice_write_opts *o, double *x_out,
                       double *g_out, xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_SPICE_RRAM_H */
