// What an OpenAI-compatible judge answers (eval/openai_judge.h): the reply body as a chat
// completion, then its text as a verdict. (The 1 MiB cap on a reply is eval/chat_client.h's.)
#include "eval/openai_judge.h"
#include "fuzz_input.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto body = cpo::fuzz::asText(data, size);
    try {
        if (const auto content = cpo::eval::chatCompletionContent(body))
            (void)cpo::eval::parseAnswer(*content);
        (void)cpo::eval::parseAnswer(body);
    } catch (const cpo::Error&) {
    }
    return 0;
}
