/* placeholder: the SPICE cross-check suite */
#include "xb_check.h"
START_TEST(test_placeholder) { ck_assert_int_eq(1, 1); }
END_TEST
static Suite *spice_suite(void)
{
  Suite *s = suite_create("spice");
  TCase *tc = tcase_create("spice");
  tcase_add_test(tc, test_placeholder);
  suite_add_tcase(s, tc);
  return s;
}
XB_CHECK_MAIN(spice_suite)
