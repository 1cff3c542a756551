#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace cpo::store {

enum class OpenMode { ReadWrite, ReadOnly };

// One SQLite connection, closed on destruction. A connection belongs to one thread at a time:
// the engine thread holds the only read-write connection of a process; every reader (the GUI,
// a CLI command) opens its own read-only connection. Connections are opened without SQLite's
// per-call mutex for that reason, so never share one between threads concurrently.
//
// This class (with schema.cpp) is the only place that issues PRAGMAs: a read-write connection
// turns on WAL (readers never block the writer, nor the writer them) with synchronous=NORMAL
// (a power loss may drop the last commits, never corrupt the file); a read-only one maps the
// file into memory for long scans; every connection enforces foreign keys and waits up to
// `busyTimeout` for a lock instead of failing at once.
// Every failure throws cpo::Error naming the file and SQLite's message.
class Database {
public:
    static constexpr std::chrono::milliseconds kDefaultBusyTimeout{5000};

    Database(const std::filesystem::path& file, OpenMode mode,
             std::chrono::milliseconds busyTimeout = kDefaultBusyTimeout);
    ~Database();
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Runs one or more `;`-separated statements without parameters (DDL, migrations).
    void execute(const char* sql);

    int userVersion();
    void setUserVersion(int version);
    std::string journalMode();
    // PRAGMA data_version: changes when another connection commits to the file, so a reader
    // can poll it cheaply and reread only then.
    std::int64_t dataVersion();
    // PRAGMA integrity_check's findings; empty when the file is sound (after a crash, say).
    std::vector<std::string> integrityProblems();

    std::int64_t lastInsertRowId() const;
    // Rows changed by the most recent INSERT, UPDATE or DELETE on this connection.
    int changes() const;
    bool inTransaction() const;

    const std::string& file() const { return m_file; }
    sqlite3* handle() const { return m_db; }

private:
    sqlite3* m_db = nullptr;
    std::string m_file;
};

// A prepared statement. Parameters are `?` placeholders bound by their 1-based index, result
// columns are read by their 0-based index (both as SQLite numbers them). Text and blobs are
// copied when bound, so temporaries are safe to bind.
class Statement {
public:
    Statement(Database& db, const char* sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bindInt64(int index, std::int64_t value);
    // SQLite stores NaN as NULL; callers that need NaN back map NULL to NaN when reading.
    void bindDouble(int index, double value);
    void bindText(int index, std::string_view value);
    // An empty span binds a zero-length blob, not NULL.
    void bindBlob(int index, std::span<const std::byte> value);
    void bindNull(int index);

    // Advances to the next row: true while a row is available, false when done.
    [[nodiscard]] bool step();
    // Steps a statement that returns no rows to completion.
    void run();
    // Makes the statement ready to run again and clears its bindings.
    void reset();

    bool isNull(int column) const;
    std::int64_t columnInt64(int column) const;
    double columnDouble(int column) const;
    std::string columnText(int column) const;
    // Valid until the next step() or reset().
    std::span<const std::byte> columnBlob(int column) const;

private:
    [[noreturn]] void fail(int rc) const;

    sqlite3_stmt* m_stmt = nullptr;
};

enum class TransactionKind {
    Write, // BEGIN IMMEDIATE: takes the write lock up front, so a writer never fails half way
           // through upgrading a read lock
    Read,  // BEGIN: several statements read one snapshot (the only kind a reader may open)
};

// A transaction that rolls back unless commit() is called, so an exception anywhere in a
// batch leaves the file as it was. One opened while another is active on the connection
// becomes a SAVEPOINT, so store operations compose.
class Transaction {
public:
    explicit Transaction(Database& db, TransactionKind kind = TransactionKind::Write);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();

private:
    Database& m_db;
    bool m_nested = false;
    bool m_done = false;
};

} // namespace cpo::store
