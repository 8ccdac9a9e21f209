/*
 * The SAR ADC's capacitive DAC as an ngspice deck (xbar/mvm.h), for the
 * cross-check of its code transitions: with an ideal comparator the
 * transition into code c is the DAC level of c, so the charge
 * redistribution of the instance's own capacitors in ngspice gives every
 * transition of the model independently of its arithmetic.
 */
#ifndef XBAR_SPICE_SAR_H
#define XBAR_SPICE_SAR_H

#include <xbar/mvm.h>
#include <xbar/spice.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The DAC level (V) of every code c = 0 .. 2^n - 1 of ADC s, i.e. the
 * transition into code c (xb_sar_level), from an ngspice transient: the
 * instance's capacitors (xb_sar_caps) share a top plate, which has a leak
 * of 10 s / c_unit to ground (1e15 Ohm at the default 10 fF) so that the
 * operating point exists; the dummy's bottom plate is grounded and
 * capacitor k's is driven by a PWL source that steps through the codes,
 * one 1 ns slot each with 10 ps edges (bit k of c -> v_fs, else 0). At
 * t = 0 every plate is at 0 V (no charge), so in slot c the top plate sits
 * at v_fs sum_{k in c} C_k / C_total; levels[c] is its value at the middle
 * of the slot, interpolated on ngspice's time vector. The deck's error is
 * the leak's droop, below 1e-10 v_fs (see lib/spice/cdac_netlist.c).
 *
 * levels holds 2^n doubles and is written only on success. The ADC's
 * comparator offset and noise play no part (the DAC alone). Uses the
 * runner's current circuit slot: the previous circuit and its vectors are
 * replaced. Returns XB_OK; XB_EINVAL for NULL arguments; XB_ERANGE for
 * n > 10 bits; XB_ENOMEM; XB_EDATA if ngspice's vectors do not cover the
 * run; otherwise the codes of xb_spice_load, xb_spice_run, xb_spice_vec. */
int xb_spice_cdac_levels(xb_spice *sp, const xb_sar *s, double *levels,
                         xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_SPICE_SAR_H */
