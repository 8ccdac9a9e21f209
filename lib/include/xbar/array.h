/*
 * Crosspoint array: exact DC solve of the whole resistive network.
 *
 * An N x M passive (0T1R) array (seed 000 Fig. 2.2, 2.4, 2.19; SPEC section
 * 2). Every cell (i, j) joins row node R(i,j) to column node C(i,j) with
 * conductance g(i,j). Row i is a wire of M - 1 segments R(i,j)--R(i,j+1);
 * column j a wire of N - 1 segments C(i,j)--C(i+1,j); each segment has its
 * own resistance. Each line has a boundary condition:
 *   XB_LINE_DRIVE  a voltage source v behind the driver resistance r_drive,
 *   XB_LINE_SENSE  a virtual ground (source v, usually 0) behind the sense
 *                  resistance r_sense; the current into it is the output,
 *   XB_LINE_FLOAT  tri-stated: no connection at either end,
 * connected at the line's near end (row: column 0; column: row 0), far end
 * (row: column M-1; column: row N-1), or both.
 *
 * The solve is exact nodal analysis of all 2NM nodes, no lumped cells:
 *
 *   [ T_r  -G ] [R]   [b_r]     T_r = row wire Laplacians + end terms + G
 *   [ -G  T_c ] [C] = [b_c]     T_c = column wire Laplacians + end terms + G
 *
 * The fast solver eliminates the column layer exactly (Schur complement
 * S = T_r - G T_c^-1 G, each T_c^-1 a set of tridiagonal column solves run
 * side by side across the columns) and runs preconditioned conjugate
 * gradients on the row layer with the row tridiagonal solves T_r^-1 as
 * preconditioner. Factorisations of both tridiagonal layers are kept until
 * the conductances, wires or line connections change, so the hundreds of
 * reads per write of a learning loop only pay for the iterations.
 *
 * Stopping test: the iteration stops when a bound on the error of every
 * line current is below tol * max(|I_line|, 1e-3 max |I|) (see cg.c);
 * a residual relative to ||b|| is not used, since ||b|| is dominated by the
 * large driver and wire conductances. A reference path assembles the full
 * nodal matrix and solves it with SuiteSparse KLU.
 *
 * Nonlinear cells (a device with a sinh I-V): Newton iteration, each step a
 * linear solve of the same structure with the cells' dI/dV.
 *
 * Units: V, A, S, Ohm. Arrays of per-cell values are row-major, N * M.
 */
#ifndef XBAR_ARRAY_H
#define XBAR_ARRAY_H

#include <stddef.h>
#include <xbar/device.h>
#include <xbar/error.h>
#include <xbar/param.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Array wiring and solver settings. Section [array]. */
#define XB_ARRAY_PARAMS(X)                                                    \
  X(double, rw_row, "Ohm", 0.634, 1e-6, 1e9,                                  \
    "row wire resistance per segment (seed: 0.634 Ohm, 65 nm M6-M7)")         \
  X(double, rw_col, "Ohm", 0.634, 1e-6, 1e9,                                  \
    "column wire resistance per segment")                                     \
  X(double, r_drive, "Ohm", 1.0, 1e-6, 1e12, "driver output resistance")      \
  X(double, r_sense, "Ohm", 1.0, 1e-6, 1e12, "sense input resistance")        \
  X(int, row_ends, "1", 1, 1, 3,                                              \
    "row connections: 1 near end (column 0), 2 far end, 3 both")              \
  X(int, col_ends, "1", 2, 1, 3,                                              \
    "column connections: 1 near end (row 0), 2 far end (row N-1), 3 both")    \
  X(int, solver, "1", 0, 0, 1, "0 fast (Schur + PCG), 1 KLU reference")       \
  X(double, tol, "1", 1e-9, 1e-15, 1e-2,                                      \
    "relative accuracy of the line currents")                                 \
  X(int, maxit, "1", 2000, 1, 1000000, "iteration limit of the fast solver")  \
  X(double, newton_tol, "1", 1e-9, 1e-15, 1e-2,                               \
    "Newton: relative change of the line currents to stop at")                \
  X(int, newton_maxit, "1", 50, 1, 10000, "Newton iteration limit")

typedef struct xb_array_params {
  XB_PARAM_STRUCT(XB_ARRAY_PARAMS)
} xb_array_params;
extern const xb_param_set xb_array_param_set;

typedef struct xb_array xb_array;

enum xb_axis { XB_ROW = 0, XB_COL = 1 };
enum xb_line_mode { XB_LINE_FLOAT = 0, XB_LINE_DRIVE = 1, XB_LINE_SENSE = 2 };
enum xb_line_end { XB_END_NEAR = 1, XB_END_FAR = 2, XB_END_BOTH = 3 };

/* Boundary condition of one line. */
typedef struct xb_line {
  int mode;   /* enum xb_line_mode */
  double v;   /* source voltage (V) for DRIVE and SENSE */
  int ends;   /* enum xb_line_end, where the source connects */
  double r;   /* resistance (Ohm) between the line end and the source */
} xb_line;

/* Create an N x M array (1 <= N, M, N*M <= 2^28) with every cell at
 * conductance 0 (call xb_array_set_g), uniform wires from `p` (NULL:
 * defaults), every row driven at 0 V and every column sensed at 0 V. */
xb_array *xb_array_create(size_t rows, size_t cols, const xb_array_params *p,
                          xb_err *err);
void xb_array_free(xb_array *a);

size_t xb_array_rows(const xb_array *a);
size_t xb_array_cols(const xb_array *a);
const xb_array_params *xb_array_params_of(const xb_array *a);

/* Set solver settings (solver, tol, maxit, newton_*) from p; wiring fields
 * of p are ignored (use the set_rw/set_line calls). */
int xb_array_set_solver(xb_array *a, const xb_array_params *p, xb_err *err);

/* Cell conductances, row-major N*M, copied. Each must be finite and >= 0
 * (0 = open cell). */
int xb_array_set_g(xb_array *a, const double *g, xb_err *err);
/* Conductances (and, for a nonlinear I-V, the device) from a cell array of
 * exactly N*M cells. The cells are read at each solve: they must outlive
 * the array or be detached with xb_array_set_g. */
int xb_array_set_cells(xb_array *a, const xb_cells *c, xb_err *err);
const double *xb_array_g(const xb_array *a);

/* Per-segment wire resistances: rows N*(M-1) (segment j of row i at
 * i*(M-1)+j), columns (N-1)*M (segment i of column j at i*M+j); NULL
 * restores the uniform value. Each must be finite and > 0. */
int xb_array_set_rw(xb_array *a, int axis, const double *rw, xb_err *err);

/* Boundary condition of line k of `axis`. */
int xb_array_set_line(xb_array *a, int axis, size_t k, const xb_line *l,
                      xb_err *err);
int xb_array_get_line(const xb_array *a, int axis, size_t k, xb_line *l);
/* Shorthands using the default ends and resistances of the parameters. */
int xb_array_drive(xb_array *a, int axis, size_t k, double v, xb_err *err);
int xb_array_sense(xb_array *a, int axis, size_t k, double v, xb_err *err);
int xb_array_float(xb_array *a, int axis, size_t k, xb_err *err);

/* Solve with the current conductances and boundary conditions. Codes:
 * XB_ESINGULAR when some set of nodes has no path to any source (the
 * message names a line), XB_ENOCONV when the iteration limit is reached.
 * On success the results below are valid until the next change. */
int xb_array_solve(xb_array *a, xb_err *err);

/* Results of the last successful solve (row-major N*M arrays; each output
 * pointer may be NULL). */
int xb_array_node_v(const xb_array *a, double *v_row, double *v_col);
/* Cell voltages V_row - V_col and currents (row node -> column node). */
int xb_array_cell_v(const xb_array *a, double *v_cell);
int xb_array_cell_i(const xb_array *a, double *i_cell);
/* Current flowing from each line of `axis` into its source(s), summed over
 * the line's ends (A); 0 for floating lines. For a sensed column this is
 * the read current. Length N (rows) or M (columns). */
int xb_array_line_i(const xb_array *a, int axis, double *i_line);

typedef struct xb_solve_stats {
  int iterations;     /* CG iterations (sum over Newton steps) */
  int newton;         /* Newton steps (0 for ohmic cells) */
  double err_bound;   /* final bound on relative line-current error */
  double seconds;     /* wall time of the solve */
} xb_solve_stats;
int xb_array_stats(const xb_array *a, xb_solve_stats *s);

/* ---- reads and write biasing ---------------------------------------------- */

/* Read: lines of `in_axis` with active[k] != 0 (NULL: all) are driven at
 * v_in[k]; inactive ones float (unselected = XB_LINE_FLOAT) or are driven
 * at v_bias (XB_LINE_DRIVE); every line of the other axis is sensed at
 * v_sense. out[] receives the sensed currents (length of the other axis).
 * in_axis = XB_ROW computes D.v (columns sensed), XB_COL the transpose. */
int xb_array_read(xb_array *a, int in_axis, const double *v_in,
                  const unsigned char *active, int unselected, double v_bias,
                  double v_sense, double *out, xb_err *err);

/* Write biasing: drive every row i at v_row[i] and every column j at
 * v_col[j] (through r_drive at the default ends) and solve. Under the V/2
 * scheme (SPEC section 2) the caller puts selected rows at Vw, selected
 * columns at 0 and every other line at Vw/2; xb_array_cell_v then gives each
 * cell's actual voltage, with the IR drop along the wires and the sneak
 * currents through half-selected cells, for the write path to program
 * from. */
int xb_array_bias_write(xb_array *a, const double *v_row, const double *v_col,
                        xb_err *err);

/* True relative residual ||b - A x||_2 / ||b||_2 of the last solve on the
 * full nodal system (costs about one iteration). */
int xb_array_residual(xb_array *a, double *res, xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_ARRAY_H */
