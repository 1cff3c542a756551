#pragma once

#include "eval/win_rate.h"
#include "store/evaluation_store.h"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

// The human judge beside the automatic ones: the human win rate from blind votes and Cohen's
// κ of each judge's verdicts with the human's, on the items both judged. (The app's judging
// view computes it here until the evaluation branch's own function lands; both read the same
// stored verdicts and votes.)
namespace cpo::eval {

// The votes as one verdict per generation: each voter's latest vote counts, and the voters'
// mean outcome (1 win, ½ tie, 0 loss) above ½ is a win, below a loss, at ½ a tie.
std::map<std::int64_t, Verdict> humanVerdicts(std::span<const store::HumanVoteRecord> votes);

struct JudgeAgreement {
    std::string judge;
    WinRate winRate;              // over every item the judge judged
    std::int64_t shared = 0;      // items the human judged too
    std::optional<double> kappa;  // none without a shared item
};

struct HumanAgreement {
    WinRate human;
    std::vector<JudgeAgreement> judges; // by name
};

// `human` and each judge's verdicts keyed by item (the example's hash).
HumanAgreement agreeWithJudges(const std::map<std::string, Verdict>& human,
                               const std::map<std::string, std::map<std::string, Verdict>>&
                                   judges);

} // namespace cpo::eval
