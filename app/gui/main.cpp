// `cpo-studio`: the desktop app. Parses its few arguments and opens the main window.

#include "log_relay.h"
#include "playground_window.h"

#include "util/log.h"

#include <QtCore/QCommandLineParser>
#include <QtWidgets/QApplication>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName("cpo-studio");
    QApplication::setApplicationName("CPO Studio");
    QApplication::setApplicationVersion("0.1.0");

    QCommandLineParser parser;
    parser.setApplicationDescription("CPO Studio: a lab for sequence-level Contrastive "
                                     "Preference Optimization");
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption model("model", "Hugging Face model folder to open.", "dir");
    const QCommandLineOption tokenizer("tokenizer", "Tokenizer folder or file.", "path");
    const QCommandLineOption prompt("prompt", "Prompt to start with.", "text");
    const QCommandLineOption generate("generate", "Start generating at once.");
    parser.addOptions({model, tokenizer, prompt, generate});
    parser.process(app);

    cpo::ui::LogRelay logRelay;
    cpo::log::addSink(logRelay.sink());

    cpo::ui::PlaygroundWindow window(logRelay);
    if (parser.isSet(model))
        window.setModelDir(parser.value(model));
    if (parser.isSet(tokenizer))
        window.setTokenizerPath(parser.value(tokenizer));
    if (parser.isSet(prompt))
        window.setPrompt(parser.value(prompt));
    window.show();
    if (parser.isSet(generate))
        window.startGeneration();
    return QApplication::exec();
}
