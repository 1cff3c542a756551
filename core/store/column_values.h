#pragma once

#include "store/database.h"
#include "util/error.h"

#include <bit>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// How RunStore's values map to SQLite columns: times, NULLs for what is absent, blobs for
// token ids and log-probs. Shared by the run store's table groups (run_store*.cpp).
namespace cpo::store {

// Token ids and log-probs are stored as raw little-endian int32 / float32 arrays, the layout
// numpy.frombuffer(..., "<i4" / "<f4") reads. A big-endian port would swap bytes here.
static_assert(std::endian::native == std::endian::little);

inline std::int64_t nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

inline std::int64_t stampOrNow(std::int64_t time) { return time != 0 ? time : nowMs(); }

template <typename T>
std::span<const std::byte> asBlob(const std::vector<T>& values)
{
    return std::as_bytes(std::span(values));
}

template <typename T>
std::vector<T> fromBlob(std::span<const std::byte> blob, const Database& db, const char* column)
{
    if (blob.size() % sizeof(T) != 0)
        throw Error("run store " + db.file() + ": candidates." + column + " holds "
                    + std::to_string(blob.size()) + " bytes, not a whole number of elements");
    std::vector<T> values(blob.size() / sizeof(T));
    if (!blob.empty())
        std::memcpy(values.data(), blob.data(), blob.size());
    return values;
}

// Empty strings and vectors, and absent optionals, are NULL in the file.
inline void bindTextOrNull(Statement& statement, int index, std::string_view text)
{
    if (text.empty())
        statement.bindNull(index);
    else
        statement.bindText(index, text);
}

template <typename T>
void bindBlobOrNull(Statement& statement, int index, const std::vector<T>& values)
{
    if (values.empty())
        statement.bindNull(index);
    else
        statement.bindBlob(index, asBlob(values));
}

inline void bindOptional(Statement& statement, int index, const std::optional<std::int64_t>& value)
{
    if (value)
        statement.bindInt64(index, *value);
    else
        statement.bindNull(index);
}

inline void bindOptional(Statement& statement, int index, const std::optional<double>& value)
{
    if (value)
        statement.bindDouble(index, *value);
    else
        statement.bindNull(index);
}

inline std::optional<std::int64_t> optionalInt64(const Statement& statement, int column)
{
    if (statement.isNull(column))
        return std::nullopt;
    return statement.columnInt64(column);
}

inline std::optional<double> optionalDouble(const Statement& statement, int column)
{
    if (statement.isNull(column))
        return std::nullopt;
    return statement.columnDouble(column);
}

inline double doubleOrNan(const Statement& statement, int column)
{
    return statement.isNull(column) ? std::nan("") : statement.columnDouble(column);
}

} // namespace cpo::store
