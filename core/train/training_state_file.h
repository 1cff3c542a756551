#pragma once

#include "util/error.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace cpo::train {

// training_state.bin, little-endian:
//   magic "CPOTRAIN" (8 bytes) | u32 format version | u32 0 | u64 payload bytes |
//   u64 FNV-1a 64 of the payload | payload
// payload: u64 config hash | i64 step | str phase | u64 data seed | u64 epoch |
//   u64 position | bytes torch CPU generator state | bytes optimizer archive |
//   bytes phase state (from version 2; version 1 files read with none)
// (str and bytes: u64 length, then the bytes). The optimizer archive is LibTorch's own
// serialisation of the optimizer (AdamW's moments and step counts); the phase state is the
// trainer's own (CPO: its π_ref cache); the checksum catches a damaged file that still has
// the right length. The codec is free of LibTorch so that it can be fuzzed on its own
// (fuzz/); train/checkpoint.h turns the record into tensors and back.
inline constexpr char kTrainingStateFile[] = "training_state.bin";
inline constexpr std::uint32_t kTrainingStateVersion = 2;

// Why a checkpoint could not be used; the message says it for the user, with the fix.
class CheckpointError : public Error {
public:
    enum class Kind { Missing, BadMagic, UnsupportedVersion, Truncated, Corrupt, Mismatch };
    CheckpointError(Kind kind, const std::string& message) : Error(message), m_kind(kind) {}
    Kind kind() const { return m_kind; }

private:
    Kind m_kind;
};

// The fields of training_state.bin, as plain numbers and bytes.
struct TrainingStateRecord {
    std::uint64_t configHash = 0;
    std::int64_t step = 0;
    std::string phase;
    std::uint64_t dataSeed = 0;
    std::uint64_t epoch = 0;
    std::uint64_t position = 0;
    std::string torchRng;   // the CPU generator's state bytes
    std::string optimizer;  // the optimizer archive
    std::string phaseState; // the trainer's own state ("" for MLE)
    bool operator==(const TrainingStateRecord&) const = default;
};

// The file's bytes for a record (always the current version).
std::string encodeTrainingState(const TrainingStateRecord& record);

// A record from the file's bytes. Throws CheckpointError (BadMagic, UnsupportedVersion,
// Truncated or Corrupt) naming `where`; never reads past `data`.
TrainingStateRecord decodeTrainingState(std::string_view data, const std::string& where);

} // namespace cpo::train
