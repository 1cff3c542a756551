#include "engine/run_bundle.h"

#include "engine/run_catalog.h"
#include "engine/run_folders.h"
#include "hub/file_digest.h"
#include "store/run_rows.h"
#include "store/run_store.h"
#include "util/bounded_read.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/version.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>

namespace cpo::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kFormat[] = "cpo-run-bundle";
constexpr int kVersion = 1;
constexpr char kManifest[] = "manifest.json";
constexpr char kRows[] = "rows.json";
constexpr char kRunFolder[] = "run";
// The store rows of a long run (sample sets with per-token values) can be large.
constexpr std::uintmax_t kMaxRowsBytes = std::uintmax_t(8) << 30;

void writeText(const fs::path& file, const std::string& text)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out)
        throw Error(file.string() + ": cannot be written");
}

void copyTree(const fs::path& from, const fs::path& to)
{
    fs::create_directories(to.parent_path());
    fs::copy(from, to, fs::copy_options::recursive);
}

// The phase folders hold every checkpoint; only each phase's final one is bundled.
bool isPhaseFolder(const fs::directory_entry& entry)
{
    const auto name = entry.path().filename();
    return entry.is_directory() && (name == "mle" || name == "cpo");
}

json manifestFiles(const fs::path& root)
{
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(root))
        if (entry.is_regular_file())
            files.push_back(entry.path().lexically_relative(root));
    std::sort(files.begin(), files.end());
    json list = json::array();
    for (const auto& file : files)
        list.push_back({{"path", file.generic_string()},
                        {"size", fs::file_size(root / file)},
                        {"sha256", hub::sha256Hex(root / file)}});
    return list;
}

// A path the manifest names: relative, inside the bundle, no way out of it.
fs::path bundlePath(const json& entry, const fs::path& manifest)
{
    if (!entry.is_object() || !entry.contains("path") || !entry["path"].is_string() ||
        !entry.contains("size") || !entry["size"].is_number_unsigned() ||
        !entry.contains("sha256") || !entry["sha256"].is_string())
        throw Error(manifest.string() + ": damaged (a file entry without path, size and sha256)");
    const fs::path path = entry["path"].get<std::string>();
    if (path.empty() || path.is_absolute() || path.has_root_name())
        throw Error(manifest.string() + ": damaged (file '" + path.string() +
                    "' is not a path inside the bundle)");
    for (const auto& part : path)
        if (part == ".." || part == ".")
            throw Error(manifest.string() + ": damaged (file '" + path.string() +
                        "' is not a path inside the bundle)");
    return path;
}

json readManifest(const fs::path& bundle)
{
    if (!fs::is_directory(bundle))
        throw Error(bundle.string() + ": not a run bundle folder (`cpo runs export ID --bundle "
                    "DIR` writes one)");
    const auto file = bundle / kManifest;
    if (!fs::exists(file))
        throw Error(file.string() + ": missing; " + bundle.string() + " is not a run bundle, or "
                    "an incomplete one");
    json manifest;
    try {
        manifest = json::parse(readBoundedFile(file, kMaxConfigFileBytes, "bundle manifest"));
    } catch (const json::exception& e) {
        throw Error(file.string() + ": damaged (not JSON: " + e.what() + ")");
    }
    if (!manifest.is_object() || manifest.value("format", "") != kFormat)
        throw Error(file.string() + ": not a CPO Studio run bundle manifest");
    const auto version = manifest.value("version", 0);
    if (version > kVersion)
        throw Error(file.string() + ": bundle version " + std::to_string(version) +
                    " is newer than this build reads (" + std::to_string(kVersion) +
                    "): upgrade CPO Studio");
    if (version != kVersion || !manifest.contains("files") || !manifest["files"].is_array())
        throw Error(file.string() + ": damaged (no version " + std::to_string(kVersion) +
                    " file list)");
    return manifest;
}

// Every file the manifest lists is there, with its size and sha256.
std::vector<fs::path> verifiedFiles(const fs::path& bundle, const json& manifest)
{
    const auto manifestFile = bundle / kManifest;
    std::vector<fs::path> files;
    for (const auto& entry : manifest["files"]) {
        const auto path = bundlePath(entry, manifestFile);
        const auto file = bundle / path;
        if (!fs::is_regular_file(file))
            throw Error(file.string() + ": missing; the bundle is incomplete");
        const auto size = entry["size"].get<std::uintmax_t>();
        if (fs::file_size(file) != size)
            throw Error(file.string() + ": damaged (" + std::to_string(fs::file_size(file)) +
                        " bytes; the manifest says " + std::to_string(size) + ")");
        if (hub::sha256Hex(file) != entry["sha256"].get<std::string>())
            throw Error(file.string() + ": damaged (its sha256 is not the manifest's)");
        files.push_back(path);
    }
    if (std::find(files.begin(), files.end(), fs::path(kRows)) == files.end())
        throw Error(manifestFile.string() + ": damaged (rows.json is not listed)");
    return files;
}

// The part of a bundle path under run/, or empty when it is not there.
fs::path underRunFolder(const fs::path& path)
{
    auto part = path.begin();
    if (part == path.end() || *part != kRunFolder)
        return {};
    fs::path rest;
    for (++part; part != path.end(); ++part)
        rest /= *part;
    return rest;
}

std::optional<std::int64_t> sameRun(store::RunStore& runs, const json& run)
{
    store::Statement find(runs.database(),
                          "SELECT id FROM runs WHERE name = ? AND created_at = ? AND "
                          "config_hash = ? LIMIT 1");
    find.bindText(1, run.value("name", ""));
    find.bindInt64(2, run.value("created_at", std::int64_t{0}));
    find.bindText(3, run.value("config_hash", ""));
    if (find.step())
        return find.columnInt64(0);
    return std::nullopt;
}

} // namespace

BundleExport exportRunBundle(const fs::path& db, std::int64_t runId, const fs::path& bundle)
{
    requireRunStore(db);
    store::RunStore runs(db, store::OpenMode::ReadOnly);
    auto rows = store::dumpRunRows(runs.database(), runId);
    auto& run = rows["runs"][0];
    const auto what = "run " + std::to_string(runId) + " of " + db.string();
    const auto status = run["status"].get<std::string>();
    if (!store::isTerminal(store::statusFromName(status)))
        throw Error(what + " is " + status + ": only a run that has ended can be exported "
                    "(`cpo runs follow " + std::to_string(runId) + "` waits for it)");
    const fs::path runDir = run["run_dir"].is_string() ? run["run_dir"].get<std::string>() : "";
    if (runDir.empty() || !fs::is_directory(runDir))
        throw Error(what + ": its folder '" + runDir.string() + "' is missing; its files go "
                    "into the bundle");
    if (fs::exists(bundle))
        throw Error(bundle.string() + " exists: give a new folder for the bundle");
    const fs::path partial = bundle.string() + ".partial";
    if (fs::exists(partial))
        throw Error(partial.string() + " exists (an interrupted export?): remove it first");

    BundleExport result;
    result.bundle = bundle;
    try {
        fs::create_directories(partial / kRunFolder);
        // Each phase's final checkpoint: the one recorded last.
        std::map<std::string, json> finals;
        for (const auto& checkpoint : rows["checkpoints"]) {
            auto& last = finals[checkpoint["phase"].get<std::string>()];
            if (last.is_null() || checkpoint["id"].get<std::int64_t>() > last["id"].get<std::int64_t>())
                last = checkpoint;
        }
        json kept = json::array();
        for (auto& [phase, checkpoint] : finals) {
            const fs::path folder = checkpoint["path"].get<std::string>();
            auto inside = folder.lexically_relative(runDir);
            if (inside.empty() || *inside.begin() == "..")
                inside = fs::path("checkpoints") / phase / folder.filename();
            if (!fs::is_directory(folder))
                throw Error(what + ": its final " + phase + " checkpoint '" + folder.string() +
                            "' is missing");
            copyTree(folder, partial / kRunFolder / inside);
            checkpoint["path"] = (fs::path(kRunFolder) / inside).generic_string();
            result.checkpoints.push_back(checkpoint["path"].get<std::string>());
            kept.push_back(checkpoint);
        }
        rows["checkpoints"] = kept;
        for (const auto& entry : fs::directory_iterator(runDir))
            if (!isPhaseFolder(entry))
                copyTree(entry.path(), partial / kRunFolder / entry.path().filename());
        run["run_dir"] = nullptr;
        writeText(partial / kRows, rows.dump());

        auto files = manifestFiles(partial);
        for (const auto& file : files) {
            ++result.files;
            result.bytes += file["size"].get<std::uintmax_t>();
        }
        const json manifest{{"format", kFormat},
                            {"version", kVersion},
                            {"app_version", std::string(versionString())},
                            {"run",
                             {{"id", runId},
                              {"name", run["name"]},
                              {"status", status},
                              {"created_at", run["created_at"]}}},
                            {"files", std::move(files)}};
        writeText(partial / kManifest, manifest.dump(2) + '\n');
        fs::rename(partial, bundle);
    } catch (...) {
        std::error_code ignored;
        fs::remove_all(partial, ignored);
        throw;
    }
    return result;
}

BundleImport importRunBundle(const fs::path& bundle, const fs::path& db, const fs::path& runDir)
{
    const auto manifest = readManifest(bundle);
    const auto files = verifiedFiles(bundle, manifest);
    json rows;
    try {
        rows = json::parse(readBoundedFile(bundle / kRows, kMaxRowsBytes, "bundle rows"));
    } catch (const json::exception& e) {
        throw Error((bundle / kRows).string() + ": damaged (not JSON: " + e.what() + ")");
    }
    if (!rows.is_object() || !rows.contains("runs") || !rows["runs"].is_array() ||
        rows["runs"].size() != 1 || !rows["runs"][0].is_object())
        throw Error((bundle / kRows).string() + ": damaged (it holds no run)");
    auto& run = rows["runs"][0];

    BundleImport result;
    result.sourceRunId = run.value("id", std::int64_t{0});
    result.name = run.value("name", "");
    if (db.has_parent_path())
        fs::create_directories(db.parent_path());
    store::RunStore runs(db);
    if (const auto existing = sameRun(runs, run))
        throw Error("run " + std::to_string(*existing) + " of " + db.string() + " is this "
                    "bundle's run already (imported before, or the store it was exported "
                    "from): not importing it twice");

    result.runDir = fs::absolute(runDir.empty() ? defaultRunsDirectory() /
                                                      (safeFolderName(result.name) +
                                                       "-imported-" + folderTimestamp())
                                                : runDir);
    if (fs::exists(result.runDir) && !fs::is_empty(result.runDir))
        throw Error(result.runDir.string() + " holds files: give an empty or new folder for "
                    "the imported run");
    const bool created = !fs::exists(result.runDir);
    try {
        fs::create_directories(result.runDir);
        for (const auto& file : files) {
            const auto inside = underRunFolder(file);
            if (inside.empty())
                continue;
            fs::create_directories((result.runDir / inside).parent_path());
            fs::copy_file(bundle / file, result.runDir / inside);
        }
        run["run_dir"] = result.runDir.string();
        if (rows.contains("checkpoints") && rows["checkpoints"].is_array())
            for (auto& checkpoint : rows["checkpoints"])
                if (checkpoint.is_object() && checkpoint.contains("path") &&
                    checkpoint["path"].is_string())
                    checkpoint["path"] =
                        (result.runDir / underRunFolder(checkpoint["path"].get<std::string>()))
                            .string();
        try {
            result.runId = store::loadRunRows(runs.database(), rows);
        } catch (const Error& e) {
            throw Error((bundle / kRows).string() + ": " + e.what());
        }
    } catch (...) {
        std::error_code ignored;
        if (created)
            fs::remove_all(result.runDir, ignored);
        else
            for (const auto& entry : fs::directory_iterator(result.runDir, ignored))
                fs::remove_all(entry.path(), ignored);
        throw;
    }
    return result;
}

} // namespace cpo::engine
