// run: one prompt (argument or stdin) or an interactive chat on a terminal.
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
  if (outcome.stop_reason == "error") {
    const auto error = outcome.stats.find("error");
    const std::string message = error != outcome.stats.end() && error->is_string()
                                    ? error->get<std::string>()
                                    : "generation failed";
    return Status(StatusCode::kInternal, "Failed: " + message);
  }
  if (outcome.stop_reason == "shutdown") {
    return Status(StatusCode::kCancelled, "ShuttingDown: the daemon stopped while generating");
  }
  if (outcome.stop_reason == "cancelled" && !outcome.cancel_sent) {
    return Status(StatusCode::kCancelled,
                  "Cancelled: the daemon cancelled the request (was the model unloaded?)");
  }
  return Status::Ok();
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
  auto outcome =
      session.Generate(prompt, GenerationOptions(line.generation), on_piece, &interrupts);
  if (!line.json) PrintText("\n");
  if (!outcome.ok()) return PrintFailure(outcome.status());
  if (line.json) PrintJson(Json{{"text", generated}, {"stats", outcome->stats}});
  PrintStats(line, *outcome);
  if (Status status = OutcomeStatus(*outcome); !status.ok()) return PrintFailure(status);
  return outcome->stop_reason == "cancelled" ? kExitInterrupted : kExitOk;
}

// A chat on the terminal: "> ", one user message per line, the answer
// streamed; EOF ends it, and so does Ctrl-C at the prompt (status 130).
int RunInteractive(Session& session, const CommandLine& line, InterruptWatch& interrupts) {
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
    auto outcome = session.Generate(std::move(messages), GenerationOptions(line.generation),
                                    on_piece, &interrupts);
    PrintText("\n");
    if (!outcome.ok()) return PrintFailure(outcome.status());
    PrintStats(line, *outcome);
    if (Status status = OutcomeStatus(*outcome); !status.ok()) return PrintFailure(status);
  }
}

}  // namespace

int RunCommand(sd_bus* bus, const CommandLine& line) {
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

  auto session = Session::Create(bus, line.model, SessionOptions(line.context_length));
  if (!session.ok()) return PrintFailure(session.status());
  // From here on Ctrl-C cancels; before, it simply ended llmctl.
  auto interrupts = InterruptWatch::Install();
  if (!interrupts.ok()) return PrintFailure(interrupts.status());
  const int status = interactive ? RunInteractive(**session, line, **interrupts)
                                 : RunOnce(**session, line, text, **interrupts);
  (*session)->Close();
  return status;
}

}  // namespace llmcore::llmctl
