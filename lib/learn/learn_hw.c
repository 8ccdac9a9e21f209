/* Array-in-the-loop fidelities: being written (see xbar/learn.h). */
#include "learn_impl.h"

int xb__learn_hw_encode(xb_learner *l, const double *X, size_t b, double *Z,
                        xb_err *err)
{
  (void)l; (void)X; (void)b; (void)Z;
  return xb__err(err, XB_ESTATE, "behavioral and circuit fidelity: not yet");
}

int xb__learn_hw_update(xb_learner *l, const double *X, size_t b,
                        const double *Z, xb_err *err)
{
  (void)l; (void)X; (void)b; (void)Z;
  return xb__err(err, XB_ESTATE, "behavioral and circuit fidelity: not yet");
}

void xb__learn_hw_free(xb_learner *l) { (void)l; }
