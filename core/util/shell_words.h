#pragma once

#include <string>
#include <string_view>

// Words as a POSIX shell reads them: for showing a command a person can paste into a terminal,
// and for refusing what a remote shell (ssh hands the command to one) would interpret.
namespace cpo {

// Letters, digits and @ % + = : , . / _ ~ - only, at least one: a shell reads the word as it
// is (a leading ~ is the one expansion left, so that a remote path may say ~/runs.sqlite).
bool isPlainShellWord(std::string_view word);

// `word` as a shell must be given it: unchanged when plain, else in single quotes (a quote
// inside written as '\'').
std::string shellQuoted(std::string_view word);

} // namespace cpo
