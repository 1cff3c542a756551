#include "util/heap_tuning.h"

#include <cstdlib> // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cpo {

void keepLargeBlocksInHeap()
{
#if defined(__GLIBC__)
    // Above 256 MiB a block is still mapped on its own (a large model's weights), and the heap
    // gives back a free top above 512 MiB: the bench's steps stay far below both.
    constexpr int kMiB = 1 << 20;
    mallopt(M_MMAP_THRESHOLD, 256 * kMiB);
    mallopt(M_TRIM_THRESHOLD, 512 * kMiB);
#endif
}

} // namespace cpo
