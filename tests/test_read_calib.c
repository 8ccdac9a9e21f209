/*
 * Read-circuit calibration in ngspice (xbar/spice_calib.h) against the
 * committed models:
 *   - each of the two transistor-level read circuits calibrated from the
 *     committed netlists gives exactly the values of models/read_se_65nm.ini
 *     and models/read_diff_65nm.ini, once rounded as those files write them
 *     (%.4e for c_int, t_delay and the ATB, %.5f for the thresholds, %.1f
 *     for r_reset): the files are what the calibration computes;
 *   - the calibration is deterministic: twice in one runner, the same
 *     doubles bit for bit; xb_spice_read_thresholds alone gives the same
 *     thresholds;
 *   - a folder without the netlists is refused with XB_EIO, a path with a
 *     blank with XB_EINVAL, and the outputs are left untouched.
 * About 30 ngspice runs per circuit, a few seconds in all.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/read.h>
#include <xbar/spice_calib.h>

#include "xb_check.h"

#define NETLISTS XB_SOURCE_DIR "/netlists"

static xb_read_calib_circuit circuit(int k)
{
  xb_read_calib_circuit c[2] = {
      {xb_read_se_adaptive, "read_se_adaptive.cir", "read_se_adaptive", NULL,
       "in spk spkb vdd vrst vatb", 4.5e-9, 0.5, 0.38},
      {xb_read_diff, "read_diff.cir", "read_diff", "read_diff_neg",
       "in spk spkb vdd vrst", 4e-9, 0.5, 0.38}};
  return c[k];
}

static const char *const ini[2] = {XB_MODELS "/read_se_65nm.ini",
                                   XB_MODELS "/read_diff_65nm.ini"};

static xb_spice *runner(void)
{
  xb_err e;
  xb_spice *s = xb_spice_create(&e);
  ck_assert_msg(s != NULL, "%s", e.msg);
  ck_assert_int_eq(xb_spice_command(s, "set num_threads=1", &e), XB_OK);
  return s;
}

/* x as written with fmt, read back, equals the file's value. */
static void same_as_written(const char *name, const char *fmt, double x,
                            double file)
{
  char s[64];
  snprintf(s, sizeof s, fmt, x);
  ck_assert_msg(strtod(s, NULL) == file, "%s: calibrated %.17g (%s), file %.17g",
                name, x, s, file);
}

START_TEST(test_matches_models)
{
  xb_err e;
  xb_spice *s = runner();
  xb_read_calib_circuit c = circuit(_i);
  xb_read_params p;
  xb_read_calib_report rep;
  ck_assert_msg(xb_spice_read_calibrate(s, NETLISTS, &c, &p, &rep, &e) == XB_OK,
                "%s", e.msg);
  xb_read *r = xb_read_load(ini[_i], &e);
  ck_assert_msg(r != NULL, "%s", e.msg);
  ck_assert_ptr_eq(xb_read_type_of(r), c.type);
  const xb_read_params *f = xb_read_params_of(r);
  same_as_written("c_int", "%.4e", p.c_int, f->c_int);
  same_as_written("v_th", "%.5f", p.v_th, f->v_th);
  same_as_written("v_tl", "%.5f", p.v_tl, f->v_tl);
  same_as_written("t_delay", "%.4e", p.t_delay, f->t_delay);
  same_as_written("r_reset", "%.1f", p.r_reset, f->r_reset);
  ck_assert(p.v_reset == f->v_reset && p.window == f->window);
  ck_assert(p.offset == 0 && f->offset == 0);
  if (c.type->has_atb) {
    same_as_written("atb_dv", "%.4e", p.atb_dv, f->atb_dv);
    same_as_written("atb_i", "%.4e", p.atb_i, f->atb_i);
    same_as_written("atb_w", "%.4e", p.atb_w, f->atb_w);
  } else {
    ck_assert(p.atb_dv == 0 && f->atb_dv == 0);
    ck_assert(isfinite(rep.neg_v_th) && rep.neg_v_tl < rep.neg_v_th);
  }
  /* the fit: within 30 ps rms, and the model counts the transistor's
   * spikes in the window at every calibration current but at most one */
  ck_assert_msg(rep.rms > 0 && rep.rms < 30e-12, "rms %g", rep.rms);
  int off = 0;
  for (int i = 0; i < XB_READ_CALIB_NCUR; i++) {
    ck_assert(rep.train[i].current == (0.75 + i) * 1e-6);
    off += rep.train[i].n_model != rep.train[i].n_window;
  }
  ck_assert_int_le(off, 1);
  ck_assert(rep.c_in > 0 && rep.c_in < p.c_int);
  xb_read_free(r);
  xb_spice_free(s);
}
END_TEST

START_TEST(test_deterministic)
{
  xb_err e;
  xb_spice *s = runner();
  xb_read_calib_circuit c = circuit(1);
  xb_read_params p[2];
  static xb_read_calib_report rep[2];
  for (int k = 0; k < 2; k++)
    ck_assert_msg(xb_spice_read_calibrate(s, NETLISTS, &c, &p[k], &rep[k],
                                          &e) == XB_OK,
                  "%s", e.msg);
  ck_assert(!memcmp(&p[0], &p[1], sizeof p[0]));
  ck_assert(!memcmp(&rep[0], &rep[1], sizeof rep[0]));
  double vth, vtl, ramp[4];
  int runs = 0;
  ck_assert_int_eq(xb_spice_read_thresholds(s, NETLISTS, &c, c.subckt, 0.5,
                                            0.545, &vth, &vtl, ramp, &runs,
                                            &e),
                   XB_OK);
  ck_assert(vth == p[0].v_th && vtl == p[0].v_tl);
  ck_assert(!memcmp(ramp, rep[0].ramp, sizeof ramp));
  ck_assert_int_eq(runs, 2);
  xb_spice_free(s);
}
END_TEST

START_TEST(test_bad_folder)
{
  xb_err e;
  xb_spice *s = runner();
  xb_read_calib_circuit c = circuit(1);
  xb_read_params p, p0;
  memset(&p, 0x5a, sizeof p);
  p0 = p;
  ck_assert_int_eq(xb_spice_read_calibrate(s, XB_SOURCE_DIR "/no_such_dir",
                                           &c, &p, NULL, &e),
                   XB_EIO);
  ck_assert_int_eq(e.code, XB_EIO);
  ck_assert_int_eq(xb_spice_read_calibrate(s, XB_MODELS, &c, &p, NULL, &e),
                   XB_EIO); /* a folder, but not of netlists */
  ck_assert_int_eq(xb_spice_read_calibrate(s, "/tmp/a b", &c, &p, NULL, &e),
                   XB_EINVAL);
  c.file = "no_such.cir";
  ck_assert_int_eq(xb_spice_read_calibrate(s, NETLISTS, &c, &p, NULL, &e),
                   XB_EIO);
  ck_assert(!memcmp(&p, &p0, sizeof p));
  xb_spice_free(s);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("read_calib");
  TCase *tc = tcase_create("read_calib");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_matches_models, 0, 2);
  tcase_add_test(tc, test_deterministic);
  tcase_add_test(tc, test_bad_folder);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(suite)
