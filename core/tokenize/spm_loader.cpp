#include "tokenize/spm_module.h"

#include "util/error.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace cpo::tokenize {
namespace {

namespace fs = std::filesystem;

constexpr char kModuleName[] = "libcpo-sentencepiece.so";

// RTLD_DEEPBIND keeps the module's private protobuf apart from LibTorch's (spm_module.h), but
// AddressSanitizer's runtime refuses it (and aborts). A sanitizer build loads the module
// without it: that works where LibTorch is not in the process, as in the fuzz targets.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kDeepBind = 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr int kDeepBind = 0;
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif

struct LoadedModule {
    SpmOpenFunction open = nullptr;
    SpmTrainFunction train = nullptr;
    std::string error; // why it could not be loaded
};

std::vector<fs::path> candidatePaths()
{
    std::vector<fs::path> paths;
    if (const char* path = std::getenv("CPO_SENTENCEPIECE_MODULE"); path && *path)
        paths.emplace_back(path);
    paths.emplace_back(CPO_SPM_MODULE_PATH); // where this build put it
    std::error_code error;
    const auto exe = fs::read_symlink("/proc/self/exe", error);
    if (!error) {
        paths.push_back(exe.parent_path() / kModuleName);
        paths.push_back(exe.parent_path().parent_path() / "lib" / kModuleName);
        // Where the Debian package installs it (/usr/lib/cpo-studio, packaging/).
        paths.push_back(exe.parent_path().parent_path() / "lib" / "cpo-studio" / kModuleName);
    }
    return paths;
}

LoadedModule loadModule()
{
    LoadedModule module;
    std::string tried;
    for (const auto& path : candidatePaths()) {
        tried += (tried.empty() ? "" : ", ") + path.string();
        if (!fs::exists(path))
            continue;
        // Never unloaded: the module lives as long as the process, like a linked library.
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | kDeepBind);
        if (!handle) {
            module.error = std::string("cannot load ") + path.string() + ": " + dlerror();
            return module;
        }
        module.open = reinterpret_cast<SpmOpenFunction>(dlsym(handle, "cpo_spm_open"));
        module.train = reinterpret_cast<SpmTrainFunction>(dlsym(handle, "cpo_spm_train"));
        if (!module.open || !module.train)
            module.error = path.string() + " is not CPO Studio's SentencePiece module";
        return module;
    }
    module.error = std::string("SentencePiece support module ") + kModuleName +
                   " not found (looked in: " + tried +
                   "); set CPO_SENTENCEPIECE_MODULE to its path";
    return module;
}

// Loaded once per process, on first use, like the library it wraps.
const LoadedModule& module()
{
    static std::once_flag once;
    static LoadedModule loaded;
    std::call_once(once, [] { loaded = loadModule(); });
    if (!loaded.error.empty())
        throw Error(loaded.error);
    return loaded;
}

} // namespace

std::unique_ptr<SpmProcessor> openSpmModel(const std::string& modelPath)
{
    std::string error;
    std::unique_ptr<SpmProcessor> processor(module().open(modelPath.c_str(), &error));
    if (!processor)
        throw Error("cannot load SentencePiece model '" + modelPath + "': " + error +
                    "; is it a tokenizer.model file?");
    return processor;
}

void trainSpmModel(const SpmTrainerArguments& arguments, unsigned seed)
{
    std::string error;
    if (!module().train(&arguments, seed, &error))
        throw Error("SentencePiece training failed: " + error);
}

} // namespace cpo::tokenize
