#include "engine/model_logits.h"

#include "model/device.h"
#include "model/hf_folder.h"

#include <torch/torch.h>

namespace cpo::engine {

std::vector<std::vector<float>> nextTokenLogits(const std::filesystem::path& modelDir,
                                                const std::string& device,
                                                std::span<const std::int64_t> tokens)
{
    const auto on = model::parseDevice(device);
    auto lm = model::loadHfModel(modelDir, on);
    const auto vocabSize = lm->config().vocabSize;
    for (const auto id : tokens)
        if (id >= vocabSize)
            throw TokenIdError("id " + std::to_string(id) + " is outside the vocabulary of " +
                               std::to_string(vocabSize));
    torch::NoGradGuard noGrad;
    lm->eval();
    const std::vector<std::int64_t> ids(tokens.begin(), tokens.end());
    const auto input = torch::tensor(ids, torch::kInt64).unsqueeze(0).to(on);
    const auto logits = lm->forward(input).logits.squeeze(0).to(torch::kCPU, torch::kFloat32);
    std::vector<std::vector<float>> rows;
    for (std::int64_t pos = 0; pos < logits.size(0); ++pos) {
        const auto row = logits[pos].contiguous();
        rows.emplace_back(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
    }
    return rows;
}

} // namespace cpo::engine
