#include "train/checkpoint.h"

#include "model/checksums.h"
#include "model/hf_folder.h"

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>

namespace cpo::train {
namespace {

constexpr char kStepPrefix[] = "step-";

using Kind = CheckpointError::Kind;

std::string readWholeFile(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    if (!in)
        throw CheckpointError(Kind::Missing,
                              file.string() + ": cannot open; a checkpoint folder holds "
                              "config.json, model.safetensors and training_state.bin");
    std::string data(static_cast<std::size_t>(in.tellg()), '\0');
    in.seekg(0);
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    if (!in)
        throw Error(file.string() + ": cannot read");
    return data;
}

} // namespace

void writeTrainingStateFile(const std::filesystem::path& file, const TrainingState& state)
{
    TrainingStateRecord record;
    record.configHash = state.configHash;
    record.step = state.step;
    record.phase = state.phase;
    record.dataSeed = state.cursor.seed;
    record.epoch = state.cursor.epoch;
    record.position = state.cursor.position;
    const auto rng = state.torchRng.defined() ? state.torchRng.contiguous().to(torch::kCPU)
                                              : torch::empty({0}, torch::kUInt8);
    record.torchRng.assign(static_cast<const char*>(rng.data_ptr()),
                           static_cast<std::size_t>(rng.numel()));
    record.optimizer = state.optimizer;
    record.phaseState = state.phaseState;
    const std::string bytes = encodeTrainingState(record);

    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out)
        throw Error(file.string() + ": cannot write the training state (disk full?)");
}

TrainingState readTrainingStateFile(const std::filesystem::path& file)
{
    TrainingStateRecord record = decodeTrainingState(readWholeFile(file), file.string());
    TrainingState state;
    state.configHash = record.configHash;
    state.step = record.step;
    state.phase = std::move(record.phase);
    state.cursor = {record.dataSeed, record.epoch, record.position};
    state.torchRng =
        torch::empty({static_cast<std::int64_t>(record.torchRng.size())}, torch::kUInt8);
    if (!record.torchRng.empty())
        std::memcpy(state.torchRng.data_ptr(), record.torchRng.data(), record.torchRng.size());
    state.optimizer = std::move(record.optimizer);
    state.phaseState = std::move(record.phaseState);
    return state;
}

TrainingState readTrainingState(const std::filesystem::path& folder)
{
    return readTrainingStateFile(folder / kTrainingStateFile);
}

void saveCheckpoint(const std::filesystem::path& folder, const model::CausalLMImpl& model,
                    const TrainingState& state)
{
    const auto parent = folder.parent_path();
    const auto name = folder.filename().string();
    const auto partial = parent / ("." + name + ".partial");
    const auto replaced = parent / ("." + name + ".replaced");
    std::filesystem::create_directories(parent);
    std::filesystem::remove_all(partial);
    std::filesystem::create_directories(partial);
    model::saveHfModel(model, partial);
    writeTrainingStateFile(partial / kTrainingStateFile, state);
    model::writeChecksums(partial);

    // rename() cannot replace a non-empty folder: move the old one aside first, and delete it
    // only once the new one is in place.
    std::filesystem::remove_all(replaced);
    const bool exists = std::filesystem::exists(folder);
    if (exists)
        std::filesystem::rename(folder, replaced);
    std::filesystem::rename(partial, folder);
    if (exists)
        std::filesystem::remove_all(replaced);
}

void loadCheckpointWeights(const std::filesystem::path& folder, model::CausalLMImpl& model)
{
    const auto loaded = model::loadHfModel(folder);
    const auto source = model::namedParameters(*loaded);
    auto target = model::namedParameters(model);
    bool same = source.size() == target.size();
    for (auto it = source.begin(); same && it != source.end(); ++it) {
        const auto found = target.find(it->first);
        same = found != target.end() && found->second.sizes() == it->second.sizes();
    }
    if (!same)
        throw CheckpointError(Kind::Mismatch,
                              folder.string() + ": the checkpoint holds another model (its "
                              "config.json differs from this run's model); resume with the "
                              "model the run started with");
    torch::NoGradGuard noGrad;
    for (auto& [name, tensor] : target)
        tensor.copy_(source.at(name));
}

std::string serializeOptimizer(const torch::optim::Optimizer& optimizer)
{
    torch::serialize::OutputArchive archive;
    optimizer.save(archive);
    std::ostringstream out;
    archive.save_to(out);
    return out.str();
}

void restoreOptimizer(torch::optim::Optimizer& optimizer, const std::string& bytes)
{
    torch::serialize::InputArchive archive;
    std::istringstream in(bytes);
    archive.load_from(in);
    optimizer.load(archive);
}

torch::Tensor captureTorchRng()
{
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    return generator.get_state();
}

void restoreTorchRng(const torch::Tensor& state)
{
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
}

std::filesystem::path checkpointFolder(const std::filesystem::path& root, std::int64_t step)
{
    return root / fmt::format("{}{:08d}", kStepPrefix, step);
}

std::optional<std::filesystem::path> latestCheckpoint(const std::filesystem::path& root)
{
    std::error_code error;
    std::optional<std::filesystem::path> latest;
    for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
        const auto name = entry.path().filename().string();
        if (name.rfind(kStepPrefix, 0) != 0 || !entry.is_directory()
            || !std::filesystem::exists(entry.path() / kTrainingStateFile))
            continue;
        // Zero-padded step numbers: the largest name is the latest step.
        if (!latest || name > latest->filename().string())
            latest = entry.path();
    }
    return latest;
}

} // namespace cpo::train
