/*
 * The Monte Carlo models of the experiment programs (mc_run, mc_fig220,
 * bench_mc): see experiments/mc_run.c for what each computes.
 */
#ifndef XBX_MC_MODELS_H
#define XBX_MC_MODELS_H

#include <xbar/xbar.h>

#define XBX_SWEEP 32

typedef struct xbx_model {
  int kind; /* 0 read, 1 array */
  /* read */
  xb_read_params base;
  const xb_read_type *type;
  const xb_param_row *row[64]; /* per study parameter, or NULL */
  double current;
  int nominal[XBX_SWEEP];
  /* array */
  int size, i_d2d, i_rw, i_g;
  double g, d2d, rw, v_read;
  uint64_t seed;
} xbx_model;

/* The model of study s ([study] model = read | array); study_path
 * resolves a relative `preset`. */
int xbx_model_setup(xbx_model *m, const xb_mc_study *s,
                    const char *study_path, xb_err *err);

/* The xb_mc_model_fn of m (ctx = m), its number of outputs and their
 * names. */
xb_mc_model_fn xbx_model_fn(const xbx_model *m);
size_t xbx_model_nout(const xbx_model *m);
const char *const *xbx_model_outputs(const xbx_model *m);

#endif
