#include "studio_arguments.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QFileInfo>

#include <cstdio>
#include <cstdlib>

namespace cpo::ui {

StudioArgumentsResult parseStudioArguments(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("CPO Studio: a lab for sequence-level Contrastive Preference "
                       "Optimization. Opens EXPERIMENT.json in the setup form."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption version(QStringLiteral("version"),
                                     QStringLiteral("Show the version."));
    const QCommandLineOption db(QStringLiteral("db"),
                                QStringLiteral("The run store (default: the user's, as cpo's)."),
                                QStringLiteral("file"));
    const QCommandLineOption run(QStringLiteral("run"),
                                 QStringLiteral("Start the experiment at once."));
    const QCommandLineOption set(
        QStringLiteral("set"),
        QStringLiteral("Override a field of the experiment, as cpo run --set (repeatable)."),
        QStringLiteral("key.path=value"));
    const QCommandLineOption stepsScale(
        QStringLiteral("steps-scale"),
        QStringLiteral("Multiply every phase's steps by F, as cpo run --steps-scale."),
        QStringLiteral("F"), QStringLiteral("1"));
    const QCommandLineOption view(QStringLiteral("view"),
                                  QStringLiteral("The view to show first: %1.")
                                      .arg(kStudioViews.join(QStringLiteral(", "))),
                                  QStringLiteral("name"));
    const QCommandLineOption model(QStringLiteral("model"),
                                   QStringLiteral("Playground: Hugging Face model folder."),
                                   QStringLiteral("dir"));
    const QCommandLineOption tokenizer(QStringLiteral("tokenizer"),
                                       QStringLiteral("Playground: tokenizer folder or file."),
                                       QStringLiteral("path"));
    const QCommandLineOption prompt(QStringLiteral("prompt"),
                                    QStringLiteral("Playground: the prompt to start with."),
                                    QStringLiteral("text"));
    const QCommandLineOption generate(QStringLiteral("generate"),
                                      QStringLiteral("Playground: start generating at once."));
    parser.addOptions(
        {help, version, db, run, set, stepsScale, view, model, tokenizer, prompt, generate});
    parser.addPositionalArgument(QStringLiteral("experiment"),
                                 QStringLiteral("An experiment file to open (JSON)."),
                                 QStringLiteral("[EXPERIMENT.json]"));

    StudioArgumentsResult result;
    if (!parser.parse(arguments)) {
        result.error = parser.errorText();
        return result;
    }
    if (parser.isSet(help)) {
        result.helpText = parser.helpText();
        return result;
    }
    if (parser.isSet(version)) {
        result.helpText = QCoreApplication::applicationName() + QLatin1Char(' ') +
                          QCoreApplication::applicationVersion() + QLatin1Char('\n');
        return result;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1) {
        result.error = QStringLiteral("one experiment file at most, got %1: %2")
                           .arg(positional.size())
                           .arg(positional.join(QStringLiteral(", ")));
        return result;
    }
    StudioArguments& out = result.arguments;
    if (!positional.isEmpty()) {
        const QFileInfo file(positional.front());
        if (!file.isFile()) {
            result.error = QStringLiteral("%1: no such experiment file").arg(positional.front());
            return result;
        }
        out.experimentFile = file.absoluteFilePath();
    }
    out.startRun = parser.isSet(run);
    if (out.startRun && out.experimentFile.isEmpty()) {
        result.error = QStringLiteral("--run needs an experiment file to run, e.g. "
                                      "cpo-studio experiments/demo-oracle.json --run");
        return result;
    }
    out.overrides = parser.values(set);
    if (!out.overrides.isEmpty() && out.experimentFile.isEmpty()) {
        result.error = QStringLiteral("--set needs an experiment file to change");
        return result;
    }
    bool isNumber = false;
    out.stepsScale = parser.value(stepsScale).toDouble(&isNumber);
    if (!isNumber || !(out.stepsScale > 0)) {
        result.error = QStringLiteral("--steps-scale %1: expected a number > 0, e.g. 0.1")
                           .arg(parser.value(stepsScale));
        return result;
    }
    if (parser.isSet(db))
        out.databaseFile = QFileInfo(parser.value(db)).absoluteFilePath();
    out.view = parser.value(view);
    if (!out.view.isEmpty() && !kStudioViews.contains(out.view)) {
        result.error = QStringLiteral("--view %1: unknown view; allowed: %2")
                           .arg(out.view, kStudioViews.join(QStringLiteral(", ")));
        return result;
    }
    out.modelDir = parser.value(model);
    out.tokenizerPath = parser.value(tokenizer);
    out.prompt = parser.value(prompt);
    out.generate = parser.isSet(generate);
    return result;
}

StudioArguments studioArgumentsOrExit(const QCoreApplication& app)
{
    Q_UNUSED(app); // asks for the application so its name and arguments are set up
    const auto result = parseStudioArguments(QCoreApplication::arguments());
    if (!result.error.isEmpty()) {
        std::fprintf(stderr, "cpo-studio: %s\n", qPrintable(result.error));
        std::exit(2);
    }
    if (!result.helpText.isEmpty()) {
        std::fputs(qPrintable(result.helpText), stdout);
        std::exit(0);
    }
    return result.arguments;
}

} // namespace cpo::ui
