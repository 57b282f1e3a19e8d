#include "gui/engine/replay.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>

namespace rehearsal::gui {
namespace {

std::string PercentText(double ratio) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g%%", ratio * 100.0);
  return buf;
}

std::string IntOrPercentText(const scenarios::IntOrPercent& v) {
  return v.percent ? std::to_string(v.value) + "%" : std::to_string(v.value);
}

YAML::Node FaultNode(const scenarios::Fault& f) {
  using scenarios::FaultType;
  YAML::Node n(YAML::NodeType::Map);
  n["type"] = scenarios::ToString(f.type);
  n["at"] = sim::FormatDuration(f.at);
  switch (f.type) {
    case FaultType::kZoneOutage:
      n["zone"] = f.zone;
      break;
    case FaultType::kNodeFailure:
      n["pool"] = f.pool;
      n["count"] = f.count;
      break;
    case FaultType::kSpotStorm:
      n["pool"] = f.pool;
      n["fraction"] = PercentText(f.fraction);
      n["notice"] = sim::FormatDuration(f.notice);
      break;
    case FaultType::kBadRelease:
      n["service"] = f.service;
      n["version"] = f.version;
      break;
    case FaultType::kWalletPrimaryLoss:
      break;
    case FaultType::kDiskFault:
      n["target"] = f.target;
      n["mode"] = scenarios::ToString(f.mode);
      if (f.mode == scenarios::DiskFaultMode::kSlowFsync) n["slow_by"] = sim::FormatDuration(f.slow_by);
      break;
    case FaultType::kPartition: {
      YAML::Node zones(YAML::NodeType::Sequence);
      for (const auto& z : f.zones) zones.push_back(z);
      n["zones"] = zones;
      break;
    }
    case FaultType::kPoolUpgrade:
      n["pool"] = f.pool;
      n["max_unavailable"] = IntOrPercentText(f.max_unavailable);
      break;
  }
  if (f.duration.us > 0) n["duration"] = sim::FormatDuration(f.duration);
  return n;
}

std::string Absolute(const std::string& base_dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return std::filesystem::absolute(std::filesystem::path(base_dir) / p).lexically_normal().string();
}

}  // namespace

std::string FaultYaml(const scenarios::Fault& fault) {
  YAML::Emitter out;
  out << YAML::Flow << FaultNode(fault);
  return out.c_str();
}

sim::Result<std::string> MakeReplayYaml(const std::string& original_text, const std::string& original_file,
                                        const std::vector<scenarios::Fault>& faults) {
  YAML::Node root;
  try {
    root = YAML::Load(original_text);
  } catch (const YAML::Exception& e) {
    return sim::Error{{original_file, e.mark.line + 1, e.mark.column + 1},
                      "found invalid YAML (" + e.msg + "), expected the scenario the run was built from"};
  }
  if (!root.IsMap()) return sim::Error{{original_file, 1, 1}, "found no YAML mapping, expected a scenario"};
  std::string base_dir = std::filesystem::path(original_file).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  try {
    if (root["manifests"].IsSequence()) {
      YAML::Node m = root["manifests"];
      for (size_t i = 0; i < m.size(); ++i)
        if (m[i].IsScalar()) m[i] = Absolute(base_dir, m[i].Scalar());
    }
    YAML::Node entries = root["traffic"].IsMap() ? root["traffic"]["entry_points"] : YAML::Node();
    if (entries.IsSequence()) {
      for (size_t i = 0; i < entries.size(); ++i) {
        YAML::Node profile = entries[i].IsMap() ? entries[i]["profile"] : YAML::Node();
        if (profile.IsMap() && profile["file"].IsScalar())
          profile["file"] = Absolute(base_dir, profile["file"].Scalar());
      }
    }
    YAML::Node list = root["faults"];
    if (!list.IsDefined() || list.IsNull()) {
      root["faults"] = YAML::Node(YAML::NodeType::Sequence);
      list = root["faults"];
    }
    if (!list.IsSequence()) {
      const YAML::Mark m = list.Mark();
      return sim::Error{{original_file, m.line + 1, m.column + 1}, "found a 'faults' that is not a list, expected a list"};
    }
    for (const auto& f : faults) list.push_back(FaultNode(f));
  } catch (const YAML::Exception& e) {
    return sim::Error{{original_file, e.mark.line + 1, e.mark.column + 1}, "found " + e.msg + ", expected a scenario"};
  }
  YAML::Emitter out;
  out << YAML::Comment("Game-day replay of " + original_file + ": " + std::to_string(faults.size()) +
                       " live fault(s) appended to 'faults' at their simulated times. Run: rehearse run <this file>");
  out << YAML::Newline << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace rehearsal::gui
