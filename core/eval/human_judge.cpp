#include "eval/human_judge.h"

#include "util/hash.h"
#include "util/error.h"

namespace cpo::eval {

bool blindOrder(std::int64_t generationId, std::string_view voter)
{
    const auto hash = fnv1a64(static_cast<std::uint64_t>(generationId),
                                    fnv1a64(voter));
    return unitInterval(hash) < 0.5;
}

Verdict voteVerdict(std::string_view choice, bool modelShownAsA)
{
    if (choice == "tie")
        return Verdict::Tie;
    if (choice != "a" && choice != "b")
        throw Error("a human vote is \"a\", \"b\" or \"tie\", not \"" + std::string(choice)
                    + "\"");
    return (choice == "a") == modelShownAsA ? Verdict::Win : Verdict::Loss;
}

store::HumanVoteRecord makeVote(std::int64_t generationId, std::string_view voter,
                                std::string_view choice)
{
    const bool orderAb = blindOrder(generationId, voter);
    (void)voteVerdict(choice, orderAb); // refuses a choice that is not one
    store::HumanVoteRecord vote;
    vote.generationId = generationId;
    vote.orderAb = orderAb;
    vote.choice = std::string(choice);
    vote.voter = std::string(voter);
    return vote;
}

Tally tallyVotes(std::span<const store::HumanVoteRecord> votes)
{
    Tally tally;
    for (const auto& vote : votes)
        tally.add(voteVerdict(vote.choice, vote.orderAb));
    return tally;
}

std::map<std::string, Tally> tallyByVoter(std::span<const store::HumanVoteRecord> votes)
{
    std::map<std::string, Tally> tallies;
    for (const auto& vote : votes)
        tallies[vote.voter].add(voteVerdict(vote.choice, vote.orderAb));
    return tallies;
}

} // namespace cpo::eval
