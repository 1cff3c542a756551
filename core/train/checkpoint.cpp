#include "train/checkpoint.h"

#include "model/checksums.h"
#include "model/hf_folder.h"
#include "util/hash.h"

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>

namespace cpo::train {
namespace {

constexpr std::array<char, 8> kMagic = {'C', 'P', 'O', 'T', 'R', 'A', 'I', 'N'};
constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 8 + 8;
constexpr char kStepPrefix[] = "step-";

using Kind = CheckpointError::Kind;

class Writer {
public:
    void u32(std::uint32_t value) { little(value, 4); }
    void u64(std::uint64_t value) { little(value, 8); }
    void i64(std::int64_t value) { u64(static_cast<std::uint64_t>(value)); }
    void bytes(const void* data, std::size_t size)
    {
        u64(size);
        raw(data, size);
    }
    void raw(const void* data, std::size_t size)
    {
        m_buffer.append(static_cast<const char*>(data), size);
    }
    const std::string& buffer() const { return m_buffer; }

private:
    void little(std::uint64_t value, int size)
    {
        for (int i = 0; i < size; ++i)
            m_buffer.push_back(static_cast<char>((value >> (8 * i)) & 0xffU));
    }
    std::string m_buffer;
};

// Reads what Writer wrote; running out of bytes means the file was cut short.
class Reader {
public:
    Reader(std::string_view data, std::string where) : m_data(data), m_where(std::move(where)) {}
    std::uint32_t u32() { return static_cast<std::uint32_t>(little(4)); }
    std::uint64_t u64() { return little(8); }
    std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
    std::string bytes()
    {
        const std::uint64_t size = u64();
        need(size);
        std::string out(m_data.substr(m_pos, size));
        m_pos += size;
        return out;
    }
    bool atEnd() const { return m_pos == m_data.size(); }

private:
    std::uint64_t little(int size)
    {
        need(static_cast<std::uint64_t>(size));
        std::uint64_t value = 0;
        for (int i = 0; i < size; ++i)
            value |= static_cast<std::uint64_t>(static_cast<unsigned char>(m_data[m_pos++]))
                  << (8 * i);
        return value;
    }
    void need(std::uint64_t size) const
    {
        if (size > m_data.size() - m_pos)
            throw CheckpointError(Kind::Corrupt,
                                  m_where + ": a field runs past the end of the payload; the "
                                  "file is damaged. Resume from an earlier checkpoint");
    }
    std::string_view m_data;
    std::size_t m_pos = 0;
    std::string m_where;
};

std::uint64_t checksum(std::string_view payload)
{
    return fnv1a64(payload);
}

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
    Writer payload;
    payload.u64(state.configHash);
    payload.i64(state.step);
    payload.bytes(state.phase.data(), state.phase.size());
    payload.u64(state.cursor.seed);
    payload.u64(state.cursor.epoch);
    payload.u64(state.cursor.position);
    const auto rng = state.torchRng.defined() ? state.torchRng.contiguous().to(torch::kCPU)
                                              : torch::empty({0}, torch::kUInt8);
    payload.bytes(rng.data_ptr(), static_cast<std::size_t>(rng.numel()));
    payload.bytes(state.optimizer.data(), state.optimizer.size());
    payload.bytes(state.phaseState.data(), state.phaseState.size());

    Writer whole;
    whole.raw(kMagic.data(), kMagic.size());
    whole.u32(kTrainingStateVersion);
    whole.u32(0);
    whole.u64(payload.buffer().size());
    whole.u64(checksum(payload.buffer()));
    whole.raw(payload.buffer().data(), payload.buffer().size());

    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(whole.buffer().data(), static_cast<std::streamsize>(whole.buffer().size()));
    out.flush();
    if (!out)
        throw Error(file.string() + ": cannot write the training state (disk full?)");
}

TrainingState readTrainingStateFile(const std::filesystem::path& file)
{
    const std::string data = readWholeFile(file);
    const std::string where = file.string();
    // A file shorter than the magic that starts like it was cut short, not another format.
    if (std::memcmp(data.data(), kMagic.data(), std::min(data.size(), kMagic.size())) != 0)
        throw CheckpointError(Kind::BadMagic,
                              where + ": not a CPO Studio training state (it does not start "
                              "with \"CPOTRAIN\"); point the resume path at a checkpoint "
                              "folder that `cpo run` wrote");
    if (data.size() < kHeaderBytes)
        throw CheckpointError(Kind::Truncated,
                              fmt::format("{}: truncated: {} bytes, less than the {}-byte "
                                          "header; the write was interrupted. Resume from an "
                                          "earlier checkpoint", where, data.size(),
                                          kHeaderBytes));
    Reader header(std::string_view(data).substr(kMagic.size()), where);
    const std::uint32_t version = header.u32();
    header.u32();
    const std::uint64_t payloadBytes = header.u64();
    const std::uint64_t expectedChecksum = header.u64();
    if (version < 1 || version > kTrainingStateVersion)
        throw CheckpointError(Kind::UnsupportedVersion,
                              fmt::format("{}: training state format version {}, but this "
                                          "build reads version {}{}. Its weights "
                                          "(config.json + model.safetensors) still load: start "
                                          "a new run from them", where, version,
                                          kTrainingStateVersion,
                                          version > kTrainingStateVersion
                                              ? " (written by a newer CPO Studio: update it)"
                                              : ""));
    const std::size_t available = data.size() - kHeaderBytes;
    if (available < payloadBytes)
        throw CheckpointError(Kind::Truncated,
                              fmt::format("{}: truncated: the header announces {} bytes of "
                                          "state but only {} follow; the write was "
                                          "interrupted. Resume from an earlier checkpoint",
                                          where, payloadBytes, available));
    const std::string_view payload = std::string_view(data).substr(kHeaderBytes);
    if (available > payloadBytes || checksum(payload) != expectedChecksum)
        throw CheckpointError(Kind::Corrupt,
                              where + ": the training state fails its checksum; the file is "
                              "damaged. Resume from an earlier checkpoint");

    Reader in(payload, where);
    TrainingState state;
    state.configHash = in.u64();
    state.step = in.i64();
    state.phase = in.bytes();
    state.cursor.seed = in.u64();
    state.cursor.epoch = in.u64();
    state.cursor.position = in.u64();
    const std::string rng = in.bytes();
    state.torchRng = torch::empty({static_cast<std::int64_t>(rng.size())}, torch::kUInt8);
    std::memcpy(state.torchRng.data_ptr(), rng.data(), rng.size());
    state.optimizer = in.bytes();
    if (version >= 2)
        state.phaseState = in.bytes();
    if (!in.atEnd())
        throw CheckpointError(Kind::Corrupt, where + ": unexpected bytes after the state");
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
