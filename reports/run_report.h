#pragma once
// The run directory, the contract other tools read:
//   summary.json     "schema": "rehearsal.summary/v1" (reports/summary.schema.json)
//   timeseries.csv   time_s, then one column per recorded series ("service.metric")
//   events.jsonl     one {"t_s","kind","object","message"} per line, in time order
//   report.html      one self-contained page: inline SVG charts, SLO table, timeline
// Writers are pure functions of (summary, recorder) returning text; WriteRunDir
// puts them on disk atomically (temp dir, then rename), so a failed run leaves
// nothing half-written.
#include <string>

#include "models/core/run_summary.h"
#include "sim/recorder.h"
#include "sim/result.h"

namespace rehearsal::reports {

inline constexpr const char* kSummarySchema = "rehearsal.summary/v1";

// Key order is fixed (the order below in the schema), numbers that are
// integral in nature (counts, µs) are integers. `version` is the build's.
std::string SummaryJson(const models::RunSummary& summary, const std::string& version);

std::string TimeseriesCsv(const sim::Recorder& recorder);

// Events sorted by time (stable: equal times keep their logging order).
std::string EventsJsonl(const sim::Recorder& recorder);

// The HTML report. `title` heads the page.
std::string ReportHtml(const models::RunSummary& summary, const sim::Recorder& recorder,
                       const std::string& version);

// "met" when every SLO is met, else "missed".
bool AllSlosMet(const models::RunSummary& summary);

// Writes the four files into `dir` (created; replaced if it exists) via a
// sibling temp dir and a rename. Errors name the path.
sim::Result<bool> WriteRunDir(const std::string& dir, const models::RunSummary& summary,
                              const sim::Recorder& recorder, const std::string& version);

// Writes `files` (name -> content) into `dir` atomically (shared by sweeps).
sim::Result<bool> WriteFilesAtomically(const std::string& dir,
                                       const std::vector<std::pair<std::string, std::string>>& files);

// Escapes text for HTML.
std::string HtmlEscape(const std::string& s);

}  // namespace rehearsal::reports
