#pragma once

#include <filesystem>

namespace cpo::hub {

// An exclusive advisory lock (flock) on a lock file, held for the object's lifetime: the
// same lock files huggingface_hub takes (.locks/<repo folder>/<etag>.lock), so two processes
// (ours or Python's) never download the same blob at once. Blocks until it is free.
class FileLock {
public:
    explicit FileLock(const std::filesystem::path& file);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int m_fd = -1;
};

} // namespace cpo::hub
