#include "models/disruption/pdb_math.h"

#include <gtest/gtest.h>

namespace rehearsal::models {
namespace {

struct Case {
  const char* what;
  std::optional<IntOrPercent> min_available, max_unavailable;
  int32_t matching, scale, healthy;
  int32_t want_expected, want_desired, want_allowed;
};

TEST(PdbMath, SpecTable) {
  const Case cases[] = {
      {"minAvailable 80% of 10", IntOrPercent::Percent(80), std::nullopt, 10, 10, 10, 10, 8, 2},
      {"minAvailable 34% of 3 rounds up", IntOrPercent::Percent(34), std::nullopt, 3, 3, 3, 3, 2, 1},
      {"maxUnavailable 30% of 7", std::nullopt, IntOrPercent::Percent(30), 7, 7, 7, 7, 4, 3},
      {"maxUnavailable 1 of 3", std::nullopt, IntOrPercent::Int(1), 3, 3, 3, 3, 2, 1},
      {"minAvailable int uses matching pods", IntOrPercent::Int(2), std::nullopt, 4, 9, 3, 4, 2, 1},
      {"no budget left", IntOrPercent::Int(3), std::nullopt, 3, 3, 3, 3, 3, 0},
      {"negative clamps to 0", IntOrPercent::Percent(100), std::nullopt, 5, 5, 3, 5, 5, 0},
      {"no expected pods", std::nullopt, IntOrPercent::Int(1), 0, 0, 0, 0, 0, 0},
      {"maxUnavailable above expected floors desired at 0", std::nullopt, IntOrPercent::Int(9), 3, 3, 3, 3, 0, 3},
  };
  for (const auto& c : cases) {
    PdbInputs in;
    in.min_available = c.min_available;
    in.max_unavailable = c.max_unavailable;
    in.matching_pods = c.matching;
    in.controller_scale_sum = c.scale;
    in.current_healthy = c.healthy;
    PdbStatus s = ComputePdbStatus(in);
    EXPECT_EQ(s.expected_pods, c.want_expected) << c.what;
    EXPECT_EQ(s.desired_healthy, c.want_desired) << c.what;
    EXPECT_EQ(s.disruptions_allowed, c.want_allowed) << c.what;
  }
}

}  // namespace
}  // namespace rehearsal::models
