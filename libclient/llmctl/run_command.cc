// run: one prompt (argument or stdin) or an interactive chat on a terminal,
// in a session of libllmcore (session.h).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "commands.h"
#include "errors.h"
#include "format.h"
#include "session.h"

namespace llmcore::llmctl {
namespace {

// What a finished request means for llmctl: a Status for the stop reasons
// that are failures ("error", "shutdown", a cancel nobody here asked for).
Status OutcomeStatus(const Outcome& outcome) {
  switch (outcome.stop_reason) {
    case LLMCORE_STOP_ERROR:
      return outcome.failure.ok() ? Status(StatusCode::kInternal, "Failed: generation failed")
                                  : outcome.failure;
    case LLMCORE_STOP_SHUTDOWN:
      return Status(StatusCode::kCancelled, "ShuttingDown: the daemon stopped while generating");
    case LLMCORE_STOP_CANCELLED:
      if (!outcome.cancel_sent) {
        return Status(StatusCode::kCancelled,
                      "Cancelled: the daemon cancelled the request (was the model unloaded?)");
      }
      break;
    default: break;
  }
  return outcome.failure;
}

void PrintStats(const CommandLine& line, const Outcome& outcome) {
  if (!line.verbose) return;
  const std::string text = "llmctl: " + FormatStats(outcome.stats) + "\n";
  std::fputs(text.c_str(), stderr);
}

Result<std::string> ReadAllStdin() {
  std::string text(std::istreambuf_iterator<char>(std::cin), {});
  if (std::cin.bad()) return Status(StatusCode::kIoError, "cannot read the prompt from stdin");
  // `echo PROMPT | llmctl run MODEL` means PROMPT, not PROMPT and a newline.
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// A single prompt: streamed to stdout (or one JSON object with --json).
int RunOnce(Session& session, const CommandLine& line, const std::string& text,
            InterruptWatch& interrupts) {
  Prompt prompt = text;
  if (line.chat) {
    std::vector<ChatMessage> messages;
    if (line.system_prompt) messages.push_back({"system", *line.system_prompt});
    messages.push_back({"user", text});
    prompt = std::move(messages);
  }
  std::string generated;
  auto on_piece = [&](std::string_view piece) {
    if (line.json) {
      generated += piece;
    } else {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    }
  };
  const GenerateOptions options(line.generation);
  auto outcome = session.Generate(prompt, options, on_piece, &interrupts);
  if (!line.json) PrintText("\n");
  if (!outcome.ok()) return PrintFailure(outcome.status());
  if (line.json) PrintJson(Json{{"text", generated}, {"stats", outcome->stats}});
  PrintStats(line, *outcome);
  if (Status status = OutcomeStatus(*outcome); !status.ok()) return PrintFailure(status);
  return outcome->stop_reason == LLMCORE_STOP_CANCELLED ? kExitInterrupted : kExitOk;
}

// A chat on the terminal: "> ", one user message per line, the answer
// streamed; EOF ends it, and so does Ctrl-C at the prompt (status 130).
int RunInteractive(Session& session, const CommandLine& line, InterruptWatch& interrupts) {
  const GenerateOptions options(line.generation);
  bool first = true;
  std::string input;
  while (true) {
    interrupts.Reset();
    PrintText("> ");
    if (!std::getline(std::cin, input)) {
      PrintText("\n");
      return interrupts.presses() > 0 ? kExitInterrupted : kExitOk;
    }
    if (input.empty()) continue;
    std::vector<ChatMessage> messages;
    if (first && line.system_prompt) messages.push_back({"system", *line.system_prompt});
    messages.push_back({"user", input});
    first = false;
    auto on_piece = [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    };
    auto outcome = session.Generate(std::move(messages), options, on_piece, &interrupts);
    PrintText("\n");
    if (!outcome.ok()) return PrintFailure(outcome.status());
    PrintStats(line, *outcome);
    if (Status status = OutcomeStatus(*outcome); !status.ok()) return PrintFailure(status);
  }
}

}  // namespace

int RunCommand(const CommandLine& line) {
  const bool interactive = !line.prompt && ::isatty(STDIN_FILENO) == 1;
  if (interactive && line.json) {
    std::fputs("llmctl: run --json needs a PROMPT or a prompt on stdin\n", stderr);
    return kExitUsage;
  }
  std::string text;
  if (line.prompt) {
    text = *line.prompt;
  } else if (!interactive) {
    auto read = ReadAllStdin();
    if (!read.ok()) return PrintFailure(read.status());
    text = std::move(*read);
  }

  auto session = Session::Open(line.bus, line.model, line.context_length);
  if (!session.ok()) return PrintFailure(session.status());
  // From here on Ctrl-C cancels; before, it simply ended llmctl.
  auto interrupts = InterruptWatch::Install();
  if (!interrupts.ok()) return PrintFailure(interrupts.status());
  // The session is closed when it goes out of scope.
  return interactive ? RunInteractive(**session, line, **interrupts)
                     : RunOnce(**session, line, text, **interrupts);
}

}  // namespace llmcore::llmctl
