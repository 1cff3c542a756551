#include "store/run_rows.h"

#include "store/database.h"
#include "util/error.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace cpo::store {
namespace {

using nlohmann::json;

// A reference from a column to another table's id, remapped on load.
struct Reference {
    const char* column;
    const char* table;
};

// Every table holding a run's rows, parents before children, each with the rows of run `?`.
struct RunTable {
    const char* name;
    const char* rowsOfRun; // WHERE clause with one `?`: the run id
    bool hasId;            // an INTEGER PRIMARY KEY `id`, given anew on load
    std::vector<Reference> references;
};

const std::array<RunTable, 13>& runTables()
{
    static const std::array<RunTable, 13> tables{{
        {"runs", "id = ?", true, {}},
        {"metrics", "run_id = ?", false, {{"run_id", "runs"}}},
        {"sample_sets", "run_id = ?", true, {{"run_id", "runs"}}},
        {"candidates", "sample_set_id IN (SELECT id FROM sample_sets WHERE run_id = ?)", true,
         {{"sample_set_id", "sample_sets"}}},
        {"candidate_scores",
         "sample_set_id IN (SELECT id FROM sample_sets WHERE run_id = ?)", false,
         {{"sample_set_id", "sample_sets"}}},
        {"checkpoints", "run_id = ?", true, {{"run_id", "runs"}}},
        {"alerts", "run_id = ?", true, {{"run_id", "runs"}}},
        {"evaluations", "run_id = ?", true, {{"run_id", "runs"}}},
        {"generations", "evaluation_id IN (SELECT id FROM evaluations WHERE run_id = ?)", true,
         {{"evaluation_id", "evaluations"}}},
        {"human_votes",
         "generation_id IN (SELECT g.id FROM generations g JOIN evaluations e "
         "ON g.evaluation_id = e.id WHERE e.run_id = ?)",
         true, {{"generation_id", "generations"}}},
        {"alpha_sweeps", "run_id = ?", true, {{"run_id", "runs"}}},
        {"alpha_points", "sweep_id IN (SELECT id FROM alpha_sweeps WHERE run_id = ?)", false,
         {{"sweep_id", "alpha_sweeps"}, {"evaluation_id", "evaluations"}}},
        {"run_events", "run_id = ?", false, {{"run_id", "runs"}}},
    }};
    return tables;
}

// A moved run belongs to no process and resumes nothing of the store it came from.
constexpr std::array kRunColumnsCleared{"parent_run_id", "owner_pid", "owner_host", "heartbeat"};

// Column name → declared type (STRICT tables: INTEGER, REAL, TEXT, BLOB), in table order.
std::vector<std::pair<std::string, std::string>> columnsOf(Database& db, const char* table)
{
    Statement info(db, (std::string("SELECT name, type FROM pragma_table_info('") + table + "')")
                           .c_str());
    std::vector<std::pair<std::string, std::string>> columns;
    while (info.step())
        columns.emplace_back(info.columnText(0), info.columnText(1));
    return columns;
}

std::string toHex(std::span<const std::byte> bytes)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (const auto byte : bytes) {
        const auto value = static_cast<unsigned>(byte);
        hex += kDigits[value >> 4];
        hex += kDigits[value & 0xF];
    }
    return hex;
}

std::vector<std::byte> fromHex(const std::string& hex, const std::string& where)
{
    const auto digit = [&](char c) -> unsigned {
        if (c >= '0' && c <= '9')
            return static_cast<unsigned>(c - '0');
        if (c >= 'a' && c <= 'f')
            return static_cast<unsigned>(c - 'a' + 10);
        throw Error(where + ": not a hex blob");
    };
    if (hex.size() % 2 != 0)
        throw Error(where + ": not a hex blob");
    std::vector<std::byte> bytes(hex.size() / 2);
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<std::byte>(digit(hex[2 * i]) << 4 | digit(hex[2 * i + 1]));
    return bytes;
}

json readValue(const Statement& row, int column, const std::string& type)
{
    if (row.isNull(column))
        return nullptr;
    if (type == "INTEGER")
        return row.columnInt64(column);
    if (type == "REAL")
        return row.columnDouble(column);
    if (type == "BLOB")
        return json{{"hex", toHex(row.columnBlob(column))}};
    return row.columnText(column);
}

void bindValue(Statement& insert, int index, const json& value, const std::string& where)
{
    if (value.is_null())
        insert.bindNull(index);
    else if (value.is_number_integer())
        insert.bindInt64(index, value.get<std::int64_t>());
    else if (value.is_number())
        insert.bindDouble(index, value.get<double>());
    else if (value.is_string())
        insert.bindText(index, value.get<std::string>());
    else if (value.is_object() && value.contains("hex") && value["hex"].is_string())
        insert.bindBlob(index, fromHex(value["hex"].get<std::string>(), where));
    else
        throw Error(where + ": " + value.dump() + " is not a value a store holds");
}

} // namespace

json dumpRunRows(Database& db, std::int64_t runId)
{
    Transaction snapshot(db, TransactionKind::Read);
    json rows = json::object();
    for (const auto& table : runTables()) {
        const auto columns = columnsOf(db, table.name);
        std::string sql = "SELECT ";
        for (std::size_t i = 0; i < columns.size(); ++i)
            sql += (i > 0 ? ", " : "") + columns[i].first;
        sql += std::string(" FROM ") + table.name + " WHERE " + table.rowsOfRun;
        Statement select(db, sql.c_str());
        select.bindInt64(1, runId);
        json list = json::array();
        while (select.step()) {
            json row = json::object();
            for (std::size_t i = 0; i < columns.size(); ++i)
                row[columns[i].first] = readValue(select, static_cast<int>(i), columns[i].second);
            list.push_back(std::move(row));
        }
        rows[table.name] = std::move(list);
    }
    snapshot.commit();
    if (rows["runs"].empty())
        throw Error("run " + std::to_string(runId) + " is not in " + db.file());
    return rows;
}

std::int64_t loadRunRows(Database& db, const json& rows)
{
    if (!rows.is_object() || !rows.contains("runs") || !rows["runs"].is_array() ||
        rows["runs"].size() != 1)
        throw Error("the rows hold no run (\"runs\" must list exactly one row)");
    Transaction transaction(db);
    std::map<std::string, std::map<std::int64_t, std::int64_t>> newIds; // table → old → new
    for (const auto& table : runTables()) {
        if (!rows.contains(table.name))
            continue;
        const auto& list = rows[table.name];
        if (!list.is_array())
            throw Error(std::string("rows of ") + table.name + ": not a list");
        std::map<std::string, std::string> known;
        for (const auto& [name, type] : columnsOf(db, table.name))
            known[name] = type;
        for (const auto& row : list) {
            if (!row.is_object())
                throw Error(std::string("a row of ") + table.name + " is not an object");
            std::string names, marks;
            std::vector<std::pair<std::string, json>> values;
            for (const auto& item : row.items()) {
                const auto& column = item.key();
                const auto& value = item.value();
                const auto where = std::string(table.name) + "." + column;
                if (!known.contains(column))
                    throw Error(where + ": no such column in this store");
                if (table.hasId && column == "id")
                    continue;
                json bound = value;
                if (std::string_view(table.name) == "runs" &&
                    std::find(kRunColumnsCleared.begin(), kRunColumnsCleared.end(), column) !=
                        kRunColumnsCleared.end())
                    bound = nullptr;
                for (const auto& reference : table.references) {
                    if (column != reference.column || value.is_null())
                        continue;
                    const auto& ids = newIds[reference.table];
                    const auto found =
                        value.is_number_integer() ? ids.find(value.get<std::int64_t>()) : ids.end();
                    if (found == ids.end())
                        throw Error(where + " = " + value.dump() + " refers to a row of " +
                                    reference.table + " that the rows do not hold");
                    bound = found->second;
                }
                names += (names.empty() ? "" : ", ") + column;
                marks += marks.empty() ? "?" : ", ?";
                values.emplace_back(where, std::move(bound));
            }
            const auto sql =
                std::string("INSERT INTO ") + table.name + " (" + names + ") VALUES (" + marks + ")";
            try {
                Statement insert(db, sql.c_str());
                for (std::size_t i = 0; i < values.size(); ++i)
                    bindValue(insert, static_cast<int>(i + 1), values[i].second, values[i].first);
                insert.run();
            } catch (const Error& e) {
                throw Error(std::string("a row of ") + table.name + " does not fit: " + e.what());
            }
            if (table.hasId) {
                if (!row.contains("id") || !row["id"].is_number_integer())
                    throw Error(std::string("a row of ") + table.name + " has no integer id");
                newIds[table.name][row["id"].get<std::int64_t>()] = db.lastInsertRowId();
            }
        }
    }
    const auto runId = newIds["runs"].begin()->second;
    transaction.commit();
    return runId;
}

} // namespace cpo::store
