// libFuzzer target for the scenario loader (and, through `manifests:`-free
// inputs, the YAML adapter and every scalar kind). The loader must never
// crash, hang or throw on any input: it returns a Scenario or errors.
// Also exercises --set paths taken from the first line of the input.
//
// Build (clang only):
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
//         -DREHEARSAL_FUZZ=ON -DREHEARSAL_BUILD_GUI=OFF -DREHEARSAL_BUILD_BENCH=OFF
//   cmake --build build-fuzz --target scenario_loader_fuzz
//   build-fuzz/bin/scenario_loader_fuzz scenarios/fuzz/corpus scenarios/examples -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenarios/loader.h"
#include "sim/assert.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  rehearsal::scenarios::LoadOptions options;
  // A first line "#set a.b=c" becomes an override.
  if (text.rfind("#set ", 0) == 0) {
    size_t nl = text.find('\n');
    options.sets.push_back(text.substr(5, nl == std::string::npos ? std::string::npos : nl - 5));
  }
  auto r = rehearsal::scenarios::LoadScenarioText(text, "fuzz.yaml", options);
  if (!r.ok()) {
    RH_ASSERT(!r.errors().empty());
    for (const auto& e : r.errors()) RH_ASSERT(!e.message.empty());
  } else {
    RH_ASSERT(r->duration.us > 0);
    RH_ASSERT(r->input_digest.size() == 16);
  }
  return 0;
}
