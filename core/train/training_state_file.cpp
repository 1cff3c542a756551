#include "train/training_state_file.h"

#include "util/hash.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <array>

namespace cpo::train {
namespace {

constexpr std::array<char, 8> kMagic = {'C', 'P', 'O', 'T', 'R', 'A', 'I', 'N'};
constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 8 + 8;

using Kind = CheckpointError::Kind;

class Writer {
public:
    void u32(std::uint32_t value) { little(value, 4); }
    void u64(std::uint64_t value) { little(value, 8); }
    void i64(std::int64_t value) { u64(static_cast<std::uint64_t>(value)); }
    void bytes(std::string_view data)
    {
        u64(data.size());
        raw(data);
    }
    void raw(std::string_view data) { m_buffer.append(data); }
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

} // namespace

std::string encodeTrainingState(const TrainingStateRecord& record)
{
    Writer payload;
    payload.u64(record.configHash);
    payload.i64(record.step);
    payload.bytes(record.phase);
    payload.u64(record.dataSeed);
    payload.u64(record.epoch);
    payload.u64(record.position);
    payload.bytes(record.torchRng);
    payload.bytes(record.optimizer);
    payload.bytes(record.phaseState);

    Writer whole;
    whole.raw({kMagic.data(), kMagic.size()});
    whole.u32(kTrainingStateVersion);
    whole.u32(0);
    whole.u64(payload.buffer().size());
    whole.u64(fnv1a64(payload.buffer()));
    whole.raw(payload.buffer());
    return whole.buffer();
}

TrainingStateRecord decodeTrainingState(std::string_view data, const std::string& where)
{
    // A file shorter than the magic that starts like it was cut short, not another format.
    if (data.substr(0, kMagic.size()) !=
        std::string_view(kMagic.data(), std::min(data.size(), kMagic.size())))
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
    Reader header(data.substr(kMagic.size()), where);
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
    const std::string_view payload = data.substr(kHeaderBytes);
    if (available > payloadBytes || fnv1a64(payload) != expectedChecksum)
        throw CheckpointError(Kind::Corrupt,
                              where + ": the training state fails its checksum; the file is "
                              "damaged. Resume from an earlier checkpoint");

    Reader in(payload, where);
    TrainingStateRecord record;
    record.configHash = in.u64();
    record.step = in.i64();
    record.phase = in.bytes();
    record.dataSeed = in.u64();
    record.epoch = in.u64();
    record.position = in.u64();
    record.torchRng = in.bytes();
    record.optimizer = in.bytes();
    if (version >= 2)
        record.phaseState = in.bytes();
    if (!in.atEnd())
        throw CheckpointError(Kind::Corrupt, where + ": unexpected bytes after the state");
    return record;
}

} // namespace cpo::train
