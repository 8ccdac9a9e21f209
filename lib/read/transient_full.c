/*
 * Full method of the transient read (xb_read_transient, method 1): SUNDIALS
 * IDA on all 2NM node voltages y of the RC network (transient_matrix.c).
 * With M the capacitance matrix (cw from every node to ground, cr across
 * every cell, c_int at each integration node) and G the conductance
 * matrix of the DC network (wires, cells, driver ends), the circuit is the
 * DAE
 *
 *   F(t, y, y') = M y' + (G + S(t)) y - b - S(t) V_reset = 0,
 *
 * S(t) the diagonal of the reset gates that are closed at time t. IDA
 * (BDF, variable order and step) integrates it; its Newton matrix
 * G + S + c_j M is solved by KLU factorisations of G + c M cached over a
 * grid of c, with S added by a low-rank update (see "linear solver").
 * The comparators (transient_events.c) stop it at each toggle, which
 * changes S; it restarts there with derivatives on the network's slow
 * manifold (settle_yp). The start is the DC state with every integration
 * node held at V_reset.
 *
 * Includes IDA (and KLU): one of the two SUNDIALS files, with
 * transient_reduced.c, which drives CVODE.
 *
 * Workload: the 16 x 16 and 32 x 32 cross-checks against ngspice; a read
 * window holds a few spikes per line, so a run has a few hundred toggles.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ida/ida.h>
#include <klu.h>
#include <nvector/nvector_serial.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include "transient_impl.h"

_Static_assert(sizeof(sunindextype) == sizeof(xb__tr_index) &&
                   sizeof(SuiteSparse_long) == sizeof(xb__tr_index),
               "node indices are SUNDIALS' and KLU's 64-bit index");

/* ---- IDA callbacks ------------------------------------------------------- */

static int resfn(realtype t, N_Vector yy, N_Vector yp, N_Vector rr, void *ud)
{
  (void)t;
  const xb__tr_net *T = ud;
  const double *y = N_VGetArrayPointer(yy), *dy = N_VGetArrayPointer(yp);
  double *r = N_VGetArrayPointer(rr);
  for (xb__tr_index c = 0; c < T->N; c++)
    r[c] = -T->b[c] + T->sw[c] * (y[c] - T->v_reset);
  /* The matrices are symmetric: column c of G and M is row c. */
  for (xb__tr_index c = 0; c < T->N; c++) {
    double s = 0;
    for (xb__tr_index k = T->colptr[c]; k < T->colptr[c + 1]; k++) {
      xb__tr_index row = T->rowval[k];
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
  ((xb__tr_net *)ud)->cj = cj;
  return 0;
}

/* Threshold functions in the mirrored frame; pending lines have none. */
static int rootfn(realtype t, N_Vector yy, N_Vector yp, realtype *g, void *ud)
{
  (void)t;
  (void)yp;
  const xb__tr_net *T = ud;
  xb__tr_thresholds(T->ls, T->nout, T->v_reset, N_VGetArrayPointer(yy), g);
  return 0;
}

/* ---- linear solver of the full method ------------------------------------ */

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
  xb__tr_net *T;
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
  const xb__tr_net *T = L->T;
  for (size_t i = 0; i < L->ncache; i++)
    if (L->cache[i].bin == bin) {
      L->cache[i].used = ++L->clock;
      return &L->cache[i];
    }
  while (L->ncache > 0 && (L->ncache == CACHE_SLOTS || L->bytes > CACHE_BYTES))
    cls_evict(L);
  fac *f = &L->cache[L->ncache++];
  double c = exp2((double)bin / CJ_STEPS);
  for (xb__tr_index k = 0; k < T->nnz; k++)
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
  const xb__tr_net *T = L->T;
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
  const xb__tr_net *T = L->T;
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
      xb__tr_index na = T->ls[L->sel[a]].node;
      C[a * q + b] = f->X[L->sel[b]][na] + (a == b ? 1.0 / T->sw[na] : 0.0);
    }
  return xb__tr_chol(C, q) ? SUNLS_PACKAGE_FAIL_REC : SUNLS_SUCCESS;
}

static int cls_solve(SUNLinearSolver S, SUNMatrix A, N_Vector x, N_Vector b,
                     realtype tol)
{
  (void)A;
  (void)tol;
  cls *L = S->content;
  const xb__tr_net *T = L->T;
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
  xb__tr_chol_solve(L->cq, q, w);
  for (size_t a = 0; a < q; a++) {
    const double *X = L->cur->X[L->sel[a]];
    for (xb__tr_index i = 0; i < T->N; i++)
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
static SUNLinearSolver cls_create(xb__tr_net *T, SUNContext ctx)
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
static int settle_yp(xb__tr_net *T, SUNLinearSolver LS, const double *y,
                     N_Vector yp, double h)
{
  double *d = N_VGetArrayPointer(yp);
  for (xb__tr_index c = 0; c < T->N; c++) {
    double s = T->b[c] - T->sw[c] * (y[c] - T->v_reset);
    for (xb__tr_index k = T->colptr[c]; k < T->colptr[c + 1]; k++)
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

/* ---- the integrator behind the event loop -------------------------------- */

typedef struct ida_run {
  void *ida;
  N_Vector yy, yp;
  xb__tr_net *T;      /* the DAE and its linear solver, */
  SUNLinearSolver LS; /* for consistent derivatives at restarts */
  double h_restart;   /* first step after a restart */
} ida_run;

/* After a root IDA may already have stepped past tout; it then
 * interpolates (a stop time behind it would be an error). */
static int ida_advance(void *mem, double tout, double *t, int *found)
{
  ida_run *g = mem;
  double tcur;
  IDAGetCurrentTime(g->ida, &tcur);
  if (tout > tcur)
    IDASetStopTime(g->ida, tout);
  int flag = IDASolve(g->ida, tout, t, g->yy, g->yp, IDA_NORMAL);
  if (flag < 0)
    return flag;
  if (flag != IDA_ROOT_RETURN)
    return 0;
  IDAGetRootInfo(g->ida, found);
  return 1;
}

static long ida_steps(void *mem)
{
  long s = 0;
  IDAGetNumSteps(((ida_run *)mem)->ida, &s);
  return s;
}

static void ida_directions(void *mem, int *dir)
{
  IDASetRootDirection(((ida_run *)mem)->ida, dir);
}

/* The voltages are continuous across a toggle; their derivatives jump and
 * are computed anew. */
static int ida_restart(void *mem, double t)
{
  ida_run *g = mem;
  int flag;
  if ((flag = settle_yp(g->T, g->LS, N_VGetArrayPointer(g->yy), g->yp,
                        g->h_restart)) < 0 ||
      (flag = IDAReInit(g->ida, t, g->yy, g->yp)) < 0)
    return flag;
  IDASetInitStep(g->ida, g->h_restart);
  return 0;
}

static const double *ida_state(void *mem)
{
  return N_VGetArrayPointer(((ida_run *)mem)->yy);
}

static const xb__tr_integ_type ida_type = {
    .name = "IDA",
    .advance = ida_advance,
    .steps = ida_steps,
    .directions = ida_directions,
    .restart = ida_restart,
    .state = ida_state,
};

/* ---- the run ------------------------------------------------------------- */

int xb__tr_run_full(xb_array *a, xb__tr_run *run, const double *y0,
                    int out_axis, xb_err *err)
{
  const xb_read_params *rp = run->rp;
  const xb_transient_params *P = run->P;
  xb__tr_line *ls = run->ls;
  size_t nout = run->nout;
  size_t n = xb_array_rows(a), m = xb_array_cols(a), nm = n * m;
  xb__tr_net T = {0};
  SUNContext ctx = NULL;
  N_Vector yy = NULL, yp = NULL, idv = NULL;
  SUNMatrix J = NULL;
  SUNLinearSolver LS = NULL;
  void *ida = NULL;
  double **sw = malloc(nout * sizeof(double *));
  int rc = XB_OK, flag;
  if (!sw || xb__tr_net_assemble(&T, a, P->cw, P->cr)) {
    rc = xb__err(err, XB_ENOMEM, "transient read matrices");
    goto done;
  }
  T.v_reset = rp->v_reset;
  T.nout = nout;
  T.ls = ls;
  for (size_t k = 0; k < nout; k++) {
    ls[k].node = out_axis == XB_COL ? (xb__tr_index)(nm + (n - 1) * m + k)
                                    : (xb__tr_index)(k * m + (m - 1));
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
  ida_run g = {ida, yy, yp, &T, LS, 0.03 * rp->r_reset * rp->c_int};
  rc = xb__tr_event_loop(run, &ida_type, &g, sw, err);
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
  xb__tr_net_free(&T);
  free(sw);
  return rc;
}
