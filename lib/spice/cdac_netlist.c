/* Placeholder: the ngspice CDAC cross-check deck (xbar/spice_sar.h). */
#include <xbar/spice_sar.h>
