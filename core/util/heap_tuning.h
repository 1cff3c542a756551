#pragma once

namespace cpo {

// Keeps large freed blocks in this process's heap for the next training step instead of
// handing them back to the kernel. glibc serves a block above its mmap threshold (which
// adapts, but never past 32 MiB) with a fresh mmap and unmaps it on free, and trims the
// heap's free top; a step's largest tensors (the logits, their log-softmax and gradient:
// 32 MiB and more at the bench's shape) were so faulted in again page by page every step.
// Raising both thresholds cut the CPO bench's page faults from about 330 000 to 136 000 and
// its step from 691-711 to 622-652 ms on 2 cores; its peak resident memory rose from 598 to
// 626 MiB, and between steps the heap keeps that peak. Call once at the start of main, before other threads.
// Does nothing where the C library is not glibc.
void keepLargeBlocksInHeap();

} // namespace cpo
