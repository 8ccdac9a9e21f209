/* Placeholder: ngspice cross-check of the SAR ADC's capacitive DAC. */
#ifndef XBAR_SPICE_SAR_H
#define XBAR_SPICE_SAR_H
#include <xbar/mvm.h>
#include <xbar/spice.h>
#endif
