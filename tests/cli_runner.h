#pragma once

#include "test_env.h"

#include <QtCore/QByteArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QStringList>
#include <QtCore/QtDebug>

// Runs the real `cpo` binary (CPO_CLI) as a script would, for the CLI test suites.
namespace cpo::test {

struct CliResult {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

inline CliResult runCpo(const QStringList& arguments, const QByteArray& input = {},
                        const QProcessEnvironment& environment =
                            QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(cliPath(), arguments);
    if (!process.waitForStarted())
        return {};
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    process.waitForFinished(180000);
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

// stdout as the one JSON document a --json command prints (warns when it is not).
inline QJsonObject parseSingleJson(const QByteArray& out)
{
    QJsonParseError error;
    const auto document = QJsonDocument::fromJson(out, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << "stdout is not one JSON document:" << error.errorString() << out.left(300);
    return document.object();
}

} // namespace cpo::test
