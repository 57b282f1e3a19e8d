#pragma once
// The offered rate of a load profile at a simulated time (pure calculator).
#include "models/traffic/traffic_config.h"
#include "sim/time.h"

namespace rehearsal::models::traffic {

// Rate in requests (or joins) per second at time t:
//   base_rps * Hourly(t) * Weekly(t) * Peaks(t) * Flash(t)
// or Replay(t) * Peaks(t) * Flash(t) when a replay curve is given.
// Hourly: the 24 values sit at hour midpoints and are interpolated linearly
// (wrapping at midnight), so a step in the shape becomes a ramp.
// Worked example: base 100 rps, hourly_shape[9] = 1.0, [10] = 2.0, peak
// {start 10:00, ramp 10m, hold 30m, mult 3}: at 10:00 the hour position is
// 9.5 -> shape 1.5, peak factor 1.0 -> 150 rps; at 10:05 shape 1.5833, peak
// 2.0 -> 316.7 rps.
double RateAt(const LoadProfile& profile, sim::Time t);

// Multiplier of one peak at t (1 outside it).
double PeakFactor(const Peak& peak, sim::Time t);
// Multiplier of one flash crowd at t (1 outside it):
// 1 + (multiplier - 1) * exp(-(t - start) / decay_time_constant).
double FlashFactor(const FlashCrowd& flash, sim::Time t);

// An upper bound of RateAt over [from, to] (for thinning arrivals); exact
// enough: it evaluates the curve at every breakpoint and 1-minute grid point
// in the window and adds 1%.
double RateBound(const LoadProfile& profile, sim::Time from, sim::Time to);

}  // namespace rehearsal::models::traffic
