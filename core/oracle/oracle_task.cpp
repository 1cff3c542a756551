#include "oracle/oracle_task.h"

#include "model/hf_folder.h"
#include "model/model_config.h"
#include "util/blas_threads.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/json_parse.h"
#include "util/log.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>

namespace cpo::data {
namespace {

constexpr char kOracleFile[] = "oracle.json";
constexpr char kCategory[] = "oracle";
// Examples drawn per generator and batched forward pass. Part of the data's definition:
// changing it changes which examples a seed gives.
constexpr std::int64_t kChunkExamples = 256;
// Pairs scored per teacher-forced forward pass.
constexpr std::size_t kScoreBatch = 256;

// Distinct streams derived from the one user seed.
constexpr std::uint64_t kTeacherStream = 0x7465616368657231ULL;
constexpr std::uint64_t kSplitStream[] = {0x747261696eULL, 0x76616c6964ULL, 0x74657374ULL};

std::uint64_t deriveSeed(std::uint64_t seed, std::uint64_t stream)
{
    return mix64(seed ^ mix64(stream));
}

// createModel() draws its HF init from the global generator; the teacher is re-initialised
// from its own seed, and this keeps the caller's global random stream as it was.
class GlobalGeneratorGuard {
public:
    GlobalGeneratorGuard() : m_generator(at::detail::getDefaultCPUGenerator())
    {
        std::lock_guard<std::mutex> lock(m_generator.mutex());
        m_state = m_generator.get_state();
    }
    ~GlobalGeneratorGuard()
    {
        std::lock_guard<std::mutex> lock(m_generator.mutex());
        m_generator.set_state(m_state);
    }
    GlobalGeneratorGuard(const GlobalGeneratorGuard&) = delete;
    GlobalGeneratorGuard& operator=(const GlobalGeneratorGuard&) = delete;

private:
    at::Generator m_generator;
    at::Tensor m_state;
};

model::CausalLM buildTeacher(const OracleOptions& options)
{
    model::CausalLM teacher;
    {
        GlobalGeneratorGuard keepGlobalStream;
        teacher = model::createModel(oracleModelConfig(options));
    }
    auto generator = at::detail::createCPUGenerator(deriveSeed(options.seed, kTeacherStream));
    torch::NoGradGuard noGrad;
    // HF's init with a larger std for every matrix: logits = LN(h) . wte^T then have a spread
    // of about std * sqrt(hidden), which makes the teacher's next-token distribution peaked
    // enough to be learnable but far from deterministic.
    for (auto& item : teacher->named_parameters()) {
        auto& p = item.value();
        if (p.dim() >= 2)
            p.normal_(0.0, options.teacherInitStd, generator);
    }
    return teacher;
}

void freeze(model::CausalLMImpl& teacher)
{
    teacher.eval();
    for (auto& p : teacher.parameters())
        p.set_requires_grad(false);
}

std::uint64_t tokenHash(const std::vector<tokenize::TokenId>& prefix,
                        const std::vector<tokenize::TokenId>& continuation)
{
    std::uint64_t state = fnv1a64(prefix.size(), kFnvOffsetBasis);
    for (const auto id : prefix)
        state = fnv1a64(static_cast<std::uint64_t>(id), state);
    state = fnv1a64(continuation.size(), state);
    for (const auto id : continuation)
        state = fnv1a64(static_cast<std::uint64_t>(id), state);
    return state;
}

// The teacher's log-probabilities over the symbols (EOS excluded) at temperature T, in
// double so that sums over many tokens lose nothing.
torch::Tensor symbolLogProbs(const torch::Tensor& logits, const OracleOptions& options)
{
    return logits.narrow(-1, 0, options.symbols)
        .to(torch::kDouble)
        .div(options.temperature)
        .log_softmax(-1);
}

} // namespace

model::ModelConfig oracleModelConfig(const OracleOptions& options)
{
    model::ModelConfig config;
    config.arch = model::Architecture::Gpt2;
    config.vocabSize = options.symbols + 1;
    config.hiddenSize = options.teacherHidden;
    config.numLayers = options.teacherLayers;
    config.numHeads = options.teacherHeads;
    config.numKeyValueHeads = options.teacherHeads;
    config.intermediateSize = 4 * options.teacherHidden;
    config.maxPositions = options.prefixTokens + options.continuationTokens + 1;
    config.eosTokenId = options.symbols;
    return config;
}

OracleTask::OracleTask(OracleOptions options) : m_options(options)
{
    m_options.validate();
    m_teacher = buildTeacher(m_options);
    freeze(*m_teacher);
}

OracleTask::OracleTask(OracleOptions options, model::CausalLM teacher)
    : m_options(options), m_teacher(std::move(teacher))
{
    freeze(*m_teacher);
}

OracleTask OracleTask::load(const std::filesystem::path& folder)
{
    const auto file = folder / kOracleFile;
    std::ifstream in(file);
    if (!in)
        throw Error(file.string() + ": cannot open; an oracle teacher folder holds "
                    "oracle.json next to config.json and model.safetensors");
    nlohmann::json json;
    try {
        json = parseJsonBounded(in, file.string());
    } catch (const nlohmann::json::exception& error) {
        throw Error(file.string() + ": not valid JSON: " + error.what());
    }
    OracleOptions options = oracleOptionsFromJson(json, file.string());
    options.validate();
    auto teacher = model::loadHfModel(folder);
    const auto expected = oracleModelConfig(options);
    const auto& actual = teacher->config();
    if (actual.arch != expected.arch || actual.vocabSize != expected.vocabSize
        || actual.hiddenSize != expected.hiddenSize || actual.numLayers != expected.numLayers
        || actual.numHeads != expected.numHeads || actual.maxPositions != expected.maxPositions)
        throw Error(folder.string() + ": config.json does not describe the teacher oracle.json "
                    "asks for (architecture, vocabulary, width, depth, heads or positions "
                    "differ); the folder mixes files of two tasks");
    return OracleTask(options, std::move(teacher));
}

void OracleTask::save(const std::filesystem::path& folder) const
{
    model::saveHfModel(*m_teacher, folder);
    const auto file = folder / kOracleFile;
    std::ofstream out(file);
    out << toJson(m_options).dump(2) << '\n';
    if (!out)
        throw Error(file.string() + ": cannot write");
}

std::vector<TokenizedExample> OracleTask::examples(Split split) const
{
    const std::int64_t counts[] = {m_options.trainExamples, m_options.validationExamples,
                                   m_options.testExamples};
    const auto index = static_cast<std::size_t>(split);
    auto samples = sample(counts[index], deriveSeed(m_options.seed, kSplitStream[index]));
    std::vector<TokenizedExample> out;
    out.reserve(samples.size());
    for (auto& s : samples)
        out.push_back(std::move(s.example));
    return out;
}

std::vector<OracleSample> OracleTask::sample(std::int64_t count, std::uint64_t seed) const
{
    // OpenBLAS splits a product across its threads and rounds differently with each split, and
    // one last-bit difference in a teacher probability can draw another token: the task's data
    // must not depend on the machine's thread count. One thread is also the faster choice for
    // these one-row-per-example products.
    const ScopedBlasThreads oneBlasThread(1);
    std::vector<OracleSample> out;
    out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(count, 0)));
    for (std::int64_t start = 0, chunk = 0; start < count; start += kChunkExamples, ++chunk) {
        // Always a whole chunk: how many uniforms a generator hands out per draw depends on the
        // rows, so a short last chunk would draw other examples than a full one.
        auto part = sampleChunk(deriveSeed(seed, static_cast<std::uint64_t>(chunk)));
        part.resize(static_cast<std::size_t>(std::min(kChunkExamples, count - start)));
        std::move(part.begin(), part.end(), std::back_inserter(out));
    }
    return out;
}

std::vector<OracleSample> OracleTask::sampleChunk(std::uint64_t seed) const
{
    const std::int64_t count = kChunkExamples;
    torch::NoGradGuard noGrad;
    auto generator = at::detail::createCPUGenerator(seed);
    const std::int64_t prefixLength = m_options.prefixTokens;
    const std::int64_t total = prefixLength + m_options.continuationTokens;
    const auto device = m_teacher->parameters().front().device();

    auto tokens = torch::empty({count, total}, torch::kInt64);
    auto next = torch::randint(0, m_options.symbols, {count}, generator, torch::kInt64);
    auto logLikelihood = torch::zeros({count}, torch::kDouble);
    model::KVCache cache;
    for (std::int64_t t = 0;; ++t) {
        tokens.select(1, t).copy_(next);
        if (t + 1 == total)
            break;
        // Every row is real and as long as the others: no attention mask is needed.
        const auto logits = m_teacher->forward(next.unsqueeze(1).to(device), {}, &cache).logits;
        const auto logProbs = symbolLogProbs(logits.select(1, 0), m_options).to(torch::kCPU);
        // Inverse-CDF sampling with our own uniforms: the same draws on every LibTorch version
        // (multinomial's algorithm is not part of its contract).
        const auto uniform = torch::rand({count, 1}, generator, torch::kDouble);
        next = logProbs.exp().cumsum(-1).lt(uniform).sum(-1).clamp_max(m_options.symbols - 1);
        if (t + 1 >= prefixLength)
            logLikelihood += logProbs.gather(-1, next.unsqueeze(-1)).squeeze(-1);
    }

    std::vector<OracleSample> out(static_cast<std::size_t>(count));
    const auto ids = tokens.accessor<std::int64_t, 2>();
    const auto ll = logLikelihood.accessor<double, 1>();
    for (std::int64_t row = 0; row < count; ++row) {
        auto& example = out[static_cast<std::size_t>(row)].example;
        for (std::int64_t t = 0; t < total; ++t)
            (t < prefixLength ? example.prefix : example.continuation)
                .push_back(static_cast<tokenize::TokenId>(ids[row][t]));
        example.continuation.push_back(eosId());
        example.category = kCategory;
        example.hash = tokenHash(example.prefix, example.continuation);
        example.groupHash = example.hash;
        out[static_cast<std::size_t>(row)].logLikelihood = ll[row];
    }
    return out;
}

std::vector<double> OracleTask::logLikelihood(
    std::span<const std::vector<tokenize::TokenId>> prefixes,
    std::span<const std::vector<tokenize::TokenId>> continuations) const
{
    if (prefixes.size() != continuations.size())
        throw Error(fmt::format("oracle log-likelihood: {} prefixes but {} continuations",
                                prefixes.size(), continuations.size()));
    constexpr double kImpossible = -std::numeric_limits<double>::infinity();
    const auto symbols = m_options.symbols;
    const auto budget = static_cast<std::size_t>(m_options.continuationTokens);
    const auto maxPositions = m_teacher->config().maxPositions;

    std::vector<double> result(prefixes.size(), 0.0);
    // Pairs that need the teacher, with how many continuation tokens it scores.
    std::vector<std::pair<std::size_t, std::size_t>> scored;
    for (std::size_t i = 0; i < prefixes.size(); ++i) {
        const auto& prefix = prefixes[i];
        const auto& continuation = continuations[i];
        if (prefix.empty())
            throw Error(fmt::format("oracle log-likelihood: prefix {} is empty", i));
        for (const auto id : prefix)
            if (id < 0 || id >= symbols)
                throw Error(fmt::format("oracle log-likelihood: prefix {} holds id {}, outside "
                                        "the {} symbols", i, id, symbols));
        const std::size_t symbolsToScore = std::min(continuation.size(), budget);
        bool possible = std::all_of(continuation.begin(),
                                    continuation.begin() + static_cast<std::ptrdiff_t>(
                                                               symbolsToScore),
                                    [&](auto id) { return id >= 0 && id < symbols; });
        if (continuation.size() > budget)
            possible = possible && continuation.size() == budget + 1
                    && continuation[budget] == eosId();
        if (!possible) {
            result[i] = kImpossible;
            continue;
        }
        const auto inputLength = static_cast<std::int64_t>(prefix.size() + symbolsToScore) - 1;
        if (inputLength > maxPositions)
            throw Error(fmt::format("oracle log-likelihood: prefix {} has {} tokens; the "
                                    "teacher's {} positions allow at most {}", i, prefix.size(),
                                    maxPositions, maxPositions + 1 - std::int64_t(budget)));
        if (symbolsToScore > 0)
            scored.emplace_back(i, symbolsToScore);
    }

    torch::NoGradGuard noGrad;
    const auto device = m_teacher->parameters().front().device();
    for (std::size_t begin = 0; begin < scored.size(); begin += kScoreBatch) {
        const std::size_t end = std::min(scored.size(), begin + kScoreBatch);
        std::size_t longest = 0;
        for (std::size_t k = begin; k < end; ++k)
            longest = std::max(longest, prefixes[scored[k].first].size() + scored[k].second - 1);
        const auto rows = static_cast<std::int64_t>(end - begin);
        const auto width = static_cast<std::int64_t>(longest);
        auto input = torch::zeros({rows, width}, torch::kInt64);
        auto targets = torch::zeros({rows, width}, torch::kInt64);
        auto weights = torch::zeros({rows, width}, torch::kDouble);
        auto in = input.accessor<std::int64_t, 2>();
        auto tg = targets.accessor<std::int64_t, 2>();
        auto w = weights.accessor<double, 2>();
        for (std::size_t k = begin; k < end; ++k) {
            const auto row = static_cast<std::int64_t>(k - begin);
            const auto& prefix = prefixes[scored[k].first];
            const auto& continuation = continuations[scored[k].first];
            const auto n = scored[k].second;
            std::int64_t t = 0;
            for (const auto id : prefix)
                in[row][t++] = id;
            for (std::size_t j = 0; j + 1 < n; ++j)
                in[row][t++] = continuation[j];
            // The logits at position p predict token p + 1.
            const auto first = static_cast<std::int64_t>(prefix.size()) - 1;
            for (std::size_t j = 0; j < n; ++j) {
                tg[row][first + static_cast<std::int64_t>(j)] = continuation[j];
                w[row][first + static_cast<std::int64_t>(j)] = 1.0;
            }
        }
        // Rows are right-padded: under causal attention no real position sees the padding,
        // and positions count from 0 either way, so no attention mask is needed.
        const auto logits = m_teacher->forward(input.to(device)).logits;
        const auto logProbs = symbolLogProbs(logits, m_options).to(torch::kCPU);
        const auto sums = logProbs.gather(-1, targets.unsqueeze(-1)).squeeze(-1).mul(weights)
                              .sum(-1);
        const auto s = sums.accessor<double, 1>();
        for (std::size_t k = begin; k < end; ++k)
            result[scored[k].first] = s[static_cast<std::int64_t>(k - begin)];
    }
    return result;
}

std::vector<tokenize::TokenId> OracleTokenizer::encode(std::string_view text,
                                                       bool parseSpecial) const
{
    std::vector<tokenize::TokenId> ids;
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\t' || text[pos] == '\r') {
            ++pos;
            continue;
        }
        const auto endOfPiece = text.find_first_of(" \n\t\r", pos);
        const auto piece = text.substr(pos, endOfPiece == std::string_view::npos
                                                ? std::string_view::npos
                                                : endOfPiece - pos);
        pos += piece.size();
        if (piece == "<eos>" && parseSpecial) {
            ids.push_back(*eosId());
            continue;
        }
        std::int64_t value = -1;
        const char* digits = piece.data() + 1;
        const char* last = piece.data() + piece.size();
        const bool parsed = piece.size() > 1 && piece[0] == 's'
                         && std::from_chars(digits, last, value).ptr == last;
        if (!parsed || value < 0 || value >= m_symbols)
            throw Error(fmt::format("oracle tokenizer: '{}' is not a symbol (s0 .. s{}{})",
                                    piece, m_symbols - 1,
                                    parseSpecial ? " or <eos>" : ""));
        ids.push_back(static_cast<tokenize::TokenId>(value));
    }
    return ids;
}

std::string OracleTokenizer::decode(std::span<const tokenize::TokenId> ids) const
{
    std::string text;
    for (const auto id : ids) {
        if (!text.empty())
            text += ' ';
        if (id == m_symbols)
            text += "<eos>";
        else if (id >= 0 && id < m_symbols)
            text += 's' + std::to_string(id);
        else
            text += "<unk:" + std::to_string(id) + '>';
    }
    return text;
}

std::string OracleTokenizer::describe() const
{
    return fmt::format("oracle symbols ({} + <eos>)", m_symbols);
}

} // namespace cpo::data
