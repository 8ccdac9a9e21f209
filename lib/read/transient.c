/*
 * Transient integrate-and-fire read of an array (see xb_read_transient in
 * xbar/read.h). This is the only file that includes SUNDIALS.
 *
 * Full method (IDA):
 * The unknowns are all 2NM node voltages y (row nodes, then column nodes,
 * both row-major). With M the capacitance matrix (cw from every node to
 * ground, cr across every cell, c_int at each integration node) and G the
 * conductance matrix of the DC network (wires, cells, driver ends), the
 * circuit is the DAE
 *
 *   F(t, y, y') = M y' + (G + S(t)) y - b - S(t) V_reset = 0,
 *
 * S(t) the diagonal of the reset gates that are closed at time t. IDA
 * (BDF, variable order and step) integrates it with KLU on the sparse
 * Jacobian G + S + c_j M, whose pattern is that of G. Threshold crossings
 * are roots of V_k - V_h (integrating) or V_k - V_l (resetting); the
 * comparator delay is a pending toggle, reached with IDASetStopTime. A
 * toggle changes S, so the integrator is restarted there with consistent
 * derivatives (IDACalcIC). The start is the DC state with every integration
 * node held at V_reset.
 *
 * Reduced method (CVODE): the network's own time constants (fF against
 * Ohms to kOhms: sub-picosecond) are far below the reset time constant
 * (tens of ps) and the integration (ns), so the network is taken as
 * quasi-static: its node voltages are y = y0 + K (V - V_reset) for the
 * vector V of integration-node voltages, with y0 the DC state at
 * V = V_reset and column k of K the response to a unit step at integration
 * node k (one DC solve each, on the same factorisation). The currents into
 * the integration nodes are I0 + Y (V - V_reset), and the charge on the
 * network's capacitances projects onto the nodes as C_eff = diag(c_int) +
 * K^T M K (Galerkin). The nout-dimensional linear ODE
 *
 *   C_eff V' = I0 + (Y - S(t)) (V - V_reset)
 *
 * goes to CVODE (BDF, dense) with the same roots and toggles.
 *
 * Workload: the 16 x 16 and 32 x 32 cross-checks against ngspice and array
 * reads up to a few hundred lines; a read window holds a few spikes per
 * line, so a run has a few hundred toggles.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cvode/cvode.h>
#include <ida/ida.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include <xbar/read.h>

#include "../array/array_impl.h"

#define XB_PARAM_T xb_transient_params
XB_PARAM_SET_DEFINE(xb_transient_param_set, "transient", XB_TRANSIENT_PARAMS,
                    NULL)
#undef XB_PARAM_T

enum { PH_INT, PH_PEND_ON, PH_RESET, PH_PEND_OFF };

typedef struct line_state {
  sunindextype node; /* integration node */
  int phase;
  double pol;        /* +1, or -1 for a falling input */
  double vh, vl;     /* thresholds (mirrored frame) */
  double toggle;     /* time of the pending toggle */
  int count;
} line_state;

typedef struct tr {
  sunindextype N, nnz;
  sunindextype *colptr, *rowval, *diag;
  double *gx, *mx, *b; /* G and M values on the shared pattern; rhs */
  double *sw;          /* reset-gate conductance per node (0 when open) */
  double v_reset;
  line_state *ls;
  size_t nout;
} tr;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* ---- assembly ----------------------------------------------------------------- */

/* Pattern and values of G and M (CSC, symmetric, rows sorted). Line ends
 * with a source contribute to G and b; floating lines nothing. */
static int assemble(tr *T, const xb_array *a, double cw, double cr)
{
  size_t n = a->n, m = a->m, nm = n * m;
  T->N = (sunindextype)(2 * nm);
  size_t cap = 8 * nm;
  T->colptr = malloc((2 * nm + 1) * sizeof(sunindextype));
  T->rowval = malloc(cap * sizeof(sunindextype));
  T->diag = malloc(2 * nm * sizeof(sunindextype));
  T->gx = malloc(cap * sizeof(double));
  T->mx = malloc(cap * sizeof(double));
  T->b = calloc(2 * nm, sizeof(double));
  T->sw = calloc(2 * nm, sizeof(double));
  if (!T->colptr || !T->rowval || !T->diag || !T->gx || !T->mx || !T->b ||
      !T->sw)
    return XB_ENOMEM;
  sunindextype p = 0;
#define PUT(row, gval, mval)                                                  \
  do {                                                                        \
    T->rowval[p] = (sunindextype)(row);                                       \
    T->gx[p] = (gval);                                                        \
    T->mx[p] = (mval);                                                        \
    p++;                                                                      \
  } while (0)
  for (size_t i = 0; i < n; i++) {
    double gn, gf;
    xb__line_ends(&a->row[i], &gn, &gf);
    for (size_t j = 0; j < m; j++) {
      size_t k = i * m + j;
      double g = a->g[k];
      double wl = j > 0 ? xb__wr(a, i, j - 1) : 0;
      double wr = j + 1 < m ? xb__wr(a, i, j) : 0;
      double ge = (j == 0 ? gn : 0) + (j + 1 == m ? gf : 0);
      T->colptr[k] = p;
      if (j > 0)
        PUT(k - 1, -wl, 0.0);
      T->diag[k] = p;
      PUT(k, wl + wr + g + ge, cw + cr);
      if (j + 1 < m)
        PUT(k + 1, -wr, 0.0);
      PUT(nm + k, -g, -cr);
      T->b[k] = ge * a->row[i].v;
    }
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) {
      double gn, gf;
      xb__line_ends(&a->col[j], &gn, &gf);
      size_t k = nm + i * m + j;
      double g = a->g[i * m + j];
      double wu = i > 0 ? xb__wc(a, i - 1, j) : 0;
      double wd = i + 1 < n ? xb__wc(a, i, j) : 0;
      double ge = (i == 0 ? gn : 0) + (i + 1 == n ? gf : 0);
      T->colptr[k] = p;
      PUT(k - nm, -g, -cr);
      if (i > 0)
        PUT(k - m, -wu, 0.0);
      T->diag[k] = p;
      PUT(k, wu + wd + g + ge, cw + cr);
      if (i + 1 < n)
        PUT(k + m, -wd, 0.0);
      T->b[k] = ge * a->col[j].v;
    }
#undef PUT
  T->colptr[2 * nm] = p;
  T->nnz = p;
  return XB_OK;
}

static void tr_free(tr *T)
{
  free(T->colptr);
  free(T->rowval);
  free(T->diag);
  free(T->gx);
  free(T->mx);
  free(T->b);
  free(T->sw);
  free(T->ls);
}

/* ---- IDA callbacks --------------------------------------------------------- */

static int resfn(realtype t, N_Vector yy, N_Vector yp, N_Vector rr, void *ud)
{
  (void)t;
  const tr *T = ud;
  const double *y = N_VGetArrayPointer(yy), *dy = N_VGetArrayPointer(yp);
  double *r = N_VGetArrayPointer(rr);
  for (sunindextype c = 0; c < T->N; c++)
    r[c] = -T->b[c] + T->sw[c] * (y[c] - T->v_reset);
  /* The matrices are symmetric: column c of G and M is row c. */
  for (sunindextype c = 0; c < T->N; c++) {
    double s = 0;
    for (sunindextype k = T->colptr[c]; k < T->colptr[c + 1]; k++) {
      sunindextype row = T->rowval[k];
      s += T->gx[k] * y[row] + T->mx[k] * dy[row];
    }
    r[c] += s;
  }
  return 0;
}

static int jacfn(realtype t, realtype cj, N_Vector yy, N_Vector yp,
                 N_Vector rr, SUNMatrix J, void *ud, N_Vector t1, N_Vector t2,
                 N_Vector t3)
{
  (void)t;
  (void)yy;
  (void)yp;
  (void)rr;
  (void)t1;
  (void)t2;
  (void)t3;
  const tr *T = ud;
  sunindextype *cp = SUNSparseMatrix_IndexPointers(J);
  sunindextype *rv = SUNSparseMatrix_IndexValues(J);
  double *x = SUNSparseMatrix_Data(J);
  memcpy(cp, T->colptr, (T->N + 1) * sizeof(sunindextype));
  memcpy(rv, T->rowval, T->nnz * sizeof(sunindextype));
  for (sunindextype k = 0; k < T->nnz; k++)
    x[k] = T->gx[k] + cj * T->mx[k];
  for (sunindextype c = 0; c < T->N; c++)
    x[T->diag[c]] += T->sw[c];
  return 0;
}

/* Threshold functions in the mirrored frame; pending lines have none. */
static int rootfn(realtype t, N_Vector yy, N_Vector yp, realtype *g, void *ud)
{
  (void)t;
  (void)yp;
  const tr *T = ud;
  const double *y = N_VGetArrayPointer(yy);
  for (size_t k = 0; k < T->nout; k++) {
    const line_state *l = &T->ls[k];
    double u = T->v_reset + l->pol * (y[l->node] - T->v_reset);
    if (l->phase == PH_INT)
      g[k] = u - l->vh;
    else if (l->phase == PH_RESET)
      g[k] = u - l->vl;
    else
      g[k] = 1.0;
  }
  return 0;
}

/* ---- event loop shared by both integrators --------------------------------------- */

/* The integrator behind the event loop. */
typedef struct integ {
  void *mem;
  int is_ida;
  N_Vector y, yp;     /* yp: IDA only */
  double h_restart;   /* first step after a restart */
  double t_end;
} integ;

static int integ_solve(integ *g, double tout, double *t)
{
  if (g->is_ida) {
    IDASetStopTime(g->mem, tout);
    return IDASolve(g->mem, tout, t, g->y, g->yp, IDA_NORMAL);
  }
  CVodeSetStopTime(g->mem, tout);
  return CVode(g->mem, tout, g->y, t, CV_NORMAL);
}

static long integ_steps(const integ *g)
{
  long s = 0;
  if (g->is_ida)
    IDAGetNumSteps(g->mem, &s);
  else
    CVodeGetNumSteps(g->mem, &s);
  return s;
}

static void integ_directions(integ *g, const line_state *ls, size_t nout,
                             int *dir)
{
  for (size_t k = 0; k < nout; k++)
    dir[k] = ls[k].phase == PH_INT ? 1 : (ls[k].phase == PH_RESET ? -1 : 0);
  if (g->is_ida)
    IDASetRootDirection(g->mem, dir);
  else
    CVodeSetRootDirection(g->mem, dir);
}

/* Restart at t (after a root, or a toggle when `changed`): the root
 * finder forgets the old root functions, and after a toggle the
 * derivatives jump (IDA recomputes consistent ones). */
static int integ_restart(integ *g, double t, int changed)
{
  int flag;
  if (g->is_ida) {
    if ((flag = IDAReInit(g->mem, t, g->y, g->yp)) < 0)
      return flag;
    IDASetInitStep(g->mem, g->h_restart);
    if (changed) {
      double h = fmin(1e-3 * g->t_end, 0.5 * (g->t_end - t));
      if ((flag = IDACalcIC(g->mem, IDA_YA_YDP_INIT, t + h)) < 0 ||
          (flag = IDAGetConsistentIC(g->mem, g->y, g->yp)) < 0)
        return flag;
    }
    return 0;
  }
  if ((flag = CVodeReInit(g->mem, t, g->y)) < 0)
    return flag;
  CVodeSetInitStep(g->mem, g->h_restart);
  return 0;
}

/* Integrate over [0, t_end] with the comparator state machine: a root of
 * an integrating line schedules the rising output t_d later (a spike: the
 * gate closes), a root of a resetting line schedules the falling output
 * (the gate opens). sw_on(k, on) sets line k's gate conductance. */
static int event_loop(integ *g, line_state *ls, size_t nout, double t_delay,
                      double g_reset, double **sw, double *times, size_t cap,
                      long *nsteps, long *nevents, xb_err *err)
{
  int *dir = malloc(nout * sizeof(int)), *found = malloc(nout * sizeof(int));
  int rc = XB_OK, flag;
  double t = 0;
  if (!dir || !found) {
    rc = xb__err(err, XB_ENOMEM, "root flags");
    goto done;
  }
  integ_directions(g, ls, nout, dir);
  while (t < g->t_end) {
    double next = g->t_end;
    for (size_t k = 0; k < nout; k++)
      if ((ls[k].phase == PH_PEND_ON || ls[k].phase == PH_PEND_OFF) &&
          ls[k].toggle < next)
        next = ls[k].toggle;
    int restart = 0, changed = 0;
    if (next > t) {
      flag = integ_solve(g, next, &t);
      if (flag < 0) {
        rc = xb__err(err, XB_ENOCONV,
                     "transient read: %s failed (flag %d) at t = %g s",
                     g->is_ida ? "IDA" : "CVODE", flag, t);
        goto done;
      }
      if (flag == (g->is_ida ? IDA_ROOT_RETURN : CV_ROOT_RETURN)) {
        if (g->is_ida)
          IDAGetRootInfo(g->mem, found);
        else
          CVodeGetRootInfo(g->mem, found);
        for (size_t k = 0; k < nout; k++) {
          if (!found[k])
            continue;
          if (ls[k].phase == PH_INT)
            ls[k].phase = PH_PEND_ON;
          else if (ls[k].phase == PH_RESET)
            ls[k].phase = PH_PEND_OFF;
          else
            continue;
          ls[k].toggle = t + t_delay;
          restart = 1;
        }
      }
    }
    for (size_t k = 0; k < nout; k++) { /* toggles that are due */
      line_state *l = &ls[k];
      if ((l->phase != PH_PEND_ON && l->phase != PH_PEND_OFF) ||
          l->toggle > t * (1 + 1e-12) + 1e-21)
        continue;
      if (l->phase == PH_PEND_ON) {
        if (times && (size_t)l->count < cap)
          times[k * cap + (size_t)l->count] = l->toggle;
        l->count++;
        *sw[k] = g_reset;
        l->phase = PH_RESET;
      } else {
        *sw[k] = 0.0;
        l->phase = PH_INT;
      }
      (*nevents)++;
      changed = restart = 1;
    }
    if (restart && t < g->t_end) {
      *nsteps += integ_steps(g); /* a restart zeroes the counter */
      if ((flag = integ_restart(g, t, changed)) < 0) {
        rc = xb__err(err, XB_ENOCONV, "transient read: restart failed "
                     "(flag %d) at t = %g s", flag, t);
        goto done;
      }
      integ_directions(g, ls, nout, dir);
    }
  }
  *nsteps += integ_steps(g);
done:
  free(dir);
  free(found);
  return rc;
}

/* ---- full method: IDA + KLU -------------------------------------------------------- */

static int run_full(xb_array *a, const xb_read_params *rp, const double *y0,
                    line_state *ls, size_t nout, int out_axis,
                    const xb_transient_params *P, double *times, size_t cap,
                    long *nsteps, long *nevents, xb_err *err)
{
  size_t n = a->n, m = a->m, nm = n * m;
  tr T = {0};
  SUNContext ctx = NULL;
  N_Vector yy = NULL, yp = NULL, idv = NULL;
  SUNMatrix J = NULL;
  SUNLinearSolver LS = NULL;
  void *ida = NULL;
  double **sw = malloc(nout * sizeof(double *));
  int rc = XB_OK, flag;
  if (!sw || assemble(&T, a, P->cw, P->cr)) {
    rc = xb__err(err, XB_ENOMEM, "transient read matrices");
    goto done;
  }
  T.v_reset = rp->v_reset;
  T.nout = nout;
  T.ls = ls;
  for (size_t k = 0; k < nout; k++) {
    ls[k].node = out_axis == XB_COL ? (sunindextype)(nm + (n - 1) * m + k)
                                    : (sunindextype)(k * m + (m - 1));
    T.mx[T.diag[ls[k].node]] += rp->c_int;
    sw[k] = &T.sw[ls[k].node];
  }
  if (SUNContext_Create(NULL, &ctx)) {
    rc = xb__err(err, XB_ENOMEM, "SUNDIALS context");
    goto done;
  }
  yy = N_VNew_Serial(T.N, ctx);
  yp = N_VNew_Serial(T.N, ctx);
  idv = N_VNew_Serial(T.N, ctx);
  J = SUNSparseMatrix(T.N, T.N, T.nnz, CSC_MAT, ctx);
  ida = IDACreate(ctx);
  LS = yy && J ? SUNLinSol_KLU(yy, J, ctx) : NULL;
  if (!yy || !yp || !idv || !J || !ida || !LS) {
    rc = xb__err(err, XB_ENOMEM, "IDA");
    goto done;
  }
  memcpy(N_VGetArrayPointer(yy), y0, 2 * nm * sizeof(double));
  N_VConst(0.0, yp);
  N_VConst(1.0, idv);
  if ((flag = IDAInit(ida, resfn, 0.0, yy, yp)) ||
      (flag = IDASStolerances(ida, P->rtol, P->atol)) ||
      (flag = IDASetUserData(ida, &T)) ||
      (flag = IDASetLinearSolver(ida, LS, J)) ||
      (flag = IDASetJacFn(ida, jacfn)) || (flag = IDASetId(ida, idv)) ||
      (flag = IDASetMaxNumSteps(ida, 1000000)) ||
      (flag = IDARootInit(ida, (int)nout, rootfn)) ||
      (flag = IDASetNoInactiveRootWarn(ida)) ||
      (flag = IDACalcIC(ida, IDA_YA_YDP_INIT, 1e-3 * rp->window)) < 0 ||
      (flag = IDAGetConsistentIC(ida, yy, yp)) < 0) {
    rc = xb__err(err, XB_ENOCONV, "transient read: IDA setup failed (%d)",
                 flag);
    goto done;
  }
  integ g = {ida, 1, yy, yp, 0.01 * rp->r_reset * rp->c_int, rp->window};
  rc = event_loop(&g, ls, nout, rp->t_delay, 1.0 / rp->r_reset, sw, times,
                  cap, nsteps, nevents, err);
done:
  if (ida)
    IDAFree(&ida);
  if (LS)
    SUNLinSolFree(LS);
  if (J)
    SUNMatDestroy(J);
  N_VDestroy(yy);
  N_VDestroy(yp);
  N_VDestroy(idv);
  if (ctx)
    SUNContext_Free(&ctx);
  T.ls = NULL; /* owned by the caller */
  tr_free(&T);
  free(sw);
  return rc;
}

/* ---- reduced method: quasi-static network, CVODE ------------------------------------- */

typedef struct red {
  size_t k;
  double vr;
  double *P;   /* C_eff^-1 I0 */
  double *Q;   /* C_eff^-1 Y, row-major */
  double *Ci;  /* C_eff^-1, row-major */
  double *sw;  /* gate conductance per line */
  line_state *ls;
} red;

static int red_rhs(realtype t, N_Vector y, N_Vector yd, void *ud)
{
  (void)t;
  const red *R = ud;
  const double *v = N_VGetArrayPointer(y);
  double *d = N_VGetArrayPointer(yd);
  size_t k = R->k;
  for (size_t a = 0; a < k; a++) {
    double s = R->P[a];
    for (size_t b = 0; b < k; b++) {
      double u = v[b] - R->vr;
      s += (R->Q[a * k + b] - R->Ci[a * k + b] * R->sw[b]) * u;
    }
    d[a] = s;
  }
  return 0;
}

static int red_jac(realtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *ud,
                   N_Vector t1, N_Vector t2, N_Vector t3)
{
  (void)t;
  (void)y;
  (void)fy;
  (void)t1;
  (void)t2;
  (void)t3;
  const red *R = ud;
  size_t k = R->k;
  for (size_t a = 0; a < k; a++)
    for (size_t b = 0; b < k; b++)
      SM_ELEMENT_D(J, a, b) = R->Q[a * k + b] - R->Ci[a * k + b] * R->sw[b];
  return 0;
}

static int red_root(realtype t, N_Vector y, realtype *g, void *ud)
{
  (void)t;
  const red *R = ud;
  const double *v = N_VGetArrayPointer(y);
  for (size_t k = 0; k < R->k; k++) {
    const line_state *l = &R->ls[k];
    double u = R->vr + l->pol * (v[k] - R->vr);
    g[k] = l->phase == PH_INT ? u - l->vh
                              : (l->phase == PH_RESET ? u - l->vl : 1.0);
  }
  return 0;
}

/* In-place inverse of the SPD matrix A (k x k) by Cholesky. */
static int spd_inverse(double *A, size_t k, double *work)
{
  double *L = work; /* k*k */
  memset(L, 0, k * k * sizeof(double));
  for (size_t j = 0; j < k; j++) {
    double s = A[j * k + j];
    for (size_t p = 0; p < j; p++)
      s -= L[j * k + p] * L[j * k + p];
    if (!(s > 0))
      return -1;
    L[j * k + j] = sqrt(s);
    for (size_t i = j + 1; i < k; i++) {
      double t = A[i * k + j];
      for (size_t p = 0; p < j; p++)
        t -= L[i * k + p] * L[j * k + p];
      L[i * k + j] = t / L[j * k + j];
    }
  }
  /* Columns of A^-1: solve L L^T x = e_c. */
  for (size_t c = 0; c < k; c++) {
    double *x = A + c * k; /* row c of the (symmetric) inverse */
    for (size_t i = 0; i < k; i++) {
      double t = i == c ? 1.0 : 0.0;
      for (size_t p = 0; p < i; p++)
        t -= L[i * k + p] * x[p];
      x[i] = t / L[i * k + i];
    }
    for (size_t i = k; i-- > 0;) {
      double t = x[i];
      for (size_t p = i + 1; p < k; p++)
        t -= L[p * k + i] * x[p];
      x[i] = t / L[i * k + i];
    }
  }
  return 0;
}

static int run_reduced(xb_array *a, const xb_read_params *rp, int in_axis,
                       const double *I0, line_state *ls, size_t nout,
                       const xb_transient_params *P, double *times,
                       size_t cap, long *nsteps, long *nevents, xb_err *err)
{
  size_t n = a->n, m = a->m, nm = n * m, k = nout;
  int out_axis = 1 - in_axis;
  size_t nin = in_axis == XB_ROW ? n : m;
  red R = {0};
  R.k = k;
  R.vr = rp->v_reset;
  R.ls = ls;
  double *K = malloc(k * 2 * nm * sizeof(double));
  double *C = calloc(k * k, sizeof(double)), *Y = malloc(k * k * sizeof(double));
  double *work = malloc(k * k * sizeof(double));
  double *Icol = malloc(k * sizeof(double));
  R.P = calloc(k, sizeof(double));
  R.Q = calloc(k * k, sizeof(double));
  R.Ci = C;
  R.sw = calloc(k, sizeof(double));
  double **sw = malloc(k * sizeof(double *));
  SUNContext ctx = NULL;
  N_Vector y = NULL;
  SUNMatrix J = NULL;
  SUNLinearSolver LS = NULL;
  void *cv = NULL;
  int rc = XB_OK, flag;
  if (!K || !C || !Y || !work || !Icol || !R.P || !R.Q || !R.sw || !sw) {
    rc = xb__err(err, XB_ENOMEM, "reduced transient of %zu lines", k);
    goto done;
  }
  /* Unit responses: every source at 0 V but integration node j at 1 V.
   * The line settings (connections) stay, so the factorisation is reused. */
  for (size_t l = 0; l < nin && !rc; l++) {
    xb_line L;
    xb_array_get_line(a, in_axis, l, &L);
    if (L.mode != XB_LINE_FLOAT) {
      L.v = 0.0;
      rc = xb_array_set_line(a, in_axis, l, &L, err);
    }
  }
  for (size_t j = 0; j < k && !rc; j++) {
    for (size_t l = 0; l < k && !rc; l++) {
      xb_line L = {XB_LINE_SENSE, l == j ? 1.0 : 0.0, XB_END_FAR, 1e-6};
      rc = xb_array_set_line(a, out_axis, l, &L, err);
    }
    if (!rc)
      rc = xb_array_solve(a, err);
    if (!rc)
      rc = xb_array_node_v(a, K + j * 2 * nm, K + j * 2 * nm + nm);
    if (!rc)
      rc = xb_array_line_i(a, out_axis, Icol);
    for (size_t l = 0; !rc && l < k; l++)
      Y[l * k + j] = Icol[l];
  }
  if (rc)
    goto done;
  /* C_eff = diag(c_int) + K^T M K: cw on every node, cr across every cell. */
  for (size_t p = 0; p < k; p++)
    for (size_t q = p; q < k; q++) {
      const double *kp = K + p * 2 * nm, *kq = K + q * 2 * nm;
      double sn = 0, sc = 0;
      for (size_t c = 0; c < 2 * nm; c++)
        sn += kp[c] * kq[c];
      for (size_t c = 0; c < nm; c++)
        sc += (kp[c] - kp[nm + c]) * (kq[c] - kq[nm + c]);
      double v = P->cw * sn + P->cr * sc + (p == q ? rp->c_int : 0.0);
      C[p * k + q] = C[q * k + p] = v;
    }
  if (spd_inverse(C, k, work)) {
    rc = xb__err(err, XB_ESINGULAR, "effective capacitance not positive");
    goto done;
  }
  for (size_t p = 0; p < k; p++) {
    double s = 0;
    for (size_t q = 0; q < k; q++)
      s += C[p * k + q] * I0[q];
    R.P[p] = s;
    for (size_t q = 0; q < k; q++) {
      double t = 0;
      for (size_t l = 0; l < k; l++)
        t += C[p * k + l] * Y[l * k + q];
      R.Q[p * k + q] = t;
    }
  }
  for (size_t j = 0; j < k; j++) {
    ls[j].node = (sunindextype)j;
    sw[j] = &R.sw[j];
  }
  if (SUNContext_Create(NULL, &ctx)) {
    rc = xb__err(err, XB_ENOMEM, "SUNDIALS context");
    goto done;
  }
  y = N_VNew_Serial((sunindextype)k, ctx);
  J = SUNDenseMatrix((sunindextype)k, (sunindextype)k, ctx);
  cv = CVodeCreate(CV_BDF, ctx);
  LS = y && J ? SUNLinSol_Dense(y, J, ctx) : NULL;
  if (!y || !J || !cv || !LS) {
    rc = xb__err(err, XB_ENOMEM, "CVODE");
    goto done;
  }
  N_VConst(rp->v_reset, y);
  if ((flag = CVodeInit(cv, red_rhs, 0.0, y)) ||
      (flag = CVodeSStolerances(cv, P->rtol, P->atol)) ||
      (flag = CVodeSetUserData(cv, &R)) ||
      (flag = CVodeSetLinearSolver(cv, LS, J)) ||
      (flag = CVodeSetJacFn(cv, red_jac)) ||
      (flag = CVodeSetMaxNumSteps(cv, 1000000)) ||
      (flag = CVodeRootInit(cv, (int)k, red_root)) ||
      (flag = CVodeSetNoInactiveRootWarn(cv))) {
    rc = xb__err(err, XB_ENOCONV, "transient read: CVODE setup failed (%d)",
                 flag);
    goto done;
  }
  integ g = {cv, 0, y, NULL, 0.01 * rp->r_reset * rp->c_int, rp->window};
  rc = event_loop(&g, ls, k, rp->t_delay, 1.0 / rp->r_reset, sw, times, cap,
                  nsteps, nevents, err);
done:
  if (cv)
    CVodeFree(&cv);
  if (LS)
    SUNLinSolFree(LS);
  if (J)
    SUNMatDestroy(J);
  N_VDestroy(y);
  if (ctx)
    SUNContext_Free(&ctx);
  free(K);
  free(C);
  free(Y);
  free(work);
  free(Icol);
  free(R.P);
  free(R.Q);
  free(R.sw);
  free(sw);
  return rc;
}

/* ---- the read ------------------------------------------------------------------ */

int xb_read_transient(const xb_read *r, xb_array *a, int in_axis,
                      const double *v_in, const unsigned char *active,
                      int unselected, double v_bias,
                      const signed char *polarity,
                      const xb_transient_params *tp, int *spikes,
                      double *times, size_t cap, xb_transient_stats *stats,
                      xb_err *err)
{
  double t_wall = now();
  if (!r || !a || !v_in || !spikes || (in_axis != XB_ROW && in_axis != XB_COL))
    return xb__err(err, XB_EINVAL, "NULL argument or bad axis");
  if (unselected != XB_LINE_FLOAT && unselected != XB_LINE_DRIVE)
    return xb__err(err, XB_EINVAL,
                   "unselected lines must float or be driven at a bias");
  xb_transient_params P;
  if (tp)
    P = *tp;
  else
    xb_param_defaults(&xb_transient_param_set, &P);
  int rc = xb_param_check(&xb_transient_param_set, &P, err);
  if (rc)
    return rc;
  if (a->cells) {
    const xb_device *d = xb_cells_device(a->cells);
    if (xb_device_type_of(d)->iv || xb_device_elec(d)->iv)
      return xb__err(err, XB_EINVAL,
                     "transient read supports ohmic cells only");
  }
  const xb_read_params *rp = xb_read_params_of(r);
  int out_axis = 1 - in_axis;
  size_t n = a->n, m = a->m, nm = n * m;
  size_t nin = in_axis == XB_ROW ? n : m, nout = out_axis == XB_ROW ? n : m;
  xb_line *save_r = malloc(n * sizeof(xb_line));
  xb_line *save_c = malloc(m * sizeof(xb_line));
  double *y0 = malloc(2 * nm * sizeof(double));
  double *I0 = malloc(nout * sizeof(double));
  line_state *ls = calloc(nout, sizeof(line_state));
  long nsteps = 0, nevents = 0;
  if (!save_r || !save_c || !y0 || !I0 || !ls) {
    rc = xb__err(err, XB_ENOMEM, "transient read");
    goto done;
  }
  memcpy(save_r, a->row, n * sizeof(xb_line));
  memcpy(save_c, a->col, m * sizeof(xb_line));

  /* Inputs as asked; each output line held at V_reset at its far end (the
   * integration node): the DC starting state and the currents I0. */
  for (size_t k = 0; k < nin && !rc; k++) {
    if (!active || active[k])
      rc = xb_array_drive(a, in_axis, k, v_in[k], err);
    else if (unselected == XB_LINE_DRIVE)
      rc = xb_array_drive(a, in_axis, k, v_bias, err);
    else
      rc = xb_array_float(a, in_axis, k, err);
  }
  for (size_t k = 0; k < nout && !rc; k++) {
    xb_line l = {XB_LINE_SENSE, rp->v_reset, XB_END_FAR, 1e-6};
    rc = xb_array_set_line(a, out_axis, k, &l, err);
  }
  if (!rc)
    rc = xb_array_solve(a, err);
  if (!rc)
    rc = xb_array_node_v(a, y0, y0 + nm);
  if (!rc)
    rc = xb_array_line_i(a, out_axis, I0);
  if (rc)
    goto done;
  for (size_t k = 0; k < nout; k++) {
    ls[k].pol = polarity && polarity[k] < 0 ? -1.0 : 1.0;
    ls[k].vh = xb_read_threshold(r, I0[k]) + rp->offset;
    ls[k].vl = rp->v_tl + rp->offset;
    ls[k].phase = PH_INT;
  }
  if (P.method == 1) {
    /* The full network: output lines have no source of their own. */
    for (size_t k = 0; k < nout && !rc; k++)
      rc = xb_array_float(a, out_axis, k, err);
    if (!rc)
      rc = run_full(a, rp, y0, ls, nout, out_axis, &P, times, cap, &nsteps,
                    &nevents, err);
  } else {
    rc = run_reduced(a, rp, in_axis, I0, ls, nout, &P, times, cap, &nsteps,
                     &nevents, err);
  }
  for (size_t k = 0; !rc && k < nout; k++)
    spikes[k] = ls[k].count;

done:
  if (save_r && save_c) {
    for (size_t i = 0; i < n; i++)
      xb_array_set_line(a, XB_ROW, i, &save_r[i], NULL);
    for (size_t j = 0; j < m; j++)
      xb_array_set_line(a, XB_COL, j, &save_c[j], NULL);
  }
  free(save_r);
  free(save_c);
  free(y0);
  free(I0);
  free(ls);
  if (stats) {
    stats->steps = nsteps;
    stats->events = nevents;
    stats->seconds = now() - t_wall;
  }
  return rc;
}
