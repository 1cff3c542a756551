#pragma once

#include <QtCore/QString>
#include <QtCore/QStringList>

class QCoreApplication;

namespace cpo::ui {

// What `cpo-studio [EXPERIMENT.json] [--db FILE] [--run]` asks for, as plain values.
struct StudioArguments {
    QString experimentFile; // opened in the setup form; "" = none
    QString databaseFile;   // the run store; "" = the user's default (cpo::defaultDatabasePath)
    bool startRun = false;  // start the experiment at once (needs experimentFile)
    QStringList overrides;  // --set key.path=value, applied in order to the opened experiment
    double stepsScale = 1.0; // --steps-scale: every phase's steps times this (quick tries)
    QString view;           // the view to raise at start ("" = as last time); see kStudioViews
    // The generation playground's own fields.
    QString modelDir;
    QString tokenizerPath;
    QString prompt;
    bool generate = false;
};

// The views --view accepts, for the screenshot script and for a user who wants one up front.
inline const QStringList kStudioViews{QStringLiteral("setup"), QStringLiteral("runs"),
                                      QStringLiteral("dashboard"),
                                      QStringLiteral("playground"), QStringLiteral("inspector"),
                                      QStringLiteral("judging"), QStringLiteral("alpha"),
                                      QStringLiteral("compare")};

// What parsing gave: the arguments, or a message to print (help, version or an error).
struct StudioArgumentsResult {
    StudioArguments arguments;
    QString error;      // non-empty: print on stderr and exit 2
    QString helpText;   // non-empty: --help or --version was asked; print and exit 0
};

// Parses `arguments` (the program name first, as QCoreApplication::arguments() gives it).
// Checks what can be checked before a window opens: at most one experiment file, and it
// exists; --run and --set need one; --steps-scale is a positive number; --view is a
// known view.
StudioArgumentsResult parseStudioArguments(const QStringList& arguments);

// For main(): parses the application's arguments, prints help, version or an error and
// exits like QCommandLineParser::process() does; otherwise returns them.
StudioArguments studioArgumentsOrExit(const QCoreApplication& app);

} // namespace cpo::ui
