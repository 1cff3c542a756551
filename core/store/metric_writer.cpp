#include "store/metric_writer.h"

#include "store/run_store.h"
#include "util/log.h"

#include <exception>
#include <utility>

namespace cpo::store {

MetricWriter::MetricWriter(RunStore& store, std::int64_t runId, MetricWriterOptions options)
    : m_store(store)
    , m_runId(runId)
    , m_options(options)
{
    m_buffer.reserve(m_options.batchRows);
}

MetricWriter::~MetricWriter()
{
    try {
        flush();
    } catch (const std::exception& error) {
        log::get("store")->error("run {}: {} metric rows lost: {}", m_runId, m_buffer.size(),
                                 error.what());
    }
}

void MetricWriter::append(MetricPoint point)
{
    const auto now = std::chrono::steady_clock::now();
    if (m_buffer.empty())
        m_oldest = now;
    m_buffer.push_back(std::move(point));
    if (m_buffer.size() >= m_options.batchRows || now - m_oldest >= m_options.maxDelay)
        flush();
}

void MetricWriter::flush()
{
    if (m_buffer.empty())
        return;
    m_store.appendMetrics(m_runId, m_buffer);
    m_buffer.clear();
}

} // namespace cpo::store
