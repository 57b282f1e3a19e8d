#pragma once
// Kubernetes manifests as a scenario source: Deployment, StatefulSet,
// HorizontalPodAutoscaler (autoscaling/v2), PodDisruptionBudget and
// PriorityClass objects from multi-document YAML (as `helm template` or
// `kubectl get -o yaml` print them) become scenario services. Scenario entries
// with the same name then add what manifests lack (performance, calls).
// Fields that change nothing in the simulation (images' registries, env,
// volumes, ports, ...) are listed in ONE warning on the scenario.
#include <string>

#include "scenarios/scenario.h"
#include "sim/result.h"

namespace rehearsal::scenarios {

// Reads `path` and merges its objects into `scenario` (services, HPAs, PDBs,
// priorities). Problems are appended to `errors` with the manifest's
// file:line:col; `from` marks the scenario line that listed the file.
void LoadManifestFile(const std::string& path, const sim::SourceMark& from, Scenario& scenario,
                      sim::Errors& errors);

// The same, from text (tests, fuzzing).
void LoadManifestText(const std::string& text, const std::string& file, Scenario& scenario,
                      sim::Errors& errors);

}  // namespace rehearsal::scenarios
