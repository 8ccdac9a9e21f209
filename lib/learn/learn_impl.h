/*
 * Private definitions of the learning module: the learner struct shared by
 * the ideal kernels (learn.c) and the array-in-the-loop fidelities
 * (learn_hw.c). Not installed.
 */
#ifndef XBAR_LEARN_IMPL_H
#define XBAR_LEARN_IMPL_H

#include <xbar/learn.h>

#include "../core/core_impl.h"

struct xb_hw; /* array-in-the-loop state (learn_hw.c) */

struct xb_learner {
  int dim;
  xb_learn_params p;
  uint64_t seed;
  double *D;         /* dim x atoms, row-major, entries in [0, 1] */
  double *G;         /* atoms x atoms: D^T D */
  double L;          /* Lipschitz constant of the last Gram */
  double *pv;        /* its eigenvector (warm start, array fidelities) */
  double *work;      /* batch work space */
  size_t work_cap;
  struct xb_hw *hw;  /* NULL at ideal fidelity */
};

int xb__learn_work(xb_learner *l, size_t b, xb_err *err);
void xb__learn_gram(xb_learner *l);
int xb__learn_encode_batch(xb_learner *l, const double *X, size_t b,
                           double *Z, xb_err *err);

/* Behavioral / circuit fidelity (learn_hw.c). */
int xb__learn_hw_encode(xb_learner *l, const double *X, size_t b, double *Z,
                        xb_err *err);
int xb__learn_hw_update(xb_learner *l, const double *X, size_t b,
                        const double *Z, xb_err *err);
void xb__learn_hw_free(xb_learner *l);

#endif
