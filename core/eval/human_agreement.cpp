#include "eval/human_agreement.h"

#include "eval/human_judge.h"

#include <utility>

namespace cpo::eval {

std::map<std::int64_t, Verdict> humanVerdicts(std::span<const store::HumanVoteRecord> votes)
{
    // Votes come by id: a later one of the same voter replaces the earlier.
    std::map<std::pair<std::int64_t, std::string>, Verdict> latest;
    for (const auto& vote : votes)
        latest[{vote.generationId, vote.voter}] = voteVerdict(vote.choice, vote.orderAb);
    std::map<std::int64_t, std::pair<double, int>> sums; // outcome sum, voters
    for (const auto& [key, verdict] : latest) {
        auto& [sum, count] = sums[key.first];
        sum += outcomeValue(verdict);
        ++count;
    }
    std::map<std::int64_t, Verdict> verdicts;
    for (const auto& [generation, total] : sums) {
        const double mean = total.first / total.second;
        verdicts[generation] = mean > 0.5 ? Verdict::Win : mean < 0.5 ? Verdict::Loss
                                                                      : Verdict::Tie;
    }
    return verdicts;
}

HumanAgreement agreeWithJudges(const std::map<std::string, Verdict>& human,
                               const std::map<std::string, std::map<std::string, Verdict>>&
                                   judges)
{
    HumanAgreement out;
    Tally humanTally;
    for (const auto& [item, verdict] : human)
        humanTally.add(verdict);
    out.human = winRate(humanTally);
    for (const auto& [name, verdicts] : judges) {
        JudgeAgreement agreement;
        agreement.judge = name;
        Tally tally;
        std::vector<int> theirs;
        std::vector<int> ours;
        for (const auto& [item, verdict] : verdicts) {
            tally.add(verdict);
            if (const auto found = human.find(item); found != human.end()) {
                theirs.push_back(static_cast<int>(verdict));
                ours.push_back(static_cast<int>(found->second));
            }
        }
        agreement.winRate = winRate(tally);
        agreement.shared = static_cast<std::int64_t>(ours.size());
        if (!ours.empty())
            agreement.kappa = cohensKappa(ours, theirs);
        out.judges.push_back(std::move(agreement));
    }
    return out;
}

} // namespace cpo::eval
