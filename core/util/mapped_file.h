#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace cpo {

// A read-only memory map of a whole file. Large checkpoints are read through it so their
// bytes are paged in on demand and copied once (into tensors), not twice.
class MappedFile {
public:
    // Throws cpo::Error naming the path when the file cannot be opened or mapped.
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const std::byte> bytes() const { return {m_data, m_size}; }
    std::size_t size() const { return m_size; }
    const std::filesystem::path& path() const { return m_path; }

private:
    void release() noexcept;

    std::filesystem::path m_path;
    const std::byte* m_data = nullptr;
    std::size_t m_size = 0;
};

} // namespace cpo
