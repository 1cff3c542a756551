#include "engine/candidate_marks.h"

#include <algorithm>

namespace cpo::engine {

CandidateMarks candidateMarks(std::string_view strategy, std::span<const std::int32_t> y1,
                              std::span<const std::int32_t> candidate)
{
    CandidateMarks marks;
    if (strategy == "mn") {
        const std::size_t shared = std::min(y1.size(), candidate.size());
        for (std::size_t t = 0; t < shared; ++t)
            if (y1[t] != candidate[t])
                marks.replaced.push_back(t);
    } else if (strategy == "tn" && !candidate.empty()) {
        marks.cut = candidate.size() - 1;
    }
    return marks;
}

} // namespace cpo::engine
