#pragma once

#include "eval/win_rate.h"
#include "store/evaluation_store.h"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

// The human judge: blind A/B votes on stored generations. The app's voting panel shows the
// model's continuation and the ground truth in the order blindOrder() picks, without saying
// which is which, and stores the vote with the order shown; the tallies come from here.
namespace cpo::eval {

// True when `voter` sees the model's text as A for this generation. A fixed function of
// both (a hash, not a random draw), so a voter sees the same order when coming back, and
// half of the generations each way.
bool blindOrder(std::int64_t generationId, std::string_view voter);

// The vote as a verdict for the model's text against the ground truth. Throws cpo::Error on
// a choice other than "a", "b", "tie".
Verdict voteVerdict(std::string_view choice, bool modelShownAsA);

// A vote as the store keeps it, with the order it was shown in.
store::HumanVoteRecord makeVote(std::int64_t generationId, std::string_view voter,
                                std::string_view choice);

// Every vote counts once.
Tally tallyVotes(std::span<const store::HumanVoteRecord> votes);
// The same, per voter (by name).
std::map<std::string, Tally> tallyByVoter(std::span<const store::HumanVoteRecord> votes);

} // namespace cpo::eval
