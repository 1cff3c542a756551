#pragma once

#include "eval/win_rate.h"
#include "store/evaluation_store.h"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

// The human judge's win rate from stored votes, and how far each automatic judge agrees with
// it on the same pairs. A pair is the same question whoever judged it: the same prompt,
// model continuation and ground truth, whichever evaluation row holds it.
namespace cpo::eval {

// One automatic judge's verdicts (the model's text against the ground truth), by pair key.
struct JudgeVerdicts {
    std::string judge;
    std::map<std::string, Verdict> byPair;
};

struct JudgeAgreement {
    std::string judge;
    std::int64_t pairs = 0;      // votes on pairs this judge also judged
    std::optional<double> kappa; // Cohen's κ over those (none without any)
};

struct HumanWinRate {
    Tally tally;     // every vote counts once
    WinRate winRate; // with its 95 % Wilson interval
    std::int64_t voters = 0;
    std::vector<JudgeAgreement> agreement; // one per judge, in the order given
};

// One verdict per voted generation, for showing beside the judges' on its row: each voter's
// latest vote counts, and the voters' mean outcome (1 win, ½ tie, 0 loss) above ½ is a win,
// below a loss, at ½ a tie.
std::map<std::int64_t, Verdict> humanVerdicts(std::span<const store::HumanVoteRecord> votes);

// The key that makes two generation rows the same pair.
std::string pairKey(const store::GenerationRecord& generation);

// `pairOf` maps a voted generation's id to its pair key; a vote on a generation it lacks is
// counted in the win rate but agrees with no judge. κ is over win / tie / loss.
HumanWinRate humanWinRate(std::span<const store::HumanVoteRecord> votes,
                          const std::map<std::int64_t, std::string>& pairOf,
                          std::span<const JudgeVerdicts> judges);

// The same from the store: the votes on evaluation `evaluationId`'s generations, against
// every judge that gave verdicts on the same pairs in the run's evaluations of the same
// model (that evaluation's own verdicts included, when an automatic judge filled them).
// Throws cpo::Error when the evaluation is not one of the run's.
HumanWinRate humanWinRate(store::EvaluationStore& store, std::int64_t runId,
                          std::int64_t evaluationId);

} // namespace cpo::eval
