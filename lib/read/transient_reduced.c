/*
 * Reduced method of the transient read (xb_read_transient, method 0). The
 * network's own time constants (fF against Ohms to kOhms: sub-picosecond)
 * are far below the reset time constant (tens of ps) and the integration
 * (ns), so the network is taken as quasi-static: its node voltages are
 * y = y0 + K (V - V_reset) for the vector V of integration-node voltages,
 * with y0 the DC state at V = V_reset and column k of K the response to a
 * unit step at integration node k (one DC solve of the array each, on the
 * same factorisation). The currents into the integration nodes are
 * I0 + Y (V - V_reset), and the charge on the network's capacitances
 * projects onto the nodes as C_eff = diag(c_int) + K^T M K (Galerkin). The
 * nout-dimensional linear ODE
 *
 *   C_eff V' = I0 + (Y - S(t)) (V - V_reset)
 *
 * goes to SUNDIALS CVODE (BDF, dense), under the same comparators
 * (transient_events.c) as the full method.
 *
 * Includes CVODE: one of the two SUNDIALS files, with transient_full.c,
 * which drives IDA.
 *
 * Workload: array reads up to a few hundred lines (the ODE is dense in
 * the sensed lines).
 */
#include <stdlib.h>
#include <string.h>

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "transient_impl.h"

typedef struct red {
  size_t k;
  double vr;
  double *P;   /* C_eff^-1 I0 */
  double *Q;   /* C_eff^-1 Y, row-major */
  double *Ci;  /* C_eff^-1, row-major */
  double *sw;  /* gate conductance per line */
  xb__tr_line *ls;
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

/* Line k's integration node is state k (its node). */
static int red_root(realtype t, N_Vector y, realtype *g, void *ud)
{
  (void)t;
  const red *R = ud;
  xb__tr_thresholds(R->ls, R->k, R->vr, N_VGetArrayPointer(y), g);
  return 0;
}

/* In-place inverse of the SPD matrix A (k x k); work holds k * k. */
static int spd_inverse(double *A, size_t k, double *work)
{
  memcpy(work, A, k * k * sizeof(double));
  if (xb__tr_chol(work, k))
    return -1;
  for (size_t c = 0; c < k; c++) { /* row c of the (symmetric) inverse */
    double *x = A + c * k;
    for (size_t i = 0; i < k; i++)
      x[i] = i == c ? 1.0 : 0.0;
    xb__tr_chol_solve(work, k, x);
  }
  return 0;
}

/* ---- the integrator behind the event loop -------------------------------- */

typedef struct cvode_run {
  void *cv;
  N_Vector y;
  double h_restart; /* first step after a restart */
} cvode_run;

/* After a root CVODE may already have stepped past tout; it then
 * interpolates (a stop time behind it would be an error). */
static int cvode_advance(void *mem, double tout, double *t, int *found)
{
  cvode_run *g = mem;
  double tcur;
  CVodeGetCurrentTime(g->cv, &tcur);
  if (tout > tcur)
    CVodeSetStopTime(g->cv, tout);
  int flag = CVode(g->cv, tout, g->y, t, CV_NORMAL);
  if (flag < 0)
    return flag;
  if (flag != CV_ROOT_RETURN)
    return 0;
  CVodeGetRootInfo(g->cv, found);
  return 1;
}

static long cvode_steps(void *mem)
{
  long s = 0;
  CVodeGetNumSteps(((cvode_run *)mem)->cv, &s);
  return s;
}

static void cvode_directions(void *mem, int *dir)
{
  CVodeSetRootDirection(((cvode_run *)mem)->cv, dir);
}

/* The voltages are continuous across a toggle, the ODE changes. */
static int cvode_restart(void *mem, double t)
{
  cvode_run *g = mem;
  int flag;
  if ((flag = CVodeReInit(g->cv, t, g->y)) < 0)
    return flag;
  CVodeSetInitStep(g->cv, g->h_restart);
  return 0;
}

static const double *cvode_state(void *mem)
{
  return N_VGetArrayPointer(((cvode_run *)mem)->y);
}

static const xb__tr_integ_type cvode_type = {
    .name = "CVODE",
    .advance = cvode_advance,
    .steps = cvode_steps,
    .directions = cvode_directions,
    .restart = cvode_restart,
    .state = cvode_state,
};

/* ---- the run ------------------------------------------------------------- */

int xb__tr_run_reduced(xb_array *a, xb__tr_run *run, int in_axis,
                       const double *I0, xb_err *err)
{
  const xb_read_params *rp = run->rp;
  const xb_transient_params *P = run->P;
  xb__tr_line *ls = run->ls;
  size_t n = xb_array_rows(a), m = xb_array_cols(a), nm = n * m;
  size_t k = run->nout;
  int out_axis = 1 - in_axis;
  size_t nin = in_axis == XB_ROW ? n : m;
  red R = {0};
  R.k = k;
  R.vr = rp->v_reset;
  R.ls = ls;
  double *K = malloc(k * 2 * nm * sizeof(double));
  double *C = calloc(k * k, sizeof(double));
  double *Y = malloc(k * k * sizeof(double));
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
    ls[j].node = (xb__tr_index)j;
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
  cvode_run g = {cv, y, 0.01 * rp->r_reset * rp->c_int};
  rc = xb__tr_event_loop(run, &cvode_type, &g, sw, err);
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
