/*
 * The integrate-and-fire array read as an ngspice behavioral netlist: the
 * reference against which xb_read_transient (xbar/read.h) is checked.
 *
 * The deck is the circuit xb_read_transient integrates, element for
 * element (seed 000 sections 2.3.2 and 2.4.2, Fig. 2.6, 2.8, 2.16):
 *
 *   array      every row and column wire segment as a resistor, every cell
 *              as a resistor 1/g with the cell capacitance cr in parallel,
 *              the wire capacitance cw from every row and column node to
 *              ground (xb_spice_netlist with a cell type that adds them);
 *   inputs     lines of in_axis with active[k] (NULL: all) driven at
 *              v_in[k] through r_drive at the array's default ends,
 *              inactive ones floating or driven at v_bias: the lines
 *              xb_array_read would set;
 *   read       at the far end of each sensed line (row: column M-1;
 *              column: row N-1) the integration node X with c_int to
 *              ground and the behavioral read circuit:
 *                delay       an E source copying V(X) into an ideal
 *                            transmission line of delay t_delay terminated
 *                            in its Z0: a pure delay (left out when
 *                            t_delay = 0);
 *                comparator  an E source of gain K = 1e4 about V_reset:
 *                            q = K (V_delayed - V_reset), or K (V_reset -
 *                            V_delayed) for a falling-input circuit
 *                            (polarity -1, the mirror of read.h);
 *                reset       a voltage-controlled switch controlled by q
 *                            (S element, model sw with
 *                            vt = K ((V_th + V_tl)/2 + offset - V_reset),
 *                            vh = K (V_th - V_tl)/2, ron = r_reset,
 *                            roff = 1e12 Ohm) from X to a V_reset source,
 *                            through a 0 V source that measures its
 *                            current.
 *              So the switch closes t_delay after the node rises above
 *              V_th + offset and opens t_delay after it falls below
 *              V_tl + offset: the Schmitt trigger with its delay on both
 *              edges, the gate and the reset source of xbar/read.h.
 *              Why the gain: ngspice's switch limits each time step near
 *              its threshold to 75% of the remaining distance plus 50 mV
 *              of control voltage (SWtrunc). Against a 30 mV swing that
 *              allowance is no limit at all and the edges land anywhere in
 *              a maximum step, and since the reset slope is ten times the
 *              integration slope, a late or early opening of the gate
 *              moves the next spike by several ps. With K = 1e4 the
 *              allowance is 5 uV at the node. The delay line carries the
 *              unamplified node voltage: a line carrying q sets a
 *              breakpoint at every small step near a threshold, and the
 *              breakpoints cascade (a 4 x 4 read did not finish).
 *
 * Initial state: not `uic`. Each integration node gets `.ic v(X) =
 * V_reset`, so ngspice's own operating point holds the sensed nodes at
 * V_reset and solves everything else (wires, floating lines, cells): the
 * "DC state with every sensed line held at V_reset" of xb_read_transient,
 * computed independently of xbar's DC solver.
 *
 * Transient: `.tran` over the read window with a maximum step of
 * window / 4000, `.options method=gear reltol=<tp->rtol> abstol=1e-15
 * vntol=<tp->atol> chgtol=1e-21`; only q, V(X) and the switch current of
 * each line are saved.
 *
 * Spike count: each off -> on change of the switch is one output rising
 * edge. The state is read from the switch itself, on where its
 * conductance |i| / |V(X) - V_reset| is above sqrt(1 / (ron roff)), and
 * not from its control voltage: ngspice decides the state inside the
 * Newton iteration of a step, and the accepted control can end a hair
 * short of the threshold the switch has crossed. The edge's time is where
 * q crosses K (V_th + offset - V_reset) within that step (linear
 * interpolation).
 *
 * Not modelled: the ATB of the single-ended circuit (a threshold that
 * depends on the input current has no equivalent here; such a circuit is
 * refused, use atb_dv = 0 or the differential circuit); the offset is
 * included. Nonlinear (sinh) cells are refused.
 *
 * Accuracy: against the closed form of a 1 x 1 array (a Thevenin source
 * charging C, both phases single exponentials) the spike times agree to
 * 0.6 ps (0.015% of a 4 ns window) up to 10 spikes; xb_read_transient is
 * within 0.2 ps of the same closed form.
 *
 * Against xb_read_transient (full method) on 16 x 16 and 32 x 32 reads
 * with floating rows: identical counts in every column, spike times within
 * 2.5 ps (tests/test_read_transient.c, experiments/bench_read).
 *
 * Workload: ngspice 39 factors the whole deck with Sparse 1.3 at every
 * time point (about 7000 of them, a third near comparator edges): about
 * 3 s at 16 x 16 and 100 s at 32 x 32, 6 and 14 times xbar's full method
 * (experiments/bench_read). Keep it to cross-checks. ngspice 39 does not
 * free a delay line's history when the circuit is replaced (about 1 kB
 * per line and load, inside libngspice; LeakSanitizer reports it).
 * Units: V, A, F, Ohm, s.
 */
#ifndef XBAR_SPICE_READ_H
#define XBAR_SPICE_READ_H

#include <stddef.h>
#include <xbar/array.h>
#include <xbar/error.h>
#include <xbar/read.h>
#include <xbar/spice.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The deck described above, as a new NUL-terminated string the caller
 * frees with free(). Arguments as xb_read_transient: r the read circuit
 * (every sensed line gets its own copy), a the array (its line settings
 * are changed while the deck is written and restored before returning),
 * in_axis XB_ROW (columns sensed, D.v) or XB_COL (rows sensed), v_in the
 * input line voltages, active (NULL: all), unselected XB_LINE_FLOAT or
 * XB_LINE_DRIVE (at v_bias), polarity (NULL: all +1; -1 configures a
 * sensed line's circuit for a falling input), tp the RC parasitics and
 * tolerances (NULL: defaults; rtol and atol become ngspice's reltol and
 * vntol, method is not used). Returns NULL and
 * fills err on failure: XB_EINVAL for NULL arguments, a bad axis or mode,
 * a polarity other than +-1, a circuit with ATB (atb_dv > 0) or cells
 * with a nonlinear I-V; XB_ERANGE for bad transient parameters;
 * XB_ENOMEM. */
char *xb_spice_read_netlist(const xb_read *r, xb_array *a, int in_axis,
                            const double *v_in, const unsigned char *active,
                            int unselected, double v_bias,
                            const signed char *polarity,
                            const xb_transient_params *tp, xb_err *err);

/* Build the deck, load it into runner s, run it, and count each sensed
 * line's output rising edges in the read window: spikes[k] for line k of
 * the sensed axis; times (may be NULL) receives up to `cap` spike times
 * per line (row-major, line k at times[k * cap]; NaN after its last
 * spike). Outputs are written only
 * on success; the array's line settings are always restored. Codes as
 * xb_spice_read_netlist, xb_spice_load and xb_spice_run (XB_EEXTERNAL for
 * an ngspice failure such as "timestep too small", XB_ESINGULAR); XB_EKEY
 * or XB_EDATA when a vector is missing or malformed. The runner's output
 * (xb_spice_output) is that of this deck. */
int xb_spice_read_transient(xb_spice *s, const xb_read *r, xb_array *a,
                            int in_axis, const double *v_in,
                            const unsigned char *active, int unselected,
                            double v_bias, const signed char *polarity,
                            const xb_transient_params *tp, int *spikes,
                            double *times, size_t cap, xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_SPICE_READ_H */
