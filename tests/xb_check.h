/*
 * Shared helpers for xbar's Check test programs: a main() that runs one
 * suite, a relative-tolerance assertion, and the test data folder.
 */
#ifndef XB_CHECK_H
#define XB_CHECK_H

#include <check.h>
#include <math.h>
#include <stdlib.h>

#ifndef XB_SOURCE_DIR
#error "XB_SOURCE_DIR must name the source tree"
#endif
#define XB_MODELS XB_SOURCE_DIR "/models"
#define XB_DATA XB_SOURCE_DIR "/tests/data"

/* |a - b| <= rtol * |b| (+ atol), with both numbers in the message. */
#define ck_assert_rel(a, b, rtol)                                             \
  do {                                                                        \
    double a_ = (a), b_ = (b);                                                \
    ck_assert_msg(fabs(a_ - b_) <= (rtol) * fabs(b_),                         \
                  "%s = %.12g vs %s = %.12g: rel err %.3g > %g", #a, a_, #b,  \
                  b_, fabs(a_ - b_) / fabs(b_), (double)(rtol));              \
  } while (0)

#define XB_CHECK_MAIN(suite_fn)                                               \
  int main(void)                                                              \
  {                                                                           \
    SRunner *sr = srunner_create(suite_fn());                                 \
    srunner_run_all(sr, CK_NORMAL);                                           \
    int failed = srunner_ntests_failed(sr);                                   \
    srunner_free(sr);                                                         \
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;                              \
  }

#endif
