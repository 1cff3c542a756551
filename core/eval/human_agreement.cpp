#include "eval/human_agreement.h"

#include "eval/human_judge.h"
#include "util/error.h"

#include <algorithm>
#include <set>

namespace cpo::eval {
namespace {

std::optional<Verdict> storedVerdict(const std::optional<std::string>& text)
{
    if (!text)
        return std::nullopt;
    if (*text == "win")
        return Verdict::Win;
    if (*text == "loss")
        return Verdict::Loss;
    if (*text == "tie")
        return Verdict::Tie;
    return std::nullopt;
}

int label(Verdict verdict)
{
    return static_cast<int>(verdict);
}

} // namespace

std::string pairKey(const store::GenerationRecord& generation)
{
    // Unit separators cannot occur in the decoded texts' boundaries by accident.
    return generation.prompt + '\x1f' + generation.text + '\x1f' + generation.reference;
}

HumanWinRate humanWinRate(std::span<const store::HumanVoteRecord> votes,
                          const std::map<std::int64_t, std::string>& pairOf,
                          std::span<const JudgeVerdicts> judges)
{
    HumanWinRate result;
    std::set<std::string> voters;
    for (const auto& vote : votes)
        voters.insert(vote.voter);
    result.voters = static_cast<std::int64_t>(voters.size());
    result.tally = tallyVotes(votes);
    result.winRate = winRate(result.tally);
    for (const auto& judge : judges) {
        std::vector<int> human, automatic;
        for (const auto& vote : votes) {
            const auto pair = pairOf.find(vote.generationId);
            if (pair == pairOf.end())
                continue;
            const auto verdict = judge.byPair.find(pair->second);
            if (verdict == judge.byPair.end())
                continue;
            human.push_back(label(voteVerdict(vote.choice, vote.orderAb)));
            automatic.push_back(label(verdict->second));
        }
        JudgeAgreement agreement{judge.judge, static_cast<std::int64_t>(human.size()), {}};
        if (!human.empty())
            agreement.kappa = cohensKappa(human, automatic);
        result.agreement.push_back(std::move(agreement));
    }
    return result;
}

HumanWinRate humanWinRate(store::EvaluationStore& store, std::int64_t runId,
                          std::int64_t evaluationId)
{
    const auto evaluations = store.evaluations(runId);
    const auto voted = std::ranges::find(evaluations, evaluationId,
                                         &store::EvaluationRecord::id);
    if (voted == evaluations.end())
        throw Error("evaluation " + std::to_string(evaluationId) + " is not one of run " +
                    std::to_string(runId) + "'s");
    std::map<std::int64_t, std::string> pairOf;
    for (const auto& generation : store.generations(evaluationId))
        pairOf[generation.id] = pairKey(generation);

    std::vector<JudgeVerdicts> judges;
    for (const auto& evaluation : evaluations) {
        if (evaluation.modelLabel != voted->modelLabel)
            continue;
        for (const auto& generation : store.generations(evaluation.id)) {
            const auto verdict = storedVerdict(generation.verdict);
            if (!verdict)
                continue; // unjudged (the human kind) or the judge failed on it
            auto judge = std::ranges::find(judges, evaluation.judge, &JudgeVerdicts::judge);
            if (judge == judges.end())
                judge = judges.insert(judges.end(), {evaluation.judge, {}});
            judge->byPair[pairKey(generation)] = *verdict;
        }
    }
    const auto votes = store.humanVotes(evaluationId);
    return humanWinRate(votes, pairOf, judges);
}

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

} // namespace cpo::eval
