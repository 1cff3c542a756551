#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cpo::tokenize {

// libsentencepiece, as Debian builds it, carries and exports its own copy of protobuf, while
// LibTorch loads the system's libprotobuf: in one global symbol namespace one of the two
// always binds to the other's code and aborts. So libsentencepiece is used only from a small
// module of ours (libcpo-sentencepiece.so) that is dlopen'ed with RTLD_DEEPBIND | RTLD_LOCAL:
// inside it, sentencepiece binds to its own protobuf; outside, nothing sees that copy.
// These are the few operations the tokenizer needs, behind a C++ interface (the module shares
// this process's libstdc++, so strings and vectors cross the boundary as they are).

// A loaded SentencePiece model. Failures come back as a non-empty message.
class SpmProcessor {
public:
    virtual ~SpmProcessor() = default;
    virtual int pieceSize() const = 0;
    virtual int bosId() const = 0; // -1 when the model has none
    virtual int eosId() const = 0;
    virtual bool isControlOrUnknown(int id) const = 0;
    virtual std::string idToPiece(int id) const = 0;
    virtual std::string encode(std::string_view text, std::vector<int>& ids) const = 0;
    virtual std::string decode(const std::vector<int>& ids, std::string& text) const = 0;
};

using SpmTrainerArguments = std::unordered_map<std::string, std::string>;

// The module's entry points (extern "C" in spm_module.cpp).
using SpmOpenFunction = SpmProcessor* (*)(const char* modelPath, std::string* error);
using SpmTrainFunction = bool (*)(const SpmTrainerArguments* arguments, unsigned seed,
                                  std::string* error);

// Loads a model through the module. Throws cpo::Error naming the model, or the module when
// it cannot be found (it is looked for in $CPO_SENTENCEPIECE_MODULE, where the build put it,
// and next to the running executable).
std::unique_ptr<SpmProcessor> openSpmModel(const std::string& modelPath);
// Trains through the module; throws cpo::Error with SentencePiece's message on failure.
void trainSpmModel(const SpmTrainerArguments& arguments, unsigned seed);

} // namespace cpo::tokenize
