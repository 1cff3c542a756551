#pragma once

#include "store/records.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cpo::store {

class RunStore;

struct MetricWriterOptions {
    std::size_t batchRows = 1024;              // commit once this many rows wait
    std::chrono::milliseconds maxDelay{250};   // or once the oldest waiting row is this old
};

// Buffers one run's metric points and writes them in batched transactions: every commit
// appends each page it touched to the WAL, so a commit per step would write kilobytes per
// few-byte point and fall far short of the 200 000 rows/s a batch reaches. There is no
// timer thread (the connection belongs to the caller's thread), so the age limit is checked
// on append(): call flush() at phase ends, checkpoints and pauses, where the stream stops.
// A crash loses at most the rows not yet committed.
class MetricWriter {
public:
    MetricWriter(RunStore& store, std::int64_t runId, MetricWriterOptions options = {});
    // Flushes; a failure here is logged (with the number of rows lost), never thrown.
    ~MetricWriter();
    MetricWriter(const MetricWriter&) = delete;
    MetricWriter& operator=(const MetricWriter&) = delete;

    void append(MetricPoint point);
    // Writes every waiting row in one transaction. On failure the rows stay waiting (the
    // transaction rolled back, nothing was half written) and the error is thrown.
    void flush();
    std::size_t pending() const { return m_buffer.size(); }
    // Drops the waiting rows (after a flush failed for good, e.g. a full disk).
    void discard() { m_buffer.clear(); }

private:
    RunStore& m_store;
    std::int64_t m_runId;
    MetricWriterOptions m_options;
    std::vector<MetricPoint> m_buffer;
    std::chrono::steady_clock::time_point m_oldest;
};

} // namespace cpo::store
