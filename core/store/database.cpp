#include "store/database.h"

#include "util/error.h"
#include "util/log.h"

#include <sqlite3.h>

#include <fmt/format.h>
#include <unistd.h>

#include <utility>

namespace cpo::store {
namespace {

std::string fileOf(sqlite3* db)
{
    const char* name = sqlite3_db_filename(db, "main");
    return name ? name : "?";
}

// A read-only connection to a WAL store needs its -shm file, which SQLite cannot create in a
// read-only folder ("unable to open database file"). Without a -wal file no writer can be
// active there and every commit is in the main file, so it may be read as immutable.
bool readableOnlyAsImmutable(const std::filesystem::path& file)
{
    const auto folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    std::error_code error;
    return ::access(folder.c_str(), W_OK) != 0
        && !std::filesystem::exists(file.string() + "-wal", error);
}

// file:PATH?immutable=1, with the characters a URI path cannot hold percent-encoded.
std::string immutableUri(const std::filesystem::path& file)
{
    std::string uri = "file:";
    for (const char c : std::filesystem::absolute(file).string()) {
        if (c == '%' || c == '?' || c == '#')
            uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        else
            uri += c;
    }
    return uri + "?immutable=1";
}

} // namespace

Database::Database(const std::filesystem::path& file, OpenMode mode,
                   std::chrono::milliseconds busyTimeout)
    : m_file(file.string())
{
    // NOMUTEX: a connection is never used by two threads at once (see the header), so
    // SQLite's per-call locking would be pure overhead on the metric insert path.
    int flags = SQLITE_OPEN_NOMUTEX
        | (mode == OpenMode::ReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                       : SQLITE_OPEN_READONLY);
    std::string name = m_file;
    if (mode == OpenMode::ReadOnly && readableOnlyAsImmutable(file)) {
        name = immutableUri(file);
        flags |= SQLITE_OPEN_URI;
    }
    if (sqlite3_open_v2(name.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
        const std::string reason = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw Error("run store " + m_file + ": cannot open (" + reason + ")");
    }
    try {
        sqlite3_busy_timeout(m_db, static_cast<int>(busyTimeout.count()));
        execute("PRAGMA foreign_keys = ON");
        if (mode == OpenMode::ReadWrite) {
            Statement wal(*this, "PRAGMA journal_mode = WAL");
            if (wal.step() && wal.columnText(0) != "wal")
                log::get("store")->warn("{}: WAL is unavailable here (journal mode {}); "
                                        "readers may wait for the writer",
                                        m_file, wal.columnText(0));
            execute("PRAGMA synchronous = NORMAL");
        } else {
            // Readers scan long series; reading pages through a memory map instead of a copy
            // per page cuts the CPU time of a 1M-point read by about 15%.
            execute("PRAGMA mmap_size = 268435456");
        }
    } catch (...) {
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw;
    }
}

Database::~Database()
{
    // close_v2 defers the close until any statement still alive is finalized.
    sqlite3_close_v2(m_db);
}

Database::Database(Database&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr))
    , m_file(std::move(other.m_file))
{
}

Database& Database::operator=(Database&& other) noexcept
{
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = std::exchange(other.m_db, nullptr);
        m_file = std::move(other.m_file);
    }
    return *this;
}

void Database::execute(const char* sql)
{
    char* error = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string reason = error ? error : sqlite3_errmsg(m_db);
        sqlite3_free(error);
        throw Error("run store " + m_file + ": " + reason + " (in: "
                    + std::string(sql).substr(0, 80) + ")");
    }
}

int Database::userVersion()
{
    Statement statement(*this, "PRAGMA user_version");
    return statement.step() ? static_cast<int>(statement.columnInt64(0)) : 0;
}

void Database::setUserVersion(int version)
{
    // PRAGMA arguments cannot be bound; the value is an int, so formatting it is safe.
    execute(("PRAGMA user_version = " + std::to_string(version)).c_str());
}

std::int64_t Database::dataVersion()
{
    Statement statement(*this, "PRAGMA data_version");
    return statement.step() ? statement.columnInt64(0) : 0;
}

std::string Database::journalMode()
{
    Statement statement(*this, "PRAGMA journal_mode");
    return statement.step() ? statement.columnText(0) : std::string();
}

std::vector<std::string> Database::integrityProblems()
{
    Statement statement(*this, "PRAGMA integrity_check");
    std::vector<std::string> problems;
    while (statement.step())
        if (const std::string line = statement.columnText(0); line != "ok")
            problems.push_back(line);
    return problems;
}

std::int64_t Database::lastInsertRowId() const { return sqlite3_last_insert_rowid(m_db); }

int Database::changes() const { return sqlite3_changes(m_db); }

bool Database::inTransaction() const { return sqlite3_get_autocommit(m_db) == 0; }

Statement::Statement(Database& db, const char* sql)
{
    if (sqlite3_prepare_v2(db.handle(), sql, -1, &m_stmt, nullptr) != SQLITE_OK)
        throw Error("run store " + db.file() + ": cannot prepare `" + sql
                    + "`: " + sqlite3_errmsg(db.handle()));
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement::Statement(Statement&& other) noexcept
    : m_stmt(std::exchange(other.m_stmt, nullptr))
{
}

Statement& Statement::operator=(Statement&& other) noexcept
{
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_stmt = std::exchange(other.m_stmt, nullptr);
    }
    return *this;
}

void Statement::fail(int rc) const
{
    sqlite3* db = sqlite3_db_handle(m_stmt);
    throw Error("run store " + fileOf(db) + ": " + sqlite3_errmsg(db) + " ("
                + sqlite3_errstr(rc) + ", in: " + sqlite3_sql(m_stmt) + ")");
}

void Statement::bindInt64(int index, std::int64_t value)
{
    if (const int rc = sqlite3_bind_int64(m_stmt, index, value); rc != SQLITE_OK)
        fail(rc);
}

void Statement::bindDouble(int index, double value)
{
    if (const int rc = sqlite3_bind_double(m_stmt, index, value); rc != SQLITE_OK)
        fail(rc);
}

void Statement::bindText(int index, std::string_view value)
{
    // A null pointer would bind NULL; an empty string must stay an empty string.
    const char* data = value.data() ? value.data() : "";
    const int rc = sqlite3_bind_text64(m_stmt, index, data, value.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8);
    if (rc != SQLITE_OK)
        fail(rc);
}

void Statement::bindBlob(int index, std::span<const std::byte> value)
{
    const int rc = value.empty()
        ? sqlite3_bind_zeroblob(m_stmt, index, 0)
        : sqlite3_bind_blob64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK)
        fail(rc);
}

void Statement::bindNull(int index)
{
    if (const int rc = sqlite3_bind_null(m_stmt, index); rc != SQLITE_OK)
        fail(rc);
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail(rc);
}

void Statement::run()
{
    while (step()) {
    }
}

void Statement::reset()
{
    // The result repeats the last step()'s error, which step() has already thrown.
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool Statement::isNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::int64_t Statement::columnInt64(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::columnDouble(int column) const { return sqlite3_column_double(m_stmt, column); }

std::string Statement::columnText(int column) const
{
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)))
                : std::string();
}

std::span<const std::byte> Statement::columnBlob(int column) const
{
    const auto* data = static_cast<const std::byte*>(sqlite3_column_blob(m_stmt, column));
    return {data, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column))};
}

Transaction::Transaction(Database& db, TransactionKind kind)
    : m_db(db)
    , m_nested(db.inTransaction())
{
    if (m_nested)
        m_db.execute("SAVEPOINT cpo_nested");
    else
        m_db.execute(kind == TransactionKind::Write ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction()
{
    // SQLite rolls a transaction back by itself after some errors (a full disk, an I/O
    // error); rolling back again would only fail.
    if (m_done || !m_db.inTransaction())
        return;
    const char* sql = m_nested ? "ROLLBACK TO cpo_nested; RELEASE cpo_nested" : "ROLLBACK";
    if (sqlite3_exec(m_db.handle(), sql, nullptr, nullptr, nullptr) != SQLITE_OK)
        log::get("store")->error("{}: rollback failed: {}", m_db.file(),
                                 sqlite3_errmsg(m_db.handle()));
}

void Transaction::commit()
{
    m_db.execute(m_nested ? "RELEASE cpo_nested" : "COMMIT");
    m_done = true;
}

} // namespace cpo::store
