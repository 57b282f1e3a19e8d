#include "sim/time.h"

#include <gtest/gtest.h>

namespace rehearsal::sim {
namespace {

TEST(ParseDuration, AcceptsTheDocumentedForms) {
  struct Case {
    const char* text;
    int64_t us;
  };
  const Case cases[] = {
      {"250ms", 250000},        {"30s", 30000000},      {"5m", 300000000},
      {"2h", 7200000000LL},     {"1d", 86400000000LL},  {"1h30m", 5400000000LL},
      {"1.5s", 1500000},        {"100us", 100},         {"0", 0},
      {"0.25h", 900000000},     {"1m0.5s", 60500000},   {"-2s", -2000000},
  };
  for (const Case& c : cases) {
    const Result<Duration> r = ParseDuration(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.error().ToString();
    EXPECT_EQ(r->us, c.us) << c.text;
  }
}

TEST(ParseDuration, RejectsBadTextNamingWhatWasExpected) {
  for (const char* bad : {"", "30", "5x", "1.s", "ms", "1s30m", "1s1s", "0.5us", "1h 30m", "-",
                          "99999999999999999999s"}) {
    const Result<Duration> r = ParseDuration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("expected a duration such as"), std::string::npos)
        << r.error().message;
  }
}

TEST(FormatDuration, PrintsTheShortestExactForm) {
  EXPECT_EQ(FormatDuration(Duration::Seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(Duration::Millis(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(Duration{}), "0s");
  EXPECT_EQ(FormatDuration(Duration::Millis(250)), "250ms");
  EXPECT_EQ(FormatDuration(Duration::Micros(1500)), "1.5ms");
  EXPECT_EQ(FormatDuration(Duration::Micros(7)), "7us");
  EXPECT_EQ(FormatDuration(Duration::Minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(Duration::Hours(24) + Duration::Seconds(1)), "1d1s");
  EXPECT_EQ(FormatDuration(Duration::Seconds(-2)), "-2s");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (int64_t us : {int64_t{1}, int64_t{999}, int64_t{1001}, int64_t{1000001}, int64_t{61000000},
                     int64_t{86400000001}, int64_t{123456789012}}) {
    const std::string text = FormatDuration(Duration{us});
    const Result<Duration> r = ParseDuration(text);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(r->us, us) << text;
  }
}

TEST(FormatTime, PrintsSecondsTrimmed) {
  EXPECT_EQ(FormatTime(Time{12500000}), "12.5s");
  EXPECT_EQ(FormatTime(Time{0}), "0s");
  EXPECT_EQ(FormatTime(Time{1}), "0.000001s");
}

}  // namespace
}  // namespace rehearsal::sim
