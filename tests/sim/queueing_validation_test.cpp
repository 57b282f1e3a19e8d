// Validation against closed forms (/work/shared/spec/queueing.md): FCFS
// M/M/1 and M/M/c queues built on the kernel must reproduce the mean waiting
// time within 3%.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>

#include "sim/simulation.h"

namespace rehearsal::sim {
namespace {

struct QueueResult {
  double mean_wait_s = 0;
  double utilization = 0;
  Histogram sojourn_us;
};

// An FCFS M/M/c queue: Poisson arrivals (rate lambda per second), c servers,
// exponential service (rate mu per second each). The first `warmup`
// customers are discarded (the queue starts empty, which biases waits low).
// Callbacks capture only `this` and small ids: the kernel stores 48 bytes inline.
class MmcQueue {
 public:
  MmcQueue(uint64_t seed, int servers, double lambda, double mu, int64_t customers, int64_t warmup)
      : sim_(seed),
        arrive_(sim_.RegisterKind("arrive")),
        depart_(sim_.RegisterKind("depart")),
        arrivals_(sim_.Stream("arrivals")),
        service_(sim_.Stream("service")),
        servers_(servers),
        lambda_(lambda),
        mu_(mu),
        customers_(customers),
        warmup_(warmup) {}

  QueueResult Run() {
    ScheduleArrival();
    sim_.Run();
    EXPECT_EQ(measured_, customers_);
    QueueResult r;
    r.mean_wait_s = static_cast<double>(wait_sum_s_ / static_cast<long double>(measured_));
    r.utilization = static_cast<double>(busy_area_us_ / servers_ /
                                        static_cast<long double>((last_change_ - measure_start_).us));
    r.sojourn_us = sojourn_us_;
    return r;
  }

 private:
  void ScheduleArrival() {
    sim_.ScheduleIn(Duration::FromSeconds(arrivals_.Exponential(lambda_)), arrive_, 0,
                    [this] { Arrive(); });
  }

  // Integrates busy servers over time, from the first measured arrival on.
  void AccountBusy() {
    if (arrived_ > warmup_) {
      busy_area_us_ += static_cast<long double>(busy_) * static_cast<long double>((sim_.now() - last_change_).us);
    }
    last_change_ = sim_.now();
  }

  void Arrive() {
    AccountBusy();
    ++arrived_;
    if (arrived_ == warmup_ + 1) measure_start_ = sim_.now();
    if (busy_ < servers_) {
      StartService(sim_.now());
    } else {
      waiting_.push_back(sim_.now());
    }
    if (arrived_ < warmup_ + customers_) ScheduleArrival();
  }

  void StartService(Time arrival) {
    const int64_t index = started_++;
    if (index >= warmup_) {
      wait_sum_s_ += (sim_.now() - arrival).seconds();
      ++measured_;
    }
    ++busy_;
    sim_.ScheduleIn(Duration::FromSeconds(service_.Exponential(mu_)), depart_, 0,
                    [this, arrival, index] { Depart(arrival, index); });
  }

  void Depart(Time arrival, int64_t index) {
    AccountBusy();
    --busy_;
    if (index >= warmup_) sojourn_us_.Record((sim_.now() - arrival).us);
    if (!waiting_.empty()) {
      const Time next = waiting_.front();
      waiting_.pop_front();
      StartService(next);
    }
  }

  Simulation sim_;
  EventKind arrive_;
  EventKind depart_;
  Rng arrivals_;
  Rng service_;
  int servers_;
  double lambda_;
  double mu_;
  int64_t customers_;
  int64_t warmup_;
  std::deque<Time> waiting_;  // arrival times of queued customers
  int busy_ = 0;
  int64_t arrived_ = 0;
  int64_t started_ = 0;
  int64_t measured_ = 0;
  long double wait_sum_s_ = 0;
  long double busy_area_us_ = 0;
  Time last_change_ = Time::Zero();
  Time measure_start_ = Time::Zero();
  Histogram sojourn_us_;
};

QueueResult RunMmc(uint64_t seed, int servers, double lambda, double mu, int64_t customers,
                   int64_t warmup) {
  MmcQueue q(seed, servers, lambda, mu, customers, warmup);
  return q.Run();
}

// Debug and sanitizer builds (the asan preset) run 10-50x slower: they take
// runs 5x shorter and widen the tolerance to 4.5 sd of that length, so the
// check stays statistically sound (never a seed picked until it passes).
#if defined(__SANITIZE_ADDRESS__) || !defined(NDEBUG)
constexpr int64_t kShorten = 5;
#else
constexpr int64_t kShorten = 1;
#endif

// M/M/1, lambda = 0.9, mu = 1: Wq = rho / (mu - lambda) = 9 s (P-K with
// cs^2 = 1). The spec's variance table gives sigma^2 = 3.59e4 per customer,
// i.e. sd(mean Wq) = 0.0599 at 1e7 customers (0.67%), so 3% is 4.5 sd.
TEST(QueueingValidation, MM1MeanWaitMatchesPollaczekKhinchine) {
  const int64_t customers = 10000000 / kShorten;
  const double sd = std::sqrt(3.59e4 / static_cast<double>(customers));
  const double tolerance = std::max(0.03 * 9.0, 4.5 * sd);
  const QueueResult r = RunMmc(/*seed=*/2026, 1, 0.9, 1.0, customers, 10000);
  EXPECT_NEAR(r.mean_wait_s, 9.0, tolerance);
  EXPECT_NEAR(r.utilization, 0.9, 0.01);
  // Sojourn ~ Exp(mu - lambda): p95 = ln 20 / 0.1 = 29.957 s.
  EXPECT_NEAR(static_cast<double>(r.sojourn_us.Quantile(0.95)) / 1e6, 29.957,
              29.957 * tolerance / 9.0);
}

// M/M/4, rho = 0.8 (lambda = 3.2, mu = 1): Erlang C gives C = 0.5964,
// Wq = C / (c mu - lambda) = 0.7455 s. At 4e6 customers five seeds gave
// 0.7426-0.7515 (sd of the mean ~0.5%), so 3% is about 6 sd; shortened runs
// widen the tolerance by sqrt(kShorten).
TEST(QueueingValidation, MMcMeanWaitMatchesErlangC) {
  const int64_t customers = 4000000 / kShorten;
  const double tolerance = 0.03 * 0.7455 * std::sqrt(static_cast<double>(kShorten));
  const QueueResult r = RunMmc(/*seed=*/2027, 4, 3.2, 1.0, customers, 10000);
  EXPECT_NEAR(r.mean_wait_s, 0.7455, tolerance);
  EXPECT_NEAR(r.utilization, 0.8, 0.01);
}

}  // namespace
}  // namespace rehearsal::sim
