/* Transient read: being written (see xbar/read.h). */
#include <xbar/read.h>

#include "../core/core_impl.h"

#define XB_PARAM_T xb_transient_params
XB_PARAM_SET_DEFINE(xb_transient_param_set, "transient", XB_TRANSIENT_PARAMS,
                    NULL)
#undef XB_PARAM_T

int xb_read_transient(const xb_read *r, xb_array *a, int in_axis,
                      const double *v_in, const unsigned char *active,
                      int unselected, double v_bias,
                      const signed char *polarity,
                      const xb_transient_params *tp, int *spikes,
                      double *times, size_t cap, xb_transient_stats *stats,
                      xb_err *err)
{
  (void)r; (void)a; (void)in_axis; (void)v_in; (void)active;
  (void)unselected; (void)v_bias; (void)polarity; (void)tp; (void)spikes;
  (void)times; (void)cap; (void)stats;
  return xb__err(err, XB_ESTATE, "transient read not built yet");
}
