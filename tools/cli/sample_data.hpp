#pragma once
// The sample data loader lives in services/samples (the collector service
// replays the same data); `alphapulse replay` uses it from there.
#include "alphapulse/samples/sample_data.hpp"

namespace alphapulse::cli {
using samples::loadSampleFrames;
using samples::parseFixed8;
using samples::SampleFrames;
} // namespace alphapulse::cli
