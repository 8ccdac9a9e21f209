/*
 * The SAR ADC's capacitive DAC as an ngspice deck (xbar/mvm.h), for the
 * cross-check of its code transitions.
 */
#ifndef XBAR_SPICE_SAR_H
#define XBAR_SPICE_SAR_H

#include <xbar/mvm.h>
#include <xbar/spice.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The DAC level of every code c = 0 .. 2^n - 1 of ADC s (the transition
 * into code c; xb_sar_level), by ngspice: the instance's capacitors
 * (xb_sar_caps) share a top plate (1e15 Ohm to ground for the operating
 * point), the dummy's bottom plate is grounded and capacitor k's is driven
 * by a PWL source that steps through the codes, one 1 ns slot each with
 * 10 ps edges (bit k of c -> v_fs, else 0). The top plate starts
 * discharged, so in slot c it sits at v_fs sum_{k in c} C_k / C_total;
 * levels[c] is its value at the middle of the slot. n <= 10 (XB_ERANGE
 * above). Errors of the runner as xb_spice_run. */
int xb_spice_cdac_levels(xb_spice *sp, const xb_sar *s, double *levels,
                         xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_SPICE_SAR_H */
