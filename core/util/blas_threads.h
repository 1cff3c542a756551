#pragma once

namespace cpo {

// OpenBLAS keeps a thread pool of its own beside LibTorch's: on a small machine the two fight
// over the cores unless both are set together. Looked up at run time, so that any BLAS links.
// setBlasThreads returns false, and blasThreads -1, when the loaded BLAS is not OpenBLAS.
bool setBlasThreads(int threads);
int blasThreads();

// Holds OpenBLAS at `threads` while it lives and gives the caller's setting back after; does
// nothing when the loaded BLAS is not OpenBLAS.
class ScopedBlasThreads {
public:
    explicit ScopedBlasThreads(int threads);
    ~ScopedBlasThreads();
    ScopedBlasThreads(const ScopedBlasThreads&) = delete;
    ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

private:
    int m_previous;
};

} // namespace cpo
