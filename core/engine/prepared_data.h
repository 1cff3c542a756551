#pragma once

#include "data/examples.h"
#include "oracle/oracle_task.h"
#include "data/splits.h"
#include "engine/experiment.h"
#include "tokenize/tokenizer.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cpo::engine {

// An experiment's data made ready for training: its tokenizer and the tokenized splits, and
// for the oracle task the teacher that generated them (the exact judge).
struct PreparedData {
    std::shared_ptr<const tokenize::Tokenizer> tokenizer;
    std::vector<data::TokenizedExample> train;
    std::vector<data::TokenizedExample> validation;
    std::vector<data::TokenizedExample> test;
    std::shared_ptr<const data::OracleTask> oracle; // null unless dataset.kind is oracle
    std::string description;                        // one line for logs and the summary
};

using StatusCallback = std::function<void(const std::string& message)>;

// Builds the dataset the experiment names, writing what it makes (the oracle teacher, the
// Debian packages JSONL, a trained SentencePiece model) under runDir so a run is complete
// on its own. Throws cpo::Error naming the file or field when data cannot be had.
PreparedData prepareData(const ExperimentConfig& config, const std::filesystem::path& runDir,
                         const StatusCallback& status);

// The experiment as it reads the files its run already made: a tokenizer the run trained is
// loaded from runDir/tokenizer/spm.model instead of being trained again (a resumed run's
// weights belong to that vocabulary). Throws cpo::Error when the run trained one and the file
// is missing.
ExperimentConfig withRunTokenizer(const ExperimentConfig& config,
                                  const std::filesystem::path& runDir);

// One split of a run's data, made again as prepareData() made it for the run in runDir, to
// evaluate the run's checkpoints; nothing is written into runDir. The oracle task's teacher
// is loaded from runDir/teacher (drawn again from its seed when absent: the same teacher) and
// only the split asked for is drawn; a SentencePiece tokenizer the run trained is loaded from
// runDir/tokenizer/spm.model, not trained again. Other data are read and split again from the
// sources the experiment names: the splits are a pure function of each example and the seed,
// so the same sources give the same split. Fields other than the split's stay empty.
PreparedData prepareSplit(const ExperimentConfig& config, const std::filesystem::path& runDir,
                          data::Split split, const StatusCallback& status);

} // namespace cpo::engine
