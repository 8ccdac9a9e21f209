/*
 * Calibration of a transistor-level read circuit against the behavioral
 * integrate-and-fire model (xbar/read.h), through ngspice (xbar/spice.h):
 * what a read-circuit design's behavioral parameters are, measured rather
 * than typed in (seed 000 sec. 2.3.2, Fig. 2.6-2.8).
 *
 * The circuit is a subcircuit in a netlist file of a folder that also holds
 * the device card ptm65_xbar.lib; its ports are, in the order `ports`
 * names them, the integration node `in`, the spike output `spk` and its
 * complement `spkb`, the supply `vdd` (1.0 V), the reset level `vrst`
 * (v_reset) and optionally the ATB bias `vatb` (v_atb). Measurements:
 *
 *   v_th, v_tl  the node driven by a voltage ramp v_reset -> v_reset + 45 mV
 *               -> v_reset at two slopes (half periods 40 and 10 ns): the
 *               input at the spike output's rising / falling edge,
 *               extrapolated linearly to zero slope (the static switching
 *               point, without the comparator's lag);
 *   r_reset     the reset gate held on (spk = 1 V, spkb = 0 V), the node
 *               swept 502..514 mV by a source: the least-squares dV/dI of
 *               the current into the gate (DC on-resistance);
 *   c_int       a constant current charging the node from v_reset: the
 *               chord capacitance I t / dV up to v_th - 2 mV, averaged
 *               over the calibration currents; with the instance parameter
 *               ccol=0 (the column capacitor removed) the circuit's own
 *               input capacitance c_in;
 *   trains      a DC current into the node released at v_reset (.ic) at
 *               0.75, 1.75, ..., 8.75 uA over 1.5 read windows: the spike
 *               times (rising edges of spk) and the first spike's edge
 *               delays (node crossing v_th -> spk rising; node crossing
 *               v_tl down -> spk falling);
 *   t_delay (and atb_dv, atb_i, atb_w for a type with an ATB)
 *               least squares of the behavioral spike times (xb_read_events)
 *               against every spike of every train, the other parameters
 *               fixed at the values above: Nelder-Mead from a scan of
 *               t_delay (no ATB) or from four starts, each restarted once
 *               (ATB). A spike present in one train and not the other costs
 *               (200 ps)^2. The rms spike-time error is reported.
 *
 * Everything is deterministic: the same netlists give the same doubles.
 * About 15 ngspice transient runs of a few dozen transistors per circuit,
 * a second or two. Tell the runner "set num_threads=1" first on a busy
 * machine (BSIM4's OpenMP threads spin). Units: V, A, F, Ohm, s.
 */
#ifndef XBAR_SPICE_CALIB_H
#define XBAR_SPICE_CALIB_H

#include <stddef.h>
#include <stdint.h>
#include <xbar/error.h>
#include <xbar/read.h>
#include <xbar/spice.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XB_READ_CALIB_NCUR 9    /* calibration currents 0.75..8.75 uA */
#define XB_READ_CALIB_MAXSPK 64 /* spikes kept per train */

/* A read circuit to calibrate. */
typedef struct xb_read_calib_circuit {
  const xb_read_type *type; /* the behavioral model (has_atb: fit the ATB) */
  const char *file;   /* netlist file in the folder ("read_diff.cir") */
  const char *subckt; /* the positive-input subcircuit */
  const char *neg;    /* negative-input subcircuit (inputs swapped), NULL */
  const char *ports;  /* instance nodes, "in spk spkb vdd vrst [vatb]" */
  double window;      /* read window (s) */
  double v_reset;     /* reset and reference level, the vrst source (V) */
  double v_atb;       /* ATB bias, the vatb source (V) */
} xb_read_calib_circuit;

/* One transistor spike train. */
typedef struct xb_read_calib_train {
  double current;                 /* A */
  size_t n;                       /* spikes in 1.5 windows (at most MAXSPK) */
  double t[XB_READ_CALIB_MAXSPK]; /* spike times (s) */
  double c;          /* chord capacitance v_reset -> v_th - 2 mV (F) */
  double rise, fall; /* the first spike's edge delays (s), NaN if absent */
  int n_window;      /* spikes within one window */
  int n_model;       /* the fitted model's count in the window (-1: none) */
} xb_read_calib_train;

/* What else was measured. */
typedef struct xb_read_calib_report {
  double ramp[4];  /* switching points: up slow, up fast, down slow, down
                      fast ramp (V) */
  double c_in;     /* the circuit's own input capacitance (F) */
  double rms;      /* spike-time rms error of the fitted model (s) */
  double neg_v_th, neg_v_tl; /* negative-input configuration, mirrored
                                about v_reset (V); NaN without one */
  xb_read_calib_train train[XB_READ_CALIB_NCUR];
  int runs;        /* ngspice runs */
} xb_read_calib_report;

/* Calibrate circuit c of folder `netlist_dir` (no blanks in the path) in
 * runner sp: *out gets the type's defaults with c_int, v_reset, v_th,
 * v_tl, t_delay, r_reset, window, offset 0 and (ATB) atb_dv, atb_i, atb_w
 * measured; rep (may be NULL) the rest. Returns XB_OK; XB_EINVAL for NULL
 * arguments or a path with blanks; XB_EIO when the netlist or
 * ptm65_xbar.lib cannot be read; XB_EEXTERNAL, XB_ESINGULAR from ngspice;
 * XB_EDATA when the circuit does not switch, the reset gate conducts no
 * current or the node never reaches v_th - 2 mV; XB_ENOMEM. out and rep
 * are written only on success. */
int xb_spice_read_calibrate(xb_spice *sp, const char *netlist_dir,
                            const xb_read_calib_circuit *c,
                            xb_read_params *out, xb_read_calib_report *rep,
                            xb_err *err);

/* The static thresholds of subcircuit `subckt` of c (c->subckt, c->neg or
 * another in the same file) on ramps lo -> hi -> lo (hi < lo: a falling
 * input), as measured above: *v_th, *v_tl and ramp (may be NULL) the raw
 * points. *runs (may be NULL) is increased by the ngspice runs. Codes as
 * xb_spice_read_calibrate (XB_EDATA: no switching on the ramp). */
int xb_spice_read_thresholds(xb_spice *sp, const char *netlist_dir,
                             const xb_read_calib_circuit *c,
                             const char *subckt, double lo, double hi,
                             double *v_th, double *v_tl, double ramp[4],
                             int *runs, xb_err *err);

/* Threshold spread under transistor variation. Sample k gives every
 * MOSFET of c's netlist (a line starting with m, with w= and l=) the
 * instance parameter delvto = its type's die-to-die shift (normal, sigma
 * sigma_global, one per type and sample; a PMOS (model pch65) with the
 * sign that raises |Vth|) plus its own Pelgrom draw A_VT / sqrt(W L)
 * (normal); the normals are xb_rng_normal(seed, stream + k, j), j = 0
 * NMOS, 1 PMOS, 2, 3, ... the devices in file order. The thresholds of
 * c->subckt on a ramp lo -> hi -> lo. A sample that fails (does not
 * switch, or ngspice refuses it) is counted in `samples` only. */
typedef struct xb_read_mismatch_opts {
  int samples;         /* >= 3 */
  double a_vt;         /* Pelgrom coefficient (V m) */
  double sigma_global; /* die-to-die Vth sigma (V) */
  uint64_t seed, stream;
  double lo, hi;       /* the ramp (V) */
} xb_read_mismatch_opts;

typedef struct xb_read_mismatch {
  int samples, ok;              /* drawn, switched */
  double v_th, v_th_sigma;      /* mean, sample sigma (V) */
  double v_tl, v_tl_sigma;
  double rho;                   /* correlation of v_th and v_tl */
  double hyst_sigma;            /* sigma of v_th - v_tl (V) */
} xb_read_mismatch;

/* Run the study of o on circuit c of netlist_dir. The varied netlists are
 * written to a temporary folder under /tmp, removed before returning.
 * Returns XB_OK; XB_EINVAL (bad arguments), XB_EIO (a file), XB_EDATA
 * (fewer than 3 samples switched). *out is written only on success. */
int xb_spice_read_mismatch(xb_spice *sp, const char *netlist_dir,
                           const xb_read_calib_circuit *c,
                           const xb_read_mismatch_opts *o,
                           xb_read_mismatch *out, xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_SPICE_CALIB_H */
