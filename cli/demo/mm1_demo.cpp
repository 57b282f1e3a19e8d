// mm1_demo: the kernel's built-in M/M/1 queue (what `make run` prints until
// scenarios exist). FCFS, Poisson arrivals at rate lambda, exponential service
// at rate mu, times in seconds; the simulated figures are printed beside the
// closed forms (/work/shared/spec/queueing.md):
//   Wq = rho / (mu - lambda), W = 1 / (mu - lambda), utilisation = rho,
//   L = rho / (1 - rho), sojourn p95 = ln(20) / (mu - lambda).
// With lambda = 0.9, mu = 1: Wq = 9 s, W = 10 s, rho = 0.9, L = 9, p95 = 29.96 s.
//
//   mm1_demo [--customers N] [--seed S] [--lambda L] [--mu M]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>

#include "sim/simulation.h"

namespace {

using rehearsal::sim::Duration;
using rehearsal::sim::EventKind;
using rehearsal::sim::Histogram;
using rehearsal::sim::Rng;
using rehearsal::sim::Simulation;
using rehearsal::sim::Time;

struct Options {
  int64_t customers = 5000000;  // sd of mean Wq ~ 0.085 s (0.9%), spec variance table
  uint64_t seed = 1;
  double lambda = 0.9;
  double mu = 1.0;
};

// An FCFS single-server queue on the kernel. Callbacks capture `this` plus
// small values only (the kernel stores 48 bytes inline).
class Mm1 {
 public:
  explicit Mm1(const Options& o)
      : o_(o),
        sim_(o.seed),
        arrive_(sim_.RegisterKind("mm1.arrive")),
        depart_(sim_.RegisterKind("mm1.depart")),
        arrivals_(sim_.Stream("mm1/arrivals")),
        service_(sim_.Stream("mm1/service")) {
    sim_.recorder().set_sample_interval(Duration::Seconds(100));
    sim_.recorder().AddSeries("mm1.in_system",
                              [this] { return static_cast<double>(waiting_.size() + (busy_ ? 1 : 0)); });
  }

  void Run() {
    ScheduleArrival();
    sim_.Run();
  }

  void Print() const {
    const double rho = o_.lambda / o_.mu;
    const double wq = rho / (o_.mu - o_.lambda);
    const double w = 1.0 / (o_.mu - o_.lambda);
    const double l = rho / (1 - rho);
    const double p95 = std::log(20.0) / (o_.mu - o_.lambda);
    const auto n = static_cast<double>(served_);
    const double sim_wq = static_cast<double>(wait_sum_s_) / n;
    const double sim_w = static_cast<double>(sojourn_sum_s_) / n;
    const double util = static_cast<double>(busy_s_) / sim_.now().seconds();
    double l_sum = 0;
    for (const auto& row : sim_.recorder().rows()) l_sum += row[0];
    const double sim_l = l_sum / static_cast<double>(sim_.recorder().rows().size());
    const double sim_p95 = static_cast<double>(sojourn_us_.Quantile(0.95)) / 1e6;

    std::printf("Rehearsal kernel demo: M/M/1 queue, lambda = %.3g/s, mu = %.3g/s, %lld customers, seed %llu\n",
                o_.lambda, o_.mu, static_cast<long long>(served_),
                static_cast<unsigned long long>(o_.seed));
    std::printf("simulated %s in %llu events, digest %016llx\n\n",
                rehearsal::sim::FormatDuration(sim_.now() - Time::Zero()).c_str(),
                static_cast<unsigned long long>(sim_.events_executed()),
                static_cast<unsigned long long>(sim_.digest()));
    std::printf("%-34s %12s %12s %9s\n", "metric", "simulated", "closed form", "error");
    auto line = [](const char* name, double got, double want) {
      std::printf("%-34s %12.4f %12.4f %8.2f%%\n", name, got, want, 100.0 * (got - want) / want);
    };
    line("mean wait in queue Wq (s)", sim_wq, wq);
    line("mean sojourn W (s)", sim_w, w);
    line("utilisation rho", util, rho);
    line("mean number in system L (sampled)", sim_l, l);
    line("sojourn p95 (s)", sim_p95, p95);
    std::printf("\nclosed forms: Wq = rho/(mu-lambda) (Pollaczek-Khinchine with cs^2 = 1), "
                "sojourn ~ Exp(mu-lambda), p95 = ln(20)/(mu-lambda)\n");
  }

 private:
  void ScheduleArrival() {
    sim_.ScheduleIn(Duration::FromSeconds(arrivals_.Exponential(o_.lambda)), arrive_, 0,
                    [this] { Arrive(); });
  }

  void Arrive() {
    ++arrived_;
    if (busy_) {
      waiting_.push_back(sim_.now());
    } else {
      StartService(sim_.now());
    }
    if (arrived_ < o_.customers) ScheduleArrival();
  }

  void StartService(Time arrival) {
    busy_ = true;
    busy_since_ = sim_.now();
    wait_sum_s_ += (sim_.now() - arrival).seconds();
    sim_.ScheduleIn(Duration::FromSeconds(service_.Exponential(o_.mu)), depart_, 0,
                    [this, arrival] { Depart(arrival); });
  }

  void Depart(Time arrival) {
    busy_ = false;
    busy_s_ += (sim_.now() - busy_since_).seconds();
    ++served_;
    sojourn_sum_s_ += (sim_.now() - arrival).seconds();
    sojourn_us_.Record((sim_.now() - arrival).us);
    if (!waiting_.empty()) {
      const Time next = waiting_.front();
      waiting_.pop_front();
      StartService(next);
    }
  }

  Options o_;
  Simulation sim_;
  EventKind arrive_;
  EventKind depart_;
  Rng arrivals_;
  Rng service_;
  std::deque<Time> waiting_;
  bool busy_ = false;
  Time busy_since_;
  int64_t arrived_ = 0;
  int64_t served_ = 0;
  long double wait_sum_s_ = 0;
  long double sojourn_sum_s_ = 0;
  long double busy_s_ = 0;
  Histogram sojourn_us_;
};

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "mm1_demo: %s needs a value\n", flag.c_str());
      return false;
    }
    const char* value = argv[++i];
    char* end = nullptr;
    if (flag == "--customers") {
      o->customers = std::strtoll(value, &end, 10);
    } else if (flag == "--seed") {
      o->seed = std::strtoull(value, &end, 10);
    } else if (flag == "--lambda") {
      o->lambda = std::strtod(value, &end);
    } else if (flag == "--mu") {
      o->mu = std::strtod(value, &end);
    } else {
      std::fprintf(stderr, "mm1_demo: unknown flag %s (expected --customers, --seed, --lambda, --mu)\n",
                   flag.c_str());
      return false;
    }
    if (end == value || *end != '\0') {
      std::fprintf(stderr, "mm1_demo: %s expects a number, got '%s'\n", flag.c_str(), value);
      return false;
    }
  }
  if (o->customers <= 0 || o->lambda <= 0 || o->mu <= o->lambda) {
    std::fprintf(stderr, "mm1_demo: need customers > 0 and 0 < lambda < mu (a stable queue)\n");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, &options)) return 2;
  Mm1 model(options);
  model.Run();
  model.Print();
  return 0;
}
