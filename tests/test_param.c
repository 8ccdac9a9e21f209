/*
 * Status codes, parameter tables and the .ini readers: every code has its
 * own message; generated structs take the table defaults; each kind of bad
 * input gets its own code, with file, line and parameter; a failed read
 * changes nothing; the presets in models/ all load.
 */
#include <stdio.h>
#include <string.h>

#include <xbar/device.h>
#include <xbar/param.h>

#include "xb_check.h"

#define BAD XB_DATA "/bad/"

START_TEST(test_status_messages)
{
  static const int codes[] = {
      XB_OK,     XB_ENOMEM,  XB_EINVAL, XB_EIO,      XB_ESYNTAX, XB_EKEY,
      XB_ERANGE, XB_ENAN,    XB_EMISSING, XB_ETYPE,  XB_EDATA,   XB_ENOCONV,
      XB_ESINGULAR, XB_ESIZE, XB_ESTATE, XB_EEXTERNAL};
  size_t n = sizeof codes / sizeof codes[0];
  ck_assert_int_eq((int)n, -XB_EEXTERNAL + 1); /* the list is complete */
  for (size_t i = 0; i < n; i++) {
    ck_assert_str_ne(xb_strerror(codes[i]), "unknown status");
    ck_assert(strncmp(xb_status_name(codes[i]), "XB_", 3) == 0);
    for (size_t j = 0; j < i; j++)
      ck_assert_str_ne(xb_strerror(codes[i]), xb_strerror(codes[j]));
  }
  ck_assert_str_eq(xb_strerror(12345), "unknown status");
  ck_assert_str_eq(xb_status_name(XB_ERANGE), "XB_ERANGE");
}
END_TEST

START_TEST(test_defaults_from_table)
{
  xb_exp_params p;
  memset(&p, 0xff, sizeof p);
  xb_param_defaults(&xb_exp_param_set, &p);
  ck_assert_int_eq((int)xb_exp_param_set.nrows, 7);
  ck_assert(p.gmin == 6.356471e-9 && p.gmax == 4.347826e-8);
  ck_assert(p.levels == 50 && p.nl_ltp == 3.68 && p.nl_ltd == -6.76);
  ck_assert_int_eq(xb_param_check(&xb_exp_param_set, &p, NULL), XB_OK);
  /* Every row's default lies in its range, in every built-in set. */
  const xb_param_set *sets[] = {&xb_exp_param_set, &xb_linear_param_set,
                                &xb_softbounds_param_set, &xb_lut_param_set,
                                &xb_elec_param_set, &xb_var_param_set};
  for (size_t s = 0; s < 6; s++)
    for (size_t i = 0; i < sets[s]->nrows; i++) {
      const xb_param_row *r = &sets[s]->rows[i];
      ck_assert_msg(r->def >= r->lo && r->def <= r->hi, "%s.%s",
                    sets[s]->name, r->name);
      ck_assert(r->unit[0] && r->desc[0]);
    }
  xb_elec_params e;
  xb_param_defaults(&xb_elec_param_set, &e);
  ck_assert_int_eq(e.response, 0);
  ck_assert(e.t_pulse == 1e-3);
}
END_TEST

START_TEST(test_describe)
{
  char buf[4096];
  size_t need = xb_param_describe(&xb_exp_param_set, NULL, buf, sizeof buf);
  ck_assert(need > 0 && need < sizeof buf);
  ck_assert_uint_eq(strlen(buf), need);
  for (size_t i = 0; i < xb_exp_param_set.nrows; i++)
    ck_assert_ptr_nonnull(strstr(buf, xb_exp_param_set.rows[i].name));
  ck_assert_ptr_nonnull(strstr(buf, "pulses"));
  /* Truncation reports the full length, like snprintf. */
  char small[16];
  ck_assert_uint_eq(xb_param_describe(&xb_exp_param_set, NULL, small, 16),
                    need);
  ck_assert_uint_eq(strlen(small), 15);
}
END_TEST

START_TEST(test_set_text)
{
  xb_exp_params p;
  xb_param_defaults(&xb_exp_param_set, &p);
  xb_err e;
  ck_assert_int_eq(
      xb_param_set_text(&xb_exp_param_set, &p, "gmax", "2e-8", NULL, 0, &e),
      XB_OK);
  ck_assert(p.gmax == 2e-8);
  ck_assert_int_eq(
      xb_param_set_text(&xb_exp_param_set, &p, "gmax", "2", NULL, 0, &e),
      XB_ERANGE);
  ck_assert(p.gmax == 2e-8);
  ck_assert_str_eq(e.param, "gmax");
  ck_assert(e.lo == 1e-15 && e.hi == 1.0);
  ck_assert_int_eq(
      xb_param_set_text(&xb_exp_param_set, &p, "gmax", "1e-8x", NULL, 0, &e),
      XB_ESYNTAX);
  ck_assert_int_eq(
      xb_param_set_text(&xb_exp_param_set, &p, "gmax", "-inf", NULL, 0, &e),
      XB_ENAN);
  ck_assert_int_eq(
      xb_param_set_text(&xb_exp_param_set, &p, "nope", "1", NULL, 0, &e),
      XB_EKEY);
}
END_TEST

/* Read a bad file into exp params: the code, line and parameter must be
 * the expected ones and the struct must be unchanged. */
static void expect_bad(const char *file, const xb_param_set *set, int code,
                       int line, const char *param)
{
  union {
    xb_exp_params e;
    xb_elec_params el;
  } p, before;
  memset(&p, 0, sizeof p); /* padding too: the memcmp below reads it */
  xb_param_defaults(set, &p);
  memcpy(&before, &p, sizeof p);
  xb_err e;
  char path[512];
  snprintf(path, sizeof path, "%s%s", BAD, file);
  int rc = xb_param_read(set, &p, path, NULL, &e);
  ck_assert_msg(rc == code, "%s: got %s (%s), want %s", file,
                xb_status_name(rc), e.msg, xb_status_name(code));
  ck_assert_int_eq(e.code, code);
  ck_assert_msg(e.line == line, "%s: line %d, want %d (%s)", file, e.line,
                line, e.msg);
  if (param)
    ck_assert_str_eq(e.param, param);
  ck_assert_ptr_nonnull(strstr(e.msg, file)); /* the message names the file */
  ck_assert(memcmp(&p, &before, set->size) == 0);
}

START_TEST(test_bad_ini)
{
  const xb_param_set *m = &xb_exp_param_set;
  expect_bad("unknown_key.ini", m, XB_EKEY, 3, "bogus");
  expect_bad("out_of_range.ini", m, XB_ERANGE, 3, "gmax");
  expect_bad("nan.ini", m, XB_ENAN, 2, "gmin");
  expect_bad("inf.ini", m, XB_ENAN, 2, "gmax");
  expect_bad("malformed.ini", m, XB_ESYNTAX, 3, NULL);
  expect_bad("not_number.ini", m, XB_ESYNTAX, 2, "gmin");
  expect_bad("empty_value.ini", m, XB_ESYNTAX, 2, "gmin");
  expect_bad("duplicate.ini", m, XB_ESYNTAX, 3, "gmin");
  expect_bad("gmin_above_gmax.ini", m, XB_ERANGE, 0, "gmin");
  expect_bad("unknown_section.ini", m, XB_EKEY, 2, "gmin");
  expect_bad("unclosed_section.ini", m, XB_ESYNTAX, 2, NULL);
  expect_bad("int_fraction.ini", &xb_elec_param_set, XB_ESYNTAX, 2,
             "response");
  expect_bad("does_not_exist.ini", m, XB_EIO, 0, NULL);
}
END_TEST

START_TEST(test_good_ini_multi_section)
{
  xb_exp_params m;
  xb_elec_params el;
  xb_var_params v;
  xb_param_defaults(&xb_exp_param_set, &m);
  xb_param_defaults(&xb_elec_param_set, &el);
  xb_param_defaults(&xb_var_param_set, &v);
  xb_ini_binding b[] = {{"model", &xb_exp_param_set, &m},
                        {"electrical", &xb_elec_param_set, &el},
                        {"variation", &xb_var_param_set, &v}};
  /* [device] is not bound: without a text handler it is an unknown key. */
  xb_err e;
  ck_assert_int_eq(
      xb_ini_read(XB_MODELS "/pcmo_park2013.ini", b, 3, NULL, NULL, &e),
      XB_EKEY);
  ck_assert_str_eq(e.param, "type");
  ck_assert_int_eq(e.line, 10);
  ck_assert(m.nl_ltp == 3.68); /* unchanged: still the default */
}
END_TEST

/* xb_device_load on a bad file: code, and no device. */
static void expect_bad_device(const char *file, int code)
{
  xb_err e;
  char path[512];
  snprintf(path, sizeof path, "%s%s", BAD, file);
  xb_device *d = xb_device_load(path, &e);
  ck_assert_ptr_null(d);
  ck_assert_msg(e.code == code, "%s: got %s (%s), want %s", file,
                xb_status_name(e.code), e.msg, xb_status_name(code));
  ck_assert_msg(strstr(e.msg, file) != NULL, "%s not named in '%s'", file,
                e.msg);
}

START_TEST(test_bad_device_files)
{
  expect_bad_device("no_type.ini", XB_EMISSING);
  expect_bad_device("bad_type.ini", XB_ETYPE);
  expect_bad_device("table_not_lut.ini", XB_EKEY);
  expect_bad_device("lut_missing_table.ini", XB_EMISSING);
  expect_bad_device("lut_nonmonotone.ini", XB_EDATA);
  expect_bad_device("stuck_sum.ini", XB_ERANGE);
  expect_bad_device("nl_zero.ini", XB_ERANGE);
  expect_bad_device("device_unknown_key.ini", XB_EKEY);
  expect_bad_device("does_not_exist.ini", XB_EIO);

  xb_lut_data d;
  xb_err e;
  ck_assert_int_eq(xb_lut_data_read(BAD "bad_header.csv", &d, &e), XB_ESYNTAX);
  ck_assert_int_eq(e.line, 1);
  ck_assert_int_eq(xb_lut_data_read(BAD "short_row.csv", &d, &e), XB_ESYNTAX);
  ck_assert_int_eq(e.line, 3);
  ck_assert_int_eq(xb_lut_data_read(BAD "bad_branch.csv", &d, &e), XB_ESYNTAX);
  ck_assert_int_eq(e.line, 2);
  ck_assert_int_eq(xb_lut_data_read(BAD "nonmonotone.csv", &d, &e), XB_EDATA);
}
END_TEST

START_TEST(test_presets_load)
{
  static const char *presets[] = {"pcmo_park2013.ini", "linear_ideal.ini",
                                  "softbounds_generic.ini",
                                  "lut_pcmo_table.ini"};
  static const char *types[] = {"exp", "linear", "softbounds", "lut"};
  for (int i = 0; i < 4; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", XB_MODELS, presets[i]);
    xb_err e;
    xb_device *d = xb_device_load(path, &e);
    ck_assert_msg(d != NULL, "%s: %s", presets[i], d ? "" : e.msg);
    ck_assert_str_eq(xb_device_name(d), types[i]);
    char buf[8192];
    size_t n = xb_device_describe(d, buf, sizeof buf);
    ck_assert(n > 100 && n < sizeof buf);
    xb_device_free(d);
  }
  xb_device *d = xb_device_load(XB_MODELS "/pcmo_park2013.ini", NULL);
  const xb_exp_params *p = xb_device_params(d);
  ck_assert_rel(p->gmax, 1.0 / 23e6, 1e-9);
  ck_assert_rel(p->gmax / p->gmin, 6.84, 1e-9);
  ck_assert(p->levels == 50 && p->a_ltp == 0);
  ck_assert(xb_device_variation(d)->c2c == 0.005);
  ck_assert(xb_device_elec(d)->vw_set == 2.0);
  xb_device_free(d);
  xb_device_free(NULL); /* no-op */
}
END_TEST

static Suite *param_suite(void)
{
  Suite *s = suite_create("param");
  TCase *tc = tcase_create("param");
  tcase_add_test(tc, test_status_messages);
  tcase_add_test(tc, test_defaults_from_table);
  tcase_add_test(tc, test_describe);
  tcase_add_test(tc, test_set_text);
  tcase_add_test(tc, test_bad_ini);
  tcase_add_test(tc, test_good_ini_multi_section);
  tcase_add_test(tc, test_bad_device_files);
  tcase_add_test(tc, test_presets_load);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(param_suite)
