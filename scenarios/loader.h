#pragma once
// The scenario loader: YAML (+ Kubernetes manifests) -> validated, defaulted
// scenarios::Scenario. Every problem is reported as "file:line:col: found X,
// expected Y", unknown keys get a "did you mean", and all errors of a file
// come back at once (Result::errors()).
#include <string>
#include <vector>

#include "scenarios/scenario.h"
#include "sim/result.h"

namespace rehearsal::scenarios {

struct LoadOptions {
  // "path=value" overrides, applied to the YAML tree before validation, so a
  // bad value is reported against the flag. Path segments are keys; a list
  // element is named by its `name` or its index: "services.gaming-api.hpa.max_replicas=60".
  std::vector<std::string> sets;
};

// Loads `path` (errors name the path as given).
sim::Result<Scenario> LoadScenarioFile(const std::string& path, const LoadOptions& options = {});

// Loads YAML text; `file` labels errors and anchors relative paths (manifests, csv).
sim::Result<Scenario> LoadScenarioText(const std::string& text, const std::string& file,
                                       const LoadOptions& options = {});

// The JSON Schema (draft 2020-12) of the scenario format, generated from the
// loader's own key tables: scenarios/schema.json is this text.
std::string ScenarioJsonSchema();

// Every key path the loader accepts, e.g. "cluster.pools[].cpu" (for tests and docs).
std::vector<std::string> ScenarioKeyPaths();

}  // namespace rehearsal::scenarios
