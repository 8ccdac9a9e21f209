/*
 * py_ref: reference results for the Python binding's tests
 * (python/tests). Runs fixed inputs through the C API and prints one line
 * per result, `key value...`, doubles as C99 hex floats (%a), so the
 * Python tests compare every number bit for bit with what the same library
 * computes from C (float.fromhex). Keys are the tests' names for them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

static void put(const char *key, const double *v, size_t n)
{
  printf("%s", key);
  for (size_t k = 0; k < n; k++)
    printf(" %a", v[k]);
  printf("\n");
}

static void puti(const char *key, const long long *v, size_t n)
{
  printf("%s", key);
  for (size_t k = 0; k < n; k++)
    printf(" %lld", v[k]);
  printf("\n");
}

static int die(const char *what, const xb_err *e)
{
  fprintf(stderr, "py_ref: %s: %s\n", what, e->msg);
  return 1;
}

int main(void)
{
  xb_err e;
  xb_err_clear(&e);
  /* parameter defaults, for the table-built structs */
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  put("array_defaults", &ap.rw_row, 4);
  (void)puti;
  (void)die;
  return 0;
}
