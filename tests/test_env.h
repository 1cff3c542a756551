#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QDir>
#include <QtCore/QString>

// Paths the CTest environment hands to every test (see tests/CMakeLists.txt).
namespace cpo::test {

// ../shared/data, or an empty string when the variable is unset or the folder is missing.
inline QString sharedDataDir()
{
    const QString dir = qEnvironmentVariable("CPO_TEST_DATA_DIR");
    return !dir.isEmpty() && QDir(dir).exists() ? QDir(dir).absolutePath() : QString();
}

inline QString sourceDir() { return qEnvironmentVariable("CPO_SOURCE_DIR"); }
inline QString cliPath() { return qEnvironmentVariable("CPO_CLI"); }

} // namespace cpo::test
