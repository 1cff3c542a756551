#include "engine/experiment_names.h"
#include "engine/experiment_readers.h"
#include "engine/hub_source.h"

#include <string>

// The `dataset` block: its kind and that kind's own sub-object.
namespace cpo::engine {
namespace {

using nlohmann::json;

// A template must show what it is used for (mirrors data::PromptTemplate::validate, so the
// mistake is reported with the rest of the file rather than when the data loads).
void checkTemplate(ObjectReader& in, std::string_view key, const std::string& text,
                   bool withContext)
{
    const bool hasInstruction = text.find("{instruction}") != std::string::npos;
    const bool hasContext = text.find("{context}") != std::string::npos;
    if (!hasInstruction)
        in.error(key, describeValue(text) + " lacks the {instruction} placeholder");
    if (withContext && !hasContext)
        in.error(key, describeValue(text) + " lacks the {context} placeholder");
    if (!withContext && hasContext)
        in.error(key, describeValue(text) + " asks for {context}, which is empty here");
}

InstructionFieldNames readFieldNames(ObjectReader in)
{
    InstructionFieldNames out;
    out.instruction = in.requiredString("instruction").value_or(out.instruction);
    out.context = in.string("context", out.context);
    out.response = in.requiredString("response").value_or(out.response);
    out.category = in.string("category", out.category);
    in.finish();
    return out;
}

InstructionJsonlSpec readInstructionJsonl(ObjectReader in)
{
    InstructionJsonlSpec out;
    out.path = readPathOrHub(in, hub::RepoType::Dataset);
    if (const json* fields = in.take("fields")) {
        if (fields->is_object()) {
            out.fieldsPreset.clear();
            out.fields = readFieldNames(ObjectReader(*fields, in.pathOf("fields"), in.issues()));
        } else {
            out.fieldsPreset = in.choice("fields", out.fieldsPreset, kFieldPresets);
        }
    }
    out.promptTemplate = in.string("template", out.promptTemplate);
    checkTemplate(in, "template", out.promptTemplate, true);
    out.promptTemplateNoContext = in.string("template_no_context", out.promptTemplateNoContext);
    checkTemplate(in, "template_no_context", out.promptTemplateNoContext, false);
    out.maxBadFraction = in.number("max_bad_fraction", out.maxBadFraction, Range::closed(0, 1));
    in.finish();
    return out;
}

TextCorpusSpec readTextCorpus(ObjectReader in)
{
    TextCorpusSpec out;
    const auto length = Range::closed(1, kMaxDimension);
    out.path = readPathOrHub(in, hub::RepoType::Dataset);
    out.prefixTokens = in.integer("prefix_tokens", out.prefixTokens, length);
    out.continuationTokens =
        in.integer("continuation_tokens", out.continuationTokens, Range::closed(2, kMaxDimension));
    out.stride = in.integer("stride", out.stride, Range::closed(0, kMaxDimension));
    in.finish();
    return out;
}

DebianPackagesSpec readDebianPackages(ObjectReader in)
{
    DebianPackagesSpec out;
    out.examples = in.integer("examples", out.examples, Range::closed(0, kMaxCount));
    out.listsDir = in.string("lists_dir", out.listsDir);
    if (out.listsDir.empty())
        in.error("lists_dir", "must not be empty");
    in.finish();
    return out;
}

SplitSpec readSplits(ObjectReader in)
{
    SplitSpec out;
    out.validation = in.number("validation", out.validation, Range::closed(0, 0.5));
    out.test = in.number("test", out.test, Range::closed(0, 0.5));
    in.finish();
    return out;
}

// Each kind's own sub-object: exactly the one matching `kind` may be present.
void readDatasetKind(ObjectReader& in, DatasetSpec& out, const std::optional<std::string>& kind)
{
    for (std::size_t i = 0; i < kDatasetKinds.size(); ++i) {
        const auto key = kDatasetKinds[i];
        auto sub = in.object(key);
        if (!sub)
            continue;
        if (!kind || *kind != key) {
            if (kind)
                in.error(key, "given but kind is \"" + *kind + "\"");
            continue;
        }
        switch (static_cast<DatasetKind>(i)) {
        case DatasetKind::Oracle: out.oracle = data::readOracleOptions(std::move(*sub)); break;
        case DatasetKind::InstructionJsonl:
            out.instructionJsonl = readInstructionJsonl(std::move(*sub));
            break;
        case DatasetKind::TextCorpus: out.textCorpus = readTextCorpus(std::move(*sub)); break;
        case DatasetKind::DebianPackages:
            out.debianPackages = readDebianPackages(std::move(*sub));
            break;
        }
    }
    // These kinds cannot do without a path; the others have usable defaults.
    if (kind == "instruction_jsonl" && !in.has("instruction_jsonl"))
        in.error("instruction_jsonl", "missing; kind \"instruction_jsonl\" needs {\"path\": ...}");
    if (kind == "text_corpus" && !in.has("text_corpus"))
        in.error("text_corpus", "missing; kind \"text_corpus\" needs {\"path\": ...}");
}

} // namespace

DatasetSpec readDataset(ObjectReader& root)
{
    DatasetSpec out;
    auto in = root.object("dataset");
    if (!in) {
        if (!root.has("dataset"))
            root.error("dataset", "missing; give {\"kind\": \"oracle\", ...}");
        return out;
    }
    const auto kind = in->requiredChoice("kind", kDatasetKinds);
    if (kind)
        out.kind = fromName<DatasetKind>(kDatasetKinds, *kind);
    readDatasetKind(*in, out, kind);
    out.maxPrefixTokens =
        in->integer("max_prefix_tokens", out.maxPrefixTokens, Range::closed(1, kMaxDimension));
    out.maxContinuationTokens = in->integer("max_continuation_tokens", out.maxContinuationTokens,
                                            Range::closed(2, kMaxDimension));
    if (auto splits = in->object("splits"))
        out.splits = readSplits(std::move(*splits));
    in->finish();
    return out;
}

} // namespace cpo::engine
