#pragma once

#include <stdexcept>
#include <string>

namespace cpo {

// The one exception type core throws for bad input: a file that is malformed, a flag or
// config value that is impossible. Its message is meant for the user as it stands: it names
// the file or field, the problem and, where there is one, the fix.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace cpo
