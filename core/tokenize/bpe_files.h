#pragma once

#include "tokenize/byte_level_bpe.h"

#include <filesystem>
#include <memory>

namespace cpo::tokenize {

// The three on-disk layouts of a GPT-2 style byte-level BPE. All throw cpo::Error naming the
// file, the problem and the fix.

// HF's `vocab.json` + `merges.txt`, or OpenAI's `encoder.json` + `vocab.bpe`: the same two
// formats under other names (a JSON object token -> id; one merge "left right" per line after
// a `#version` line). `<|endoftext|>`, when the vocabulary has it, is the special token.
BpeModelData readVocabAndMerges(const std::filesystem::path& vocabJson,
                                const std::filesystem::path& mergesTxt);

// HF's `tokenizer.json` for model.type "BPE" with the ByteLevel pre-tokenizer (GPT-2, RoBERTa,
// GPT-J, ...). Its `added_tokens` become the special tokens. Other model types, pre-tokenizers
// and normalizers are refused rather than approximated.
BpeModelData readHfTokenizerJson(const std::filesystem::path& tokenizerJson);

std::unique_ptr<ByteLevelBpe> loadVocabAndMerges(const std::filesystem::path& vocabJson,
                                                 const std::filesystem::path& mergesTxt);
std::unique_ptr<ByteLevelBpe> loadHfTokenizerJson(const std::filesystem::path& tokenizerJson);

} // namespace cpo::tokenize
