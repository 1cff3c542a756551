#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

// Where a negative departs from its ground truth, for the inspector to mark: MN's replaced
// tokens and TN's cut point. No LibTorch, no Qt.
namespace cpo::engine {

struct CandidateMarks {
    std::vector<std::size_t> replaced; // MN: positions whose token differs from y1's
    std::optional<std::size_t> cut;    // TN: the position where y1 was cut (the EOS put there)
};

// `strategy` as stored ("mn", "tn", ...). From the token ids alone (the samplers' rules: MN
// keeps y1's length and replaces tokens in place, TN keeps a prefix of y1 and ends it with
// EOS). Other strategies get no marks.
CandidateMarks candidateMarks(std::string_view strategy, std::span<const std::int32_t> y1,
                              std::span<const std::int32_t> candidate);

} // namespace cpo::engine
