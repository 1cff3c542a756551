#pragma once

#include "train/phase_events.h"

#include <functional>
#include <variant>

namespace cpo::train {

using CpoEvent =
    std::variant<CpoStepMetrics, SampleSet, HealthAlert, CheckpointSaved, ValidationMetrics>;
using CpoEventCallback = std::function<void(const CpoEvent&)>;

} // namespace cpo::train
