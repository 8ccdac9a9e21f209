/*
 * Private definitions of the transient read (xb_read_transient in
 * xbar/read.h), shared by its files. Not installed.
 *
 *   transient.c          the read: set-up, DC start state, thresholds,
 *                        choice of method, restoring the array;
 *   transient_matrix.c   the sparse G, M and b of the full RC network, and
 *                        dense Cholesky for the small SPD matrices;
 *   transient_events.c   the comparators: the event loop over either
 *                        integrator, through xb__tr_integ_type;
 *   transient_full.c     full method: IDA with its own KLU linear solver;
 *   transient_reduced.c  reduced method: the quasi-static reduction, CVODE.
 *
 * Only the two method files include SUNDIALS, each the integrator it
 * drives (IDA, CVODE: separate SUNDIALS packages); this header and the
 * other three files do not, so the event loop and the network are written
 * once for both.
 */
#ifndef XBAR_TRANSIENT_IMPL_H
#define XBAR_TRANSIENT_IMPL_H

#include <stdint.h>

#include <xbar/read.h>

#include "../array/array_view.h"
#include "../core/core_impl.h"

/* Node and sparse-matrix index: SUNDIALS' sunindextype (built with 64-bit
 * indices) and KLU's SuiteSparse_long (klu_l_*). */
typedef int64_t xb__tr_index;

/* Comparator phase of a read circuit: integrating, output about to rise
 * (a spike: the reset gate closes t_delay after the threshold), resetting,
 * output about to fall (the gate opens). */
enum { XB__TR_INT, XB__TR_PEND_ON, XB__TR_RESET, XB__TR_PEND_OFF };

/* The read circuit of one sensed line. */
typedef struct xb__tr_line {
  xb__tr_index node; /* integration node in the integrator's state */
  int phase;
  double pol;        /* +1, or -1 for a falling input */
  double vh, vl;     /* thresholds (mirrored frame) */
  double toggle;     /* time of the pending toggle */
  int count;
} xb__tr_line;

/* One run of either method: the circuits, the options and what the run
 * reports back. */
typedef struct xb__tr_run {
  const xb_read_params *rp;
  const xb_transient_params *P;
  xb__tr_line *ls;
  size_t nout;
  double *times;      /* up to cap spike times per line, or NULL */
  size_t cap;
  long nsteps;        /* integrator steps, summed over restarts */
  long nevents;       /* comparator toggles */
} xb__tr_run;

/* ---- the full RC network (transient_matrix.c) ---------------------------- */

/* G (conductances) and M (capacitances) of all 2NM nodes, row nodes then
 * column nodes, both row-major, on one CSC pattern (symmetric, rows sorted);
 * b the source terms, sw the reset-gate conductance per node. */
typedef struct xb__tr_net {
  xb__tr_index N, nnz;
  xb__tr_index *colptr, *rowval, *diag;
  double *gx, *mx, *b; /* G and M values on the shared pattern; rhs */
  double *sw;          /* reset-gate conductance per node (0 when open) */
  double v_reset;
  double cj;           /* IDA's c_j at the last Jacobian request */
  xb__tr_line *ls;     /* the run's circuits (not owned) */
  size_t nout;
} xb__tr_net;

/* Pattern and values of G, M and b for array a (its line settings, wires
 * and conductances) with wire capacitance cw at every node and cr across
 * every cell. XB_ENOMEM (no message) when out of memory. */
int xb__tr_net_assemble(xb__tr_net *T, const xb_array *a, double cw,
                        double cr);
void xb__tr_net_free(xb__tr_net *T);

/* In place: the lower triangle of the SPD matrix A (k x k, row-major)
 * becomes L with A = L L^T (the upper triangle is not read). Returns -1 if
 * A is not positive definite. */
int xb__tr_chol(double *A, size_t k);
/* x <- (L L^T)^-1 x for the factor L of xb__tr_chol. */
void xb__tr_chol_solve(const double *L, size_t k, double *x);

/* ---- the comparators (transient_events.c) -------------------------------- */

/* The integrator behind the event loop; `mem` is the method's own state. */
typedef struct xb__tr_integ_type {
  const char *name; /* for messages */
  /* Advance to tout, or to the next root before it, setting *t. Returns
   * the integrator's flag when < 0 (failure), 1 at a root (found[k] set
   * for the lines that crossed), 0 otherwise. */
  int (*advance)(void *mem, double tout, double *t, int *found);
  /* Steps since the start or the last restart. */
  long (*steps)(void *mem);
  /* Root directions per line: 1 rising, -1 falling, 0 none. */
  void (*directions)(void *mem, int *dir);
  /* Restart at t after a toggle (< 0: failure). */
  int (*restart)(void *mem, double t);
  /* The present state vector (indexed by xb__tr_line.node). */
  const double *(*state)(void *mem);
} xb__tr_integ_type;

/* Threshold functions of the lines' comparators in the mirrored frame,
 * g[k] for state y; pending lines have none (g = 1). */
void xb__tr_thresholds(const xb__tr_line *ls, size_t nout, double v_reset,
                       const double *y, double *g);

/* Integrate over the read window with the comparator state machine; sw[k]
 * points to line k's gate conductance in the method's equations. */
int xb__tr_event_loop(xb__tr_run *run, const xb__tr_integ_type *type,
                      void *mem, double **sw, xb_err *err);

/* ---- the methods --------------------------------------------------------- */

/* Full network from the DC state y0 (2NM node voltages); the sensed lines
 * of out_axis float (their circuits replace the sources). */
int xb__tr_run_full(xb_array *a, xb__tr_run *run, const double *y0,
                    int out_axis, xb_err *err);
/* Quasi-static reduction onto the integration nodes, I0 the DC currents
 * into them at V_reset. Changes the array's line settings (the caller
 * restores them). */
int xb__tr_run_reduced(xb_array *a, xb__tr_run *run, int in_axis,
                       const double *I0, xb_err *err);

#endif
