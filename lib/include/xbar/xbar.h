/*
 * xbar: RRAM crosspoint arrays and their CMOS peripherals at the
 * circuit-behavioral level. This umbrella header includes every public
 * module header.
 */
#ifndef XBAR_XBAR_H
#define XBAR_XBAR_H

#include <xbar/version.h>
#include <xbar/error.h>
#include <xbar/param.h>
#include <xbar/rng.h>
#include <xbar/device.h>
#include <xbar/array.h>
#include <xbar/spice.h>
#include <xbar/spice_read.h>
#include <xbar/spice_rram.h>
#include <xbar/spice_sar.h>
#include <xbar/read.h>
#include <xbar/write.h>
#include <xbar/learn.h>
#include <xbar/data.h>
#include <xbar/mvm.h>
#include <xbar/tile.h>
#include <xbar/mc.h>
#include <xbar/npy.h>
#include <xbar/nn.h>

#endif
