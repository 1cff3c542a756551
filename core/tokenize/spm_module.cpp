// The body of libcpo-sentencepiece.so: the only code that calls libsentencepiece. Built as a
// MODULE and loaded by spm_loader.cpp; see spm_module.h for why.

#include "tokenize/spm_module.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <exception>
#include <string>

namespace {

// libsentencepiece reports most problems as a status but throws from its third-party parts
// (darts_clone, on a vocabulary it cannot index: an empty piece). Caught here, where the
// library is, and reported as a status would be: no exception crosses the module's C API.
template <typename Call>
std::string guarded(Call&& call)
{
    try {
        return call();
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "SentencePiece failed with an unknown exception";
    }
}

class Processor final : public cpo::tokenize::SpmProcessor {
public:
    std::string load(const char* path)
    {
        return guarded([&] {
            const auto status = m_processor.Load(path);
            return status.ok() ? std::string() : status.ToString();
        });
    }
    int pieceSize() const override { return m_processor.GetPieceSize(); }
    int bosId() const override { return m_processor.bos_id(); }
    int eosId() const override { return m_processor.eos_id(); }
    bool isControlOrUnknown(int id) const override
    {
        return m_processor.IsControl(id) || m_processor.IsUnknown(id);
    }
    std::string idToPiece(int id) const override { return m_processor.IdToPiece(id); }
    std::string encode(std::string_view text, std::vector<int>& ids) const override
    {
        return guarded([&] {
            const auto status = m_processor.Encode(text, &ids);
            return status.ok() ? std::string() : status.ToString();
        });
    }
    std::string decode(const std::vector<int>& ids, std::string& text) const override
    {
        return guarded([&] {
            const auto status = m_processor.Decode(ids, &text);
            return status.ok() ? std::string() : status.ToString();
        });
    }

private:
    sentencepiece::SentencePieceProcessor m_processor;
};

} // namespace

extern "C" __attribute__((visibility("default"))) cpo::tokenize::SpmProcessor*
cpo_spm_open(const char* modelPath, std::string* error)
{
    auto processor = std::make_unique<Processor>();
    *error = processor->load(modelPath);
    return error->empty() ? processor.release() : nullptr;
}

extern "C" __attribute__((visibility("default"))) bool
cpo_spm_train(const cpo::tokenize::SpmTrainerArguments* arguments, unsigned seed,
              std::string* error)
{
    // SentencePiece keeps its generator in process-wide state (of this module's copy only);
    // seeding it is the only way its API offers to make sentence sampling repeatable.
    sentencepiece::SetRandomGeneratorSeed(seed);
    *error = guarded([&] {
        const auto status = sentencepiece::SentencePieceTrainer::Train(*arguments);
        return status.ok() ? std::string() : status.ToString();
    });
    return error->empty();
}
