/*
 * SPICE layer: netlists of the crossbar network and an in-process ngspice.
 *
 * Three parts, used together for the differential tests of the array
 * solver (xbar vs ngspice) and, later, for transient checks of the cells:
 *
 *   Netlist writer  xb_spice_netlist() writes the network of an xb_array
 *                   exactly as xbar models it (xbar/array.h): one resistor
 *                   per row and column wire segment, one element per cell,
 *                   and per connected line end a resistor to a DC voltage
 *                   source. Floating lines get nothing. The cell elements
 *                   come from a cell type (xb_spice_cell_type); the built-in
 *                   xb_spice_cell_resistor writes R = 1/g for the DC solve.
 *                   A behavioral RRAM cell (a B-source current driven by a
 *                   state capacitor, the usual memristor-in-SPICE model, for
 *                   transients) is another cell type plus its own analysis
 *                   card; the writer itself does not change.
 *   Runner          xb_spice wraps ngspice's shared library (libngspice):
 *                   load a netlist from a string, run it, read vectors,
 *                   capture everything ngspice prints, and turn its error
 *                   messages into xbar status codes.
 *   Comparison      xb_spice_array_currents() solves an array in ngspice and
 *                   returns the line currents in xbar's convention, to be
 *                   compared with xb_array_line_i() by xb_spice_max_rel_err().
 *
 * Netlist names (ngspice lowercases everything, so the writer does too):
 *   nodes     r<i>_<j>  row node of cell (i, j)      (0-based indices)
 *             c<i>_<j>  column node of cell (i, j)
 *             sr<i>n, sr<i>f, sc<j>n, sc<j>f  source side of the line
 *                       resistance at the near (n) / far (f) end
 *   elements  rr<i>_<j>   row i segment between columns j and j+1
 *             rc<i>_<j>   column j segment between rows i and i+1
 *             rx<i>_<j>   cell (i, j) (resistor cell type)
 *             rsrow<i>n / rsrow<i>f / rscol<j>n / rscol<j>f  line resistance
 *             vrow<i>n / vrow<i>f / vcol<j>n / vcol<j>f      line source
 * The near end of a row is column 0, of a column row 0; the far end is
 * column M-1 / row N-1. Each source's + terminal faces the array, so its
 * ngspice branch current ("vcol3f#branch", current into the + terminal)
 * is the current flowing from the line into that source, xbar's line
 * current convention; xb_spice_branch_name() builds these names.
 *
 * ngspice is a process-wide singleton (one set of callbacks, one circuit
 * list, one plot list): only one xb_spice may exist at a time in a process,
 * and it must be used from one thread. Calls block; ngspice's background
 * thread ("bg_*" commands) is not used. libngspice reads a `.spiceinit`
 * file from the current directory when a runner is created: run from a
 * directory you control. Units: V, A, Ohm, S.
 *
 * Workload: cross-checks up to about 32 x 32 (ngspice 39 factors with
 * Sparse 1.3; a 64 x 64 array takes seconds, 128 x 128 minutes).
 */
#ifndef XBAR_SPICE_H
#define XBAR_SPICE_H

#include <stddef.h>
#include <stdio.h>
#include <xbar/array.h>
#include <xbar/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- netlist writer ------------------------------------------------------ */

/* How the cells of the array are written. A type is a static const
 * descriptor shared by every netlist that uses it. */
typedef struct xb_spice_cell_type {
  const char *name; /* "resistor", ... */
  /* Optional (NULL: nothing). Lines written once, after the title and
   * before any element: .model, .subckt, .param, .ic cards. Returns 0 or
   * a negative XB_E* code (err may be NULL). */
  int (*preamble)(FILE *f, const xb_array *a, void *ctx, xb_err *err);
  /* Required. The element(s) of cell (i, j) between the nodes named
   * `row_node` and `col_node`; `g` is the cell's present conductance (S,
   * >= 0). Element names must be unique: build them from i and j (e.g.
   * "bx<i>_<j>"), never starting with the names listed at the top. The
   * current of the cell must flow row node -> column node for positive
   * V(row) - V(col). Returns 0 or a negative XB_E* code. */
  int (*cell)(FILE *f, const xb_array *a, size_t i, size_t j,
              const char *row_node, const char *col_node, double g,
              void *ctx, xb_err *err);
} xb_spice_cell_type;

/* DC cell: resistor rx<i>_<j> of 1/g Ohm. Open cells (g == 0) are left out
 * of the netlist (no element), the same open circuit xbar solves. Arrays
 * whose cells have a nonlinear I-V cannot use it (XB_EINVAL). */
extern const xb_spice_cell_type *const xb_spice_cell_resistor;

/* Netlist options. An all-zero struct (or a NULL pointer) means: resistor
 * cells, a generated title, ".op". */
typedef struct xb_spice_netlist_opts {
  const xb_spice_cell_type *cell; /* NULL: xb_spice_cell_resistor */
  void *cell_ctx;                 /* handed to the cell type's functions */
  const char *title;    /* first line (one line, no '\n'); NULL: generated */
  const char *analysis; /* analysis card(s) before ".end"; NULL: ".op" */
} xb_spice_netlist_opts;

/* Fill `o` with the defaults (all zero). */
void xb_spice_netlist_opts_default(xb_spice_netlist_opts *o);

/* Write the netlist of `a`'s network, with its present conductances, wire
 * resistances and line boundary conditions, to `f`: title, preamble, wire
 * segments, cells, line resistances and sources, the analysis card(s),
 * ".end". Numbers are written with 17 significant digits, so the netlist
 * holds the same doubles as the array. `o` may be NULL (defaults). The
 * array is only read. Returns XB_OK; XB_EINVAL for a NULL array or file,
 * a title with a line break, or nonlinear cells with the resistor type;
 * XB_EIO when writing fails; a cell type's own code. On error `f` may hold
 * a partial netlist. */
int xb_spice_netlist(const xb_array *a, const xb_spice_netlist_opts *o,
                     FILE *f, xb_err *err);

/* The same netlist in a new NUL-terminated string the caller frees with
 * free(). Returns NULL (and fills err) on failure. */
char *xb_spice_netlist_string(const xb_array *a,
                              const xb_spice_netlist_opts *o, xb_err *err);

/* Name of the ngspice vector holding the branch current of the source at
 * end `end` (XB_END_NEAR or XB_END_FAR) of line k of `axis`, e.g.
 * "vrow2n#branch", written to buf (snprintf semantics). Returns XB_OK,
 * XB_EINVAL for a bad axis or end, XB_ESIZE when buf is too small (the
 * name is then truncated but still NUL-terminated if n > 0). */
int xb_spice_branch_name(int axis, size_t k, int end, char *buf, size_t n);

/* ---- ngspice runner ------------------------------------------------------ */

typedef struct xb_spice xb_spice;

/* Initialise libngspice and attach a new runner to it (all six callbacks
 * registered, the runner as their user data). Only one runner may exist at
 * a time in a process; after a runner was ended by ngspice (see
 * xb_spice_alive), ngspice must not be used again in the process. Each
 * creation costs about 100 kB that libngspice never frees (ngSpice_Init
 * leaks): create one runner and load many netlists into it. Returns NULL
 * and fills err (XB_ENOMEM, XB_EEXTERNAL) on failure. */
xb_spice *xb_spice_create(xb_err *err);

/* Detach ngspice from the runner (its callbacks then discard everything)
 * and free it. The last circuit stays loaded in ngspice until the next
 * runner loads another one. NULL is a no-op. */
void xb_spice_free(xb_spice *s);

/* Load a netlist (lines separated by '\n'; '\r' is dropped; the first line
 * is the title; the last non-empty line must be ".end"), replacing the
 * previous circuit and deleting all vectors of earlier runs. Clears the
 * captured output first. Returns XB_OK; XB_EINVAL for NULL arguments or a
 * netlist without ".end"; XB_EEXTERNAL when ngspice reports an error while
 * parsing (the message quotes ngspice's error line) or when ngspice has
 * ended the runner; XB_ENOMEM. */
int xb_spice_load(xb_spice *s, const char *netlist, xb_err *err);

/* Run the analyses of the loaded netlist (ngspice "run"; blocking).
 * Returns XB_OK; XB_ESINGULAR when ngspice reports a singular matrix (a
 * floating node or a loop of voltage sources; ngspice may still produce
 * numbers through gmin stepping, but they are not the circuit's);
 * XB_EEXTERNAL for any other error ngspice reports (no circuit, no
 * analysis card, time step too small, ...) and when ngspice has ended the
 * runner. */
int xb_spice_run(xb_spice *s, xb_err *err);

/* Execute one ngspice command (e.g. "op", "tran 1n 1u", "quit"), blocking,
 * with the same error detection as xb_spice_run. Commands that start a
 * background thread ("bg_...") and "remcirc" (xb_spice_load replaces
 * circuits) are refused with XB_EINVAL. "quit" returns XB_OK and ends the
 * runner: xb_spice_alive() becomes 0 and every later call on it fails with
 * XB_EEXTERNAL; the process keeps running. */
int xb_spice_command(xb_spice *s, const char *cmd, xb_err *err);

/* Copy the real vector `name` of the current plot ("v(r0_3)", "r0_3",
 * "vcol2f#branch"; case-insensitive) into out[0 .. len-1] and set *len
 * (len may be NULL). With out == NULL only *len is set. Returns XB_OK;
 * XB_EKEY when no such vector exists; XB_ESIZE when cap < length (nothing
 * copied, *len set); XB_ETYPE for a complex vector; XB_EINVAL, XB_ENOMEM;
 * XB_EEXTERNAL when ngspice has ended the runner. */
int xb_spice_vec(xb_spice *s, const char *name, double *out, size_t cap,
                 size_t *len, xb_err *err);

/* Everything ngspice printed since the last xb_spice_load (or since
 * creation), one line per message, each starting with "stdout " or
 * "stderr " as ngspice sends it and ending with '\n'. Never NULL ("" when
 * empty); owned by the runner and valid until its next call. */
const char *xb_spice_output(const xb_spice *s);

/* 1 while ngspice is usable, 0 after ngspice asked to exit (the "quit"
 * command, or an internal error it cannot recover from). */
int xb_spice_alive(const xb_spice *s);

/* ---- comparison ---------------------------------------------------------- */

/* Solve the array's present network in ngspice (.op on the netlist of
 * xb_spice_netlist with resistor cells) and return the current flowing
 * from each line into its source(s), summed over the line's ends (A): the
 * quantity xb_array_line_i() returns, 0 for floating lines. i_row (length
 * N) and i_col (length M) may each be NULL; they are written only on
 * success. The array is not solved or changed. Codes as xb_spice_netlist,
 * xb_spice_load, xb_spice_run; XB_EKEY if a source current is missing. The
 * runner's output (xb_spice_output) is that of this circuit. */
int xb_spice_array_currents(xb_spice *s, const xb_array *a, double *i_row,
                            double *i_col, xb_err *err);

/* max_k |x_k - ref_k| / |ref_k| over k < n; a pair with ref_k == 0 counts
 * 0 if x_k == 0 too and +inf otherwise; NaN in either gives NaN. 0 for
 * n == 0. */
double xb_spice_max_rel_err(const double *x, const double *ref, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_SPICE_H */
