#pragma once
// Game-day replay files: the original scenario YAML plus the live injections
// appended to its `faults:` list with their simulated times (`at`), so that
// `rehearse run replay.yaml` replays the game day exactly. The loader
// (scenarios/loader.h) validates the result; the GUI builds its live world
// from the very same text (see run_engine.h), so the two cannot drift apart.
#include <string>
#include <vector>

#include "scenarios/scenario.h"
#include "sim/result.h"

namespace rehearsal::gui {

// The YAML mapping of one fault with only the keys its type uses (the keys
// scenarios/loader.cpp accepts), e.g. for a zone outage at 12m30s for 10m:
//   {type: zone-outage, at: 12m30s, zone: zone-b, duration: 10m}
// Emitted through yaml-cpp; durations use sim::FormatDuration (exact, µs).
std::string FaultYaml(const scenarios::Fault& fault);

// `original_text` with `faults` appended to its top-level `faults:` list
// (created when absent). Relative `manifests:` and CSV profile `file:` paths
// are made absolute against `original_file`'s directory so the replay file
// can be saved anywhere. Comments of the original are not kept (yaml-cpp
// re-emits the tree); a header comment names the source and the count.
// Errors: the original text is not a YAML mapping.
sim::Result<std::string> MakeReplayYaml(const std::string& original_text, const std::string& original_file,
                                        const std::vector<scenarios::Fault>& faults);

}  // namespace rehearsal::gui
