#pragma once
// `rehearse explain hpa|pdb ...`: what the HPA or disruption controller would
// compute from real Kubernetes objects (as `kubectl get -o json|yaml` prints
// them). The CLI dispatches here; tests call it directly.
#include <ostream>
#include <string>
#include <vector>

namespace rehearsal::scenarios {

// args: everything after "explain" (e.g. {"hpa", "--hpa", "h.yaml", ...}).
// Returns the process exit code: 0 ok, 2 bad input or usage.
int RunExplain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace rehearsal::scenarios
