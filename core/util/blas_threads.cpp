#include "util/blas_threads.h"

#include <dlfcn.h>

namespace cpo {

bool setBlasThreads(int threads)
{
    using SetThreads = void (*)(int);
    const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (!set)
        return false;
    set(threads);
    return true;
}

int blasThreads()
{
    using GetThreads = int (*)();
    const auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    return get ? get() : -1;
}

ScopedBlasThreads::ScopedBlasThreads(int threads) : m_previous(blasThreads())
{
    if (m_previous > 0)
        setBlasThreads(threads);
}

ScopedBlasThreads::~ScopedBlasThreads()
{
    if (m_previous > 0)
        setBlasThreads(m_previous);
}

} // namespace cpo
