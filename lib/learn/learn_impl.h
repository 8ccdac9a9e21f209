/*
 * Private definitions of the learning module (see xbar/learn.h): the
 * learner, the fidelity descriptor its core (learn.c) runs, and the array
 * state the behavioral and circuit fidelities share (learn_array.c). A
 * fidelity is chosen once, at xb_learner_create, from p.fidelity; the
 * core calls its operations and never asks which one it runs. Not
 * installed.
 *
 * Files: learn.c the core (create, the power iteration, encode / train /
 * evaluate loops); learn_ideal.c fidelity 0; learn_behavioral.c fidelity
 * 1 (its read); learn_circuit.c fidelity 2 (reads and writes through the
 * network); learn_ista.c the digital side of the array ISTA both array
 * fidelities share; learn_overlap.c and learn_accum.c the two write
 * schemes at fidelity 1 (and their levels and sums for fidelity 2);
 * learn_array.c xb_learner_attach and the cells.
 */
#ifndef XBAR_LEARN_IMPL_H
#define XBAR_LEARN_IMPL_H

#include <xbar/array.h>
#include <xbar/device.h>
#include <xbar/learn.h>
#include <xbar/write.h>

#include "../core/core_impl.h"

/* Kernels built for AVX-512, AVX2 and plain x86-64, chosen at load. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define XB__LEARN_X86 1
#define XB__LEARN_CLONES                                                      \
  __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define XB__LEARN_X86 0
#define XB__LEARN_CLONES
#endif

/* Codes Z (b x atoms) of the b patches X (b x dim), with D as it stands. */
typedef int xb__learn_encode_fn(xb_learner *l, const double *X, size_t b,
                                double *Z, xb_err *err);
/* The batch's updates of D from the patches X and their codes Z. */
typedef int xb__learn_update_fn(xb_learner *l, const double *X, size_t b,
                                const double *Z, xb_err *err);

/* A fidelity: how the learner reads the dictionary and writes it. One
 * static const instance per fidelity, shared by every learner. */
typedef struct xb__learn_fidelity {
  const char *name;
  /* Non-zero: encode and update need xb_learner_attach first (the core
   * refuses encode without it). */
  int needs_array;
  /* Required. */
  xb__learn_encode_fn *encode;
  /* Required: the overlap write's update (p.accum = 0). */
  xb__learn_update_fn *update;
  /* Optional: the accumulate write's update (p.accum = 1); NULL: update
   * serves both. */
  xb__learn_update_fn *update_accum;
  /* Optional: the fidelity's own state in l->fs, made at create (after D
   * is set) and freed with the learner. */
  int (*create)(xb_learner *l, xb_err *err);
  void (*free)(xb_learner *l);
  /* Optional: work space for batches of up to b patches, before the
   * first batch of an encode or a train. */
  int (*reserve)(xb_learner *l, size_t b, xb_err *err);
  /* Optional: once per dictionary state (each batch of a train, each
   * encode call) before the power iteration for L. */
  void (*gram)(xb_learner *l);
  /* Optional: w = D^T D v for the power iteration; NULL: plain loops over
   * D (learn.c). */
  void (*gram_apply)(const xb_learner *l, const double *v, double *w);
  /* Power iteration stop: 0 runs all power_iters; > 0 stops when the
   * estimate changes by at most this fraction. */
  double power_tol;
  /* Optional: the fidelity's part of xb_learner_attach, after the cells
   * hold the dictionary (a: the array wiring, may be NULL). */
  int (*attach)(xb_learner *l, const xb_array_params *a, xb_err *err);
} xb__learn_fidelity;

extern const xb__learn_fidelity xb__learn_ideal;      /* learn_ideal.c */
extern const xb__learn_fidelity xb__learn_behavioral; /* learn_behavioral.c */
extern const xb__learn_fidelity xb__learn_circuit;    /* learn_circuit.c */

struct xb_hw; /* the array (below; learn_array.c) */

struct xb_learner {
  int dim;
  xb_learn_params p;
  uint64_t seed;
  const xb__learn_fidelity *fid; /* by p.fidelity */
  xb__learn_update_fn *update;   /* fid's update for the write p.accum */
  void *fs;                      /* fid's own state (fid->create) */
  double *D;         /* dim x atoms, row-major, entries in [0, 1] */
  double L;          /* Lipschitz constant of the last power iteration */
  double *pv;        /* its eigenvector v, then w = D^T D v (2 atoms) */
  struct xb_hw *hw;  /* NULL until xb_learner_attach */
};

/* ---- the array (learn_array.c) -------------------------------------- */

/* The dictionary on an array, built by xb_learner_attach: the cells
 * (dim rows = pixels, atoms columns, G = Gmin + (Gmax - Gmin) D), the
 * read circuit's count table, the write's levels and tables, and float
 * copies of the conductances laid out for the behavioral read. */
struct xb_hw {
  const xb_device *dev;
  const xb_read *rc;
  xb_write_params wp;
  xb_cells *cells;
  xb_array *arr;       /* the network (fidelity 2's attach) */
  double gmin, gmax, v_read, v_reset;
  double v_cap;        /* largest read drive: below half the write voltage */
  double ithr[8];      /* ithr[k]: smallest current giving k spikes */
  double iest[8];      /* current estimate for k spikes */
  double s_r, s_z;     /* write quantization scales */
  double *ovl;         /* overlap table, (2 r_levels + 1) x (zbits + 1) */
  float *gtc;          /* atoms x dim conductances (one atom per row), rows
                          padded to dpad with zeros (fidelity 1 reads) */
  float *gtp;          /* dim x atoms, rows padded to mpad (fidelity 1) */
  size_t dpad, mpad;   /* dim and atoms rounded up to 16 */
  int avx512;          /* the processor has AVX-512F (plane lists) */
  float *plane, *cur;  /* batch planes and currents (fidelity 2 reads) */
  size_t cap;
  uint64_t writes;     /* writes so far: position in the dither stream */
  xb_learn_writes st;  /* write activity (xb_learner_writes) */
  /* Accumulate write (p.accum): */
  double *acc;         /* dim x atoms update sums, in D units */
  double step;         /* D change of one r pulse, nominal */
  double *o1;          /* o1[k]: overlap (s) of k = 0 .. r_levels r pulses
                          in one write period with a full Z window */
  long *colmax;        /* per thread, batch x atoms largest |pulses| */
  size_t colmax_cap;
};

void xb__learn_hw_free(xb_learner *l);
/* D and the read copies from the conductances g of the cells: one entry
 * (i, j), or all. */
void xb__learn_sync_cell(xb_learner *l, const double *g, size_t i, size_t j);
void xb__learn_sync_dict(xb_learner *l);
/* Cell (i, j) gets one pulse of width |w| (s) at the full write voltage,
 * potentiating for w > 0, and the dictionary entry follows it (g: the
 * cells' conductances). On failure the write's first error goes to *rc
 * and *err (threads may race here) and non-zero is returned. */
int xb__learn_pulse_cell(xb_learner *l, const double *g, size_t i, size_t j,
                         double w, int *rc, xb_err *err);
/* The indices of the non-zero codes among z[0 .. m) into nzj; their
 * number. */
size_t xb__learn_nonzeros(const double *z, size_t m, size_t *nzj);

/* ---- the digital side of the array ISTA (learn_ista.c) -------------- */
/* Contracts at the definitions. */

void xb__learn_quant_codes(const double *Y, size_t n, double zs, int *qz);
void xb__learn_quant_resid(const double *dz, const double *X, size_t n,
                           double zs, double rs, int *qr);
void xb__learn_step_codes(double *Y, double *Zc, const double *dtr, size_t n,
                          double rs, double inv, double thr, double mom,
                          int fista);
double xb__learn_momentum(int fista, double *t);
void xb__learn_count_add(const struct xb_hw *h, const float *restrict cu,
                         size_t n, float v, float net, float scale,
                         float *restrict out);
void xb__learn_hold_codes(const xb_learner *l, size_t b, double *Z);

/* ---- the write schemes (learn_overlap.c, learn_accum.c) ------------- */
/* Levels and sums for both array fidelities, and the fidelity-1 updates;
 * contracts at the definitions. */

size_t xb__learn_z_levels(const xb_learner *l, const double *z,
                          uint64_t write, int *zq, size_t *nzj);
void xb__learn_r_levels(const xb_learner *l, size_t blk, const double *x,
                        const double *z, const size_t *nzj, size_t nz,
                        uint64_t write, int *rq);
xb__learn_update_fn xb__learn_overlap_update;
void xb__learn_accum_row(xb_learner *l, size_t i, double x, const double *z,
                         const size_t *nzj, size_t nz, long *n);
xb__learn_update_fn xb__learn_accum_update;

#endif
