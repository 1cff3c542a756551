#include "engine/judged_examples.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace cpo::engine {

bool JudgedExample::judgesDisagree() const
{
    std::set<std::string> seen;
    for (const auto& [judge, verdict] : verdicts)
        if (!verdict.empty())
            seen.insert(verdict);
    return seen.size() > 1;
}

JudgedExamples judgedExamples(RunCatalog& catalog, std::int64_t runId)
{
    JudgedExamples out;
    std::map<std::tuple<std::string, std::int64_t, std::string, std::string>, std::size_t> rowOf;
    std::set<std::string> judges;
    for (const auto& evaluation : catalog.evaluations(runId)) {
        judges.insert(evaluation.judge);
        for (const auto& generation : catalog.generations(evaluation.id)) {
            const auto key = std::make_tuple(evaluation.modelLabel, evaluation.step,
                                             evaluation.evalSet, generation.exampleHash);
            auto found = rowOf.find(key);
            if (found == rowOf.end()) {
                JudgedExample row;
                row.generationId = generation.id;
                row.model = evaluation.modelLabel;
                row.step = evaluation.step;
                row.evalSet = evaluation.evalSet;
                row.category = generation.category;
                row.exampleHash = generation.exampleHash;
                row.prompt = generation.prompt;
                row.reference = generation.reference;
                row.text = generation.text;
                found = rowOf.emplace(key, out.rows.size()).first;
                out.rows.push_back(std::move(row));
            }
            auto& row = out.rows[found->second];
            row.verdicts[evaluation.judge] = generation.verdict.value_or("");
            if (!generation.judgeDetail.empty())
                row.details[evaluation.judge] = generation.judgeDetail;
        }
        for (auto& vote : catalog.humanVotes(evaluation.id))
            out.votes.push_back(std::move(vote));
    }
    std::stable_sort(out.rows.begin(), out.rows.end(),
                     [](const JudgedExample& a, const JudgedExample& b) {
                         return std::tie(a.model, a.step, a.generationId)
                                < std::tie(b.model, b.step, b.generationId);
                     });
    std::sort(out.votes.begin(), out.votes.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    out.judges.assign(judges.begin(), judges.end());
    return out;
}

} // namespace cpo::engine
