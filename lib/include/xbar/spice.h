/* SPICE layer: placeholder, filled in by the SPICE work (see issue 3). */
#ifndef XBAR_SPICE_H
#define XBAR_SPICE_H
#endif
