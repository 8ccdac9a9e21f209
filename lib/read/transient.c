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
 * (BDF, variable order and step) integrates it; its Newton matrix
 * G + S + c_j M is solved by KLU factorisations of G + c M cached over a
 * grid of c, with S added by a low-rank update (see "linear solver").
 * Threshold crossings are roots of V_k - V_h (integrating) or V_k - V_l
 * (resetting); the comparator delay is a pending toggle, reached with a
 * stop time. A toggle changes S, so the integrator is restarted there,
 * with derivatives on the network's slow manifold (settle_yp). The start
 * is the DC state with every integration node held at V_reset.
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
#include <klu.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
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
  double cj;           /* IDA's c_j at the last Jacobian request */
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

/* The Jacobian G + S + c_j M is never formed: the linear solver below
 * factors G + c_j' M for a nearby c_j' and adds S by a low-rank update.
 * IDA still asks for it before each setup, which tells the solver c_j. */
static int jacfn(realtype t, realtype cj, N_Vector yy, N_Vector yp,
                 N_Vector rr, SUNMatrix J, void *ud, N_Vector t1, N_Vector t2,
                 N_Vector t3)
{
  (void)t;
  (void)yy;
  (void)yp;
  (void)rr;
  (void)J;
  (void)t1;
  (void)t2;
  (void)t3;
  ((tr *)ud)->cj = cj;
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

/* ---- dense Cholesky ------------------------------------------------------------ */

/* In place: the lower triangle of the SPD matrix A (k x k, row-major)
 * becomes L with A = L L^T (the upper triangle is not read). Returns -1 if
 * A is not positive definite. */
static int chol(double *A, size_t k)
{
  for (size_t j = 0; j < k; j++) {
    double d = A[j * k + j];
    for (size_t p = 0; p < j; p++)
      d -= A[j * k + p] * A[j * k + p];
    if (!(d > 0))
      return -1;
    d = sqrt(d);
    A[j * k + j] = d;
    for (size_t i = j + 1; i < k; i++) {
      double v = A[i * k + j];
      for (size_t p = 0; p < j; p++)
        v -= A[i * k + p] * A[j * k + p];
      A[i * k + j] = v / d;
    }
  }
  return 0;
}

/* x <- (L L^T)^-1 x for the factor L of chol. */
static void chol_solve(const double *L, size_t k, double *x)
{
  for (size_t i = 0; i < k; i++) {
    double v = x[i];
    for (size_t p = 0; p < i; p++)
      v -= L[i * k + p] * x[p];
    x[i] = v / L[i * k + i];
  }
  for (size_t i = k; i-- > 0;) {
    double v = x[i];
    for (size_t p = i + 1; p < k; p++)
      v -= L[p * k + i] * x[p];
    x[i] = v / L[i * k + i];
  }
}

/* ---- linear solver of the full method ---------------------------------------------- */

/* IDA's Newton matrix is J = A(c_j) + S, A(c) = G + c M, with S nonzero
 * only at the integration nodes whose reset gate is closed. Two things
 * change it: c_j, at almost every step (BDF scales it with 1/h), and S,
 * at every toggle. Refactoring for each would dominate the run, so:
 *  - A is factored at c' = 2^(b / CJ_STEPS) for the bin b nearest c_j, and
 *    the factorisations are kept (least recently used goes first). Newton
 *    tolerates the mismatch |c' / c_j - 1| <= 2^(1 / (2 CJ_STEPS)) - 1 (9%)
 *    as it does IDA's own lagged Jacobians (up to 67% by default);
 *  - S = g E_s E_s^T (E_s: the unit vectors of the q closed gates) enters by
 *    the Sherman-Morrison-Woodbury identity,
 *      J^-1 r = z - X_s (I / g + E_s^T X_s)^-1 E_s^T z,  z = A^-1 r,
 *    with X_s = A^-1 E_s, whose columns each factorisation computes when a
 *    gate first closes under it. The q x q capacitance matrix is SPD. */
#define CJ_STEPS 4
#define CACHE_BYTES ((size_t)256 << 20)
#define CACHE_SLOTS 256

typedef struct fac {
  int bin;
  klu_l_numeric *num;
  double **X;          /* nout columns A^-1 e_node(k), made when needed */
  size_t bytes;        /* held by num and X */
  unsigned long used;  /* least recently used goes first */
} fac;

typedef struct cls {
  tr *T;
  klu_l_symbolic *sym;
  klu_l_common com;
  double *ax;          /* values of A being factored */
  fac *cache;
  size_t ncache;
  size_t bytes;        /* held by the cache */
  fac *cur;
  size_t q;
  size_t *sel;         /* lines whose gate is closed */
  double *cq, *w;      /* Cholesky factor of the capacitance matrix; work */
  unsigned long clock;
} cls;

static void fac_clear(cls *L, fac *f)
{
  if (f->num)
    klu_l_free_numeric(&f->num, &L->com);
  if (f->X)
    for (size_t k = 0; k < L->T->nout; k++)
      free(f->X[k]);
  free(f->X);
  L->bytes -= f->bytes;
  memset(f, 0, sizeof *f);
}

/* Drops the least recently used factorisation; its slot is refilled from
 * the last one. */
static void cls_evict(cls *L)
{
  size_t v = 0;
  for (size_t i = 1; i < L->ncache; i++)
    if (L->cache[i].used < L->cache[v].used)
      v = i;
  fac_clear(L, &L->cache[v]);
  L->cache[v] = L->cache[--L->ncache];
}

/* The factorisation for bin b, from the cache or made (NULL: out of
 * memory or a singular matrix). */
static fac *cls_factor(cls *L, int bin)
{
  const tr *T = L->T;
  for (size_t i = 0; i < L->ncache; i++)
    if (L->cache[i].bin == bin) {
      L->cache[i].used = ++L->clock;
      return &L->cache[i];
    }
  while (L->ncache > 0 && (L->ncache == CACHE_SLOTS || L->bytes > CACHE_BYTES))
    cls_evict(L);
  fac *f = &L->cache[L->ncache++];
  double c = exp2((double)bin / CJ_STEPS);
  for (sunindextype k = 0; k < T->nnz; k++)
    L->ax[k] = T->gx[k] + c * T->mx[k];
  f->bin = bin;
  f->used = ++L->clock;
  f->num = klu_l_factor(T->colptr, T->rowval, L->ax, L->sym, &L->com);
  f->X = calloc(T->nout ? T->nout : 1, sizeof(double *));
  if (!f->num || !f->X) {
    fac_clear(L, f);
    L->ncache--;
    return NULL;
  }
  f->bytes = (size_t)(f->num->lnz + f->num->unz) * 16;
  L->bytes += f->bytes;
  return f;
}

/* Column k of A^-1 E for factorisation f. */
static const double *cls_column(cls *L, fac *f, size_t k)
{
  const tr *T = L->T;
  if (f->X[k])
    return f->X[k];
  double *x = calloc((size_t)T->N, sizeof(double));
  if (!x)
    return NULL;
  x[T->ls[k].node] = 1.0;
  if (!klu_l_solve(L->sym, f->num, T->N, 1, x, &L->com)) {
    free(x);
    return NULL;
  }
  f->X[k] = x;
  f->bytes += (size_t)T->N * sizeof(double);
  L->bytes += (size_t)T->N * sizeof(double);
  return x;
}

static SUNLinearSolver_Type cls_type(SUNLinearSolver S)
{
  (void)S;
  return SUNLINEARSOLVER_DIRECT;
}

static int cls_init(SUNLinearSolver S)
{
  (void)S;
  return SUNLS_SUCCESS;
}

static int cls_setup(SUNLinearSolver S, SUNMatrix A)
{
  (void)A;
  cls *L = S->content;
  const tr *T = L->T;
  int bin = (int)lround(log2(T->cj) * CJ_STEPS);
  fac *f = cls_factor(L, bin);
  if (!f)
    return SUNLS_PACKAGE_FAIL_UNREC;
  L->cur = f;
  L->q = 0;
  for (size_t k = 0; k < T->nout; k++)
    if (T->sw[T->ls[k].node] > 0) {
      if (!cls_column(L, f, k))
        return SUNLS_PACKAGE_FAIL_UNREC;
      L->sel[L->q++] = k;
    }
  /* Capacitance matrix I / g + E_s^T X_s, then its Cholesky factor. */
  size_t q = L->q;
  double *C = L->cq;
  for (size_t a = 0; a < q; a++)
    for (size_t b = 0; b <= a; b++) {
      sunindextype na = T->ls[L->sel[a]].node;
      C[a * q + b] = f->X[L->sel[b]][na] + (a == b ? 1.0 / T->sw[na] : 0.0);
    }
  return chol(C, q) ? SUNLS_PACKAGE_FAIL_REC : SUNLS_SUCCESS;
}

static int cls_solve(SUNLinearSolver S, SUNMatrix A, N_Vector x, N_Vector b,
                     realtype tol)
{
  (void)A;
  (void)tol;
  cls *L = S->content;
  const tr *T = L->T;
  double *xv = N_VGetArrayPointer(x);
  if (x != b)
    memcpy(xv, N_VGetArrayPointer(b), (size_t)T->N * sizeof(double));
  if (!klu_l_solve(L->sym, L->cur->num, T->N, 1, xv, &L->com))
    return SUNLS_PACKAGE_FAIL_UNREC;
  size_t q = L->q;
  if (!q)
    return SUNLS_SUCCESS;
  double *w = L->w; /* w = C^-1 E_s^T z */
  for (size_t a = 0; a < q; a++)
    w[a] = xv[T->ls[L->sel[a]].node];
  chol_solve(L->cq, q, w);
  for (size_t a = 0; a < q; a++) {
    const double *X = L->cur->X[L->sel[a]];
    for (sunindextype i = 0; i < T->N; i++)
      xv[i] -= w[a] * X[i];
  }
  return SUNLS_SUCCESS;
}

static int cls_free(SUNLinearSolver S)
{
  if (!S)
    return SUNLS_SUCCESS;
  cls *L = S->content;
  if (L) {
    for (size_t i = 0; i < L->ncache; i++)
      fac_clear(L, &L->cache[i]);
    if (L->sym)
      klu_l_free_symbolic(&L->sym, &L->com);
    free(L->cache);
    free(L->ax);
    free(L->sel);
    free(L->cq);
    free(L->w);
    free(L);
  }
  SUNLinSolFreeEmpty(S);
  return SUNLS_SUCCESS;
}

/* The solver for T; NULL when out of memory. The pattern is analysed once
 * (AMD ordering, as the array's KLU reference). */
static SUNLinearSolver cls_create(tr *T, SUNContext ctx)
{
  SUNLinearSolver S = SUNLinSolNewEmpty(ctx);
  cls *L = S ? calloc(1, sizeof(cls)) : NULL;
  if (!L) {
    if (S)
      SUNLinSolFreeEmpty(S);
    return NULL;
  }
  S->content = L;
  S->ops->gettype = cls_type;
  S->ops->initialize = cls_init;
  S->ops->setup = cls_setup;
  S->ops->solve = cls_solve;
  S->ops->free = cls_free;
  L->T = T;
  L->cache = calloc(CACHE_SLOTS, sizeof(fac));
  L->ax = malloc((size_t)T->nnz * sizeof(double));
  L->sel = malloc((T->nout ? T->nout : 1) * sizeof(size_t));
  L->cq = malloc((T->nout ? T->nout * T->nout : 1) * sizeof(double));
  L->w = malloc((T->nout ? T->nout : 1) * sizeof(double));
  klu_l_defaults(&L->com);
  if (L->cache && L->ax && L->sel && L->cq && L->w)
    L->sym = klu_l_analyze(T->N, T->colptr, T->rowval, &L->com);
  if (!L->sym) {
    cls_free(S);
    return NULL;
  }
  return S;
}

/* Derivatives at y on the slow manifold. M y' = r0, with r0 = b + S V_reset
 * - (G + S) y, is consistent, but puts a reset current's charge on its
 * own node alone, while the wires around it (sub-femtosecond time
 * constants) follow at once; IDA would spend its first steps finding that
 * out. One implicit Euler step of length h = 1 / c instead,
 * y' = c (G + S + c M)^-1 r0, relaxes every mode much faster than h and
 * changes the slow ones by a factor 1 / (1 + h / tau). */
static int settle_yp(tr *T, SUNLinearSolver LS, const double *y, N_Vector yp,
                     double h)
{
  double *d = N_VGetArrayPointer(yp);
  for (sunindextype c = 0; c < T->N; c++) {
    double s = T->b[c] - T->sw[c] * (y[c] - T->v_reset);
    for (sunindextype k = T->colptr[c]; k < T->colptr[c + 1]; k++)
      s -= T->gx[k] * y[T->rowval[k]];
    d[c] = s;
  }
  T->cj = 1.0 / h;
  int flag = cls_setup(LS, NULL);
  if (!flag)
    flag = cls_solve(LS, NULL, yp, yp, 0.0);
  if (flag)
    return -1;
  N_VScale(exp2((double)((cls *)LS->content)->cur->bin / CJ_STEPS), yp, yp);
  return 0;
}

/* ---- event loop shared by both integrators --------------------------------------- */

/* The integrator behind the event loop. */
typedef struct integ {
  void *mem;
  int is_ida;
  N_Vector y, yp;     /* yp: IDA only */
  tr *T;              /* IDA only: the DAE and its linear solver, */
  SUNLinearSolver ls; /* for consistent derivatives */
  double h_restart;   /* first step after a restart */
  double t_end;
} integ;

/* Advance to tout, or to the next root before it. After a root the
 * integrator may already have stepped past tout; it then interpolates
 * (a stop time behind it would be an error). */
static int integ_solve(integ *g, double tout, double *t)
{
  double tcur;
  if (g->is_ida) {
    IDAGetCurrentTime(g->mem, &tcur);
    if (tout > tcur)
      IDASetStopTime(g->mem, tout);
    return IDASolve(g->mem, tout, t, g->y, g->yp, IDA_NORMAL);
  }
  CVodeGetCurrentTime(g->mem, &tcur);
  if (tout > tcur)
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

/* Restart at t after a toggle: the equations change, the voltages are
 * continuous and their derivatives jump (for IDA, computed anew). */
static int integ_restart(integ *g, double t)
{
  int flag;
  if (g->is_ida) {
    if ((flag = settle_yp(g->T, g->ls, N_VGetArrayPointer(g->y), g->yp,
                          g->h_restart)) < 0 ||
        (flag = IDAReInit(g->mem, t, g->y, g->yp)) < 0)
      return flag;
    IDASetInitStep(g->mem, g->h_restart);
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
                      double g_reset, double t_latch, double **sw,
                      double *times, size_t cap, long *nsteps, long *nevents,
                      xb_err *err)
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
    int found_root = 0, changed = 0;
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
          found_root = 1;
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
      changed = 1;
    }
    if (changed && t < g->t_end) {
      *nsteps += integ_steps(g); /* a restart zeroes the counter */
      if ((flag = integ_restart(g, t)) < 0) {
        rc = xb__err(err, XB_ENOCONV, "transient read: restart failed "
                     "(flag %d) at t = %g s", flag, t);
        goto done;
      }
    }
    /* A line that found its root waits for its toggle without a root
     * function; the root finder re-evaluates them all before going on. */
    if (changed || found_root)
      integ_directions(g, ls, nout, dir);
  }
  *nsteps += integ_steps(g);
  /* A gate closed for t_latch (many reset time constants) without the node
   * reaching v_tl holds it above: the circuit has latched, as
   * xb_read_count reports for a constant current. */
  for (size_t k = 0; k < nout && !rc; k++)
    if (ls[k].phase == PH_RESET && g->t_end - ls[k].toggle > t_latch) {
      const double *y = N_VGetArrayPointer(g->y);
      double v = y[g->is_ida ? ls[k].node : (sunindextype)k];
      rc = xb__err(err, XB_ERANGE,
                   "read circuit on output line %zu latches: its reset gate "
                   "has held the node at %g V (above v_tl) since %g s", k,
                   v, ls[k].toggle);
    }
done:
  free(dir);
  free(found);
  return rc;
}

/* IDA spends much of each step in weighted RMS norms of N-vectors; the
 * serial library sums them in one chain of dependent adds. Four partial
 * sums (same result to rounding) let the processor overlap them. */
static realtype wrms_norm(N_Vector x, N_Vector w)
{
  const double *xv = N_VGetArrayPointer(x), *wv = N_VGetArrayPointer(w);
  sunindextype n = N_VGetLength(x), i = 0;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (; i + 4 <= n; i += 4) {
    double a = xv[i] * wv[i], b = xv[i + 1] * wv[i + 1];
    double c = xv[i + 2] * wv[i + 2], d = xv[i + 3] * wv[i + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; i < n; i++)
    s0 += (xv[i] * wv[i]) * (xv[i] * wv[i]);
  return sqrt((s0 + s1 + s2 + s3) / (double)n);
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
  J = SUNSparseMatrix(1, 1, 1, CSC_MAT, ctx); /* never formed (jacfn) */
  ida = IDACreate(ctx);
  LS = cls_create(&T, ctx);
  if (!yy || !yp || !idv || !J || !ida || !LS) {
    rc = xb__err(err, XB_ENOMEM, "IDA");
    goto done;
  }
  yy->ops->nvwrmsnorm = wrms_norm; /* IDA's own vectors are clones of yy */
  memcpy(N_VGetArrayPointer(yy), y0, 2 * nm * sizeof(double));
  N_VConst(1.0, idv);
  if (settle_yp(&T, LS, y0, yp, 0.01 * rp->r_reset * rp->c_int)) {
    rc = xb__err(err, XB_ENOCONV, "transient read: singular network");
    goto done;
  }
  if ((flag = IDAInit(ida, resfn, 0.0, yy, yp)) ||
      (flag = IDASStolerances(ida, P->rtol, P->atol)) ||
      (flag = IDASetUserData(ida, &T)) ||
      (flag = IDASetLinearSolver(ida, LS, J)) ||
      (flag = IDASetJacFn(ida, jacfn)) || (flag = IDASetId(ida, idv)) ||
      (flag = IDASetMaxNumSteps(ida, 1000000)) ||
      (flag = IDARootInit(ida, (int)nout, rootfn)) ||
      (flag = IDASetNoInactiveRootWarn(ida)) ||
      (flag = IDASetInitStep(ida, 0.01 * rp->r_reset * rp->c_int))) {
    rc = xb__err(err, XB_ENOCONV, "transient read: IDA setup failed (%d)",
                 flag);
    goto done;
  }
  integ g = {ida, 1, yy, yp, &T, LS, 0.03 * rp->r_reset * rp->c_int,
             rp->window};
  rc = event_loop(&g, ls, nout, rp->t_delay, 1.0 / rp->r_reset,
                  20 * rp->r_reset * rp->c_int, sw, times, cap, nsteps,
                  nevents, err);
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

/* In-place inverse of the SPD matrix A (k x k); work holds k * k. */
static int spd_inverse(double *A, size_t k, double *work)
{
  memcpy(work, A, k * k * sizeof(double));
  if (chol(work, k))
    return -1;
  for (size_t c = 0; c < k; c++) { /* row c of the (symmetric) inverse */
    double *x = A + c * k;
    for (size_t i = 0; i < k; i++)
      x[i] = i == c ? 1.0 : 0.0;
    chol_solve(work, k, x);
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
  integ g = {cv, 0, y, NULL, NULL, NULL, 0.01 * rp->r_reset * rp->c_int, rp->window};
  rc = event_loop(&g, ls, k, rp->t_delay, 1.0 / rp->r_reset,
                  20 * rp->r_reset * rp->c_int, sw, times, cap, nsteps,
                  nevents, err);
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
