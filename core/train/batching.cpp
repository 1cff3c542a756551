#include "train/batching.h"

#include "util/error.h"
#include "util/hash.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>

namespace cpo::train {
namespace {

// A uniform integer in [0, bound) by rejection, so no value is favoured (std's
// uniform_int_distribution is not specified exactly enough to give the same draws everywhere).
std::uint64_t uniformBelow(std::mt19937_64& rng, std::uint64_t bound)
{
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max()
                              - std::numeric_limits<std::uint64_t>::max() % bound;
    std::uint64_t value = rng();
    while (value >= limit)
        value = rng();
    return value % bound;
}

template <typename T>
void shuffle(std::vector<T>& items, std::mt19937_64& rng)
{
    for (std::size_t i = items.size(); i > 1; --i)
        std::swap(items[i - 1], items[uniformBelow(rng, i)]);
}

} // namespace

Batch makeBatch(std::span<const data::TokenizedExample> examples,
                std::span<const std::size_t> indices, std::int64_t padId)
{
    std::size_t longest = 0;
    for (const auto index : indices) {
        const auto& example = examples[index];
        if (example.prefix.empty() || example.continuation.empty())
            throw Error(fmt::format("example {} has an empty {}: every training example needs "
                                    "a prompt to condition on and a continuation to learn",
                                    index, example.prefix.empty() ? "prefix" : "continuation"));
        longest = std::max(longest, example.prefix.size() + example.continuation.size());
    }
    const auto rows = static_cast<std::int64_t>(indices.size());
    const auto width = static_cast<std::int64_t>(longest);
    Batch batch;
    batch.inputIds = torch::full({rows, width}, padId, torch::kInt64);
    batch.attentionMask = torch::zeros({rows, width}, torch::kInt64);
    batch.lossMask = torch::zeros({rows, width}, torch::kFloat32);
    batch.continuationStart = torch::zeros({rows}, torch::kInt64);
    auto ids = batch.inputIds.accessor<std::int64_t, 2>();
    auto attention = batch.attentionMask.accessor<std::int64_t, 2>();
    auto loss = batch.lossMask.accessor<float, 2>();
    auto start = batch.continuationStart.accessor<std::int64_t, 1>();
    for (std::int64_t row = 0; row < rows; ++row) {
        const auto& example = examples[indices[static_cast<std::size_t>(row)]];
        std::int64_t t = 0;
        for (const auto id : example.prefix) {
            ids[row][t] = id;
            attention[row][t++] = 1;
        }
        start[row] = t;
        for (const auto id : example.continuation) {
            ids[row][t] = id;
            attention[row][t] = 1;
            loss[row][t++] = 1.0F;
        }
        batch.realTokens += t;
        batch.lossTokens += static_cast<std::int64_t>(example.continuation.size());
    }
    return batch;
}

BatchSampler::BatchSampler(std::span<const data::TokenizedExample> examples,
                           std::int64_t batchSize, std::uint64_t seed, std::int64_t bucketPool)
    : m_batchSize(static_cast<std::size_t>(batchSize)),
      m_bucketPool(static_cast<std::size_t>(bucketPool))
{
    if (examples.empty())
        throw Error("the training set is empty: there is nothing to batch");
    if (batchSize < 1 || bucketPool < 1)
        throw Error(fmt::format("batch size ({}) and bucket pool ({}) must be at least 1",
                                batchSize, bucketPool));
    m_lengths.reserve(examples.size());
    for (const auto& example : examples)
        m_lengths.push_back(example.prefix.size() + example.continuation.size());
    m_cursor.seed = seed;
}

std::size_t BatchSampler::batchesPerEpoch() const
{
    return (m_lengths.size() + m_batchSize - 1) / m_batchSize;
}

void BatchSampler::setCursor(const DataCursor& cursor)
{
    if (cursor.seed != m_cursor.seed)
        throw Error(fmt::format("the data cursor was saved with data seed {} but this run uses "
                                "{}; resume with the seed the run started with",
                                cursor.seed, m_cursor.seed));
    if (cursor.position > batchesPerEpoch())
        throw Error(fmt::format("the data cursor points at batch {} of an epoch that has {}; "
                                "the training set is not the one the run started with",
                                cursor.position, batchesPerEpoch()));
    m_cursor = cursor;
}

std::vector<std::size_t> BatchSampler::next()
{
    if (m_cursor.position >= batchesPerEpoch()) {
        ++m_cursor.epoch;
        m_cursor.position = 0;
    }
    if (m_builtEpoch != m_cursor.epoch)
        buildEpoch();
    return m_batches[m_cursor.position++];
}

void BatchSampler::buildEpoch()
{
    std::mt19937_64 rng(mix64(m_cursor.seed ^ mix64(m_cursor.epoch + 1)));
    std::vector<std::size_t> order(m_lengths.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    shuffle(order, rng);

    const std::size_t poolSize = m_batchSize * m_bucketPool;
    m_batches.clear();
    for (std::size_t begin = 0; begin < order.size(); begin += poolSize) {
        const auto first = order.begin() + static_cast<std::ptrdiff_t>(begin);
        const auto last = order.begin()
                        + static_cast<std::ptrdiff_t>(std::min(order.size(), begin + poolSize));
        std::stable_sort(first, last, [&](std::size_t a, std::size_t b) {
            return m_lengths[a] < m_lengths[b];
        });
        for (auto it = first; it != last;) {
            const auto take = std::min(static_cast<std::ptrdiff_t>(m_batchSize), last - it);
            m_batches.emplace_back(it, it + take);
            it += take;
        }
    }
    shuffle(m_batches, rng);
    m_builtEpoch = m_cursor.epoch;
}

} // namespace cpo::train
