/*
 * Private definitions of the Monte Carlo module: the study struct, which
 * the sampler (study.c), the study-file reader (study_file.c) and the
 * line formatter (run.c) share, and the parameter check of dist.c. Not
 * installed.
 */
#ifndef XBAR_MC_IMPL_H
#define XBAR_MC_IMPL_H

#include <xbar/mc.h>

#include "../core/core_impl.h"

/* [study] keys a study file may hold, each key and value < 256 chars. */
#define XB__MC_MAX_KEYS 32

struct xb_mc_study {
  xb_mc_param *p;
  size_t np, n;
  uint64_t seed;
  int lhs;
  int half;       /* LHS: Feistel half width in bits (domain 4^half >= n) */
  char keys[XB__MC_MAX_KEYS][2][256];
  size_t nkeys;
};

/* XB_OK if parameter p is a usable distribution (dist.c), else the code
 * (XB_EINVAL, XB_ETYPE, XB_ENAN, XB_ERANGE) with the reason in err. */
int xb__mc_param_check(const xb_mc_param *p, xb_err *err);

#endif
