/*
 * The straight-response twin of a device (xb_device_straight): the linear
 * model G = Gmin + (Gmax - Gmin) x / levels over the source's conductance
 * range and pulse count, with its electrical and variation parameters, so
 * a comparison of the two isolates the shape of the pulse response (the
 * nonlinearity study of parca_demo, test_learn). Built on the public
 * device API and the linear model alone.
 */
#include "device_impl.h"

xb_device *xb_device_straight(const xb_device *d, xb_err *err)
{
  if (!d) {
    xb__err(err, XB_EINVAL, "NULL device");
    return NULL;
  }
  double levels = xb_device_levels(d);
  if (!(levels > 0)) {
    xb__err(err, XB_ETYPE,
            "device type %s has no pulse count for a straight twin",
            xb_device_name(d));
    return NULL;
  }
  xb_linear_params lp;
  xb_param_defaults(&xb_linear_param_set, &lp);
  xb_device_bounds(d, &lp.gmin, &lp.gmax);
  lp.levels = levels;
  return xb_device_create(xb_device_linear, &lp, NULL, xb_device_elec(d),
                          xb_device_variation(d), err);
}
