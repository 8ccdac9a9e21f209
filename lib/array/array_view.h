/*
 * Read-only internal view of an array's network description, for the
 * modules that model the same network another way (the transient RC read in
 * lib/read, the SPICE decks in lib/spice). Together with the public
 * accessors (xb_array_rows/cols, xb_array_g, xb_array_get_line) it gives
 * everything such a model needs without the array's struct: the per-segment
 * wires, the cell source and the rule for a nonlinear I-V. Not installed;
 * implemented in array.c.
 */
#ifndef XBAR_ARRAY_VIEW_H
#define XBAR_ARRAY_VIEW_H

#include <xbar/array.h>

/* Resistance (Ohm) of wire segment (i, j) of `axis`: for XB_ROW the segment
 * of row i between columns j and j + 1 (j < M - 1), for XB_COL the segment
 * of column j between rows i and i + 1 (i < N - 1); the uniform value when
 * no per-segment wires are set. */
double xb__array_rw(const xb_array *a, int axis, size_t i, size_t j);

/* The cell array set with xb_array_set_cells, or NULL (plain
 * conductances). */
const xb_cells *xb__array_cells(const xb_array *a);

/* 1 when the cells have a nonlinear I-V (the solve then runs Newton), 0
 * otherwise: the one rule for every model that can only take ohmic cells. */
int xb__array_nonlinear(const xb_array *a);

/* Conductance (S) of the source connection at each end of a line (0 if
 * none). */
static inline void xb__line_ends(const xb_line *l, double *g_near,
                                 double *g_far)
{
  double g = l->mode == XB_LINE_FLOAT ? 0.0 : 1.0 / l->r;
  *g_near = (l->ends & XB_END_NEAR) ? g : 0.0;
  *g_far = (l->ends & XB_END_FAR) ? g : 0.0;
}

#endif
