#include "scenarios/k8s/explain.h"

namespace rehearsal::scenarios {

int RunExplain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  (void)args;
  (void)out;
  err << "rehearse explain: not built yet\n";
  return 2;
}

}  // namespace rehearsal::scenarios
